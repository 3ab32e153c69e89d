"""The mart-family suites: reconciliation, client segregation, concentration, health, freshness
and pending share. Each expectation fails on a planted fault and passes on clean tables; a suite
whose mart or column does not exist yet is skipped with the reason, never passed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from expectations.runner import run_suite
from expectations.suites import pending_share, reconciliation, risk, source_freshness
from ingestion.quality_config import FreshnessConfig
from tests.expectations_fixtures import assert_fails_on, make_warehouse, with_fault

RECONCILIATION = """
    select date '2026-10-01' + i::integer as as_of_date, 'ethereum' as network,
           'fireblocks-vault' as location_id, 'custodian_vs_ledger' as comparison,
           10::decimal(38, 18) as left_balance, 10::decimal(38, 18) as right_balance,
           0::decimal(38, 18) as difference, 0::decimal(38, 18) as unexplained_difference,
           0.01::decimal(38, 18) as tolerance, 'matched' as status,
           null::integer as break_age_days, 3 as max_break_age_days
    from range(3) t(i)"""
COVERAGE = """
    select date '2026-10-01' + i::integer as as_of_date, 'acme' as entity,
           'ethereum' as network, 100::decimal(38, 18) as client_holdings,
           100::decimal(38, 18) as client_liabilities,
           1::decimal(38, 12) as coverage_ratio, 0::decimal(38, 18) as shortfall
    from range(3) t(i)"""
CONCENTRATION = """
    select date '2026-10-01' as as_of_date, 'acme' as entity, 'network' as dimension,
           n as dimension_value, 0.5::decimal(38, 12) as share,
           0.6::decimal(38, 12) as limit_share, null::decimal(38, 18) as limit_amount,
           'within_limit' as status
    from (values ('ethereum'), ('bnb')) v(n)"""
HEALTH = """
    select date '2026-10-01' + i::integer as as_of_date,
           (case when i = 0 then 0.5 else 0.01 end)::decimal(38, 12) as pending_share,
           'ok' as health_status
    from range(2) t(i)"""
# latest day 2026-10-02 (New York): the as-of time is 2026-10-03 04:00 UTC
INVENTORY = """
    select date '2026-10-01' + i::integer as as_of_date, n as network, 'wallet' as location_type,
           '0x' || repeat('a', 40) as location_id, 1000::decimal(38, 18) as balance,
           10::decimal(38, 18) as pending_in, 20::decimal(38, 18) as pending_out
    from range(2) t(i), (values ('ethereum'), ('bnb')) v(n)"""
SOURCES = {
    "raw.custodian_balances": "select 'fireblocks' as provider, 'vault' as account_id,"
    " timestamptz '2026-10-01 04:00:00+00' as as_of",
    "raw.exchange_entries": "select 'kraken' as venue, 'k1' as account_id,"
    " timestamptz '2026-10-02 20:00:00+00' as occurred_at, 'sha-k1' as file_sha256",
    # the export holding k1's entries landed before its last entry (dropped_at counts when later)
    "audit.files": "select 'sha-k1' as sha256, 'loaded' as status,"
    " timestamptz '2026-10-02 00:00:00+00' as dropped_at",
    "raw.ledger_entries": "select 'ledger' as source, timestamptz '2026-10-03 01:00:00+00'"
    " as posted_at",
    "raw.prices": "select 'coingecko' as source, 'USD1' as asset,"
    " timestamptz '2026-10-02 00:00:00+00' as ts",
    "raw.onchain_day_blocks": "select n as network, true as is_final,"
    " timestamptz '2026-10-03 03:00:00+00' as last_block_time"
    " from (values ('ethereum'), ('bnb')) v(n)",
}
FRESHNESS = FreshnessConfig(
    custodian_max_age_hours=49,  # 2026-10-01 04:00 -> 2026-10-03 04:00 is 48 h
    exchange_max_age_hours=24,
    ledger_max_age_hours=24,
    prices_max_age_hours=29,  # 28 h old
    onchain_max_age_hours=2,  # 1 h old
)
FRESHNESS_SUITE = source_freshness.suite(FRESHNESS, "America/New_York")
BOUND = Decimal("0.05")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return make_warehouse(
        tmp_path_factory.mktemp("marts") / "clean.duckdb",
        {
            "marts.reconciliation": RECONCILIATION,
            "marts.client_asset_coverage": COVERAGE,
            "marts.concentration": CONCENTRATION,
            "marts.inventory_health": HEALTH,
            "marts.inventory_daily": INVENTORY,
            **SOURCES,
        },
    )


SUITES = [
    *reconciliation.SUITES,
    *risk.SUITES,
    FRESHNESS_SUITE,
    pending_share.onchain_suite(BOUND),
    pending_share.health_suite(BOUND),
]


@pytest.mark.parametrize("spec", SUITES, ids=lambda s: s.name)
def test_clean_marts_pass(clean, spec):
    outcome = run_suite(clean, spec)
    assert outcome.skipped is None
    assert outcome.success, outcome.summary()
    assert outcome.outcomes


def test_a_silent_exchange_account_is_fresh_when_its_newest_export_is(clean, tmp_path):
    """No entry for two days, but the export landed an hour before the as-of time: fresh; the
    same export as a quarantined file does not count."""
    silent = "update raw.exchange_entries set occurred_at = timestamptz '2026-10-01 00:00:00+00'"
    landed = "; update audit.files set dropped_at = timestamptz '2026-10-03 03:00:00+00'"
    fresh = with_fault(clean, tmp_path / "fresh.duckdb", silent + landed)
    outcome = run_suite(fresh, FRESHNESS_SUITE)
    assert outcome.success, outcome.summary()
    refused = with_fault(
        clean,
        tmp_path / "refused.duckdb",
        silent + landed + "; update audit.files set status = 'quarantined'",
    )
    assert_fails_on(run_suite(refused, FRESHNESS_SUITE), "exchange data is at most 24 hours old")


BREAK_ROW = (
    "update marts.reconciliation set status = 'break', difference = 5,"
    " unexplained_difference = 5, right_balance = 5, break_age_days = {age}"
    " where as_of_date = date '2026-10-03'"
)

FAULTS = [
    # reconciliation integrity (blocking)
    (
        reconciliation.INTEGRITY,
        "insert into marts.reconciliation select * from marts.reconciliation limit 1",
        "compound_columns_to_be_unique",
    ),
    (
        reconciliation.INTEGRITY,
        "update marts.reconciliation set tolerance = null where as_of_date = date '2026-10-02'",
        "to_not_be_null(column=tolerance",
    ),
    (
        reconciliation.INTEGRITY,
        "update marts.reconciliation set tolerance = -1 where as_of_date = date '2026-10-02'",
        "tolerance is zero or positive",
    ),
    (
        reconciliation.INTEGRITY,
        "update marts.reconciliation set status = 'unknown' where as_of_date = '2026-10-02'",
        "to_be_in_set(column=status",
    ),
    (
        reconciliation.INTEGRITY,
        "update marts.reconciliation set unexplained_difference = 1, difference = 1"
        " where as_of_date = date '2026-10-02'",
        "exactly when |unexplained_difference| exceeds",
    ),
    # breaks and their age (warn)
    (reconciliation.BREAKS, BREAK_ROW.format(age=0), "no reconciliation break"),
    (reconciliation.BREAK_AGE, BREAK_ROW.format(age=4), "no break older than"),
    # client segregation, concentration
    (
        risk.COVERAGE,
        "update marts.client_asset_coverage set shortfall = 10, coverage_ratio = 0.9,"
        " client_holdings = 90 where as_of_date = date '2026-10-02'",
        "client assets cover client liabilities",
    ),
    (
        risk.COVERAGE,
        "insert into marts.client_asset_coverage select * from marts.client_asset_coverage limit 1",
        "compound_columns_to_be_unique",
    ),
    (
        risk.CONCENTRATION,
        "update marts.concentration set status = 'breach', share = 0.7"
        " where dimension_value = 'bnb'",
        "within its limit",
    ),
    # freshness, one source kind at a time
    (
        FRESHNESS_SUITE,
        "update raw.custodian_balances set as_of = as_of - interval 2 hours",
        "custodian data is at most 49 hours old",
    ),
    (
        FRESHNESS_SUITE,
        "update raw.exchange_entries set occurred_at = timestamptz '2026-10-01 00:00:00+00'",
        "exchange data is at most 24 hours old",
    ),
    (
        FRESHNESS_SUITE,
        "update raw.ledger_entries set posted_at = posted_at - interval 2 days",
        "ledger data is at most 24 hours old",
    ),
    (
        FRESHNESS_SUITE,
        "update raw.prices set ts = ts - interval 2 hours",
        "prices data is at most 29 hours old",
    ),
    (
        FRESHNESS_SUITE,
        "update raw.onchain_day_blocks set is_final = false where network = 'bnb'",
        "onchain data is at most 2 hours old",
    ),
    # the latest built day moves the as-of time, not the clock
    (
        FRESHNESS_SUITE,
        "insert into marts.inventory_daily select as_of_date + 2, network, location_type,"
        " location_id, balance, pending_in, pending_out from marts.inventory_daily"
        " where as_of_date = date '2026-10-02'",
        "onchain data is at most 2 hours old",
    ),
    # pending share
    (
        pending_share.onchain_suite(BOUND),
        "update marts.inventory_daily set pending_out = 41 where network = 'bnb'"
        " and as_of_date = date '2026-10-02'",
        "on-chain pending (in + out) is at most 0.05",
    ),
    (
        pending_share.health_suite(BOUND),
        "update marts.inventory_health set pending_share = 0.051"
        " where as_of_date = date '2026-10-02'",
        "pending_share is at most 0.05",
    ),
]


@pytest.mark.parametrize(
    ("spec", "fault", "failing"),
    FAULTS,
    ids=[f"{s.name}:{n}" for n, (s, _, _) in enumerate(FAULTS)],
)
def test_planted_fault_fails_its_expectation(clean, tmp_path, spec, fault, failing):
    outcome = run_suite(with_fault(clean, tmp_path / "fault.duckdb", fault), spec)
    assert_fails_on(outcome, failing)


def test_pending_share_before_the_latest_day_is_not_judged(clean, tmp_path):
    # a large pending share on an earlier day: the bound is about the latest day only
    fault = (
        "update marts.inventory_daily set pending_out = 900 where as_of_date = '2026-10-01';"
        "update marts.inventory_health set pending_share = 0.9 where as_of_date = '2026-10-01'"
    )
    warehouse = with_fault(clean, tmp_path / "w.duckdb", fault)
    for spec in (pending_share.onchain_suite(BOUND), pending_share.health_suite(BOUND)):
        outcome = run_suite(warehouse, spec)
        assert outcome.success, outcome.summary()


def test_a_break_names_its_location_comparison_and_day(clean, tmp_path):
    warehouse = with_fault(clean, tmp_path / "w.duckdb", BREAK_ROW.format(age=1))
    outcome = run_suite(warehouse, reconciliation.BREAKS)
    (failure,) = outcome.failed
    assert failure.unexpected_count == 1
    (row,) = failure.rows
    assert row["as_of_date"] == "2026-10-03"
    assert row["location_id"] == "fireblocks-vault"
    assert row["comparison"] == "custodian_vs_ledger"
    assert row["difference"] == "5.000000000000000000"  # exact, as a string


@pytest.mark.parametrize(
    ("drop", "spec", "reason"),
    [
        ("drop table marts.concentration", risk.CONCENTRATION, "marts.concentration does not"),
        (
            "alter table marts.reconciliation drop column max_break_age_days",
            reconciliation.BREAK_AGE,
            "has no column max_break_age_days",
        ),
        ("drop table marts.inventory_health", pending_share.health_suite(), "does not exist"),
        ("drop table raw.prices", FRESHNESS_SUITE, "raw.prices does not exist"),
    ],
)
def test_missing_mart_or_column_is_skipped_not_passed(clean, tmp_path, drop, spec, reason):
    outcome = run_suite(with_fault(clean, tmp_path / "w.duckdb", drop), spec)
    assert outcome.skipped is not None and reason in outcome.skipped
    assert outcome.success is False and outcome.outcomes == []
    assert "skipped" in outcome.summary()


def test_break_suites_warn_and_integrity_blocks():
    assert reconciliation.INTEGRITY.blocking
    warn = [reconciliation.BREAKS, reconciliation.BREAK_AGE, *risk.SUITES, FRESHNESS_SUITE]
    warn += [pending_share.onchain_suite(), pending_share.health_suite()]
    assert not any(spec.blocking for spec in warn)
