"""Days cut at local midnight in far time zones, on one real chain (issue #14).

One anvil chain holds a few weeks of mints and transfers placed one second before, at and one
second after each zone's local midnights, and across the zones' DST changes (Chatham and
Auckland on 2026-09-27, Lord Howe's 30-minute change on 2026-10-04), and some payments into
the demo config's Fireblocks vault, whose month-end statement the demo's file writer drops in
each zone. Each zone gets its own warehouse: Pacific/Chatham runs the whole product run
(`run_pipeline`, what `usd1inv run` calls: every mart and check, and the build that failed in
#14); the others, UTC the reference, run the same Dagster ingestion jobs and a `dbt build` of
the inventory marts in this process (a whole run takes ~100 s on 2 busy cores). In every zone:

- up to the end of the last local day common to all zones, the raw transfers are the UTC
  run's, row for row (a zone cuts days, it does not change data);
- each wallet's balance in marts.inventory_daily on local day D is balanceOf at the last block
  before D + 1's local midnight, and the sum of the raw transfers before that instant
  (computed here in Python), exactly;
- the day's inflow and outflow are the raw transfers inside the local day;
- the vault's balance on the local 09-30 is balanceOf at that local day's end.
Wall time about 4.5 min.

A second test runs every dbt unit test under far zones, a later start date and a lookback: each
pins the vars its model reads, so a user's zone cannot fail the build (about 35 s).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import yaml

from demo.anvil import AnvilNode
from demo.offchain_files import DEMO_PSEUDONYM_KEY, _Writer, read_token_transfers
from ingestion.config import load_config
from ingestion.registry import load_registry
from ingestion.warehouse import connect, init_warehouse
from orchestration.defs.transform import dbt_vars
from orchestration.pipeline import (
    dagster_instance,
    prepare_environment,
    run_ingest,
    run_pipeline,
)
from tests.conftest import write_config
from tests.dbt_in_process import MODELS_ONLY, run_dbt
from tests.onchain_chain import TokenChain

pytestmark = pytest.mark.integration

ZONES = (
    "UTC",  # the reference run
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Chatham",  # +12:45, +13:45 in DST (from 2026-09-27)
    "Pacific/Auckland",
    "Asia/Kathmandu",  # +5:45
    "America/St_Johns",  # -2:30 in DST
    "Pacific/Pago_Pago",  # -11
    "Australia/Lord_Howe",  # +10:30, +11 in DST (a 30-minute change, 2026-10-04)
)
START = date(2026, 9, 24)  # the first local day built (start_date)
END = date(2026, 10, 6)  # the last local day built: crosses a month and a quarter end
UNIT = 10**6
WALLETS = {  # demo ethereum wallets (registry)
    "treasury": "0x57e917aa013c4a6d0a44c807a5798fe16027f272",
    "ops-hot": "0xa33af280aee618e31b121f65d2ff65c6477db4b6",
    "cold-vault": "0x237b020a13d0c9166373d09c656b0c46390d8fef",
}
OUTSIDER = "0x00000000000000000000000000000000000c0ffe"
# the demo config's Fireblocks vault (a custodian account): wallets pay into it, and its
# month-end statement (demo/offchain_files.py's writer, cut at the zone's local day end) is
# loaded by the file ingestion
VAULT = "0x27268ec448be77fd270199797a26b198bfb8e51f"
# the whole product run (`usd1inv run`'s path, every mart and check: ~100 s on 2 busy cores) for
# the zone of the report; the other zones ingest the same way and build the inventory marts
PRODUCT_RUN_ZONES = ("Pacific/Chatham",)


def _midnight(day: date, zone: str) -> int:
    return int(datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).timestamp())


def _play(chain: TokenChain) -> list[tuple[int, int]]:
    """Mint, then transfers around every zone's midnights; returns (block, timestamp)."""
    treasury, ops, cold = WALLETS.values()
    chain.fund(treasury, ops, cold, OUTSIDER)
    genesis = _midnight(START - timedelta(days=3), "UTC")
    chain.deploy(genesis + 60)
    for holder in (treasury, ops, cold, OUTSIDER):
        chain.mint(holder, 100_000 * UNIT)
    blocks = [(chain.mine(genesis + 120), genesis + 120)]
    stamps: set[int] = set()
    day = START - timedelta(days=1)
    while day <= END + timedelta(days=1):
        for zone in ZONES:
            cut = _midnight(day, zone)
            stamps.update((cut - 1, cut, cut + 1))
        day += timedelta(days=1)
    # DST changes: the hour that repeats or is skipped, and 30 minutes into it
    for at in ("2026-09-26T14:00:00+00:00", "2026-10-03T15:00:00+00:00"):
        moment = int(datetime.fromisoformat(at).timestamp())
        stamps.update((moment - 1, moment, moment + 1800))
    senders = (treasury, ops, cold, OUTSIDER)
    for n, stamp in enumerate(sorted(stamps)):
        if n % 3:  # a few wallet-to-wallet transfers and many external ones
            sender, receiver = senders[n % 4], senders[(n + 1) % 4]
        else:
            sender, receiver = treasury, senders[1 + n % 3]
        if n % 5 == 4:
            receiver = VAULT
        chain.transfer(sender, receiver, (n % 7 + 1) * UNIT + n)
        blocks.append((chain.mine(stamp), stamp))
    # the chain goes on past the last day in every zone, deeper than the confirmations
    last = _midnight(END + timedelta(days=2), "Pacific/Pago_Pago")
    for k in range(6):
        blocks.append((chain.mine(last + 60 * k), last + 60 * k))
    return blocks


