"""The venue adapters of issue #15 on synthetic files written as FORMATS.md documents each layout
(tests/fixtures/venues/README.md lists the traps each carries), values checked as stored in
`raw`, exactly; and the mapped exchange and balances layouts of README "Adding a venue by YAML"."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from ingestion.config import ConfigError
from ingestion.files.load import load_files
from tests.conftest import REPO
from tests.unit.files.conftest import files_section, load_path, make_config, memory_warehouse

D = Decimal
VENUES = REPO / "tests" / "fixtures" / "venues"
BY_YAML = VENUES / "venue_by_yaml.yml"


def venue_section() -> dict:
    section = files_section()
    for fragment in ("venues.yml", "venue_by_yaml.yml"):
        extra = yaml.safe_load((VENUES / fragment).read_text(encoding="utf-8"))
        for key, value in extra.items():
            if isinstance(value, dict):
                section[key] = {**section.get(key, {}), **value}
            else:
                section[key] = [*section.get(key, []), *value]
    return section


def venue_config(folder: Path, **changes):
    section = venue_section()
    section.update(changes)
    return make_config(folder, **section)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every venue fixture loaded once: (config, connection, outcomes by file name)."""
    config = venue_config(tmp_path_factory.mktemp("venues"))
    shutil.copytree(
        VENUES, config.landing_dir, ignore=shutil.ignore_patterns("*.md", "*.yml"),
        dirs_exist_ok=True,
    )  # fmt: skip
    con = memory_warehouse()
    outcomes = {Path(o.path).name: o for o in load_files(con, config, "load-venues")}
    yield config, con, outcomes
    con.close()


def _rows(con, sql: str):
    return con.execute(sql).fetchall()


def _entries(con, source: str, columns: str):
    return _rows(
        con,
        f"select {columns} from raw.exchange_entries where source = '{source}' "
        "order by file_path, row_number",
    )


def test_every_venue_fixture_loads_and_loading_again_changes_nothing(loaded):
    config, con, outcomes = loaded
    assert len(outcomes) == 13
    for name, outcome in outcomes.items():
        assert outcome.status == "loaded", (name, outcome.problems)
        assert outcome.rows_in == outcome.rows_loaded > 0
    tables = ("exchange_entries", "exchange_balances", "custodian_movements", "custodian_balances")
    before = {t: _rows(con, f"select count(*) from raw.{t}")[0][0] for t in tables}
    again = load_files(con, config, "load-venues-again")
    assert len(again) == 13 and {o.status for o in again} == {"seen"}
    assert {t: _rows(con, f"select count(*) from raw.{t}")[0][0] for t in tables} == before


def test_binance_statement_keeps_wallets_apart_and_maps_operations(loaded):
    _, con, _ = loaded
    rows = _entries(
        con, "binance-statement",
        "account_id, entry_type, venue_type, asset, amount, balance, occurred_at, entry_id",
    )  # fmt: skip
    assert [r[0] for r in rows] == ["binance-spot"] * 6 + [
        "binance-funding", "binance-futures", "binance-spot", "binance-spot", "binance-spot",
    ]  # fmt: skip
    assert [r[1] for r in rows] == [
        "deposit", "trade", "trade", "fee", "fee", "transfer", "transfer", "fee", "withdrawal",
        "trade", "other",
    ]  # fmt: skip
    assert [r[4] for r in rows] == [
        D(5000), D("0.01"), D(-650), D("-0.0012"), D("-0.0012"), D(-1000), D(1000), D("-1.25"),
        D(-1200), D("-0.00000001"), D("0.52"),
    ]  # fmt: skip
    assert {r[5] for r in rows} == {None}  # no running balance in a statement
    assert rows[3][3] == "BNB"  # the fee in another asset is its own row, in its asset
    assert rows[3][7] != rows[4][7]  # two identical rows are two entries
    assert rows[0][6] == datetime(2026, 10, 1, 8, tzinfo=UTC)


def test_binance_statement_rejects_an_unmapped_wallet(tmp_path, pseudonym_key):
    config = venue_config(tmp_path)
    path = config.landing_dir / "binance-statement" / "statement.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n"
        "37192845,2026-10-01 08:00:00,Spot,Deposit,USD1,5,\n"
        "37192845,2026-10-01 08:00:00,Earn,Deposit,USD1,5,\n"
        "99999999,2026-10-01 08:00:00,Spot,Deposit,USD1,5,\n"
    )
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert (
        "row 2, column 'Account': no files.exchange_accounts entry of binance of user "
        "37192845 with sub_account 'Earn'" in outcome.problems[0]
    )
    assert "row 3, column 'Account'" in outcome.problems[1]  # another login's Spot


