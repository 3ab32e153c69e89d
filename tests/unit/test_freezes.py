"""Issuer freezes without a node: the `token.freeze` configuration (validated with the key named,
optional) and the day-end reader of the freeze view (ingestion/onchain/freezes.py): one row per
address and day, batched calls, re-runs change nothing, bad answers name the view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from eth_utils import keccak

from ingestion.config import ConfigError, Network, Token, load_config
from ingestion.freeze_config import FreezeConfig
from ingestion.onchain.freezes import snapshot_freezes
from ingestion.onchain.rpc import BlockHeader, RpcError
from ingestion.warehouse import init_warehouse

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"
WALLET = "0x" + "11" * 20
COUNTERPARTY = "0x" + "22" * 20
TRUE = "0x" + "0" * 63 + "1"
FALSE = "0x" + "0" * 64


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_names_the_freeze_view_and_events():
    token = load_config(DEMO).network("ethereum").token
    assert token.freeze is not None
    assert token.freeze.view == "isBlacklisted(address)"
    assert token.freeze.view_selector == "0xfe575a87"  # USDC's isBlacklisted(address)
    topics = token.freeze.event_topics()
    assert topics["0x" + keccak(text="Blacklisted(address)").hex()] is True
    assert topics["0x" + keccak(text="UnBlacklisted(address)").hex()] is False
    assert load_config(DEMO).network("bnb").token.freeze is None  # absent: no freeze


def test_freeze_block_is_optional_and_usdt_names_validate(tmp_path, demo_data):
    del demo_data["networks"][0]["token"]["freeze"]
    assert load_config(_write(tmp_path, demo_data)).network("ethereum").token.freeze is None
    usdt = FreezeConfig(
        view="isBlackListed( address )",
        frozen_events=["AddedBlackList(address)"],
        unfrozen_events=["RemovedBlackList(address)"],
    )
    assert usdt.view == "isBlackListed(address)"
    assert FreezeConfig(view="isFrozen(address)").frozen_events == []


@pytest.mark.parametrize(
    ("freeze", "message"),
    [
        ({}, r"networks\[0\]\.token\.freeze\.view: required key is missing"),
        ({"view": "isBlacklisted"}, r"freeze\.view: expected a view function signature"),
        ({"view": "isFrozen(address,uint256)"}, r"freeze\.view: expected a view function"),
        (
            {"view": "isBlacklisted(address)", "frozen_events": ["Blacklisted(address indexed a)"]},
            r"freeze\.frozen_events: expected a event signature taking one address",
        ),
        (
            {
                "view": "isBlacklisted(address)",
                "frozen_events": ["Blacklisted(address)"],
                "unfrozen_events": ["Blacklisted(address)"],
            },
            r"both list \['Blacklisted\(address\)'\]",
        ),
        ({"view": "isBlacklisted(address)", "events": []}, r"freeze\.events: unknown key"),
    ],
)
def test_bad_freeze_blocks_name_the_key(tmp_path, demo_data, freeze, message):
    demo_data["networks"][0]["token"]["freeze"] = freeze
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))


def _network(freeze: FreezeConfig | None) -> Network:
    return Network(
        name="ethereum",
        chain_id=1,
        rpc_url_env="X",
        confirmations=0,
        rpc_batch_size=1,
        token=Token(address="0x" + "ab" * 20, symbol="USD1", decimals=6, freeze=freeze),
    )


class FreezeNode:
    """Answers the freeze view's eth_calls from a table; counts calls and batches."""

    def __init__(self, answers: dict[tuple[str, int], str]):
        self.answers = answers
        self.calls = 0
        self.batches = 0
        self.selectors: set[str] = set()

    def block_headers(self, numbers) -> dict[int, BlockHeader]:
        return {n: BlockHeader(n, f"0x{n:064x}", 1_785_000_000 + 12 * n) for n in numbers}

    def batch(self, calls):
        self.batches += 1
        self.calls += len(calls)
        out = []
        for _, (tx, tag) in calls:
            self.selectors.add(tx["data"][:10])
            out.append(self.answers[("0x" + tx["data"][-40:], int(tag, 16))])
        return out


