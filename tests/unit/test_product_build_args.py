"""The product's `dbt build` (the Dagster step) never runs dbt unit tests: those are for
developers (`make test` runs them in tests/integration/test_dbt_incremental_marts.py and
test_dbt_inventory_daily.py); a fixture that depends on a var would fail a user's build."""

from __future__ import annotations

from itertools import pairwise
from types import SimpleNamespace

import orchestration.defs.transform as transform
from ingestion.config import load_config
from tests.conftest import DEMO_CONFIG


def test_build_args_exclude_unit_tests():
    args = transform.dbt_build_args('{"reporting_timezone": "UTC"}')
    assert args[0] == "build"
    pairs = list(pairwise(args))
    assert ("--exclude-resource-type", "unit_test") in pairs


def test_dagster_step_builds_without_unit_tests(monkeypatch, tmp_path):
    calls: list[list[str]] = []

    def fake_dbt_cli_in_process(dbt, args, *, context):
        calls.append(list(args))
        yield from ()

    monkeypatch.setattr(transform, "dbt_cli_in_process", fake_dbt_cli_in_process)
    monkeypatch.setenv("USD1INV_WAREHOUSE", str(tmp_path / "w.duckdb"))
    (assets,) = transform.build_dbt_assets(load_config(DEMO_CONFIG))
    step = assets.op.compute_fn.decorated_fn
    list(step(context=None, dbt=None, warehouse=SimpleNamespace(path=str(tmp_path / "w.duckdb"))))
    assert len(calls) == 1
    args = calls[0]
    assert args[0] == "build"
    assert ("--exclude-resource-type", "unit_test") in list(pairwise(args))
