"""Fixtures for the file-source tests: a config with every adapter, landing folders, a key."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import Config, load_config
from ingestion.files.landing import landed_file, source_for_path
from ingestion.files.load import FileLoader, FileOutcome
from ingestion.warehouse import init_warehouse
from tests.conftest import REPO, write_config

FIXTURES = REPO / "tests" / "fixtures" / "files"
TEST_KEY = "test-pseudonym-key-0123456789abcdef"
KEY_ENV = "USD1INV_TEST_PSEUDONYM_KEY"


def files_section() -> dict:
    return yaml.safe_load((FIXTURES / "files_config.yml").read_text(encoding="utf-8"))


def make_config(folder: Path, **files_overrides) -> Config:
    section = {**files_section(), **files_overrides}
    return load_config(write_config(folder, files=section))


def copy_fixtures(config: Config) -> None:
    shutil.copytree(
        FIXTURES,
        config.landing_dir,
        ignore=shutil.ignore_patterns("*.md", "*.yml"),
        dirs_exist_ok=True,
    )


def memory_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    init_warehouse(con)
    return con


def load_path(
    con: duckdb.DuckDBPyConnection, config: Config, path: Path, load_id: str = "test-load"
) -> FileOutcome:
    source = source_for_path(config, path)
    assert source is not None, path
    return FileLoader(con, config, load_id).load(landed_file(source, path))


@pytest.fixture
def pseudonym_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, TEST_KEY)
    return TEST_KEY


@pytest.fixture
def files_config(tmp_path, pseudonym_key) -> Config:
    config = make_config(tmp_path)
    copy_fixtures(config)
    return config


@pytest.fixture(scope="module")
def loaded_fixtures(tmp_path_factory):
    """Every fixture file loaded once into a warehouse: (config, connection, outcomes)."""
    from ingestion.files.load import load_files

    old = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = TEST_KEY
    try:
        config = make_config(tmp_path_factory.mktemp("fixtures"))
        copy_fixtures(config)
        con = memory_warehouse()
        outcomes = {Path(o.path).name: o for o in load_files(con, config, "load-fixtures")}
        yield config, con, outcomes
        con.close()
    finally:
        if old is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = old
