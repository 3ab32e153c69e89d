"""Run a local anvil node (Foundry's dev chain) on 127.0.0.1 for the demo and the tests.

The binary comes from the npm package ``@foundry-rs/anvil`` (``make setup``). ``AnvilNode``
picks a free port, starts anvil with a fixed chain id and genesis timestamp, waits until it
answers JSON-RPC and stops it on exit::

    with AnvilNode(chain_id=31337, timestamp=genesis_ts) as node:
        w3 = node.web3()

It never listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from web3 import HTTPProvider, Web3

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
ANVIL_BIN_ENV = "USD1INV_ANVIL_BIN"
NPM_BIN = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")


class AnvilError(RuntimeError):
    """anvil could not be found or started; the message says why and what to run."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def find_anvil() -> str:
    """The anvil executable: env ``USD1INV_ANVIL_BIN``, else the npm one, else PATH."""
    override = os.environ.get(ANVIL_BIN_ENV, "").strip()
    if override:
        if not Path(override).is_file():
            raise AnvilError(f"{ANVIL_BIN_ENV}={override}: no such file")
        return override
    for folder in Path(__file__).resolve().parents:
        candidate = folder / NPM_BIN
        if candidate.is_file():
            return str(candidate)
    on_path = shutil.which("anvil")
    if on_path:
        return on_path
    raise AnvilError(
        f"anvil not found: run `make setup` (or `npm ci` in the repository root) to install "
        f"{NPM_BIN}, put `anvil` on PATH, or set {ANVIL_BIN_ENV}"
    )


def _rpc(url: str, method: str, params: list | None = None, timeout: float = 1.0) -> object:
    """One JSON-RPC call with the standard library (used while waiting for startup)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())["result"]


class AnvilNode:
    """A running anvil process on 127.0.0.1 and a free port; a context manager.

    ``timestamp`` is the genesis block's Unix time (``--timestamp``); ``extra_args`` are passed
    to anvil as they are. The node is started with ``--auto-impersonate``, so transactions may
    be sent from any address with ``eth_sendTransaction``.
    """

    def __init__(
        self,
        *,
        chain_id: int = 31337,
        timestamp: int | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 20.0,
        binary: str | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.timestamp = timestamp
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.binary = binary or find_anvil()
        self.port: int = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    # ---- public ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The JSON-RPC URL, ``http://127.0.0.1:<port>``."""
        if not self.port:
            raise AnvilError("anvil is not started")
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the anvil process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def web3(self) -> Web3:
        """A web3 client for this node."""
        return Web3(HTTPProvider(self.url, request_kwargs={"timeout": 30}))

    def start(self, attempts: int = 3) -> AnvilNode:
        """Start anvil and wait until it answers ``eth_chainId``; retry on a port clash."""
        if self.running:
            return self
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(free_port())
                return self
            except AnvilError as exc:
                self.stop()
                if attempt == attempts or "in use" not in str(exc).lower():
                    raise
                log.warning("anvil: start failed (attempt %d), retrying on another port", attempt)
        return self  # pragma: no cover - the loop returns or raises

    def stop(self, grace: float = 5.0) -> None:
        """Terminate anvil; kill it if it has not exited after ``grace`` seconds."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log.warning("anvil: pid %d ignored SIGTERM, killing it", proc.pid)
                proc.kill()
                proc.wait(timeout=grace)
            log.info("anvil: stopped (port %d)", self.port)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- internals -------------------------------------------------------------------------
    def command(self, port: int) -> list[str]:
        """The anvil command line for ``port``."""
        cmd = [self.binary, "--host", HOST, "--port", str(port), "--chain-id", str(self.chain_id)]
        if self.timestamp is not None:
            cmd += ["--timestamp", str(int(self.timestamp))]
        return [*cmd, "--auto-impersonate", "--silent", *self.extra_args]

    def _start_once(self, port: int) -> None:
        """Start anvil on ``port`` and wait for it; raise AnvilError with its stderr tail."""
        self.port = port
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        cmd = self.command(port)
        log.info("anvil: starting on %s (chain id %d)", self.url, self.chain_id)
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise AnvilError(
                    f"anvil exited with code {self._proc.returncode} at startup "
                    f"({' '.join(cmd)}):\n{self._stderr_tail()}"
                )
            try:
                chain_id = int(str(_rpc(self.url, "eth_chainId")), 16)
            except (OSError, urllib.error.URLError, ValueError, KeyError):
                time.sleep(0.02)
                continue
            if chain_id != self.chain_id:
                raise AnvilError(f"{self.url} answered chain id {chain_id}, not {self.chain_id}")
            return
        raise AnvilError(
            f"anvil did not answer eth_chainId on {self.url} within {self.startup_timeout:.0f} s "
            f"({' '.join(cmd)}):\n{self._stderr_tail()}"
        )

    def _stderr_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters anvil wrote to stderr."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text[-limit:] or "(no output on stderr)"
