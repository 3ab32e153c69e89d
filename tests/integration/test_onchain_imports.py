"""Importing token-transfer history from export files, on real mainnet data.

Blocks 17,173,049-17,173,050 (ethereum-etl's MIT-licensed fixtures in <repo>/../shared/data):
the same USDT and USDC transfers must come out of the eth_getLogs JSON, the cryo-shaped
Parquet and CSV, and the ethereum-etl token_transfers CSV, with the counts and exact sums the
data's README states, the ERC-721 Transfers that share topic0 left out, and overlapping
imports loading each transfer once.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.config import Network, Token
from ingestion.onchain.imports import import_transfers
from ingestion.warehouse import init_warehouse, table_content_hash

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "onchain" / "ethereum-etl"
if not DATA.is_dir():
    pytest.skip(f"shared test data not found at {DATA}", allow_module_level=True)

STREAM = DATA / "test_stream" / "blocks_17173049_17173050"
BLOCKS = STREAM / "expected_blocks.json"
TRANSACTIONS = STREAM / "expected_transactions.json"
DERIVED = DATA / "derived"
FILES = {
    ("eth-getlogs-json", "json"): DERIVED / "eth_getLogs__blocks_17173049_17173050__all.json",
    ("cryo", "parquet"): DERIVED / "cryo_shaped__ethereum__logs__17173049_to_17173050.parquet",
    ("cryo", "csv"): DERIVED / "cryo_shaped__ethereum__logs__17173049_to_17173050.csv",
    ("ethereum-etl", "csv"): DERIVED / "token_transfers__blocks_17173049_17173050.csv",
}
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
NFT = "0xb5f75c61052cd174c43b4187ca9333a5300d765f"  # 5 ERC-721 Transfers in these blocks
HASHES = {
    17173049: "0xaa5ab9bb22d8020d438496a7edb4eff508b1c5128b0dc01fdecf57f96aac1bb3",
    17173050: "0x5699ffb9477f70ec736463b144614356eb051936da75fcccec73d648f2e91de4",
}
EXPECTED = {  # token: (count, per block, sum of base units)
    USDT: (41, {17173049: 15, 17173050: 26}, 1088121577531),
    USDC: (9, {17173049: 5, 17173050: 4}, 129494801129),
}
ROW = (
    "block_number, block_hash, epoch(block_time)::bigint, tx_hash, tx_index, log_index, "
    "from_address, to_address, amount_raw, is_final"
)


def _network(token: str, decimals: int = 6) -> Network:
    return Network(
        name="mainnet",
        chain_id=1,
        rpc_url_env="USD1INV_RPC_MAINNET",
        confirmations=64,
        token=Token(address=token, symbol="TKN", decimals=decimals),
    )


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    init_warehouse(con)
    return con


def _import(con, token, key, **kwargs):
    kwargs.setdefault("blocks_file", BLOCKS)
    kwargs.setdefault("transactions_file", TRANSACTIONS)
    kwargs.setdefault("wallet_addresses", None)
    fmt = key[0]
    return import_transfers(con, _network(token), fmt, [FILES[key]], **kwargs)[0]


def _rows(con) -> list[tuple]:
    return con.execute(f"select {ROW} from raw.onchain_transfers order by 1, 6").fetchall()


@pytest.mark.parametrize("token", [USDT, USDC])
@pytest.mark.parametrize("key", list(FILES), ids=["-".join(k) for k in FILES])
def test_counts_and_exact_sums(token, key):
    con = _warehouse()
    report = _import(con, token, key)
    count, per_block, total = EXPECTED[token]
    assert report.loaded == count and report.quarantined == 0
    got = dict(
        con.execute(
            "select block_number, count(*) from raw.onchain_transfers group by 1"
        ).fetchall()
    )
    assert got == per_block
    assert con.execute("select sum(amount_raw) from raw.onchain_transfers").fetchone()[0] == (
        Decimal(total)
    )
    # block hash and time come from the blocks file, checked against the README's values
    blocks = con.execute(
        "select distinct block_number, block_hash, epoch(block_time)::bigint "
        "from raw.onchain_transfers order by 1"
    ).fetchall()
    assert blocks == [
        (17173049, HASHES[17173049], 1683029999),
        (17173050, HASHES[17173050], 1683030011),
    ]
    assert (
        con.execute(
            "select count(*) from raw.onchain_transfers where source_ref like 'file:%#sha256=%'"
        ).fetchone()[0]
        == count
    )


@pytest.mark.parametrize("token", [USDT, USDC])
def test_every_format_gives_the_same_rows(token):
    results = []
    for key in FILES:
        con = _warehouse()
        _import(con, token, key)
        results.append(_rows(con))
    assert all(r == results[0] for r in results[1:])
    assert len(results[0]) == EXPECTED[token][0]


@pytest.mark.parametrize("key", [k for k in FILES if k[0] != "ethereum-etl"])
def test_erc721_transfers_sharing_topic0_are_left_out(key):
    con = _warehouse()
    report = _import(con, NFT, key)
    assert report.loaded == 0 and report.skipped == 5 and report.quarantined == 0


def test_overlapping_imports_load_each_transfer_once():
    con = _warehouse()
    first = _import(con, USDT, ("eth-getlogs-json", "json"))
    before = table_content_hash(con, "raw.onchain_transfers")
    for key in FILES:
        again = _import(con, USDT, key)
        assert again.loaded == 0 and again.already_present == 41
    assert first.loaded == 41
    assert table_content_hash(con, "raw.onchain_transfers") == before


def test_registry_filter_keeps_transfers_touching_the_wallets():
    con = _warehouse()
    wallet = con.execute(  # the busiest USDT receiver, from the file itself
        f"select lower(to_address), count(*) from read_csv('{FILES[('ethereum-etl', 'csv')]}') "
        f"where token_address = '{USDT}' group by 1 order by 2 desc, 1 limit 1"
    ).fetchone()[0]
    report = _import(con, USDT, ("cryo", "parquet"), wallet_addresses=[wallet])
    assert report.loaded >= 1 and report.not_registry == 41 - report.loaded
    assert (
        con.execute(
            "select count(*) from raw.onchain_transfers where ? not in (from_address, to_address)",
            [wallet],
        ).fetchone()[0]
        == 0
    )


def test_missing_block_facts_are_quarantined_not_invented():
    con = _warehouse()
    report = _import(con, USDC, ("cryo", "parquet"), blocks_file=None)
    assert report.loaded == 0 and report.quarantined == 9
    assert "pass a blocks file" in report.problems[0]
    reasons = con.execute("select distinct reason from audit.quarantine").fetchall()
    assert len(reasons) == 2 and all("no block hash/time" in r[0] for r in reasons)
    # ethereum-etl token transfers carry no transaction index either
    report = _import(con, USDC, ("ethereum-etl", "csv"), transactions_file=None)
    assert report.loaded == 0 and "no transaction index" in report.problems[0]


def test_a_block_hash_that_disagrees_with_the_blocks_file_is_quarantined(tmp_path):
    bad = tmp_path / "blocks.json"
    text = BLOCKS.read_text().replace(HASHES[17173050], "0x" + "ab" * 32)
    bad.write_text(text)
    con = _warehouse()
    report = _import(con, USDC, ("eth-getlogs-json", "json"), blocks_file=bad)
    assert report.loaded == 5 and report.quarantined == 4
    assert "differs from the blocks file" in report.problems[0]


def test_values_that_do_not_fit_are_quarantined(tmp_path):
    csv = tmp_path / "token_transfers.csv"
    header = "token_address,from_address,to_address,value,transaction_hash,log_index,block_number"
    a, b = "0x" + "11" * 20, "0x" + "22" * 20
    tx = "0x" + "ee" * 32
    csv.write_text(
        "\r\n".join(
            [
                header,
                f"{USDC},{a},{b},0,{tx},0,17173049",
                f"{USDC},{a},{b},{2**256 - 1},{tx},1,17173049",
                f"{USDC},{a},{b},{10**26 - 1},{tx},2,17173049",
                f"{USDC},{a},{b},{10**26},{tx},3,17173049",
            ]
        )
        + "\r\n"
    )
    txs = tmp_path / "tx.json"
    txs.write_text(f'{{"hash": "{tx}", "transaction_index": 7}}\n')
    con = _warehouse()
    report = import_transfers(
        con,
        _network(USDC),
        "ethereum-etl",
        [csv],
        wallet_addresses=None,
        blocks_file=BLOCKS,
        transactions_file=txs,
    )[0]
    assert report.loaded == 2 and report.quarantined == 2
    amounts = [r[0] for r in con.execute(
        "select amount_raw from raw.onchain_transfers order by log_index"
    ).fetchall()]  # fmt: skip
    assert amounts == [Decimal(0), Decimal(10**26 - 1)]


def test_every_json_layout_of_saved_answers_gives_the_same_rows(tmp_path):
    """One response per file (fast path), responses one per line, a JSON array of responses
    (a batch) and a bare array of logs are all read, with the same result."""
    import json

    logs = json.loads(FILES[("eth-getlogs-json", "json")].read_text())["result"]
    half = len(logs) // 2
    layouts = {
        "lines.json": "\n".join(
            json.dumps({"jsonrpc": "2.0", "id": i, "result": part})
            for i, part in enumerate((logs[:half], logs[half:]))
        ),
        "batch.json": json.dumps(
            [
                {"jsonrpc": "2.0", "id": 1, "result": logs[:half]},
                {"jsonrpc": "2.0", "id": 2, "result": logs[half:]},
            ]
        ),
        "bare.json": json.dumps(logs),
        "spaced.json": json.dumps({"jsonrpc": "2.0", "id": 1, "result": logs}, indent=2),
    }
    con = _warehouse()
    _import(con, USDT, ("eth-getlogs-json", "json"))
    expected = _rows(con)
    for name, text in layouts.items():
        path = tmp_path / name
        path.write_text(text)
        con = _warehouse()
        report = import_transfers(
            con, _network(USDT), "eth-getlogs-json", [path], wallet_addresses=None,
            blocks_file=BLOCKS, transactions_file=TRANSACTIONS,
        )[0]  # fmt: skip
        assert report.loaded == 41, name
        assert _rows(con) == expected, name


def test_import_transfers_command(tmp_path):
    from typer.testing import CliRunner

    from usd1inv.cli import app

    config = tmp_path / "mainnet.yml"
    con = duckdb.connect()  # a real USDT receiver of these blocks is the registry wallet
    receiver = con.execute(
        f"select lower(to_address) from read_csv('{FILES[('ethereum-etl', 'csv')]}') "
        f"where token_address = '{USDT}' order by block_number, log_index limit 1"
    ).fetchone()[0]
    config.write_text(
        f"""
