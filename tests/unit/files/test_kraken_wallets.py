"""Issue #15: a Kraken ledgers export with a ``wallet`` column. Each wallet's ``balance`` is its
own running balance: with accounts per wallet (``sub_account``) the rows are split between
them; without, the token in two wallets rejects the file instead of reading two running
balances as one."""

from __future__ import annotations

from decimal import Decimal

from tests.unit.files.conftest import files_section, load_path, make_config, memory_warehouse

HEADER = (
    '"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount",'
    '"fee","balance"\n'
)
# spot: +25,000 then -10,000 to earn; earn: +10,000 then +5 reward; XBT in both wallets
CELLS = [
    ("L1", "R1", "10-01 09:00:00", "deposit", "", "USD1", "spot / main", "25000", "25000"),
    ("L2", "R2", "10-02 10:00:00", "transfer", "spottostaking", "USD1", "spot / main", "-10000",
     "15000"),
    ("L3", "R2", "10-02 10:00:01", "transfer", "stakingfromspot", "USD1", "earn / flexible",
     "10000", "10000"),
    ("L4", "R3", "10-03 00:00:00", "earn", "reward", "USD1", "earn / flexible", "5", "10005"),
    ("L5", "R4", "10-03 01:00:00", "deposit", "", "XXBT", "spot / main", "1", "1"),
    ("L6", "R5", "10-03 02:00:00", "deposit", "", "XXBT", "earn / flexible", "2", "2"),
]  # fmt: skip
ROWS = [
    f'"{t}","{r}","2026-{at}","{kind}","{sub}","currency","","{asset}","{wallet}",{amt},0,{bal}\n'
    for t, r, at, kind, sub, asset, wallet, amt, bal in CELLS
]


def _config(tmp_path, wallets: list[str] | None):
    """The fixture configuration; with ``wallets``, one kraken account per wallet."""
    section = files_section()
    if wallets is not None:
        accounts = [a for a in section["exchange_accounts"] if a["id"] != "kraken-main"]
        for i, wallet in enumerate(wallets):
            accounts.append(
                {"id": "kraken-main" if i == 0 else f"kraken-{i}", "venue": "kraken",
                 "sub_account": wallet, "entity": "acme-pay", "ownership": "operating",
                 "network": "ethereum", "purpose": "trading"}
            )  # fmt: skip
        section["exchange_accounts"] = accounts
    return make_config(tmp_path, **section)


def _load(config, rows: list[str]):
    path = config.landing_dir / "kraken-main" / "ledgers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    con = memory_warehouse()
    return load_path(con, config, path), con


def test_each_wallet_is_its_own_account_when_accounts_name_them(tmp_path, pseudonym_key):
    config = _config(tmp_path, ["spot / main", "Earn / Flexible"])  # matched case-insensitively
    outcome, con = _load(config, ROWS)
    assert outcome.status == "loaded", outcome.problems
    last = con.execute(
        "select account_id, arg_max(balance, row_number) from raw.exchange_entries"
        " where asset = 'USD1' group by account_id order by account_id"
    ).fetchall()
    assert last == [("kraken-1", Decimal(10005)), ("kraken-main", Decimal(15000))]
    # both accounts in the statement key: a later export of the login supersedes it whole
    assert outcome.statement_key.startswith("kraken-main|kraken-1,kraken-main|2026-10-01T09")


def test_a_wallet_no_account_names_rejects_the_file(tmp_path, pseudonym_key):
    outcome, con = _load(_config(tmp_path, ["spot / main"]), ROWS)
    assert outcome.status == "quarantined"
    assert "row 3, column 'wallet'" in outcome.problems[0]
    assert "sub_account 'earn / flexible'" in outcome.problems[0]
    assert con.execute("select count(*) from raw.exchange_entries").fetchone() == (0,)


def test_the_token_in_two_wallets_of_one_account_rejects_the_file(tmp_path, pseudonym_key):
    outcome, _ = _load(_config(tmp_path, None), ROWS)
    assert outcome.status == "quarantined"
    assert outcome.problems[0] == (
        "ledgers.csv: row 3, column 'wallet': USD1 is also in wallet 'spot / main' (row 1): "
        "give each wallet its own files.exchange_accounts entry with sub_account "
        "(value 'earn / flexible')"
    )
    assert len(outcome.problems) == 2  # rows 3 and 4, both in the earn wallet


def test_other_assets_may_sit_in_several_wallets_of_one_account(tmp_path, pseudonym_key):
    spot_only = [ROWS[0], ROWS[4], ROWS[5]]  # USD1 in spot only, XBT in both
    outcome, con = _load(_config(tmp_path, None), spot_only)
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 3), outcome.problems
    accounts = con.execute("select distinct account_id from raw.exchange_entries").fetchall()
    assert accounts == [("kraken-main",)]
