"""Separation of duties: roles from `access:` decide who may close, approve, reopen and work
breaks; the preparer of a close can never approve it; every attempt, allowed or refused, is a
row of audit.actions (on a real DuckDB warehouse, the close without the pipeline: --no-run)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.config import ConfigError, load_config
from tests.close_warehouse import build_close_warehouse
from tests.conftest import write_config
from usd1inv.access import UNRESTRICTED, AccessDeniedError, authorize
from usd1inv.cli import app

runner = CliRunner()
ROLES = {
    "operator": ["ben"],
    "preparer": ["ana", "carla"],
    "approver": ["carla", "dora"],
    "admin": ["erik"],
}


def _invoke(config: Path, *args: str):
    return runner.invoke(app, [*args, "--config", str(config)], catch_exceptions=False)


def _actions(config: Path) -> list[dict]:
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    try:
        cur = con.execute("select * from audit.actions order by recorded_at")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path, access={"roles": ROLES})
    build_close_warehouse(load_config(path).warehouse_path)
    return path


def test_roles_are_validated_with_the_key_named(tmp_path):
    with pytest.raises(ConfigError, match=r"access\.roles"):
        load_config(write_config(tmp_path, access={"roles": {"auditor": ["x"]}}))
    with pytest.raises(ConfigError, match="listed twice"):
        load_config(write_config(tmp_path, access={"roles": {"admin": ["x", "x"]}}))
    with pytest.raises(ConfigError, match="not a user name"):
        load_config(write_config(tmp_path, access={"roles": {"admin": ["two words"]}}))


def test_authorize_gives_the_role_or_refuses(tmp_path):
    roled = load_config(write_config(tmp_path / "a", access={"roles": ROLES}))
    assert authorize(roled, "close", "ana") == "preparer"
    assert authorize(roled, "close --approve", "carla") == "approver"
    assert authorize(roled, "breaks resolve", "ben") == "operator"
    with pytest.raises(AccessDeniedError, match="needs approver or admin"):
        authorize(roled, "breaks write-off", "ben")
    with pytest.raises(AccessDeniedError, match="not a user of this configuration"):
        authorize(roled, "run", "mallory")
    # without roles every command is allowed and recorded as unrestricted
    assert authorize(load_config(write_config(tmp_path / "b")), "close --reopen", "x") == (
        UNRESTRICTED
    )


def test_duties_are_separated_and_every_attempt_is_recorded(config: Path):
    period = ("close", "--period", "2026-10")
    refused = _invoke(config, *period, "--no-run", "--as", "ben")
    assert refused.exit_code == 1 and "needs preparer" in refused.output
    closed = _invoke(config, *period, "--no-run", "--as", "carla")
    assert closed.exit_code == 0, closed.output
    own = _invoke(config, *period, "--approve", "--as", "carla")  # carla prepared it
    assert own.exit_code == 1 and "carla" in own.output
    not_approver = _invoke(config, *period, "--approve", "--as", "ana")
    assert not_approver.exit_code == 1 and "needs approver" in not_approver.output
    approved = _invoke(config, *period, "--approve", "--as", "dora")
    assert approved.exit_code == 0, approved.output
    reopen = _invoke(config, *period, "--reopen", "--reason", "late file", "--as", "dora")
    assert reopen.exit_code == 1 and "needs admin" in reopen.output
    write_off = _invoke(config, "breaks", "write-off", "BRK-x", "--reason", "small", "--as", "ben")
    assert write_off.exit_code == 1

    rows = _actions(config)
    assert [(r["actor"], r["command"], r["role"], r["outcome"]) for r in rows] == [
        ("ben", "close", None, "refused"),
        ("carla", "close", "preparer", "ok"),
        ("carla", "close --approve", "approver", "failed"),
        ("ana", "close --approve", None, "refused"),
        ("dora", "close --approve", "approver", "ok"),
        ("dora", "close --reopen", None, "refused"),
        ("ben", "breaks write-off", None, "refused"),
    ]
    assert "prepared" in rows[2]["message"] or "closed" in rows[2]["message"]
    assert json.loads(rows[5]["arguments_json"])["reason"] == "late file"
    assert all(r["os_user"] for r in rows)
    # the close records who prepared it: the --as user
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    try:
        (closed_by,) = con.execute("select closed_by from audit.closed_periods").fetchone()
    finally:
        con.close()
    assert closed_by == "carla"


def test_without_roles_actions_are_recorded_as_unrestricted(tmp_path):
    path = write_config(tmp_path)
    build_close_warehouse(load_config(path).warehouse_path)
    result = _invoke(path, "close", "--period", "2026-10", "--no-run", "--as", "zed")
    assert result.exit_code == 0, result.output
    (row,) = _actions(path)
    assert (row["actor"], row["command"], row["role"], row["outcome"]) == (
        "zed",
        "close",
        UNRESTRICTED,
        "ok",
    )


def test_the_actions_are_published_for_readers(tmp_path):
    from reporting.publish import publish_snapshot, snapshot_path

    path = write_config(tmp_path)
    cfg = load_config(path)
    build_close_warehouse(cfg.warehouse_path)
    assert _invoke(path, "close", "--period", "2026-10", "--no-run").exit_code == 0
    publish_snapshot(cfg.warehouse_path, cfg.data_dir)
    con = duckdb.connect(str(snapshot_path(cfg.data_dir)), read_only=True)
    try:
        assert con.execute("select command, outcome from audit.actions").fetchall() == [
            ("close", "ok")
        ]
    finally:
        con.close()
