"""Benchmark: decoding Transfer logs from eth_getLogs JSON into DuckDB vs. web3's process_log.

    python -m bench.onchain_decode --logs 1000000 --sample 20000

1. Writes `--logs` synthetic Transfer logs as saved eth_getLogs answers, `--per-file` logs per
   response (providers page at 10,000), compact JSON as nodes send it; values cover the whole
   range that fits the warehouse, with zeros and leading-zero words, plus a share of logs that
   must be quarantined (values >= 2^128) so the error path is timed too.
2. Baseline, in this process: `json.loads` of whole files, web3's log formatter and
   `contract.events.Transfer().process_log` for each log, on the first `--sample` logs.
3. Ours, in a fresh subprocess (so its peak memory is its own, `resource.getrusage` maxrss):
   `ingestion.onchain.imports.decode_getlogs_files` (DuckDB read_json + SQL decode) of all
   `--logs` logs into a DuckDB table (`logs_per_s`), then the decoded transfers written to a
   table of the on-disk DuckDB file and checkpointed (`logs_per_s_with_persist`); the decoded
   sum is checked against the generator's exact Python-int sum.

Prints one JSON object (rates in logs/s, the speed-up, peak memory) and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingestion.onchain.decode import TRANSFER_TOPIC0  # noqa: E402

TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"  # noqa: S105 - an address
DECIMALS = 6
TRANSFER_ABI = [
    {
        "anonymous": False,
        "inputs": [
            {"indexed": True, "name": "from", "type": "address"},
            {"indexed": True, "name": "to", "type": "address"},
            {"indexed": False, "name": "value", "type": "uint256"},
        ],
        "name": "Transfer",
        "type": "event",
    }
]


def generate(
    folder: Path, n_logs: int, per_file: int, seed: int = 1
) -> tuple[list[Path], int, int]:
    """Write the answers; return (files, sum of decodable values, count that must fail)."""
    rng = random.Random(seed)  # reproducible data, not security
    folder.mkdir(parents=True, exist_ok=True)
    files, total, bad = [], 0, 0
    for start in range(0, n_logs, per_file):
        logs = []
        for n in range(start, min(start + per_file, n_logs)):
            roll = rng.random()
            if roll < 0.001:
                value = (1 << 128) + n  # does not fit: quarantined
                bad += 1
            elif roll < 0.01:
                value = 0
            else:
                value = rng.randrange(10 ** rng.randint(1, 25))
            if value < (1 << 128):
                total += value
            block = 1_000_000 + n // 200
            logs.append(
                {
                    "address": TOKEN,
                    "topics": [
                        TRANSFER_TOPIC0,
                        "0x" + "0" * 24 + f"{rng.getrandbits(160):040x}",
                        "0x" + "0" * 24 + f"{rng.getrandbits(160):040x}",
                    ],
                    "data": f"0x{value:064x}",
                    "blockNumber": hex(block),
                    "transactionHash": f"0x{n // 4:064x}",
                    "transactionIndex": hex((n // 4) % 50),
                    "blockHash": f"0x{block * 7919:064x}",
                    "logIndex": hex(n % 200),
                    "removed": False,
                }
            )
        path = folder / f"eth_getLogs_{start:09d}.json"
        payload = {"jsonrpc": "2.0", "id": start, "result": logs}
        path.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
        files.append(path)
    return files, total, bad


def web3_baseline(files: list[Path], sample: int) -> dict:
    """json.loads + web3 log formatting + process_log per log, on the first `sample` logs."""
    from web3 import Web3
    from web3._utils.method_formatters import log_entry_formatter

    contract = Web3().eth.contract(address=Web3.to_checksum_address(TOKEN), abi=TRANSFER_ABI)
    event = contract.events.Transfer()
    done, total = 0, 0
    started = time.perf_counter()
    for path in files:
        for entry in json.loads(path.read_bytes())["result"]:
            if done >= sample:
                break
            value = int(entry["data"], 16)  # values >= 2^128: quarantined by the DuckDB path
            decoded = event.process_log(log_entry_formatter(entry))
            total += decoded["args"]["value"] if value < 1 << 128 else 0
            done += 1
        if done >= sample:
            break
    seconds = time.perf_counter() - started
    return {"logs": done, "seconds": round(seconds, 3), "logs_per_s": round(done / seconds)}


def duckdb_decode(files: list[Path], database: Path) -> dict:
    """Decode every file into a DuckDB table (runs in the measuring subprocess)."""
    import duckdb

    from ingestion.onchain.imports import decode_getlogs_files

    con = duckdb.connect(str(database))
    con.execute("set memory_limit = '1GB'")  # stay well under the 2 GiB budget; spill if needed
    started = time.perf_counter()
    counts = decode_getlogs_files(con, files, DECIMALS, into="decoded")
    seconds = time.perf_counter() - started
    # and persisted in the warehouse file, in the shape of raw.onchain_transfers
    con.execute(
        "create table transfers as select address as token_address, block_number, block_hash, "
        "tx_hash, tx_index, log_index, from_address, to_address, amount_raw "
        "from decoded where outcome = 'ok'"
    )
    con.execute("checkpoint")
    persisted = time.perf_counter() - started
    total = con.execute("select sum(amount_raw) from transfers").fetchone()[0]
    con.close()
    n = sum(counts.values())
    return {
        "logs": n,
        "counts": counts,
        "seconds": round(seconds, 3),
        "logs_per_s": round(n / seconds),
        "seconds_with_persist": round(persisted, 3),
        "logs_per_s_with_persist": round(n / persisted),
        "sum_amount_raw": str(total),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(n_logs: int, sample: int, per_file: int, workdir: Path) -> dict:
    started = time.perf_counter()
    files, expected_sum, expected_bad = generate(workdir / "answers", n_logs, per_file)
    generated = time.perf_counter() - started
    size = sum(p.stat().st_size for p in files)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.onchain_decode", "--child", str(workdir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"decode subprocess failed:\n{proc.stderr[-3000:]}")
    ours = json.loads(proc.stdout.strip().splitlines()[-1])
    baseline = web3_baseline(files, min(sample, n_logs))
    if int(ours["sum_amount_raw"]) != expected_sum or ours["counts"]["bad"] != expected_bad:
        raise AssertionError(f"decoded values differ from the generator: {ours}")
    return {
        "logs": n_logs,
        "files": len(files),
        "json_mib": round(size / 2**20, 1),
        "generate_seconds": round(generated, 1),
        "duckdb": ours,
        "web3_process_log": baseline,
        "speedup": round(ours["logs_per_s"] / baseline["logs_per_s"], 1),
        "speedup_with_persist": round(ours["logs_per_s_with_persist"] / baseline["logs_per_s"], 1),
        "exact": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="logs for the web3 baseline")
    parser.add_argument("--per-file", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON result here")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:  # the measuring subprocess
        files = sorted((args.child / "answers").glob("*.json"))
        print(json.dumps(duckdb_decode(files, args.child / "bench.duckdb")))
        return 0
    with tempfile.TemporaryDirectory(prefix="usd1inv-bench-") as tmp:
        result = run(args.logs, args.sample, args.per_file, Path(tmp))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
