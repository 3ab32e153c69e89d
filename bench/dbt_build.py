"""Benchmark: the full `dbt build` of the inventory models against an incremental one.

    python -m bench.dbt_build --transfers 5000000 --days 730 --wallets 2000

1. Generates a raw history straight into a fresh DuckDB warehouse with SQL (no Python loop):
   `--transfers` ERC-20 transfers of one 18-decimal token over `--days` local days touching
   `--wallets` registry wallets, with deterministic pseudo-random values (DuckDB `hash` of the
   transfer number): mints, burns, internal transfers and transfers to and from outside
   addresses, exact DECIMAL(38,0) amounts. Every wallet is first funded with a mint far larger
   than all it can send, so no balance ever goes negative (inventory_daily tests `balance >= 0`).
   The last `--pending-blocks` blocks are not final yet (pending rows), as after a real sync.
   Also `raw.onchain_day_blocks` (one row per day) and the registry tables.
2. Times `dbt build` on the empty warehouse: the full build.
3. Appends one more day, as the next sync would: the pending tail becomes final, the new day's
   transfers arrive with a new load id, the new day's last blocks are pending. Times the
   incremental `dbt build`.
4. Reports both wall times, the ratio, dbt's own per-node times (`run_results.json`: model time
   without dbt's start-up, parse and connection cost) and their ratio, and the start-up cost of
   a `dbt build` that selects nothing. `--what models` (default) times `dbt build` of the models
   only (`--exclude-resource-type test unit_test`); `--what all` times models and data tests.
   `--select` (default: the inventory marts and all upstream) limits both builds; '' builds
   the whole project.

Prints one JSON object and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingestion.warehouse import init_warehouse  # noqa: E402

DBT_PROJECT_DIR = REPO / "dbt_project"
NETWORK = "ethereum"
CHAIN_ID = 1
TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"  # noqa: S105 - an address
ZERO = "0x" + "0" * 40
BLOCKS_PER_DAY = 7200  # one block every 12 s
FIRST_BLOCK = 1_000_000
# the inventory marts and everything upstream of them (the models this benchmark is about)
INVENTORY_SELECTION = "+inventory_daily +inventory_rollforward"
FUNDING_RAW = 10**27  # 10^9 tokens per wallet: more than any wallet can send (<= 10^3 a transfer)


def _transfers_sql(first: int, last: int) -> str:
    """SELECT of generated transfers number `first`..`last` (inclusive) in raw's column order.

    Uses the macro-free parameters bound in `gen_params` (start day, wallets, transfers per day,
    final block). Transfer t is on day t // per_day, in its own block of that day.
    """
    return f"""
    with

    numbered as (
        select
            t,
            hash(t) as h,
            t // p.per_day as day_no,
            (t % p.per_day) * {BLOCKS_PER_DAY} // p.per_day as block_offset,
            p.n_wallets,
            p.start_ts,
            p.final_block
        from range({first}, {last} + 1) as r(t), gen_params as p
    ),

    typed as (
        select
            *,
            {FIRST_BLOCK} + day_no * {BLOCKS_PER_DAY} + block_offset as block_number,
            h % 100 as kind,
            (h >> 8) % n_wallets as wallet_a,
            ((h >> 8) % n_wallets + 1 + (h >> 24) % (n_wallets - 1)) % n_wallets as wallet_b,
            '0xe' || lpad(to_hex((h >> 40) % 100000), 39, '0') as outsider
        from numbered
    ),

    parties as (
        select
            *,
            '0xa' || lpad(to_hex(wallet_a), 39, '0') as address_a,
            '0xa' || lpad(to_hex(wallet_b), 39, '0') as address_b
        from typed
    )

    select
        {CHAIN_ID} as chain_id,
        '{NETWORK}' as network,
        '{TOKEN}' as token_address,
        block_number,
        '0x' || lpad(to_hex(block_number), 64, '0') as block_hash,
        start_ts + to_seconds(day_no * 86400 + block_offset * 12) as block_time,
        '0x' || lpad(to_hex(t + 1), 64, '0') as tx_hash,
        0 as tx_index,
        0 as log_index,
        case
            when kind < 2 then '{ZERO}'
            when kind < 43 then address_a
            when kind < 73 then outsider
            else address_a
        end as from_address,
        case
            when kind < 2 then address_a
            when kind < 3 then '{ZERO}'
            when kind < 43 then address_b
            when kind < 73 then address_a
            else outsider
        end as to_address,
        -- up to 10^21 base units (1,000 tokens), exact
        cast((h >> 20) % 1000000 as decimal(38, 0)) * cast(1000000000000000 as decimal(38, 0))
            + cast(hash(t, 7) % 1000000000000000 as decimal(38, 0)) as amount_raw,
        block_number <= final_block as is_final,
        'bench:day:' || day_no as source_ref,
        'bench-load-' || lpad(cast(day_no as varchar), 5, '0') as load_id
    from parties
    """


def _day_blocks_sql(first_day: int, last_day: int) -> str:
    return f"""
    select
        '{NETWORK}' as network,
        {CHAIN_ID} as chain_id,
        p.start_date + cast(d as integer) as block_date,
        {FIRST_BLOCK} + d * {BLOCKS_PER_DAY} as first_block,
        {FIRST_BLOCK} + d * {BLOCKS_PER_DAY} + {BLOCKS_PER_DAY - 1} as last_block,
        '0x' || lpad(to_hex({FIRST_BLOCK} + d * {BLOCKS_PER_DAY} + {BLOCKS_PER_DAY - 1}), 64, '0')
            as last_block_hash,
        p.start_ts + to_seconds(d * 86400 + {(BLOCKS_PER_DAY - 1) * 12}) as last_block_time,
        p.final_block as final_block,
        true as is_day_complete,
        {FIRST_BLOCK} + d * {BLOCKS_PER_DAY} + {BLOCKS_PER_DAY - 1} <= p.final_block as is_final
    from range({first_day}, {last_day} + 1) as r(d), gen_params as p
    """


def _set_params(
    con: duckdb.DuckDBPyConnection,
    start: date,
    n_wallets: int,
    per_day: int,
    last_day: int,
    pending_blocks: int,
) -> None:
    final_block = FIRST_BLOCK + (last_day + 1) * BLOCKS_PER_DAY - 1 - pending_blocks
    con.execute(
        "create or replace temp table gen_params as select ?::timestamptz as start_ts, "
        "?::date as start_date, ?::bigint as n_wallets, ?::bigint as per_day, "
        "?::bigint as final_block",
        [f"{start.isoformat()} 00:00:00+00", start, n_wallets, per_day, final_block],
    )


def generate_raw(
    con: duckdb.DuckDBPyConnection,
    *,
    transfers: int,
    days: int,
    wallets: int,
    start: date,
    pending_blocks: int = 64,
) -> dict[str, int]:
    """Fill raw.registry_*, raw.onchain_transfers and raw.onchain_day_blocks; return sizes."""
    if wallets < 2 or days < 1 or transfers < days:
        raise ValueError("need >= 2 wallets, >= 1 day and at least one transfer a day")
    init_warehouse(con)
    per_day = math.ceil(transfers / days)
    _set_params(con, start, wallets, per_day, days - 1, pending_blocks)
    con.execute(
        "insert into raw.registry_entities values ('acme-pay', 'Acme Pay Inc.'), "
        "('acme-trust', 'Acme Trust LLC')"
    )
    con.execute(
        "insert into raw.registry_networks values (?, ?, ?, 'USD1', 18, 64, 0)",
        [NETWORK, CHAIN_ID, TOKEN],
    )
    con.execute(
        """
        insert into raw.registry_wallets
        select
            'ethereum',
            '0xa' || lpad(to_hex(i), 39, '0'),
            case when i % 3 = 0 then 'acme-trust' else 'acme-pay' end,
            'wallet-' || i,
            ['hot', 'cold', 'buffer', 'deposit', 'omnibus', 'treasury', 'payout'][i % 7 + 1],
            case when i % 5 = 0 then 'custodian-x' else 'self' end,
            case when i % 2 = 0 then 'client' else 'operating' end
        from range(?) as r(i)
        """,
        [wallets],
    )
    # the funding mints: one transaction at the very first block, one log per wallet
    con.execute(
        f"""
        insert into raw.onchain_transfers
        select
            {CHAIN_ID}, '{NETWORK}', '{TOKEN}', {FIRST_BLOCK},
            '0x' || lpad(to_hex({FIRST_BLOCK}), 64, '0'), p.start_ts,
            '0x' || lpad('f', 64, 'f'), 0, cast(i as integer), '{ZERO}',
            '0xa' || lpad(to_hex(i), 39, '0'), cast({FUNDING_RAW} as decimal(38, 0)), true,
            'bench:funding', 'bench-load-00000'
        from range(?) as r(i), gen_params as p
        """,
        [wallets],
    )
    con.execute(f"insert into raw.onchain_transfers {_transfers_sql(0, per_day * days - 1)}")
    con.execute(f"insert into raw.onchain_day_blocks {_day_blocks_sql(0, days - 1)}")
    con.execute("checkpoint")
    count = con.execute("select count(*) from raw.onchain_transfers").fetchone()[0]
    return {"transfers": count, "days": days, "wallets": wallets, "per_day": per_day}


def append_day(
    con: duckdb.DuckDBPyConnection,
    *,
    days: int,
    wallets: int,
    per_day: int,
    start: date,
    pending_blocks: int = 64,
) -> int:
    """Sync day number `days` (the day after the history), as ingestion would: the pending
    tail becomes final, the new day's transfers are loaded (new load id), the new day's last
    blocks are pending. Returns the rows added."""
    _set_params(con, start, wallets, per_day, days, pending_blocks)
    con.execute("begin transaction")
    con.execute("update raw.onchain_transfers set is_final = true where not is_final")
    con.execute(
        "update raw.onchain_day_blocks set is_final = true, "
        "final_block = (select final_block from gen_params) where not is_final"
    )
    added = con.execute(
        f"insert into raw.onchain_transfers "
        f"{_transfers_sql(per_day * days, per_day * (days + 1) - 1)}"
    ).fetchone()[0]
    con.execute(f"insert into raw.onchain_day_blocks {_day_blocks_sql(days, days)}")
    con.execute("commit")
    con.execute("checkpoint")
    return added


def dbt(
    args: list[str],
    warehouse: Path,
    work: Path,
    dbt_vars: dict[str, str],
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the real dbt CLI as the pipeline does; return (wall seconds, the process)."""
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps(dbt_vars),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}")
    return seconds, result


