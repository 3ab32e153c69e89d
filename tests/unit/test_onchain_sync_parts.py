"""Pieces of the on-chain sync without a node: windows, short-answer detection, day segments,
the cached day -> block mapping, finality by tag, and the period ends balanceOf is read at."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.config import Network, Token
from ingestion.onchain.balances import period_types
from ingestion.onchain.blocks import BlockTimeIndex, DayBlocks, day_bounds_utc
from ingestion.onchain.logs import fetch_transfer_logs, windows
from ingestion.onchain.rpc import BlockHeader, RpcError
from ingestion.onchain.transfers import block_segments, final_block_number, map_days
from ingestion.warehouse import init_warehouse
from tests.unit.test_rpc import Node, client

NY = ZoneInfo("America/New_York")


def _log(n: int) -> dict:
    return {
        "transactionHash": f"0x{n:064x}",
        "logIndex": "0x0",
        "blockNumber": hex(n),
        "blockHash": f"0x{n + 7:064x}",
        "data": "0x" + "0" * 63 + "1",
        "topics": [],
    }


@pytest.fixture
def node():
    n = Node()
    yield n
    n.close()


def _answers(results: list[list[dict]]):
    """A batch handler answering eth_getLogs calls from `results`, one list per call, in turn."""
    queue = list(results)

    def answer(body):
        calls = body if isinstance(body, list) else [body]
        out = [{"jsonrpc": "2.0", "id": c["id"], "result": queue.pop(0)} for c in calls]
        return out if isinstance(body, list) else out[0]

    return answer


def test_windows_cover_the_range_exactly():
    assert windows(10, 24, 5) == [(10, 14), (15, 19), (20, 24)]
    assert windows(10, 10, 5) == [(10, 10)]
    assert windows(0, 6, 4) == [(0, 3), (4, 6)]


def test_a_short_answer_is_read_again_until_enough_answers_hold_everything(node):
    full = [_log(1), _log(2), _log(3)]
    short = full[:2]
    node.script = [_answers([short, full, short, full])] * 10
    logs = fetch_transfer_logs(client(node.url), "0x" + "aa" * 20, None, 0, 9, 100, reads=2)
    assert sorted(x["transactionHash"] for x in logs) == [
        _log(n)["transactionHash"] for n in (1, 2, 3)
    ]
    assert len(node.requests) == 4  # two full answers needed, the two short ones did not count


def test_one_read_trusts_the_first_answer(node):
    node.script = [_answers([[_log(1)]])]
    logs = fetch_transfer_logs(client(node.url), "0x" + "aa" * 20, None, 0, 9, 100, reads=1)
    assert len(logs) == 1 and len(node.requests) == 1


def test_contradicting_answers_are_an_error(node):
    # each answer misses a different log: none holds the union, nothing settles
    answers = [[_log(1), _log(2)], [_log(2), _log(3)], [_log(1), _log(3)]] * 5
    node.script = [_answers(answers)] * 20
    with pytest.raises(RpcError, match="inconsistent answers"):
        fetch_transfer_logs(client(node.url), "0x" + "aa" * 20, None, 0, 9, 100, reads=2)


def test_segments_follow_runs_of_consecutive_days():
    d = [
        DayBlocks(date(2026, 8, 1), 10, 20, 0, 0),
        DayBlocks(date(2026, 8, 2), None, None, 0, 0),  # silent day inside a run
        DayBlocks(date(2026, 8, 3), 21, 30, 0, 0),
        DayBlocks(date(2026, 8, 10), 90, 95, 0, 0),  # a later run (the unfinalised tail)
        DayBlocks(date(2026, 8, 12), None, None, 0, 0),  # a run with no blocks at all
    ]
    assert block_segments(d) == [(10, 30), (90, 95)]


class FakeClient:
    network = "fake"

    def __init__(self, timestamps: list[int], hashes: dict[int, str] | None = None):
        self.timestamps = timestamps
        self.hashes = hashes or {}
        self.batches = 0
        self.asked: list[int] = []

    def header(self, n: int) -> BlockHeader:
        return BlockHeader(n, self.hashes.get(n, f"0x{n:064x}"), self.timestamps[n])

    def block_header(self, n: int) -> BlockHeader:
        self.batches += 1
        self.asked.append(n)
        return self.header(n)

    def block_headers(self, numbers) -> dict[int, BlockHeader]:
        self.batches += 1
        self.asked += list(numbers)
        return {n: self.header(n) for n in numbers}


def _network() -> Network:
    return Network(
        name="ethereum",
        chain_id=1,
        rpc_url_env="X",
        confirmations=0,
        token=Token(address="0x" + "ab" * 20, symbol="USD1", decimals=6),
    )


def _hourly_chain(days: int) -> list[int]:
    start, _ = day_bounds_utc(date(2026, 8, 1), NY)
    base = int(start.timestamp())
    return [base + 3600 * i for i in range(24 * days)]


def test_final_days_come_from_the_warehouse_after_one_hash_check():
    ts = _hourly_chain(4)
    con = duckdb.connect()
    init_warehouse(con)
    days = [date(2026, 8, 1), date(2026, 8, 2)]
    fresh = FakeClient(ts)
    mapped, cached = map_days(
        con, fresh, BlockTimeIndex(fresh, 0, len(ts) - 1), _network(), days, NY
    )
    assert cached == 0 and [(d.first_block, d.last_block) for d in mapped] == [(0, 23), (24, 47)]
    for d in mapped:
        con.execute(
            "insert into raw.onchain_day_blocks values ('ethereum', 1, ?, ?, ?, ?, now(), 90, "
            "true, true)",
            [d.day, d.first_block, d.last_block, f"0x{d.last_block:064x}"],
        )
    again = FakeClient(ts)
    mapped2, cached2 = map_days(
        con, again, BlockTimeIndex(again, 0, len(ts) - 1), _network(), days, NY
    )
    assert cached2 == 2 and mapped2 == mapped
    assert again.batches == 1 and sorted(again.asked) == [23, 47]  # one batch: last blocks only

    # a stored last block whose hash changed is mapped again
    moved = FakeClient(ts, hashes={47: "0x" + "99" * 32})
    mapped3, cached3 = map_days(
        con, moved, BlockTimeIndex(moved, 0, len(ts) - 1), _network(), days, NY
    )
    assert cached3 == 1 and mapped3 == mapped
    assert moved.batches > 1


def test_finality_by_depth_or_by_tag():
    class Tagged:
        def tagged_block_number(self, tag: str) -> int:
            return {"safe": 70, "finalized": 40}[tag]

    net = _network().model_copy(update={"confirmations": 5})
    assert final_block_number(Tagged(), net, 100) == 95
    safe = net.model_copy(update={"finality": "safe"})
    assert final_block_number(Tagged(), safe, 100) == 70
    assert final_block_number(Tagged(), safe, 50) == 50  # never above the head
    fin = net.model_copy(update={"finality": "finalized"})
    assert final_block_number(Tagged(), fin, 100) == 40


def test_period_ends():
    assert period_types(date(2026, 8, 30)) == ["day"]
    assert period_types(date(2026, 8, 31)) == ["day", "month"]
    assert period_types(date(2028, 2, 29)) == ["day", "month"]


class BalanceNode:
    """Answers balanceOf eth_calls from a table; counts the calls."""

    network = "ethereum"

    def __init__(self, balances: dict[tuple[str, int], str]):
        self.balances = balances
        self.calls = 0

    def block_headers(self, numbers) -> dict[int, BlockHeader]:
        return {n: BlockHeader(n, f"0x{n:064x}", 1_785_000_000 + 12 * n) for n in numbers}

    def batch(self, calls):
        self.calls += len(calls)
        out = []
        for _, (tx, tag) in calls:
            address = "0x" + tx["data"][-40:]
            out.append(self.balances[(address, int(tag, 16))])
        return out


def test_balance_of_rows_per_period_end_and_rerun_changes_nothing():
    from ingestion.config import Wallet
    from ingestion.onchain.balances import snapshot_balances

    con = duckdb.connect()
    init_warehouse(con)
    wallet = Wallet(
        address="0x" + "11" * 20,
        network="ethereum",
        entity="e",
        label="hot",
        purpose="hot",
        custody_provider="self",
        ownership="operating",
    )
    node = BalanceNode(
        {
            (wallet.address, 0): "0x",  # no token code yet: balance 0
            (wallet.address, 20): "0x" + f"{10**30:064x}",
            (wallet.address, 25): "0x" + f"{7:064x}",
        }
    )
    ends = {
        date(2026, 8, 30): (0, True),
        date(2026, 8, 31): (20, True),  # month end: a day and a month row, one eth_call
        date(2026, 9, 1): (30, False),  # incomplete day: read at the final block (25)
    }
    written = snapshot_balances(con, node, _network(), [wallet], ends, 25, "load-1")
    assert written == 4 and node.calls == 3
    rows = con.execute(
        "select block_date, period_type, block_number, balance_raw, is_final "
        "from raw.onchain_balances order by 1, 2"
    ).fetchall()
    assert [(str(d), p, b, int(v), f) for d, p, b, v, f in rows] == [
        ("2026-08-30", "day", 0, 0, True),
        ("2026-08-31", "day", 20, 10**30, True),
        ("2026-08-31", "month", 20, 10**30, True),
        ("2026-09-01", "day", 25, 7, False),
    ]
    again = snapshot_balances(con, node, _network(), [wallet], ends, 25, "load-2")
    assert again == 0 and node.calls == 4  # final rows are not read again; the open day is


def test_a_range_without_transfers_or_new_days_writes_nothing_and_does_not_fail():
    """A resumed run can read a range with no Transfer and no newly filled day (no header to
    fetch): the write step must not fail on the empty header set (DuckDB's executemany refuses
    an empty list), and keeps what raw holds outside the re-read segments."""
    from ingestion.onchain.decode import decode_transfer_logs, normalise_rpc_logs
    from ingestion.onchain.transfers import SyncReport, _write_transfers

    con = duckdb.connect()
    init_warehouse(con)
    decode_transfer_logs(con, normalise_rpc_logs([]), 6)
    report = SyncReport(
        network="ethereum", days=[], first_block=None, last_block=None,
        head_block=10, final_block=10,
    )  # fmt: skip
    _write_transfers(con, _network(), report, {}, "rpc:test", "load-1")
    assert report.transfers_loaded == 0
    assert report.transfers_inserted == 0
    assert con.execute("select count(*) from raw.onchain_transfers").fetchone()[0] == 0