def test_bitstamp_current_and_legacy(loaded):
    _, con, _ = loaded
    rows = _entries(
        con, "bitstamp",
        "entry_id, entry_type, asset, venue_asset, amount, fee, fee_asset, amount_usd, "
        "occurred_at, file_path",
    )  # fmt: skip
    current = [r for r in rows if "2026" in r[9]]
    legacy = [r for r in rows if "2022" in r[9]]
    assert [r[0] for r in current] == ["9001", "9002", "9003", "9004"]
    assert [r[4] for r in current] == [D(2500), D(1000), D(650), D(-500)]
    assert current[1][5:8] == (D("0.5"), "USD", D("999.80"))  # fee in USD, the USD leg's value
    # a sell of BTC for USD1: the token is the quote leg, stored as + USD1 with its fee
    assert current[2][2:4] == ("USD1", "USD1") and current[2][5] == D("0.65")
    assert current[3][5:7] == (D(1), "USD1")
    assert [r[4] for r in legacy] == [D(100), D(40), D(-1000)]  # "1,000.00 USD1"
    # "Jan. 28, 2022, 12:13 AM" in the source's Europe/London (GMT); June is BST (UTC+1)
    assert legacy[0][8] == datetime(2022, 1, 28, 0, 13, tzinfo=UTC)
    assert legacy[1][8] == datetime(2022, 6, 30, 14, 5, tzinfo=UTC)
    assert legacy[1][7] == D("40.01") and legacy[0][0].startswith("row:")


def test_bitstamp_legacy_time_without_a_zone_is_rejected(tmp_path, pseudonym_key):
    section = venue_section()
    section["sources"] = [
        dict(s, timezone=None) if s["name"] == "bitstamp" else s for s in section["sources"]
    ]
    config = make_config(tmp_path, **section)
    path = config.landing_dir / "bitstamp" / "legacy.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((VENUES / "bitstamp" / "bitstamp_legacy_2022.csv").read_bytes())
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert (
        "column 'Datetime': time without a zone: set the landing source's timezone"
        in (outcome.problems[0])
    )