reporting_timezone: UTC
start_date: 2023-05-02
paths: {{data_dir: {tmp_path / "data"}}}
entities: [{{id: ops, name: Ops}}]
networks:
  - {{name: mainnet, chain_id: 1, rpc_url_env: USD1INV_RPC_MAINNET, confirmations: 64,
     token: {{address: "{USDT}", symbol: USDT, decimals: 6}}}}
wallets:
  - {{address: "{receiver}", network: mainnet, entity: ops, label: hot, purpose: hot,
     custody_provider: self, ownership: operating}}
"""
    )
    args = ["import-transfers", "--config", str(config), "--network", "mainnet"]
    files = ["--blocks", str(BLOCKS), "--transactions", str(TRANSACTIONS)]
    result = CliRunner().invoke(
        app, [*args, "--format", "cryo", *files, str(FILES[("cryo", "parquet")])]
    )
    assert result.exit_code == 0, result.output
    assert "transfers loaded" in result.output and "next: usd1inv run" in result.output
    result = CliRunner().invoke(
        app, [*args, "--format", "ethereum-etl", *files, str(FILES[("ethereum-etl", "csv")])]
    )
    assert result.exit_code == 0, result.output
    assert ", 0 transfers loaded" in result.output  # the same transfers, already present
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as wh:
        count = wh.execute("select count(*) from raw.onchain_transfers").fetchone()[0]
        touching = wh.execute(
            "select count(*) from raw.onchain_transfers where ? in (from_address, to_address)",
            [receiver],
        ).fetchone()[0]
    assert count == touching >= 1  # only transfers touching the registry wallet
    # without block facts: quarantined, exit code 2 names the problem
    result = CliRunner().invoke(app, [*args, "--format", "cryo", str(FILES[("cryo", "csv")])])
    assert result.exit_code == 2
    assert "no block hash/time" in result.output
