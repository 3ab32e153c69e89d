"""Local day -> block range mapping, by binary search on block time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ingestion.onchain.blocks import BlockTimeIndex, day_bounds_utc
from ingestion.onchain.rpc import BlockHeader

NY = ZoneInfo("America/New_York")


class FakeClient:
    network = "fake"

    def __init__(self, timestamps: list[int]):
        self.timestamps = timestamps
        self.calls = 0

    def block_header(self, number: int) -> BlockHeader:
        self.calls += 1
        return BlockHeader(number, f"0x{number:064x}", self.timestamps[number])

    def block_headers(self, numbers) -> dict[int, BlockHeader]:
        """One batch: counts as one round trip."""
        self.calls += 1
        return {n: BlockHeader(n, f"0x{n:064x}", self.timestamps[n]) for n in numbers}


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_day_bounds_follow_the_time_zone_and_dst():
    start, end = day_bounds_utc(date(2026, 8, 1), NY)
    assert start == datetime(2026, 8, 1, 4, tzinfo=UTC)
    assert end == datetime(2026, 8, 2, 4, tzinfo=UTC)
    start, end = day_bounds_utc(date(2026, 11, 1), NY)  # DST ends: a 25-hour day
    assert (end - start).total_seconds() == 25 * 3600


def test_boundaries_are_half_open():
    blocks = [
        ts("2026-08-01T03:00:00+00:00"),  # 0: 2026-07-31 local
        ts("2026-08-01T04:00:00+00:00"),  # 1: exactly local midnight -> 2026-08-01
        ts("2026-08-02T03:59:59+00:00"),  # 2: 23:59:59 local -> 2026-08-01
        ts("2026-08-02T04:00:00+00:00"),  # 3: 2026-08-02
        ts("2026-08-05T12:00:00+00:00"),  # 4: 2026-08-05 (3 silent days before)
    ]
    index = BlockTimeIndex(FakeClient(blocks), start_block=0, head=4)
    d1 = index.day_blocks(date(2026, 8, 1), NY)
    assert (d1.first_block, d1.last_block) == (1, 2)
    d2 = index.day_blocks(date(2026, 8, 2), NY)
    assert (d2.first_block, d2.last_block) == (3, 3)
    silent = index.day_blocks(date(2026, 8, 3), NY)
    assert silent.is_empty and silent.first_block is None
    d5 = index.day_blocks(date(2026, 8, 5), NY)
    assert (d5.first_block, d5.last_block) == (4, 4)
    future = index.day_blocks(date(2026, 8, 6), NY)
    assert future.is_empty


def test_search_uses_few_calls_and_respects_start_block():
    base = ts("2026-08-01T04:00:00+00:00")
    blocks = [base + 12 * i for i in range(100_000)]  # 12-second blocks, ~13.9 days
    client = FakeClient(blocks)
    index = BlockTimeIndex(client, start_block=50, head=len(blocks) - 1)
    day = index.day_blocks(date(2026, 8, 1), NY)
    assert day.first_block == 50  # nothing before start_block is considered
    assert blocks[day.last_block] < base + 86400 <= blocks[day.last_block + 1]
    assert client.calls < 15  # round trips: batched k-ary search
