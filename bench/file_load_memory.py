"""Benchmark: time and peak memory of loading one large internal-ledger export.

    python -m bench.file_load_memory --mb 50

Generates a deterministic internal-ledger CSV (the layout of FORMATS.md / the test fixture
`tests/fixtures/files/ledger/`) of about ``--mb`` MiB in a temp folder, loads it with
`ingestion.files.load.load_files` into an on-disk DuckDB warehouse in a child process, and
reports the file size, rows, wall time and the child's peak RSS (``ru_maxrss``) against its
RSS before reading the file, and their ratio to the file size. Prints one JSON object and
writes it to ``--out`` if given. Do not run it at 1 GiB on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
KEY_ENV = "USD1INV_BENCH_PSEUDONYM_KEY"
HEADER = (
    "entry_id,posted_at,account_id,owner_type,entry_type,asset,amount,customer_id,"
    "customer_name,customer_email,counterparty_account_id,network,tx_hash,memo\n"
)


def write_ledger(path: Path, target_bytes: int) -> int:
    """A valid ledger export of about ``target_bytes``; returns its data rows."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        written = len(HEADER)
        while written < target_bytes:
            rows += 1
            day = 1 + rows % 28
            cents = (rows * 7919) % 10_000_000
            sign = "-" if rows % 3 == 0 else ""
            kind = "withdrawal" if sign else "deposit"
            customer = 1000 + rows % 5000
            tx = f"{rows:064x}"
            line = (
                f"L-{rows:09d},2026-10-{day:02d}T10:00:00Z,client:usd1,client,{kind},USD1,"
                f"{sign}{cents // 100}.{cents % 100:02d},CUST-{customer},Customer {customer},"
                f"c{customer}@example.com,,ethereum,0x{tx},\n"
            )
            out.write(line)
            written += len(line)
    return rows


def child(config_path: str, file_path: str) -> None:
    """Runs in its own process: load one file, print time and peak RSS as JSON."""
    import duckdb

    from ingestion.config import load_config
    from ingestion.files.load import load_files
    from ingestion.warehouse import init_warehouse

    config = load_config(Path(config_path))
    con = duckdb.connect(str(Path(config_path).parent / "warehouse.duckdb"))
    init_warehouse(con)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.monotonic()
    (outcome,) = load_files(con, config, "bench", paths=[file_path])
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "status": outcome.status,
                "rows_in": outcome.rows_in,
                "rows_loaded": outcome.rows_loaded,
                "seconds": round(elapsed, 2),
                "rss_before_bytes": before,
                "peak_rss_bytes": peak,
            }
        )
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the generated file")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return {}
    sys.path.insert(0, str(REPO))
    from tests.conftest import write_config

    with tempfile.TemporaryDirectory(prefix="file_load_memory_") as tmp:
        folder = Path(tmp)
        files = yaml.safe_load(
            (REPO / "tests/fixtures/files/files_config.yml").read_text(encoding="utf-8")
        )
        files["pseudonym_key_env"] = KEY_ENV
        # the generated file may pass the default limit (1 GiB) by a line: let it in
        files["max_file_bytes"] = 2 * int(args.mb * (1 << 20)) + (1 << 20)
        config_path = write_config(folder, files=files)
        landing = folder / "data" / "landing" / "ledger"
        landing.mkdir(parents=True)
        target = landing / "ledger_export_2026-10.csv"
        rows = write_ledger(target, int(args.mb * (1 << 20)))
        size = target.stat().st_size
        env = {**os.environ, KEY_ENV: "bench-pseudonym-key-0123456789abcdef"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.file_load_memory",
                "--child",
                str(config_path),
                str(target),
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
    if measured["status"] != "loaded":
        raise SystemExit(f"the generated file was not loaded: {measured}")
    growth = measured["peak_rss_bytes"] - measured["rss_before_bytes"]
    result = {
        "file_bytes": size,
        "rows": rows,
        **measured,
        "peak_growth_bytes": growth,
        "peak_growth_per_file_byte": round(growth / size, 2),
        "rows_per_second": round(rows / measured["seconds"]) if measured["seconds"] else None,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