def _config(folder: Path, zone: str) -> Path:
    path = write_config(folder, reporting_timezone=zone, start_date=START.isoformat())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["networks"] = [n for n in data["networks"] if n["name"] == "ethereum"]
    data["counterparties"] = [
        c for c in data.get("counterparties", []) if c["network"] == "ethereum"
    ]
    # the file writer needs the omnibus wallet's label; it holds nothing here
    keep = {*WALLETS, "omnibus-hot"}
    data["wallets"] = [w for w in data["wallets"] if w["label"] in keep]
    data["risk"] = {}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _drop_statement(config_path: Path, w3) -> None:
    """The vault's month-end statement (only the custodian files of the demo's writer)."""
    config = load_config(config_path)
    writer = _Writer(config, read_token_transfers(w3, config.networks[0].token.address), END)
    writer.write_fireblocks()
    assert writer.written, "a month end lies in the window"


def _run(config_path: Path, zone: str, work: Path):
    if zone in PRODUCT_RUN_ZONES:
        outcome = run_pipeline(config_path, START, END)
        build = [j for j in outcome.jobs if j.job == "build_marts"]
        assert build and build[0].success, outcome.failure_summary
        return load_config(config_path)
    config = prepare_environment(config_path)
    instance = dagster_instance(config)
    from orchestration.defs.build import build_definitions

    definitions = build_definitions(config_path)
    files = definitions.resolve_job_def("ingest_files").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert files.success, zone
    ingest = run_ingest(definitions, instance, "ethereum", START, END)
    assert ingest.success, (zone, ingest.errors)
    with connect(config.warehouse_path) as con:  # the build_marts job's first asset
        load_registry(con, config)
    run_dbt(
        config.warehouse_path,
        work,
        "--select",
        "+inventory_daily",
        *MODELS_ONLY,
        dbt_vars=dbt_vars(config),
    )
    return config


