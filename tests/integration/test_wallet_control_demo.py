"""Who controls each wallet, on the full demo (the session's one demo run, read only): the cold
vault is a 2-of-3 Safe-compatible multisig on a real anvil (demo/contracts/DemoSafe.sol) whose
signers and threshold appear in marts.wallet_control every day; its one signer swap shows as a
change on exactly one day and as a health signal that day; every other wallet is a single key;
the registry's claims (cold vault: safe, ops-hot: eoa) agree with the chain."""

from __future__ import annotations

import duckdb
import pytest

from demo.scenario import SAFE_SWAP, SAFE_THRESHOLD, cold_vault_signers, demo_signer
from ingestion.config import load_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(shared_demo):
    config = load_config(shared_demo[0])
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield config, con
    finally:
        con.close()


def _cold_vault(config) -> str:
    return next(w.address for w in config.wallets if w.label == "cold-vault")


def _rows(con, sql: str, params=()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_wallet_has_a_row_per_day_and_only_the_cold_vault_is_a_safe(demo):
    config, con = demo
    rows = _rows(con, "select * from marts.wallet_control")
    days = {r["as_of_date"] for r in rows}
    assert len(rows) == len(days) * len(config.wallets)
    assert len(days) >= 90  # 2026-08-01 .. 2026-11-03
    kinds = {(r["wallet_address"], r["wallet_kind"]) for r in rows}
    cold = _cold_vault(config)
    assert {k for a, k in kinds if a == cold} == {"safe"}
    assert {k for a, k in kinds if a != cold} == {"eoa"}
    assert not any(r["is_control_mismatch"] for r in rows)  # the claims hold
    claims = {r["wallet_label"]: r["claimed_control"] for r in rows}
    assert claims["cold-vault"] == "safe" and claims["ops-hot"] == "eoa"
    assert claims["treasury"] is None


def test_the_safes_signers_threshold_and_the_one_signer_change(demo):
    config, con = demo
    rows = _rows(
        con,
        "select * from marts.wallet_control where wallet_address = ? order by as_of_date",
        [_cold_vault(config)],
    )
    before, after = cold_vault_signers(), cold_vault_signers(after_swap=True)
    assert {r["threshold"] for r in rows} == {SAFE_THRESHOLD}
    assert {r["signer_count"] for r in rows} == {3}
    changed = [r for r in rows if r["is_control_changed"]]
    assert len(changed) == 1
    (change,) = changed
    assert change["is_signers_changed"] and not change["is_threshold_changed"]
    assert not change["is_kind_changed"]
    assert change["signers_added"] == demo_signer(SAFE_SWAP[1])
    assert change["signers_removed"] == demo_signer(SAFE_SWAP[0])
    assert change["previous_signers"] == ",".join(before)
    assert change["signers"] == ",".join(after)
    # a third of the way through the history, as the scenario plays it
    days = [r["as_of_date"] for r in rows]
    assert len(days) // 4 < days.index(change["as_of_date"]) < len(days) // 2
    for r in rows:
        expected = before if r["as_of_date"] < change["as_of_date"] else after
        assert r["signers"] == ",".join(expected), r["as_of_date"]
    assert {r["shared_signer_wallet_count"] for r in rows} == {0}  # its signers are its own
    assert not any(r["is_single_signer_safe"] for r in rows)
    assert all(r["is_final"] for r in rows[:-1])


def test_the_signer_change_is_a_health_signal_on_its_day(demo):
    _, con = demo
    (change_day,) = con.execute(
        "select as_of_date from marts.wallet_control where is_control_changed"
    ).fetchone()
    health = _rows(con, "select * from marts.inventory_health order by as_of_date")
    flagged = [r["as_of_date"] for r in health if r["control_change_count"] > 0]
    assert flagged == [change_day]
    day = next(r for r in health if r["as_of_date"] == change_day)
    assert "control_change_count 1 > warn 0" in day["health_reasons"]
    assert day["health_status"] in ("warn", "alert")
    assert {r["single_signer_safe_count"] for r in health} == {0}
    assert {r["control_mismatch_count"] for r in health} == {0}


def test_single_key_balances_are_checked_against_the_configured_amount(demo):
    config, con = demo
    limit = config.risk.health.max_single_key_balance.warn_above
    assert limit is not None  # the demo configures it
    cold = _cold_vault(config)
    expected = dict(
        con.execute(
            "select as_of_date, max(balance) from marts.inventory_daily "
            "where location_type = 'wallet' and location_id <> ? group by as_of_date",
            [cold],
        ).fetchall()
    )
    health = _rows(con, "select * from marts.inventory_health")
    for r in health:
        if r["as_of_date"] in expected:
            assert r["max_single_key_balance"] == expected[r["as_of_date"]], r["as_of_date"]
        reason = "max_single_key_balance" in r["health_reasons"]
        assert reason == (
            r["max_single_key_balance"] is not None and r["max_single_key_balance"] > limit
        ), r["as_of_date"]