def test_gemini_per_asset_columns_and_running_balance(loaded):
    _, con, _ = loaded
    rows = _entries(
        con, "gemini",
        "entry_id, entry_type, asset, amount, fee, balance, amount_usd, occurred_at, tx_hash",
    )  # fmt: skip
    assert [r[2] for r in rows] == ["USD", "USD1", "USD1", "USD1"]  # the token leg of the Buy
    assert [r[3] for r in rows] == [D(10000), D(5000), D("250.5"), D(-1000)]
    assert rows[1][0] == "trade:T-501" and rows[1][6] == D(5000)  # "($5,000.00)"
    assert rows[3][4:6] == (D(2), D("4248.5"))  # fee on top of the amount, stored positive
    assert rows[1][7] == datetime(2026, 10, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert rows[2][0] == f"tx:{rows[2][8]}" and rows[2][1] == "deposit"


def test_gemini_balance_that_does_not_add_up_is_rejected(tmp_path, pseudonym_key):
    config = venue_config(tmp_path)
    path = config.landing_dir / "gemini" / "history.csv"
    path.parent.mkdir(parents=True)
    text = (VENUES / "gemini" / "gemini_history_2026-10.csv").read_text()
    path.write_text(text.replace('"$4,995.00"', '"$4,999.00"'))
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert (
        "row 2, column 'USD Balance USD': running balance does not add up" in (outcome.problems[0])
    )


def test_okx_trades_funding_and_legacy(loaded):
    _, con, _ = loaded
    trading = _entries(
        con, "okx-trading", "entry_id, asset, amount, fee, balance, occurred_at, file_path"
    )
    trades = [r for r in trading if "2026" in r[6]]
    legacy = [r for r in trading if "2021" in r[6]]
    assert [r[0] for r in trades] == ["1001:USD1", "1001:USDT", "1002:USD1", "1002:USDT"]
    assert [r[2] for r in trades] == [D(999), D("-1000.1"), D(-500), D("499.5")]
    assert trades[0][5] == datetime(2026, 10, 1, 8, tzinfo=UTC)  # 16:00 CST = UTC+8
    assert trades[2][5] == datetime(2026, 10, 2, 10, tzinfo=UTC)
    assert legacy[0][5] == datetime(2021, 3, 1, 0, tzinfo=UTC)
    # fee on top (-40 - 0.1 = -40.1) and fee inside (-10: stored gross -9.5 and fee 0.5)
    assert [(r[2], r[3]) for r in legacy] == [(D(100), D(0)), (D(-40), D("0.1")),
                                              (D("-9.5"), D("0.5"))]  # fmt: skip
    funding = _entries(con, "okx-funding", "entry_id, entry_type, amount, fee, balance")
    assert [r[1] for r in funding] == ["deposit", "transfer", "withdrawal", "withdrawal"]
    assert [(r[2], r[3]) for r in funding] == [
        (D(3000), D(0)), (D(-1000), D(0)), (D(-500), D(1)), (D(-198), D(2)),
    ]  # fmt: skip
    assert [r[2] - r[3] for r in funding[2:]] == [D(-501), D(-200)]  # After - Before Balance


def test_coinbase_exchange_statement_running_balance(loaded):
    _, con, _ = loaded
    rows = _entries(con, "coinbase-exchange", "entry_id, entry_type, asset, amount, balance, venue")
    assert [r[1] for r in rows] == ["deposit", "trade", "trade", "fee", "withdrawal"]
    assert rows[1][0] == "match:88001:USD1" and rows[2][0] == "match:88001:USD"
    assert [r[4] for r in rows] == [D(2000), D(1000), D("999.9"), D("999.4"), D(600)]
    assert {r[5] for r in rows} == {"coinbase"}


def test_anchorage_copper_fordefi(loaded):
    _, con, _ = loaded
    anchorage = _rows(
        con,
        "select movement_type, provider_type, asset, amount, fee, occurred_at from "
        "raw.custodian_movements where adapter = 'anchorage' order by row_number",
    )
    assert [r[1] for r in anchorage] == ["DEPOSIT", "WITHDRAW", "TRADE"]
    assert [r[3] for r in anchorage] == [D("750000.25"), D(-100000), D(-50000)]
    assert [r[4] for r in anchorage] == [None, None, D(10)]  # an ETH fee is not a USD1 fee
    copper = _rows(
        con,
        "select account_id, external_account_id, asset, provider_asset, balance, available, "
        "locked, staked from raw.custodian_balances where adapter = 'copper' order by row_number",
    )
    assert copper[0] == ("copper-port2", "PORT-002", "USD1", "USD1:ETH", D("2500000.000001"),
                         D("2400000.000001"), D(100000), D(0))  # fmt: skip
    assert copper[1][:2] == ("copper-port2-bnb", "PORT-002:BSC")  # USD1 on another chain
    assert copper[2][4] == D("4.75") and copper[2][7] == D("1.25")
    fordefi = _rows(
        con,
        "select movement_type, asset, amount, occurred_at, entry_id from raw.custodian_movements"
        " where adapter = 'fordefi' order by row_number",
    )
    assert [(r[0], r[1], r[2]) for r in fordefi] == [
        ("deposit", "USD1", D(20000)), ("withdrawal", "USD1", D(-5000)),
        ("fee", "ETH", D("-0.00042")), ("other", "USD1", D(0)),
    ]  # fmt: skip
    assert fordefi[0][3] == datetime(2026, 10, 1, 8, 0, 24, tzinfo=UTC)  # mine time
    dump = str(_rows(con, "select * from raw.custodian_movements"))
    assert "Pat Example" not in dump and "pat@example.com" not in dump


def test_copper_json_number_is_rejected(tmp_path, pseudonym_key):
    config = venue_config(tmp_path)
    path = config.landing_dir / "copper-wallets" / "wallets_20261031T235959Z.json"
    path.parent.mkdir(parents=True)
    text = (VENUES / "copper-wallets" / "copper_wallets_20261031T235959Z.json").read_text()
    path.write_text(text.replace('"totalBalance": "42"', '"totalBalance": 42'))
    outcome = load_path(memory_warehouse(), config, path)
    assert "row 2, column 'totalBalance': expected a decimal string" in outcome.problems[0]


def test_mapped_exchange_layout(loaded):
    _, con, _ = loaded
    rows = _entries(
        con, "acmex",
        "account_id, entry_id, ref_id, entry_type, is_final, asset, amount, fee, fee_asset, "
        "balance, occurred_at",
    )  # fmt: skip
    assert {r[0] for r in rows} == {"acmex-main"}
    assert [r[3] for r in rows] == ["deposit", "withdrawal", "trade", "trade", "withdrawal",
                                    "other"]  # fmt: skip
    assert [r[6] for r in rows] == [D(12000), D(-2000), D(-1000), D(920), D(-500), D(5)]
    assert rows[2][7:9] == (D("0.25"), "EUR")  # a fee in another asset
    assert [r[4] for r in rows] == [True, True, True, True, False, True]  # Pending
    assert rows[0][10] == datetime(2026, 10, 1, 8, tzinfo=UTC)  # 10:00 Europe/Berlin (CEST)


def test_canonical_balances_layout(loaded):
    _, con, _ = loaded
    rows = _rows(
        con,
        "select venue, account_id, asset, venue_asset, as_of, balance, available, locked "
        "from raw.exchange_balances order by row_number",
    )
    as_of = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
    assert rows[0] == ("acmex", "acmex-main", "USD1", "USD1", as_of, D("9003.50"), D("9003.50"),
                       D(0))  # fmt: skip
    assert rows[1][5] == D("919.75")  # available + locked
    assert rows[2][2:4] == ("BTC", "XXBT")


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("12,000.00;0;USD1;12000.00", "running balance does not add up"),
        (";Deposit;Credit;", "type not in layout acmex-ledger's types"),
        (";Credit;USD1;12,000.00", "neither an in nor an out value"),
        ("01.10.2026 10:00:00", "expected a timestamp like"),
    ],
)
def test_mapped_layout_rejects_what_it_does_not_declare(tmp_path, pseudonym_key, change, needle):
    layout = venue_section()["exchange_layouts"][0]
    if "type" in needle:  # without a default type, a value not in `types` rejects the file
        layout = dict(layout, default_type=None)
    config = venue_config(tmp_path, exchange_layouts=[layout])
    text = (VENUES / "acmex" / "acmex_ledger_2026-10.csv").read_text()
    bad = {
        "12,000.00;0;USD1;12000.00": ("12,000.00;0;USD1;12000.00", "12,000.00;0;USD1;12001.00"),
        ";Deposit;Credit;": (";Deposit;Credit;", ";Bonus;Credit;"),
        ";Credit;USD1;12,000.00": (";Credit;USD1;12,000.00", ";In;USD1;12,000.00"),
        "01.10.2026 10:00:00": ("01.10.2026 10:00:00", "2026-10-01 10:00:00"),
    }[change]
    path = config.landing_dir / "acmex" / "ledger.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(*bad))
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert any(needle in p for p in outcome.problems), outcome.problems


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["exchange_layouts"][0].update(sign="signed"),
         "sign: signed takes no direction column or directions"),
        (lambda s: s["exchange_layouts"][0]["columns"].pop("amount"),
         r"missing required field\(s\) \['amount'\]"),
        (lambda s: s["exchange_layouts"][0].update(asset="USD1"),
         "give exactly one of columns.asset and asset"),
        (lambda s: s["exchange_layouts"][0].update(final_statuses=[]),
         "columns.status and final_statuses go together"),
        (lambda s: s["exchange_layouts"][0]["types"].update(Deposit="income"),
         r"exchange_layouts\[0\].types.Deposit"),
        (lambda s: s["exchange_layouts"][0].update(timezone="Mars/Olympus"),
         "unknown IANA time zone 'Mars/Olympus'"),
        (lambda s: s["balance_layouts"][0]["columns"].pop("locked"),
         "map balance, or both available and locked"),
        (lambda s: s["sources"][-1].update(layout="nope"),
         "is not a configured balance_layouts entry"),
        (lambda s: s["exchange_accounts"].append(
            dict(next(a for a in s["exchange_accounts"] if a["id"] == "binance-spot"), id="dup")
        ),
         "two accounts for the same \\(venue, external_id, sub_account\\)"),
    ],
)  # fmt: skip
def test_layout_configuration_is_validated_strictly(tmp_path, change, message):
    section = venue_section()
    change(section)
    with pytest.raises(ConfigError, match=message):
        make_config(tmp_path, **section)


def test_readme_example_is_the_yaml_the_tests_load():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- venue-by-yaml -->\n```yaml\n(.*?)```", readme, re.S)
    assert block is not None, "README lacks the 'Adding a venue by YAML' example"
    assert block.group(1) == BY_YAML.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("code", "asset"),
    [("XXBT", "BTC"), ("ZUSD", "USD"), ("USDT", "USDT"), ("USD1", "USD1"), ("USD1.S", "USD1"),
     ("USD1.M", "USD1"), ("XBT.M", "BTC"), ("DOT28.S", "DOT"), ("ETH2.S", "ETH"),
     ("USD1.F", "USD1"), ("USD1.B", "USD1"), ("USD1_ERC20", "USD1"), ("usdc", "USDC")],
)  # fmt: skip
def test_venue_asset_codes(tmp_path, code, asset):
    from ingestion.files.adapters import ParseContext

    config = make_config(tmp_path)
    ctx = ParseContext(config, config.files.sources[0], tmp_path / "x.csv")
    assert ctx.asset(code) == asset