def node_times(work: Path) -> dict[str, float]:
    """Seconds per node from dbt's run_results.json (dbt's own timing, no start-up)."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: round(r["execution_time"], 3) for r in results}


def _build_args(what: str, select: str = "", full_refresh: bool = False) -> list[str]:
    args = ["build"]
    if select:
        args += ["--select", *select.split()]
    if what == "models":
        args += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    return args


def run(
    *,
    transfers: int,
    days: int,
    wallets: int,
    start: date,
    what: str,
    folder: Path,
    select: str = "",
) -> dict[str, Any]:
    warehouse = folder / "warehouse.duckdb"
    dbt_vars = {"reporting_timezone": "UTC", "start_date": start.isoformat()}
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(con, transfers=transfers, days=days, wallets=wallets, start=start)
    finally:
        con.close()
    generate_s = time.perf_counter() - started

    # dbt's fixed cost: parse the project, open the warehouse, select nothing
    startup_s, _ = dbt(["build", "--select", "none_such_model"], warehouse, folder, dbt_vars)

    full_s, _ = dbt(_build_args(what, select), warehouse, folder, dbt_vars)
    full_nodes = node_times(folder)

    con = duckdb.connect(str(warehouse))
    try:
        appended = append_day(
            con, days=days, wallets=wallets, per_day=sizes["per_day"], start=start
        )
    finally:
        con.close()
    incremental_s, _ = dbt(_build_args(what, select), warehouse, folder, dbt_vars)
    incremental_nodes = node_times(folder)

    full_model_s = sum(full_nodes.values())
    incremental_model_s = sum(incremental_nodes.values())
    rows = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {
            name: rows.execute(f"select count(*) from {name}").fetchone()[0]
            for name in (
                "intermediate.int_inventory__wallet_movements",
                "intermediate.int_inventory__wallet_daily_positions",
                "marts.inventory_daily",
                "marts.inventory_rollforward",
            )
        }
    finally:
        rows.close()
    return {
        "what": what,
        "select": select or "(whole project)",
        "raw": {**sizes, "appended_transfers": appended, "generate_s": round(generate_s, 2)},
        "rows": counts,
        "dbt_startup_s": round(startup_s, 2),
        "full_build_s": round(full_s, 2),
        "incremental_build_s": round(incremental_s, 2),
        "ratio": round(incremental_s / full_s, 4),
        "full_node_s": round(full_model_s, 2),
        "incremental_node_s": round(incremental_model_s, 2),
        "node_ratio": round(incremental_model_s / full_model_s, 4),
        "full_nodes": full_nodes,
        "incremental_nodes": incremental_nodes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--wallets", type=int, default=2000)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    parser.add_argument("--what", choices=["models", "all"], default="models")
    parser.add_argument(
        "--select",
        default=INVENTORY_SELECTION,
        help="dbt selection to build ('' = the whole project)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the warehouse here")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_dbt_") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = run(
            transfers=args.transfers,
            days=args.days,
            wallets=args.wallets,
            start=args.start,
            what=args.what,
            folder=folder,
            select=args.select,
        )
    result["last_day"] = (args.start + timedelta(days=args.days)).isoformat()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
