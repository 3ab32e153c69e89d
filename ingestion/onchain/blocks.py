"""Map local days (in the reporting time zone) to the exact block ranges whose timestamps fall
inside them, by binary search on block time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ingestion.onchain.rpc import BlockHeader, RpcClient


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day as UTC instants; DST days are 23 or 25 hours long."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class DayBlocks:
    """The blocks of one local day. `first_block` is None when no block fell in the day."""

    day: date
    first_block: int | None
    last_block: int | None
    start_ts: int
    end_ts: int

    @property
    def is_empty(self) -> bool:
        return self.first_block is None


PROBES = 15  # headers read per search round (one batch)


class BlockTimeIndex:
    """Finds blocks by timestamp with few RPC calls, remembering every header it has read."""

    def __init__(self, client: RpcClient, start_block: int, head: int) -> None:
        self.client = client
        self.start_block = start_block
        self.head = head
        self._headers: dict[int, BlockHeader] = {}
        self._by_ts: dict[int, int] = {}

    def header(self, number: int) -> BlockHeader:
        if number not in self._headers:
            self._headers[number] = self.client.block_header(number)
        return self._headers[number]

    def remember(self, headers: dict[int, BlockHeader]) -> None:
        self._headers.update(headers)

    def seed(self, ts: int, block: int) -> None:
        """Record a known answer: `block` is the first block with timestamp >= `ts`."""
        self._by_ts[ts] = block

    def _headers_of(self, numbers: list[int]) -> None:
        missing = [n for n in numbers if n not in self._headers]
        if not missing:
            return
        if len(missing) > 1 and hasattr(self.client, "block_headers"):
            self._headers.update(self.client.block_headers(missing))
        else:
            for n in missing:
                self._headers[n] = self.client.block_header(n)

    def first_block_at_or_after(self, ts: int) -> int:
        """Lowest block in [start_block, head] with timestamp >= ts, or head + 1 if none.

        A k-ary search: each round reads `PROBES` headers in one JSON-RPC batch, so a day
        boundary on a chain of 20 M blocks takes about 5 round trips instead of 25.
        """
        if ts in self._by_ts:
            return self._by_ts[ts]
        # answers already known bound the search: block times never decrease
        lo, hi = self.start_block, self.head + 1
        for known_ts, block in self._by_ts.items():
            if known_ts <= ts:
                lo = max(lo, block)
            else:
                hi = min(hi, block)
        for number, header in self._headers.items():
            if lo <= number < hi:
                if header.timestamp >= ts:
                    hi = number
                else:
                    lo = number + 1
        while lo < hi:
            span = hi - lo
            probes = sorted({lo + (span * k) // (PROBES + 1) for k in range(1, PROBES + 1)})
            probes = [p for p in probes if lo <= p < hi] or [(lo + hi) // 2]
            self._headers_of(probes)
            for p in probes:
                if self._headers[p].timestamp >= ts:
                    hi = p
                    break
                lo = p + 1
        self._by_ts[ts] = lo
        return lo

    def day_blocks(self, day: date, tz: ZoneInfo) -> DayBlocks:
        start, end = day_bounds_utc(day, tz)
        start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
        first = self.first_block_at_or_after(start_ts)
        after = self.first_block_at_or_after(end_ts)
        last = after - 1
        if last < first:
            return DayBlocks(day, None, None, start_ts, end_ts)
        return DayBlocks(day, first, last, start_ts, end_ts)
