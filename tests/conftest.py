"""Shared fixtures: temporary configurations derived from the embedded demo config."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO / "demo" / "usd1inv.yml"

# A pytest-xdist worker's __main__ (execnet's) has neither __spec__ nor __file__: pyspark's
# connect modules, which Great Expectations imports, take that for a doctest run without
# Spark Connect's packages and sys.exit(0) on import. Give it a file name.
_main = sys.modules.get("__main__")
if _main is not None and _main.__spec__ is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("TQDM_DISABLE", "1")


def write_config(folder: Path, **overrides) -> Path:
    """A copy of the demo config whose data folder is `folder/data`, with top-level overrides."""
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["paths"] = {"data_dir": str(folder / "data")}
    data.update(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def test_output() -> Path:
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory) -> tuple[Path, object]:
    """One full demo run (chain, files, pipeline, close), shared by the demo tests that only
    read what it built: each full run takes minutes. A test that changes the warehouse runs
    its own demo instead. Returns (config path, DemoOutcome)."""
    from demo.runner import run_demo

    config_path = write_config(tmp_path_factory.mktemp("shared_demo"))
    return config_path, run_demo(config_path)