def _read(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
    # dbt in this process keeps the warehouse open: the same (writable) configuration
    with duckdb.connect(str(warehouse)) as con:
        raw = con.execute(
            "select block_number, block_time, tx_hash, log_index, lower(from_address), "
            "lower(to_address), amount_raw from raw.onchain_transfers "
            "order by block_number, log_index"
        ).fetchall()
        daily = con.execute(
            "select as_of_date, location_type, location_id, balance_raw, inflow, outflow, "
            "balance from marts.inventory_daily order by as_of_date, location_id"
        ).fetchall()
    return raw, daily


@pytest.fixture(scope="module")
def runs(tmp_path_factory, monkeypatch_module) -> dict[str, tuple]:
    folder = tmp_path_factory.mktemp("zones")
    out = {}
    with AnvilNode(chain_id=31337, timestamp=_midnight(START - timedelta(days=3), "UTC")) as node:
        monkeypatch_module.setenv("USD1INV_RPC_ETHEREUM", node.url)
        monkeypatch_module.setenv("USD1INV_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
        chain = TokenChain(node.web3(), folder / "build")
        blocks = _play(chain)
        for zone in ZONES:
            config_path = _config(folder / zone.replace("/", "_"), zone)
            _drop_statement(config_path, node.web3())
            config = _run(config_path, zone, folder / zone.replace("/", "_"))
            raw, daily = _read(config.warehouse_path)
            balance_of = {}
            day = START
            while day <= END:
                cut = _midnight(day + timedelta(days=1), zone)
                block = max(b for b, at in blocks if at < cut)
                for address in (*WALLETS.values(), VAULT):
                    balance_of[(day, address)] = chain.balance_of(address, block)
                day += timedelta(days=1)
            out[zone] = (raw, daily, balance_of)
    return out


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.mark.parametrize("zone", ZONES)
def test_local_days_match_the_chain(runs, zone):
    raw, daily, balance_of = runs[zone]
    # a zone changes the cut of days, never the transfers: up to the end of the last day
    # built in every zone, each zone loaded the UTC run's rows
    common = min(_midnight(END + timedelta(days=1), z) for z in ZONES)
    assert [r for r in raw if r[1].timestamp() < common] == [
        r for r in runs["UTC"][0] if r[1].timestamp() < common
    ]
    assert max(r[1].timestamp() for r in raw) < _midnight(END + timedelta(days=1), zone)
    expected_rows = {}
    day = START
    while day <= END:
        cut = _midnight(day + timedelta(days=1), zone)
        opened = _midnight(day, zone)
        for address in WALLETS.values():
            balance = sum(
                (a if t == address else 0) - (a if f == address else 0)
                for _, at, _, _, f, t, a in raw
                if at.timestamp() < cut
            )
            moved = [r for r in raw if opened <= r[1].timestamp() < cut]
            inflow = sum((r[6] for r in moved if r[5] == address and r[4] != address), Decimal(0))
            outflow = sum((r[6] for r in moved if r[4] == address and r[5] != address), Decimal(0))
            assert balance == balance_of[(day, address)], (zone, day, address)
            expected_rows[(day, address)] = (balance, inflow / UNIT, outflow / UNIT)
        day += timedelta(days=1)
    got, vault = {}, {}
    for as_of, kind, location, balance_raw, inflow, outflow, balance in daily:
        assert Decimal(balance_raw) / UNIT == balance, (zone, as_of, location)
        if kind == "wallet" and location.lower() in WALLETS.values():
            got[(as_of, location.lower())] = (int(balance_raw), inflow, outflow)
        elif location == "fireblocks-issuance-vault":
            vault[as_of] = balance
    assert got == expected_rows, zone
    # the vault's statement at the end of the local 09-30 is balanceOf at that instant
    month_end = date(2026, 9, 30)
    assert vault[month_end] == Decimal(balance_of[(month_end, VAULT)]) / UNIT, zone
    assert vault[month_end] > 0


def test_dbt_unit_tests_pass_in_any_zone(tmp_path):
    """Every dbt unit test pins the vars its model reads (`overrides: vars:`), so it passes
    whatever zone, start date and lookback the project runs with (the relations it reads are
    built once, empty)."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        init_warehouse(con)
    run_dbt(warehouse, tmp_path, *MODELS_ONLY, dbt_vars={"reporting_timezone": "UTC"})
    for variables in (
        {"reporting_timezone": "Pacific/Kiritimati"},
        {"reporting_timezone": "Pacific/Chatham", "start_date": "2027-06-01"},
        {"reporting_timezone": "America/St_Johns", "inventory_lookback_days": "5"},
    ):
        result = run_dbt(warehouse, tmp_path, "--select", "test_type:unit", command="test",
                         dbt_vars=variables)  # fmt: skip
        assert len(result.result) >= 18, ("every unit test ran", variables)