VIEW = FreezeConfig(view="isBlacklisted(address)")
ENDS = {
    date(2026, 8, 30): (0, True),  # before the token existed: no code, not frozen
    date(2026, 8, 31): (20, True),
    date(2026, 9, 1): (30, False),  # incomplete day: read at the final block (25)
}


def _rows(con):
    return [
        (str(d), a[:4], b, f, fin)
        for d, a, b, f, fin in con.execute(
            "select block_date, address, block_number, is_frozen, is_final "
            "from raw.onchain_freezes order by 1, 2"
        ).fetchall()
    ]


def test_freeze_view_rows_per_address_and_day_and_rerun_changes_nothing():
    con = duckdb.connect()
    init_warehouse(con)
    node = FreezeNode(
        {
            (WALLET, 0): "0x",
            (COUNTERPARTY, 0): "0x",
            (WALLET, 20): TRUE,
            (COUNTERPARTY, 20): FALSE,
            (WALLET, 25): FALSE,
            (COUNTERPARTY, 25): TRUE,
        }
    )
    network = _network(VIEW)
    written = snapshot_freezes(
        con, node, network, [WALLET.upper().replace("0X", "0x"), COUNTERPARTY], ENDS, 25, "l1"
    )
    assert written == 6 and node.calls == 6 and node.batches == 1  # one batch (>= 50 a batch)
    assert node.selectors == {"0xfe575a87"}
    assert _rows(con) == [
        ("2026-08-30", "0x11", 0, False, True),
        ("2026-08-30", "0x22", 0, False, True),
        ("2026-08-31", "0x11", 20, True, True),
        ("2026-08-31", "0x22", 20, False, True),
        ("2026-09-01", "0x11", 25, False, False),
        ("2026-09-01", "0x22", 25, True, False),
    ]
    before = con.execute("select * from raw.onchain_freezes order by all").fetchall()
    again = snapshot_freezes(con, node, network, [WALLET, COUNTERPARTY], ENDS, 25, "l2")
    # final rows are not read again; the open day is read and, unchanged, not rewritten
    assert again == 0 and node.calls == 8
    assert con.execute("select * from raw.onchain_freezes order by all").fetchall() == before


def test_an_open_day_is_rewritten_when_its_answer_changes():
    con = duckdb.connect()
    init_warehouse(con)
    answers = {(WALLET, 0): FALSE, (WALLET, 20): FALSE, (WALLET, 25): FALSE}
    network = _network(VIEW)
    snapshot_freezes(con, FreezeNode(answers), network, [WALLET], ENDS, 25, "l1")
    answers[(WALLET, 30)] = TRUE  # the day ends and is final; the wallet got frozen late
    ends = {**ENDS, date(2026, 9, 1): (30, True)}
    assert snapshot_freezes(con, FreezeNode(answers), network, [WALLET], ends, 30, "l2") == 1
    assert _rows(con)[-1] == ("2026-09-01", "0x11", 30, True, True)


def test_no_freeze_block_reads_nothing():
    con = duckdb.connect()
    init_warehouse(con)
    node = FreezeNode({})
    assert snapshot_freezes(con, node, _network(None), [WALLET], ENDS, 25, "l1") == 0
    assert node.calls == 0
    assert con.execute("select count(*) from raw.onchain_freezes").fetchone() == (0,)


def test_an_answer_that_is_not_a_bool_names_the_view_and_writes_nothing():
    con = duckdb.connect()
    init_warehouse(con)
    node = FreezeNode(
        {(WALLET, 0): FALSE, (WALLET, 20): "0x" + "0" * 63 + "2", (WALLET, 25): FALSE}
    )
    with pytest.raises(RpcError, match=r"isBlacklisted\(address\) of 0x1111.*at block 20.*bool"):
        snapshot_freezes(con, node, _network(VIEW), [WALLET], ENDS, 25, "l1")
    assert con.execute("select count(*) from raw.onchain_freezes").fetchone() == (0,)


