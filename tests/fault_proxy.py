"""A fault-injecting JSON-RPC proxy on 127.0.0.1 (stdlib http.server + threads).

Sits in front of a real node and, for a set share of requests, misbehaves the way providers do:

* ``drop``: closes the connection without an answer;
* ``delay``: answers only after ``delay_seconds`` (longer than the client's timeout);
* ``http_429`` / ``http_5xx``: rate limit / server error, no body;
* ``truncate``: cuts the answer's body in half (invalid JSON);
* ``short``: a valid answer to ``eth_getLogs`` with one log (chosen at random) of every
  non-empty result removed, as a lagging or capped backend would give.

Faults are drawn from a seeded generator, one draw per request; `counts` says what happened.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("drop", "delay", "http_429", "http_5xx", "truncate", "short")


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 1,
        shares: dict[str, float] | None = None,
        delay_seconds: float = 1.0,
    ) -> None:
        self.upstream = upstream
        self.shares = shares or {}
        unknown = set(self.shares) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
        self.delay_seconds = delay_seconds
        self.rng = random.Random(seed)  # reproducible faults, not security
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {name: 0 for name in (*FAULTS, "ok")}
        self.requests = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = proxy.draw(body)
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault in ("http_429", "http_5xx"):
                    self.send_response(429 if fault == "http_429" else 503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if fault == "delay":
                    time.sleep(proxy.delay_seconds)
                answer = proxy.forward(body)
                if fault == "truncate":
                    answer = answer[: len(answer) // 2]
                elif fault == "short":
                    with proxy.lock:
                        answer = _shorten(answer, proxy.rng)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(answer)  # the client may have timed out

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def draw(self, body: bytes) -> str:
        with self.lock:
            self.requests += 1
            roll = self.rng.random()
            edge = 0.0
            for name in FAULTS:
                share = self.shares.get(name, 0.0)
                if name == "short" and b"eth_getLogs" not in body:
                    continue
                edge += share
                if roll < edge:
                    self.counts[name] += 1
                    return name
            self.counts["ok"] += 1
            return "ok"

    def forward(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.read()

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _shorten(answer: bytes, rng: random.Random) -> bytes:
    payload = json.loads(answer)
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        result = item.get("result") if isinstance(item, dict) else None
        if isinstance(result, list) and result and isinstance(result[0], dict):
            del result[rng.randrange(len(result))]
    return json.dumps(payload).encode()
