"""Retention: `usd1inv retention apply` removes landed files' bytes and quarantined values past
their term (ledger files and personal values sooner), keeps hashes and loaded rows, logs every
removal, and a dry run changes nothing (a real DuckDB warehouse and the fixture files)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.config import load_config
from ingestion.files.load import load_files
from ingestion.retention import removed_files
from ingestion.warehouse import init_warehouse
from tests.conftest import write_config
from tests.unit.files.conftest import copy_fixtures, files_section
from usd1inv.cli import app

DAY = 86400
runner = CliRunner()


@pytest.fixture
def loaded(tmp_path, pseudonym_key):
    """The fixture files, ledger ones dropped 20 days ago, the rest 20 days ago but one
    custodian file 40 days ago; the quarantine rows 20 days old. Terms: personal 10 days,
    books and records 30 days."""
    path = write_config(
        tmp_path,
        files=files_section(),
        retention={"books_and_records_days": 30, "personal_data_days": 10},
    )
    config = load_config(path)
    copy_fixtures(config)
    # a ledger file with a bad amount: quarantined, its value kept in audit.quarantine
    source = next(s for s in config.files.sources if s.adapter == "internal_ledger")
    good = sorted((config.landing_dir / source.name).glob("*.csv"))[0]
    header, first, *_ = good.read_text(encoding="utf-8").splitlines()
    cells = first.split(",")
    cells[header.split(",").index("amount")] = "12.3x"
    (good.parent / "bad_amount.csv").write_text(f"{header}\n{','.join(cells)}\n", encoding="utf-8")
    now = time.time()
    files = sorted(p for p in config.landing_dir.rglob("*") if p.is_file())
    for p in files:
        os.utime(p, (now - 20 * DAY, now - 20 * DAY))
    con = duckdb.connect(str(config.warehouse_path))
    init_warehouse(con)
    load_files(con, config, "load-1")
    con.execute("update audit.quarantine set quarantined_at = now() - interval 20 day")
    kinds = dict(con.execute("select path, kind from audit.files").fetchall())
    old = next(p for p in kinds if kinds[p] == "custodian" and Path(p).is_file())
    con.execute("update audit.files set dropped_at = now() - interval 40 day where path = ?", [old])
    con.close()
    return path, config, kinds, old


def _q(config, sql: str):
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_retention_removes_what_is_past_its_term_and_logs_it(loaded):
    path, config, kinds, old = loaded
    ledger = sorted(p for p, k in kinds.items() if k == "ledger" and Path(p).is_file())
    assert ledger, "the fixtures hold ledger files"
    raw_before = _q(config, "select count(*), sum(amount) from raw.ledger_entries")
    quarantined = _q(config, "select count(*) from audit.quarantine where value is not null")[0][0]
    assert quarantined > 0

    dry = runner.invoke(app, ["retention", "apply", "--config", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{len(ledger) + 1 + quarantined} removal(s) due" in dry.output
    assert all(Path(p).is_file() for p in [*ledger, old])  # nothing changed

    done = runner.invoke(app, ["retention", "apply", "--config", str(path), "--as", "dana"])
    assert done.exit_code == 0, done.output
    assert not any(Path(p).exists() for p in [*ledger, old])
    younger = [p for p, k in kinds.items() if k not in ("ledger",) and p != old]
    assert all(Path(p).is_file() for p in younger if Path(p).parent.exists())
    # hashes, amounts and pseudonyms stay; personal values are gone
    assert _q(config, "select count(*), sum(amount) from raw.ledger_entries") == raw_before
    assert _q(config, "select count(*) from audit.files")[0][0] == len(kinds)
    assert _q(config, "select count(*) from audit.quarantine where value is not null") == [(0,)]
    log = _q(config, "select kind, rule, actor, path from audit.retention_log order by path")
    assert {r[0] for r in log} == {"file_bytes", "quarantine_value"}
    files_logged = {r[3]: r[1] for r in log if r[0] == "file_bytes"}
    assert files_logged == {
        **{p: "personal_data_days" for p in ledger},
        old: "books_and_records_days",
    }
    assert {r[2] for r in log} == {"dana"}
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        assert set(removed_files(con)) == set(
            r[0] for r in con.execute("select sha256 from audit.files where path in "
                                      "(select path from audit.retention_log)").fetchall()
        )  # fmt: skip
        actions = con.execute("select command, outcome, actor from audit.actions").fetchall()
    finally:
        con.close()
    assert actions == [("retention apply", "ok", "dana")]
    # applying again removes nothing more
    again = runner.invoke(app, ["retention", "apply", "--config", str(path)])
    assert again.exit_code == 0 and "0 removal(s)" in again.output


def test_without_a_policy_nothing_is_removed(tmp_path):
    path = write_config(tmp_path, retention={})
    result = runner.invoke(app, ["retention", "apply", "--config", str(path)])
    assert result.exit_code == 0 and "No retention policy" in result.output
