"""The RPC client: retries transient faults, never leaks the URL, splits on range errors."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingestion.onchain.logs import fetch_transfer_logs
from ingestion.onchain.rpc import RpcClient, RpcError, RpcRangeTooLargeError

SECRET = "k3y-5ecr3t-abcdef"


class Node:
    """A scripted JSON-RPC server on 127.0.0.1: answers come from a queue, then a default."""

    def __init__(self):
        self.script: list = []
        self.requests: list = []
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                node.requests.append(body)
                action = node.script.pop(0) if node.script else "ok"
                if isinstance(action, int):
                    self.send_response(action)
                    self.end_headers()
                    return
                if callable(action):
                    payload = action(body)
                elif action == "ok":
                    payload = {"jsonrpc": "2.0", "id": body["id"], "result": "0x7a69"}
                else:
                    payload = action
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v3/{SECRET}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def node():
    n = Node()
    yield n
    n.close()


def client(url: str) -> RpcClient:
    return RpcClient(url, "testnet", max_retries=3, backoff_base=0.001, backoff_max=0.01)


def test_retries_429_and_5xx_then_succeeds(node):
    node.script = [429, 503, "ok"]
    assert client(node.url).chain_id() == 31337
    assert len(node.requests) == 3


def test_retryable_json_rpc_error(node):
    node.script = [
        lambda b: {
            "jsonrpc": "2.0",
            "id": b["id"],
            "error": {"code": -32005, "message": "rate limited"},
        },
        "ok",
    ]
    assert client(node.url).chain_id() == 31337


def test_gives_up_without_the_url_in_the_message_or_logs(node, caplog):
    node.script = [500] * 10
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RpcError) as err:
        client(node.url).chain_id()
    assert "gave up after 4 tries" in str(err.value)
    assert SECRET not in str(err.value)
    assert SECRET not in caplog.text
    assert "rpc[testnet]" in str(err.value)


def test_connection_refused_message_is_redacted(caplog):
    caplog.set_level(logging.DEBUG)
    dead = f"http://127.0.0.1:9/v3/{SECRET}"  # nothing listens on the discard port
    with pytest.raises(RpcError) as err:
        client(dead).chain_id()
    assert SECRET not in str(err.value) and SECRET not in caplog.text


def _batch(answer_one):
    """A batch handler answering each call of a JSON-RPC batch with `answer_one`."""

    def answer(body):
        return [answer_one(call) for call in body] if isinstance(body, list) else answer_one(body)

    return answer


def test_range_too_large_splits_the_query(node):
    def answer(body):
        params = body["params"][0]
        lo, hi = int(params["fromBlock"], 16), int(params["toBlock"], 16)
        if hi - lo + 1 > 25:
            return {
                "jsonrpc": "2.0",
                "id": body["id"],
                "error": {"code": -32005, "message": "query returned more than 10000 results"},
            }
        return {
            "jsonrpc": "2.0",
            "id": body["id"],
            "result": [
                {"transactionHash": f"0x{n:064x}", "logIndex": "0x0", "blockNumber": hex(n)}
                for n in range(lo, hi + 1)
                if n % 10 == 0
            ],
        }

    node.script = [_batch(answer)] * 200
    logs = fetch_transfer_logs(client(node.url), "0x" + "aa" * 20, None, 0, 99, 100, reads=1)
    assert sorted(int(x["blockNumber"], 16) for x in logs) == list(range(0, 100, 10))


def test_range_error_on_a_single_block_is_raised(node):
    node.script = [
        _batch(
            lambda b: {
                "jsonrpc": "2.0",
                "id": b["id"],
                "error": {"code": -32005, "message": "too many results"},
            }
        )
    ]
    with pytest.raises(RpcRangeTooLargeError):
        fetch_transfer_logs(client(node.url), "0x" + "aa" * 20, None, 5, 5, 100, reads=1)


def test_non_retryable_error_is_reported_at_once(node):
    node.script = [
        lambda b: {
            "jsonrpc": "2.0",
            "id": b["id"],
            "error": {"code": -32601, "message": "method not found"},
        }
    ]
    with pytest.raises(RpcError, match="method not found"):
        client(node.url).chain_id()
    assert len(node.requests) == 1
