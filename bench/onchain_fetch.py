"""Benchmark: fetch + decode + load of Transfer logs from a local anvil, end to end.

    python -m bench.onchain_fetch --transfers 200000 --per-tx 500

Starts anvil on 127.0.0.1, deploys `bench/contracts/BulkTransfer.sol` (compiled offline with
solc-js) at the address the benchmark's configuration names, and fills one local day with
`--transfers` Transfer events, `--per-tx` per transaction (sending 200k separate transactions
would take ~18 minutes; this takes seconds). Then runs the production path,
`ingestion.onchain.transfers.sync_transfers` (day -> block mapping, batched eth_getLogs,
short-answer re-reads, bulk decode in DuckDB, idempotent load into raw.onchain_transfers of an
on-disk warehouse), once per `--reads` value, into a fresh warehouse each time, and checks the
loaded count and exact sum. Prints one JSON object (logs/s per run) and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from demo.anvil import AnvilNode  # noqa: E402
from demo.solidity import SETTINGS, _run_solc, find_node_modules  # noqa: E402
from ingestion.config import load_config  # noqa: E402
from ingestion.onchain.rpc import RpcClient  # noqa: E402
from ingestion.onchain.transfers import sync_transfers  # noqa: E402
from ingestion.warehouse import connect  # noqa: E402

CONTRACT = Path(__file__).resolve().parent / "contracts" / "BulkTransfer.sol"
ACCOUNT0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
SENDER = "0x" + "5e" * 20  # the registry wallet every benchmark transfer comes from
DAY = date(2026, 9, 1)
CHAIN_ID = 31337


def compile_bulk_transfer() -> tuple[str, str]:
    """(creation bytecode, blast selector) of BulkTransfer, compiled offline."""
    from eth_utils import function_signature_to_4byte_selector

    source = CONTRACT.read_text(encoding="utf-8")
    output = _run_solc(
        {
            "language": "Solidity",
            "sources": {"BulkTransfer.sol": {"content": source}},
            "settings": SETTINGS,
        },
        find_node_modules(),
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("BulkTransfer.sol: " + "; ".join(e["message"] for e in errors))
    code = output["contracts"]["BulkTransfer.sol"]["BulkTransfer"]["evm"]["bytecode"]["object"]
    selector = function_signature_to_4byte_selector("blast(address,uint160,uint256,uint256)")
    return "0x" + code, "0x" + selector.hex()


def write_config(folder: Path, token: str) -> Path:
    text = f"""
reporting_timezone: UTC
start_date: {DAY.isoformat()}
paths: {{data_dir: {folder / "data"}}}
entities: [{{id: bench, name: Bench}}]
networks:
  - name: bench
    chain_id: {CHAIN_ID}
    rpc_url_env: USD1INV_RPC_BENCH
    confirmations: 0
    max_block_range: 1
    token: {{address: "{token}", symbol: USD1, decimals: 6}}
wallets:
  - {{address: "{SENDER}", network: bench, entity: bench, label: payer, purpose: hot,
     custody_provider: self, ownership: operating}}
"""
    path = folder / "bench.yml"
    path.write_text(text, encoding="utf-8")
    return path


def fill_chain(node: AnvilNode, transfers: int, per_tx: int) -> tuple[str, int, int]:
    """Deploy and emit; return (token address, blocks, exact sum of values)."""
    rpc = RpcClient(node.url, "bench")
    code, selector = compile_bulk_transfer()
    day_start = int(datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).timestamp())
    rpc.call("evm_setAutomine", [False])
    rpc.call("eth_sendTransaction", [{"from": ACCOUNT0, "data": code, "gas": hex(2_000_000)}])
    rpc.call("evm_mine", [day_start - 600])
    token = rpc.call("eth_getBlockReceipts", ["latest"])[0]["contractAddress"].lower()
    total, sent, blocks, n_tx = 0, 0, 0, 0
    base_value = 10**6
    while sent < transfers:
        count = min(per_tx, transfers - sent)
        data = (
            selector
            + f"{int(SENDER, 16):064x}"
            + f"{0x1000000 + sent:064x}"
            + f"{count:064x}"
            + f"{base_value + sent:064x}"
        )
        rpc.call(
            "eth_sendTransaction",
            [{"from": ACCOUNT0, "to": token, "data": data, "gas": hex(60_000 + 2_600 * count)}],
        )
        total += sum(base_value + sent + i for i in range(count))
        sent += count
        n_tx += 1
        if n_tx % 20 == 0 or sent >= transfers:
            rpc.call("evm_mine", [day_start + 3600 + 12 * blocks])
            blocks += 1
    rpc.call("evm_mine", [day_start + 86400 + 60])  # the next day starts: DAY is complete
    return token, blocks, total


def run(transfers: int, per_tx: int, reads: list[int], workdir: Path) -> dict:
    genesis = int(datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).timestamp()) - 3600
    node = AnvilNode(chain_id=CHAIN_ID, timestamp=genesis, extra_args=["--gas-limit", "60000000"])
    with node:
        started = time.perf_counter()
        token, blocks, total = fill_chain(node, transfers, per_tx)
        filled = time.perf_counter() - started
        config = load_config(write_config(workdir, token))
        runs = []
        for n_reads in reads:
            network = config.network("bench").model_copy(update={"log_reads": n_reads})
            warehouse = workdir / f"warehouse_{n_reads}.duckdb"
            client = RpcClient(node.url, "bench", timeout=120)
            started = time.perf_counter()
            with connect(warehouse) as con:
                report = sync_transfers(
                    con, client, network, config.wallets, [DAY], config.tz, load_id="bench"
                )
                count, loaded_sum = con.execute(
                    "select count(*), sum(amount_raw) from raw.onchain_transfers"
                ).fetchone()
            seconds = time.perf_counter() - started
            if count != transfers or int(loaded_sum) != total:
                raise AssertionError(f"loaded {count} transfers, sum {loaded_sum}; expected "
                                     f"{transfers}, {total}")  # fmt: skip
            runs.append(
                {
                    "log_reads": n_reads,
                    "seconds": round(seconds, 2),
                    "logs_per_s": round(transfers / seconds),
                    "eth_getLogs_calls": report.fetch.calls,
                    "batches": report.fetch.batches,
                }
            )
    return {
        "transfers": transfers,
        "per_tx": per_tx,
        "blocks": blocks,
        "fill_seconds": round(filled, 1),
        "runs": runs,
        "exact": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=200_000)
    parser.add_argument("--per-tx", type=int, default=500)
    parser.add_argument("--reads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="usd1inv-bench-") as tmp:
        result = run(args.transfers, args.per_tx, args.reads, Path(tmp))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