def test_a_failing_call_names_the_view_and_the_key():
    class Reverting(FreezeNode):
        def batch(self, calls):
            raise RpcError("rpc[ethereum] eth_call: execution reverted")

    con = duckdb.connect()
    init_warehouse(con)
    with pytest.raises(RpcError, match=r"isBlacklisted\(address\).*token\.freeze\.view"):
        snapshot_freezes(con, Reverting({}), _network(VIEW), [WALLET], ENDS, 25, "l1")


FREEZE_EVENTS = FreezeConfig(
    view="isBlacklisted(address)",
    frozen_events=["Blacklisted(address)", "AddedBlackList(address)"],
    unfrozen_events=["UnBlacklisted(address)"],
)
BLACKLISTED = "0x" + keccak(text="Blacklisted(address)").hex()
ADDED = "0x" + keccak(text="AddedBlackList(address)").hex()
UNBLACKLISTED = "0x" + keccak(text="UnBlacklisted(address)").hex()


def _event(block: int, index: int, topic0: str, address: str, indexed: bool = True) -> dict:
    word = "0x" + "0" * 24 + address[2:]
    return {
        "blockNumber": hex(block),
        "blockHash": f"0x{block:064x}",
        "transactionHash": f"0x{block * 100 + index:064x}",
        "logIndex": hex(index),
        "topics": [topic0, word] if indexed else [topic0],
        "data": "0x" if indexed else word,
    }


class EventNode(FreezeNode):
    """Answers eth_getLogs with the given logs (filtered by topic0 and range)."""

    network = "ethereum"

    def __init__(self, logs: list[dict]):
        super().__init__({})
        self.logs = logs
        self.filters: list = []

    def batch(self, calls, range_errors_as_results=False):
        out = []
        for _, (params,) in calls:
            self.filters.append(params["topics"])
            lo, hi = int(params["fromBlock"], 16), int(params["toBlock"], 16)
            wanted = set(params["topics"][0])
            out.append(
                [
                    e
                    for e in self.logs
                    if lo <= int(e["blockNumber"], 16) <= hi and e["topics"][0] in wanted
                ]
            )
        return out


def test_freeze_events_indexed_or_in_data_load_once_and_rerun_changes_nothing():
    from ingestion.onchain.freezes import sync_freeze_events

    con = duckdb.connect()
    init_warehouse(con)
    logs = [
        _event(5, 0, BLACKLISTED, WALLET),  # USDC: the address is an indexed topic
        _event(8, 1, ADDED, COUNTERPARTY, indexed=False),  # USDT: the address is the data word
        _event(9, 0, UNBLACKLISTED, WALLET),
        _event(9, 1, "0x" + "ee" * 32, WALLET),  # another event of the token: not asked for
    ]
    node = EventNode(logs)
    network = _network(FREEZE_EVENTS)
    assert sync_freeze_events(con, node, network, 0, 20, "l1") == 3
    assert node.filters[0] == [sorted([ADDED, BLACKLISTED, UNBLACKLISTED])]
    rows = con.execute(
        "select block_number, address, is_frozen, event_signature "
        "from raw.onchain_freeze_events order by block_number, log_index"
    ).fetchall()
    assert rows == [
        (5, WALLET, True, "Blacklisted(address)"),
        (8, COUNTERPARTY, True, "AddedBlackList(address)"),
        (9, WALLET, False, "UnBlacklisted(address)"),
    ]
    before = con.execute("select * from raw.onchain_freeze_events order by all").fetchall()
    assert sync_freeze_events(con, EventNode(logs), network, 0, 20, "l2") == 0
    assert con.execute("select * from raw.onchain_freeze_events order by all").fetchall() == before
    # a range read again without the unfreeze (it was re-orged away before it was final)
    assert sync_freeze_events(con, EventNode(logs[:2]), network, 9, 20, "l3") == 1
    assert con.execute("select count(*) from raw.onchain_freeze_events").fetchone() == (2,)


def test_no_events_configured_reads_no_logs():
    from ingestion.onchain.freezes import sync_freeze_events

    con = duckdb.connect()
    init_warehouse(con)
    node = EventNode([])
    assert sync_freeze_events(con, node, _network(VIEW), 0, 20, "l1") == 0
    assert sync_freeze_events(con, node, _network(None), 0, 20, "l1") == 0
    assert node.filters == []
