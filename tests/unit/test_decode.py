"""Bulk decoding of Transfer logs in DuckDB: exact values, look-alikes, malformed input."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.onchain.decode import (
    TRANSFER_TOPIC0,
    decode_transfer_logs,
    max_raw_digits,
    normalise_rpc_logs,
)

TOKEN = "0x" + "ab" * 20
A = "0x" + "11" * 20
B = "0x" + "22" * 20


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


def _log(value: int | str, *, log_index: int = 0, topics=None, data=None, removed=False) -> dict:
    if data is None:
        data = value if isinstance(value, str) else "0x" + format(value, "064x")
    return {
        "address": TOKEN,
        "topics": topics if topics is not None else [TRANSFER_TOPIC0, _topic(A), _topic(B)],
        "data": data,
        "blockNumber": "0x10",
        "blockHash": "0x" + "cd" * 32,
        "transactionHash": "0x" + "ef" * 32,
        "transactionIndex": "0x0",
        "logIndex": hex(log_index),
        "removed": removed,
    }


def _decode(logs: list[dict], decimals: int = 6) -> tuple[dict, list[tuple]]:
    con = duckdb.connect()
    counts = decode_transfer_logs(con, normalise_rpc_logs(logs), decimals)
    rows = con.execute(
        "select log_index, outcome, from_address, to_address, amount_raw from decoded_logs "
        "order by log_index"
    ).fetchall()
    return counts, rows


@pytest.mark.parametrize(
    "value",
    [0, 1, 10**6, 2**64 + 7, 10**26 - 1],
)
def test_values_decode_exactly(value):
    counts, rows = _decode([_log(value)])
    assert counts == {"ok": 1, "skip": 0, "bad": 0}
    _, outcome, frm, to, amount = rows[0]
    assert outcome == "ok"
    assert (frm, to) == (A, B)
    assert amount == Decimal(value)
    assert isinstance(amount, Decimal)


def test_leading_zeros_and_upper_case_hex():
    data = "0x" + "0" * 60 + "BEEF"
    _, rows = _decode([_log(data)])
    assert rows[0][4] == Decimal(0xBEEF)


def test_largest_value_that_fits_18_decimals():
    biggest = 10**38 - 1  # DECIMAL(38,0) limit; 20 integer digits in token units at 18 dp
    _, rows = _decode([_log(biggest)], decimals=18)
    assert rows[0][1] == "ok" and rows[0][4] == Decimal(biggest)


@pytest.mark.parametrize("value", [2**256 - 1, 2**128, 10**38])
def test_values_that_do_not_fit_are_quarantined_not_wrapped(value):
    counts, rows = _decode([_log(value)], decimals=18)
    assert counts["bad"] == 1
    assert rows[0][1].startswith("bad:data:value does not fit")
    assert rows[0][4] is None


def test_token_units_limit_depends_on_decimals():
    assert max_raw_digits(6) == 26
    counts, _ = _decode([_log(10**26)], decimals=6)  # 10^20 tokens: one digit too many
    assert counts["bad"] == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("0x" + "zz" * 32, "data"),
        ("0x1234", "data"),
        ("0x" + "00" * 33, "data"),
        (None, "data"),
    ],
)
def test_malformed_data_is_quarantined_with_the_field(data, field):
    log = _log(0)
    log["data"] = data
    counts, rows = _decode([log])
    assert counts["bad"] == 1
    assert rows[0][1].split(":")[1] == field


def test_malformed_address_topic_is_quarantined():
    log = _log(5, topics=[TRANSFER_TOPIC0, "0x" + "ff" * 32, _topic(B)])
    _, rows = _decode([log])
    assert rows[0][1].startswith("bad:topic1:")


def test_erc721_look_alike_and_removed_logs_are_skipped():
    nft = _log(
        0,
        log_index=1,
        topics=[TRANSFER_TOPIC0, _topic(A), _topic(B), "0x" + "0" * 63 + "7"],
        data="0x",
    )
    orphan = _log(9, log_index=2, removed=True)
    other_event = _log(9, log_index=3, topics=["0x" + "12" * 32, _topic(A), _topic(B)])
    counts, rows = _decode([_log(1), nft, orphan, other_event])
    assert counts == {"ok": 1, "skip": 3, "bad": 0}
    assert [r[1] for r in rows] == [
        "ok",
        "skip:ERC-721 Transfer",
        "skip:removed",
        "skip:not a Transfer event",
    ]


def test_empty_input():
    counts, rows = _decode([])
    assert counts == {"ok": 0, "skip": 0, "bad": 0} and rows == []


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (2**64, True),  # crosses the 64-bit word boundary
        (2**64 - 1, True),
        (10**38 + 5, False),  # > 10^38 - 1 (DECIMAL(38,0)), < 2^127
        (2**126 + 12345, True),  # < 10^38: still fits at 18 decimals
        (2**127, False),  # top word of the low half set: beyond HUGEINT
        (2**192 + 1, False),  # a high word set
    ],
)
def test_word_boundaries_decode_exactly_or_are_quarantined(value, fits):
    counts, rows = _decode([_log(value)], decimals=18)
    assert counts["ok"] == int(fits) and counts["bad"] == int(not fits)
    assert rows[0][4] == (Decimal(value) if fits else None)


def test_decoding_a_sql_relation_gives_the_same_rows():
    con = duckdb.connect()
    table = normalise_rpc_logs([_log(7), _log(2**70, log_index=1)])
    con.register("some_logs", table)
    counts = decode_transfer_logs(con, "select * from some_logs", 6, into="from_sql")
    assert counts == {"ok": 2, "skip": 0, "bad": 0}
    assert con.execute("select amount_raw from from_sql order by log_index").fetchall() == [
        (Decimal(7),),
        (Decimal(2**70),),
    ]
