"""marts.concentration and marts.inventory_health on a real `dbt build` over a hand-written raw
fixture in a real DuckDB file; the limits, shock and thresholds go in through the `risk:`
configuration (ingestion/risk_config.py -> raw.registry_*), as the pipeline loads them.

Fixture (UTC days, 18-decimal tokens): entity acme holds E1 (ethereum, self, operating),
E2 (ethereum, fireblocks, client), U1 (ethereum, custody 'unknown') and B1 (bnb, self);
entity beta holds BETA1 (ethereum, self, client).

  03-02  mints: 600 -> E1, 300 -> E2, 100 -> B1, 40 -> BETA1      acme total 1000
  03-03  silent (blocks, no transfer)
  03-04  E1 -> outside 200; outside -> U1 50                        acme total 850
  03-05  E1 -> outside 100, not final yet (pending_out)

Every number below is worked by hand from these movements and the rules in RISK.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from ingestion.risk_config import RiskConfig, load_risk_config
from ingestion.warehouse import init_warehouse

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
DBT_VARS = {"reporting_timezone": "UTC", "start_date": "2026-03-02"}

TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
ZERO = "0x" + "0" * 40
OUTSIDER = "0x" + "c" * 40
E1 = "0x" + "e1" * 20
E2 = "0x" + "e2" * 20
U1 = "0x" + "a1" * 20
B1 = "0x" + "b1" * 20
BETA1 = "0x" + "be" * 20
UNIT = 10**18
D1, D2, D3, D4 = (date(2026, 3, d) for d in (2, 3, 4, 5))

NETWORKS = {"ethereum": 1, "bnb": 56}
# (network, address, entity, label, purpose, custody_provider, ownership)
WALLETS = [
    ("ethereum", E1, "acme", "e1-hot", "hot", "self", "operating"),
    ("ethereum", E2, "acme", "e2-omnibus", "omnibus", "fireblocks", "client"),
    ("ethereum", U1, "acme", "u1-unknown", "other", "unknown", "operating"),
    ("bnb", B1, "acme", "b1-hot", "hot", "self", "operating"),
    ("ethereum", BETA1, "beta", "beta-hot", "hot", "self", "client"),
]
# (network, n, block, UTC time, from, to, token units, is_final)
TRANSFERS = [
    ("ethereum", 1, 10, "2026-03-02 10:00:00", ZERO, E1, 600, True),
    ("ethereum", 2, 10, "2026-03-02 10:00:00", ZERO, E2, 300, True),
    ("bnb", 3, 10, "2026-03-02 11:00:00", ZERO, B1, 100, True),
    ("ethereum", 4, 11, "2026-03-02 12:00:00", ZERO, BETA1, 40, True),
    ("ethereum", 5, 30, "2026-03-04 09:00:00", E1, OUTSIDER, 200, True),
    ("ethereum", 6, 31, "2026-03-04 10:00:00", OUTSIDER, U1, 50, True),
    ("ethereum", 7, 40, "2026-03-05 09:00:00", E1, OUTSIDER, 100, False),
]

RISK = {
    "concentration_limits": [
        {"dimension": "network", "max_share": "0.80"},  # 0: network default
        {"dimension": "network", "value": "bnb", "max_amount": "50"},  # 1: beats 0 for bnb
        {"dimension": "network", "entity": "beta", "max_share": "1"},  # 2: beats 0 for beta
        {"dimension": "custody_provider", "value": "fireblocks", "max_share": "0.25"},  # 3
        {"dimension": "custody_provider", "max_share": 0.9},  # 4: provider default
        {"dimension": "location", "value": E1.upper().replace("0X", "0x"), "max_amount": "500"},
        {"dimension": "location", "value": E2, "max_share": "0.35", "max_amount": "320"},
    ],
    "withdrawal_shock": {"amount": "800"},
    # health thresholds: the defaults
}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def load_fixture(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        init_warehouse(con)
        con.executemany(
            "insert into raw.registry_entities values (?, ?)",
            [["acme", "Acme"], ["beta", "Beta"]],
        )
        con.executemany(
            "insert into raw.registry_networks values (?, ?, ?, 'USD1', 18, 3, 0)",
            [[name, chain, TOKEN] for name, chain in NETWORKS.items()],
        )
        con.executemany(
            "insert into raw.registry_wallets values (?, ?, ?, ?, ?, ?, ?)",
            [list(w) for w in WALLETS],
        )
        con.executemany(
            "insert into raw.onchain_transfers (chain_id, network, token_address, block_number,"
            " block_hash, block_time, tx_hash, tx_index, log_index, from_address, to_address,"
            " amount_raw, is_final, source_ref, load_id)"
            " values (?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, 'fixture', 'load-fixture')",
            [
                [NETWORKS[net], net, TOKEN, block, f"0x{block:064x}", _ts(at), f"0x{n:064x}",
                 sender, receiver, Decimal(units * UNIT), final]
                for net, n, block, at, sender, receiver, units, final in TRANSFERS
            ],
        )  # fmt: skip
        day_blocks = []
        for net, chain in NETWORKS.items():
            for i, day in enumerate((D1, D2, D3, D4)):
                first, last = 10 * (i + 1), 10 * (i + 1) + 5
                final_day = day != D4
                day_blocks.append(
                    [net, chain, day, first, last, f"0x{last:064x}",
                     datetime(day.year, day.month, day.day, 23, tzinfo=UTC), 35,
                     final_day, final_day]
                )  # fmt: skip
        con.executemany(
            "insert into raw.onchain_day_blocks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            day_blocks,
        )
        load_risk_config(con, SimpleNamespace(risk=RiskConfig.model_validate(RISK)))
    finally:
        con.close()


def dbt_build(warehouse: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    return subprocess.run(
        [str(DBT), "build", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(work / "target"),
         "--log-path", str(work / "logs"), "--vars", json.dumps(DBT_VARS), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def query(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("dbt_risk")
    path = work / "warehouse.duckdb"
    load_fixture(path)
    result = dbt_build(path, work)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr}"
    yield path


def _share(a: str, b: str) -> Decimal:
    return (Decimal(a) / Decimal(b)).quantize(Decimal("1e-18"), rounding=ROUND_HALF_EVEN)


def _concentration(warehouse: Path) -> dict[tuple, dict[str, Any]]:
    rows = query(warehouse, "select * from marts.concentration")
    return {(r["as_of_date"], r["entity"], r["dimension"], r["dimension_value"]): r for r in rows}


def _pick(row: dict[str, Any], *columns: str) -> tuple:
    return tuple(row[c] for c in columns)


def _limit(row: dict[str, Any]) -> tuple:
    return (row["limit_source"], row["limit_amount"], row["headroom"], row["status"])


def test_concentration_grain_and_columns(warehouse: Path) -> None:
    rows = _concentration(warehouse)
    assert {k[0] for k in rows} == {D1, D2, D3, D4}
    assert {k[2] for k in rows} == {"location", "custody_provider", "network"}
    acme_d1 = {k[2:]: r for k, r in rows.items() if k[:2] == (D1, "acme")}
    assert set(acme_d1) == {
        ("location", E1), ("location", E2), ("location", U1), ("location", B1),
        ("custody_provider", "self"), ("custody_provider", "fireblocks"),
        ("custody_provider", "unknown"), ("network", "ethereum"), ("network", "bnb"),
    }  # fmt: skip
    for (dimension, _), row in acme_d1.items():
        assert row["total_balance"] == Decimal(1000)
        assert (row["location_type"] == "wallet") == (dimension == "location")


def test_network_default_specific_and_entity_rules(warehouse: Path) -> None:
    rows = _concentration(warehouse)
    eth = rows[(D1, "acme", "network", "ethereum")]
    assert eth["balance"] == Decimal(900) and eth["share"] == Decimal("0.9")
    # the default (max_share 0.80 of 1000 = 800) applies: breach by 100
    assert _limit(eth) == ("default", Decimal(800), Decimal(-100), "breach")
    assert eth["limit_share"] == Decimal("0.8")
    # bnb: its own rule (50 units) beats the default (which would allow 800)
    bnb = rows[(D1, "acme", "network", "bnb")]
    assert _limit(bnb) == ("network:bnb", Decimal(50), Decimal(-50), "breach")
    assert bnb["limit_share"] is None and bnb["share"] == Decimal("0.1")
    # beta: the entity-bound default (share 1) beats the open default (0.80): within
    beta = rows[(D1, "beta", "network", "ethereum")]
    assert beta["share"] == Decimal(1)
    assert _limit(beta) == ("beta/default", Decimal(40), Decimal(0), "within_limit")
    # 03-04: 750 of 850 on ethereum, share exact to 18 decimals, cap 0.8 x 850 = 680
    eth3 = rows[(D3, "acme", "network", "ethereum")]
    assert eth3["share"] == _share("750", "850") == Decimal("0.882352941176470588")
    assert _limit(eth3) == ("default", Decimal(680), Decimal(-70), "breach")


def test_custody_provider_specific_and_default(warehouse: Path) -> None:
    rows = _concentration(warehouse)
    fireblocks = rows[(D1, "acme", "custody_provider", "fireblocks")]
    assert _limit(fireblocks) == ("custody_provider:fireblocks", Decimal(250), Decimal(-50),
                                  "breach")  # fmt: skip
    selfheld = rows[(D1, "acme", "custody_provider", "self")]
    assert selfheld["balance"] == Decimal(700)
    assert _limit(selfheld) == ("default", Decimal(900), Decimal(200), "within_limit")
    unknown = rows[(D3, "acme", "custody_provider", "unknown")]
    assert unknown["balance"] == Decimal(50)
    assert unknown["share"] == _share("50", "850")
    assert _limit(unknown) == ("default", Decimal(765), Decimal(715), "within_limit")


def test_location_limits_amount_share_and_none(warehouse: Path) -> None:
    rows = _concentration(warehouse)
    # E1's rule was written with an upper-case address: it still applies
    assert _limit(rows[(D1, "acme", "location", E1)]) == (
        f"location:{E1}",
        Decimal(500),
        Decimal(-100),
        "breach",
    )
    assert _limit(rows[(D3, "acme", "location", E1)]) == (
        f"location:{E1}",
        Decimal(500),
        Decimal(100),
        "within_limit",
    )
    # E2: both caps, the lower applies: 320 on 03-02 (0.35 x 1000 = 350), 297.5 on 03-04
    assert _limit(rows[(D1, "acme", "location", E2)]) == (
        f"location:{E2}",
        Decimal(320),
        Decimal(20),
        "within_limit",
    )
    assert _limit(rows[(D3, "acme", "location", E2)]) == (
        f"location:{E2}",
        Decimal("297.5"),
        Decimal("-2.5"),
        "breach",
    )
    # no rule for B1 (no location default)
    b1 = rows[(D1, "acme", "location", B1)]
    assert _limit(b1) == (None, None, None, "no_limit") and b1["limit_share"] is None


def _health(warehouse: Path) -> dict[date, dict[str, Any]]:
    return {r["as_of_date"]: r for r in query(warehouse, "select * from marts.inventory_health")}


def test_health_has_one_row_per_day_including_the_silent_day(warehouse: Path) -> None:
    health = _health(warehouse)
    assert sorted(health) == [D1, D2, D3, D4]
    assert health[D2]["balance_total"] == Decimal(1040)  # nothing moved: carried forward
    assert health[D2]["concentration_breach_count"] == 5


def test_stress_capacity_ok_and_short(warehouse: Path) -> None:
    health = _health(warehouse)
    # available at known-control locations (U1 excluded) against the fixed shock of 800
    expected = {
        D1: (Decimal(1040), Decimal("1.3"), Decimal(0), "ok"),
        D3: (Decimal(840), Decimal("1.05"), Decimal(0), "ok"),
        D4: (Decimal(740), Decimal("0.925"), Decimal(60), "short"),  # E1's 100 pending out
    }
    for day, (available, ratio, shortfall, status) in expected.items():
        row = health[day]
        assert row["shock_amount"] == Decimal(800)
        got = _pick(row, "available_total", "stress_capacity_ratio", "stress_shortfall",
                    "stress_status")  # fmt: skip
        assert got == (available, ratio, shortfall, status), day


def test_unknown_control_pending_share_and_status(warehouse: Path) -> None:
    health = _health(warehouse)
    assert (health[D1]["unknown_control_balance"], health[D1]["unknown_control_location_count"]) \
        == (Decimal(0), 0)  # fmt: skip
    assert (health[D3]["unknown_control_balance"], health[D3]["unknown_control_location_count"]) \
        == (Decimal(50), 1)  # fmt: skip
    assert health[D3]["pending_share"] == Decimal(0)
    assert health[D4]["pending_out_total"] == Decimal(100)
    assert health[D4]["pending_share"] == _share("100", "890")
    assert health[D1]["max_location_share"] == Decimal(1)  # beta's one wallet
    assert health[D1]["max_concentration_share"] == Decimal(1)
    assert [health[d]["health_status"] for d in (D1, D2, D3, D4)] == [
        "warn", "warn", "warn", "alert"
    ]  # fmt: skip
    assert health[D1]["health_reasons"] == "concentration_breach_count 5 > warn 0"
    assert health[D4]["health_reasons"] == (
        "concentration_breach_count 5 > warn 0; "
        f"pending_share {_share('100', '890').normalize()} > warn 0.1; "
        "unknown_control_balance 50 > warn 0; stress_shortfall 60 > alert 0"
    )
    # nothing in transit and no breaks in this fixture
    for row in health.values():
        assert (row["open_break_count"], row["in_transit_count"]) == (0, 0)
        assert row["oldest_break_age_days"] is None
        assert row["median_transfer_latency_seconds"] is None


def test_rebuild_changes_nothing(warehouse: Path, tmp_path: Path) -> None:
    before = (
        query(warehouse, "select * from marts.concentration order by all"),
        query(warehouse, "select * from marts.inventory_health order by all"),
    )
    result = dbt_build(warehouse, tmp_path, "--select", "concentration", "inventory_health")
    assert result.returncode == 0, result.stdout[-4000:]
    after = (
        query(warehouse, "select * from marts.concentration order by all"),
        query(warehouse, "select * from marts.inventory_health order by all"),
    )
    assert after == before
