"""Fetch a token's Transfer logs over block ranges: batched, split on demand, read twice.

A log query (one topic filter over one block window) is sent inside JSON-RPC batches of
``batch_size`` calls. A window the node refuses as too large ("query returned more than 10000
results", "block range too large") is halved until it fits; a single block that still does not
fit is an error.

Providers behind load balancers sometimes answer from a node that lags or cuts a result short,
with a valid but *shorter* list. So each window is read until ``reads`` answers each hold
exactly every log that any answer for that window has shown (``reads=1`` trusts the first
answer). Answers that contradict each other (logs of two versions of a block) never settle: a
provider that keeps disagreeing raises an ``RpcError`` naming the window rather than loading a
guess. Residual risk: every answer short in the same way; at an independent short-answer rate p
that needs ``reads`` identical short answers before any full one, about p ** reads per window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ingestion.onchain.decode import TRANSFER_TOPIC0
from ingestion.onchain.rpc import RpcClient, RpcError, RpcRangeTooLargeError

log = logging.getLogger(__name__)

WALLET_TOPIC_CHUNK = 100  # providers cap OR-lists of topics; stay well below
MAX_EXTRA_READS = 6  # reads beyond `reads` before a window is declared inconsistent

LogKey = tuple[str, str, int, str]  # block hash, tx hash, log index, data


def address_topic(address: str) -> str:
    """A 20-byte address as a 32-byte topic (left-padded with zeros), lower-case."""
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def log_key(entry: dict[str, Any]) -> LogKey:
    """What makes two answers' logs the same log: position, block and content."""
    index = entry.get("logIndex")
    return (
        str(entry.get("blockHash", "")).lower(),
        str(entry.get("transactionHash", "")).lower(),
        int(index, 16) if isinstance(index, str) else int(index or 0),
        str(entry.get("data", "")).lower() + ",".join(entry.get("topics") or []).lower(),
    )


def windows(from_block: int, to_block: int, size: int) -> list[tuple[int, int]]:
    """[from_block, to_block] cut into inclusive windows of at most `size` blocks."""
    return [(lo, min(lo + size - 1, to_block)) for lo in range(from_block, to_block + 1, size)]


@dataclass
class _Query:
    topics: list
    lo: int
    hi: int
    answers: list[dict[LogKey, dict]] = field(default_factory=list)
    too_large: bool = False

    def params(self, address: str) -> dict[str, Any]:
        return {
            "address": address,
            "topics": self.topics,
            "fromBlock": hex(self.lo),
            "toBlock": hex(self.hi),
        }

    def settled(self, reads: int) -> bool:
        if len(self.answers) < reads:
            return False
        union: set[LogKey] = set().union(*(a.keys() for a in self.answers))
        return sum(a.keys() == union for a in self.answers) >= reads

    def best(self) -> dict[LogKey, dict]:
        union: set[LogKey] = set().union(*(a.keys() for a in self.answers))
        return next(a for a in reversed(self.answers) if a.keys() == union)


@dataclass
class FetchStats:
    calls: int = 0
    batches: int = 0
    splits: int = 0
    rereads: int = 0  # reads beyond the required ones, caused by disagreeing answers


def fetch_transfer_logs(
    client: RpcClient,
    token_address: str,
    wallet_addresses: Sequence[str] | None,
    from_block: int,
    to_block: int,
    max_block_range: int,
    *,
    reads: int = 2,
    batch_size: int = 16,
    stats: FetchStats | None = None,
    topic_filters: list[list] | None = None,
) -> list[dict]:
    """Transfer logs of the token over [from_block, to_block] (eth_getLogs result objects).

    With `wallet_addresses`, only logs with a wallet as sender or receiver: two topic filters
    (wallet as `from`, wallet as `to`), wallets in chunks. A log both filters find (wallet to
    wallet) is kept once. With None, every Transfer of the token. With `topic_filters`, those
    filters instead (other events of the token: issuer freezes, ingestion/onchain/freezes.py).
    """
    stats = stats if stats is not None else FetchStats()
    if to_block < from_block:
        return []
    filters: list[list]
    if topic_filters is not None:
        filters = topic_filters
    elif wallet_addresses is None:
        filters = [[TRANSFER_TOPIC0]]
    else:
        topics = [address_topic(a) for a in sorted(set(wallet_addresses))]
        filters = []
        for i in range(0, len(topics), WALLET_TOPIC_CHUNK):
            chunk = topics[i : i + WALLET_TOPIC_CHUNK]
            filters += [[TRANSFER_TOPIC0, chunk], [TRANSFER_TOPIC0, None, chunk]]
        if not filters:
            return []
    open_queries = [
        _Query(f, lo, hi)
        for f in filters
        for lo, hi in windows(from_block, to_block, max_block_range)
    ]
    done: list[_Query] = []
    while open_queries:
        for start in range(0, len(open_queries), batch_size):
            part = open_queries[start : start + batch_size]
            results = client.batch(
                [("eth_getLogs", [q.params(token_address)]) for q in part],
                range_errors_as_results=True,
            )
            stats.batches += 1
            stats.calls += len(part)
            for query, result in zip(part, results, strict=True):
                if isinstance(result, RpcRangeTooLargeError):
                    query.too_large = True
                    continue
                if not isinstance(result, list):
                    raise RpcError(f"rpc[{client.network}] eth_getLogs: answer is not a list")
                query.answers.append({log_key(e): e for e in result})
        next_round: list[_Query] = []
        for query in open_queries:
            if query.too_large:
                if query.lo == query.hi:
                    raise RpcRangeTooLargeError(
                        f"rpc[{client.network}] eth_getLogs: block {query.lo} alone has too many "
                        "results for the provider"
                    )
                mid = (query.lo + query.hi) // 2
                log.info("%s: splitting log query %d-%d", client.network, query.lo, query.hi)
                stats.splits += 1
                next_round += [
                    _Query(query.topics, query.lo, mid),
                    _Query(query.topics, mid + 1, query.hi),
                ]
            elif query.settled(reads):
                done.append(query)
            elif len(query.answers) >= reads + MAX_EXTRA_READS:
                sizes = sorted({len(a) for a in query.answers})
                raise RpcError(
                    f"rpc[{client.network}] eth_getLogs: blocks {query.lo}-{query.hi} gave "
                    f"inconsistent answers in {len(query.answers)} reads (log counts {sizes}); "
                    "the provider is unreliable, try again or use another node"
                )
            else:
                if len(query.answers) >= reads:
                    stats.rereads += 1
                    log.warning(
                        "%s: answers for blocks %d-%d disagree (log counts %s); reading again",
                        client.network,
                        query.lo,
                        query.hi,
                        [len(a) for a in query.answers],
                    )
                next_round.append(query)
        open_queries = next_round
    seen: dict[tuple[str, int], dict] = {}
    for query in done:
        for key, entry in query.best().items():
            seen[(key[1], key[2])] = entry
    return list(seen.values())
