"""A small JSON-RPC client over web3's HTTPProvider: retries, batches and no leaked secrets.

RPC URLs often carry an API key, so this client never puts the URL in a log line or an
exception message: errors name the network (``rpc[ethereum]``) instead, and any text coming
back from the HTTP stack is scrubbed of the URL and its parts before it is raised.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from web3 import HTTPProvider

from ingestion.secrets import register_secret

log = logging.getLogger(__name__)

RETRYABLE_HTTP = {408, 425, 429, 500, 502, 503, 504}
# JSON-RPC error messages that mean "ask for a smaller block range"
RANGE_TOO_LARGE_HINTS = (
    "query returned more than",
    "too many results",
    "log response size exceeded",
    "block range",
    "range is too large",
    "exceed maximum block range",
    "limit exceeded",
    "response size",
)


class RpcError(RuntimeError):
    """A JSON-RPC call failed for good; the message never contains the URL."""


class RpcRangeTooLargeError(RpcError):
    """The node refused a log query because the block range or result set is too large."""


@dataclass(frozen=True)
class BlockHeader:
    number: int
    hash: str
    timestamp: int


class RpcClient:
    """JSON-RPC access to one network's node. Thread-compatible, not thread-safe."""

    def __init__(
        self,
        url: str,
        network: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_base: float = 0.25,
        backoff_max: float = 8.0,
    ) -> None:
        self.network = network
        self._label = f"rpc[{network}]"
        self._secrets = register_secret(url)
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._rng = random.Random()
        self._provider = HTTPProvider(
            url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        self._ids = 0

    # ---- plumbing ------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return text

    def _sleep(self, attempt: int) -> None:
        delay = min(self._backoff_max, self._backoff_base * (2**attempt))
        time.sleep(delay * (0.5 + self._rng.random()))  # full jitter around the backoff

    def _with_retries(self, what: str, fn):
        last: str = ""
        for attempt in range(self._max_retries + 1):
            try:
                return fn()
            except RpcRangeTooLargeError:
                raise
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                last = f"HTTP {status}"
                if status not in RETRYABLE_HTTP:
                    raise RpcError(f"{self._label} {what}: {last}") from None
            except requests.RequestException as exc:  # refused, reset, timeout, cut short
                last = f"{type(exc).__name__}: {self.redact(str(exc))}"
            except _RetryableRpcError as exc:
                last = str(exc)
            except ValueError as exc:  # malformed JSON from the node or a proxy
                last = f"malformed response: {self.redact(str(exc))[:200]}"
            if attempt < self._max_retries:
                log.warning("%s %s failed (%s); retry %d", self._label, what, last, attempt + 1)
                self._sleep(attempt)
        raise RpcError(
            f"{self._label} {what}: gave up after {self._max_retries + 1} tries ({last})"
        )

    def _check(self, method: str, response: Any) -> Any:
        if not isinstance(response, dict):
            raise _RetryableRpcError(f"{method}: answer is not a JSON-RPC object")
        if response.get("error"):
            err = response["error"]
            message = self.redact(str(err.get("message", err) if isinstance(err, dict) else err))
            code = err.get("code") if isinstance(err, dict) else None
            if method == "eth_getLogs" and any(h in message.lower() for h in RANGE_TOO_LARGE_HINTS):
                raise RpcRangeTooLargeError(f"{self._label} {method}: {message}")
            if code in (-32005, 429) or "rate" in message.lower() or code == -32603:
                raise _RetryableRpcError(f"{method}: JSON-RPC error {code}: {message}")
            raise RpcError(f"{self._label} {method}: JSON-RPC error {code}: {message}")
        if "result" not in response:
            raise _RetryableRpcError(f"{method}: answer has no result")
        return response["result"]

    # ---- calls ---------------------------------------------------------------------------
    def call(self, method: str, params: Sequence[Any]) -> Any:
        """One JSON-RPC call, retried on transient faults; returns the raw `result`."""

        def once():
            return self._check(method, self._provider.make_request(method, list(params)))

        return self._with_retries(method, once)

    def batch(
        self,
        calls: Sequence[tuple[str, Sequence[Any]]],
        *,
        range_errors_as_results: bool = False,
        errors_as_results: bool = False,
    ) -> list[Any]:
        """Several calls in one HTTP request; results in the order asked.

        A transient fault in any answer retries the whole batch. With
        ``range_errors_as_results`` an eth_getLogs answer "range too large" is returned in its
        place as an ``RpcRangeTooLargeError`` (so the caller splits that one query only); with
        ``errors_as_results`` every final JSON-RPC error answer (an ``eth_call`` that reverts)
        is returned in its place as an ``RpcError``.
        """
        if not calls:
            return []

        def once():
            responses = self._provider.make_batch_request([(m, list(p)) for m, p in calls])
            if not isinstance(responses, list) or len(responses) != len(calls):
                raise _RetryableRpcError("batch: answer count does not match the request")
            by_id = sorted(responses, key=lambda r: r.get("id", 0) if isinstance(r, dict) else 0)
            out: list[Any] = []
            for (method, _), response in zip(calls, by_id, strict=True):
                try:
                    out.append(self._check(method, response))
                except RpcRangeTooLargeError as exc:
                    if not (range_errors_as_results or errors_as_results):
                        raise
                    out.append(exc)
                except RpcError as exc:
                    if not errors_as_results:
                        raise
                    out.append(exc)
            return out

        return self._with_retries(f"batch of {len(calls)}", once)

    def chain_id(self) -> int:
        return int(self.call("eth_chainId", []), 16)

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber", []), 16)

    def block_headers(self, numbers: Sequence[int], chunk: int = 200) -> dict[int, BlockHeader]:
        """Headers (hash, timestamp) of the given block numbers, fetched in batches."""
        out: dict[int, BlockHeader] = {}
        wanted = sorted(set(numbers))
        for i in range(0, len(wanted), chunk):
            part = wanted[i : i + chunk]
            results = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in part])
            for n, block in zip(part, results, strict=True):
                if block is None:
                    raise RpcError(f"{self._label} eth_getBlockByNumber: block {n} not found")
                out[n] = BlockHeader(n, block["hash"].lower(), int(block["timestamp"], 16))
        return out

    def block_header(self, number: int) -> BlockHeader:
        return self.block_headers([number])[number]

    def tagged_block_number(self, tag: str) -> int:
        """Number of the block the node names by a tag (``latest``, ``safe``, ``finalized``)."""
        block = self.call("eth_getBlockByNumber", [tag, False])
        if block is None:
            raise RpcError(f"{self._label} eth_getBlockByNumber: the node knows no {tag!r} block")
        return int(block["number"], 16)

    def get_logs(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.call("eth_getLogs", [params])

    def eth_call(self, to: str, data: str, block: int | str) -> str:
        tag = hex(block) if isinstance(block, int) else block
        return self.call("eth_call", [{"to": to, "data": data}, tag])


class _RetryableRpcError(Exception):
    pass
