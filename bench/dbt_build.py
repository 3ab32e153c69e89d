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
   transfers arrive with a new load id (numbered by raw's change sequence), the new day's last
   blocks are pending. Times the incremental `dbt build`.
4. Reports both wall times, the ratio, dbt's own per-node times (model time without dbt's
   start-up, parse and connection cost) and their ratio, and the cost of a `dbt build` that
   selects nothing. `--runner` says how dbt runs, both builds the same way: `inprocess`
   (default: dbt's `dbtRunner` in this process, the project parsed once beforehand and timed
   apart), `cli` (a `dbt` subprocess per build, as Dagster's dbt resource runs it) or `both`
   (each on its own copy of the generated history; the first runner's figures are also at the
   top level of the JSON). `--what models` (default) times `dbt build` of the models
   only (`--exclude-resource-type test unit_test`); `--what all` times models and data tests
   (no unit tests: as the product builds).
   `--select` (default: the inventory marts and all upstream) limits both builds; '' builds
   the whole project.

Prints one JSON object and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
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
# raw.onchain_transfers' columns as ingestion writes them (loaded_seq comes from its default)
TRANSFER_COLUMNS = (
    "chain_id, network, token_address, block_number, block_hash, block_time, tx_hash, "
    "tx_index, log_index, from_address, to_address, amount_raw, is_final, source_ref, load_id"
)


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
        insert into raw.onchain_transfers ({TRANSFER_COLUMNS})
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
    con.execute(
        f"insert into raw.onchain_transfers ({TRANSFER_COLUMNS}) "
        f"{_transfers_sql(0, per_day * days - 1)}"
    )
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
        f"insert into raw.onchain_transfers ({TRANSFER_COLUMNS}) "
        f"{_transfers_sql(per_day * days, per_day * (days + 1) - 1)}"
    ).fetchone()[0]
    con.execute(f"insert into raw.onchain_day_blocks {_day_blocks_sql(days, days)}")
    con.execute("commit")
    con.execute("checkpoint")
    return added


def _dbt_env(warehouse: Path) -> dict[str, str]:
    return {
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }


def _common_args(work: Path, dbt_vars: dict[str, str]) -> list[str]:
    return [
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


def dbt(
    args: list[str],
    warehouse: Path,
    work: Path,
    dbt_vars: dict[str, str],
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the real dbt CLI as the pipeline does; return (wall seconds, the process)."""
    env = {**os.environ, **_dbt_env(warehouse)}
    command = [str(Path(sys.executable).with_name("dbt")), *args, *_common_args(work, dbt_vars)]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}")
    return seconds, result


class CliRunner:
    """`dbt build` as a subprocess of the dbt CLI: what Dagster (dagster-dbt) runs. Every
    invocation pays Python's and dbt's imports, the (partial) parse and the connection."""

    name = "cli"

    def __init__(self, warehouse: Path, work: Path, dbt_vars: dict[str, str]) -> None:
        self.warehouse, self.work, self.dbt_vars = warehouse, work, dbt_vars

    def prepare(self) -> float:
        return 0.0

    def build(self, args: list[str]) -> float:
        return dbt(args, self.warehouse, self.work, self.dbt_vars)[0]

    def node_times(self) -> dict[str, float]:
        return node_times(self.work)


class InProcessRunner:
    """dbt's programmatic API (`dbtRunner`) in this process, with the project parsed once
    (`prepare`, timed apart) and the manifest handed to every build: no process start-up, no
    imports, no parse per build, and no artifacts written (`--no-write-json`: dbt would
    otherwise serialise the whole manifest to manifest.json on every build, ~0.5 s; node
    times come from the result object). dbt-duckdb keeps the warehouse open in this process,
    so the benchmark's own connections use the same configuration (never read-only)."""

    name = "inprocess"

    def __init__(self, warehouse: Path, work: Path, dbt_vars: dict[str, str]) -> None:
        self.warehouse, self.work, self.dbt_vars = warehouse, work, dbt_vars
        self.manifest: Any = None
        self.last_nodes: dict[str, float] = {}

    def _invoke(self, args: list[str]) -> Any:
        from dbt.cli.main import dbtRunner  # the import alone takes seconds: only when used

        os.environ.update(_dbt_env(self.warehouse))
        result = dbtRunner(manifest=self.manifest).invoke(
            [*args, *_common_args(self.work, self.dbt_vars), "--quiet"]
        )
        failed = [
            f"{r.node.unique_id}: {r.status} {r.message}"
            for r in getattr(result.result, "results", None) or []
            if str(r.status) in {"error", "fail"}
        ]
        if not result.success or failed:
            raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception} {failed}")
        return result

    def prepare(self) -> float:
        started = time.perf_counter()
        self.manifest = self._invoke(["parse"]).result
        # the parsed project is ~10^6 long-lived objects: keep them out of the cyclic garbage
        # collector, whose full passes otherwise stall a build for up to ~1 s at random nodes
        gc.collect()
        gc.freeze()
        return time.perf_counter() - started

    def build(self, args: list[str]) -> float:
        started = time.perf_counter()
        result = self._invoke([*args, "--no-write-json"])
        seconds = time.perf_counter() - started
        self.last_nodes = {
            r.node.unique_id: round(r.execution_time, 3)
            for r in getattr(result.result, "results", None) or []
        }
        return seconds

    def node_times(self) -> dict[str, float]:
        return self.last_nodes


class StepRunner(InProcessRunner):
    """dbt in this process as the product's Dagster step runs it
    (orchestration/defs/dbt_inprocess.py): dbtRunner without a manifest handed over, so each
    build loads the saved partial parse and checks the project files for changes; no artifacts
    written. `prepare` parses once (timed apart) so that the first build finds a partial parse,
    as the project's target/ has one in production."""

    name = "step"

    def prepare(self) -> float:
        seconds = super().prepare()
        self.manifest = None
        return seconds


RUNNERS = {"inprocess": InProcessRunner, "step": StepRunner, "cli": CliRunner}


def node_times(work: Path) -> dict[str, float]:
    """Seconds per node from dbt's run_results.json (dbt's own timing, no start-up)."""
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: round(r["execution_time"], 3) for r in results}


def _build_args(
    what: str, select: str = "", full_refresh: bool = False, exclude: str = ""
) -> list[str]:
    args = ["build", "--exclude-resource-type", "unit_test"]  # as the product builds
    if select:
        args += ["--select", *select.split()]
    if exclude:
        args += ["--exclude", *exclude.split()]
    if what == "models":
        args += ["--exclude-resource-type", "test"]
    if full_refresh:
        args.append("--full-refresh")
    return args


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(
    runner: InProcessRunner | CliRunner,
    *,
    days: int,
    wallets: int,
    per_day: int,
    start: date,
    what: str,
    select: str,
    exclude: str = "",
) -> dict[str, Any]:
    """Full build of the generated history, one more day, incremental build; with one runner."""
    load_before = _load()
    prepare_s = runner.prepare()
    # dbt's fixed cost per build: (parse,) open the warehouse, select nothing
    startup_s = runner.build(["build", "--select", "none_such_model"])
    full_s = runner.build(_build_args(what, select, exclude=exclude))
    full_nodes = runner.node_times()

    con = duckdb.connect(str(runner.warehouse))
    try:
        appended = append_day(con, days=days, wallets=wallets, per_day=per_day, start=start)
    finally:
        con.close()
    incremental_s = runner.build(_build_args(what, select, exclude=exclude))
    incremental_nodes = runner.node_times()

    full_model_s = sum(full_nodes.values())
    incremental_model_s = sum(incremental_nodes.values())
    con = duckdb.connect(str(runner.warehouse))
    try:
        counts = {
            name: con.execute(f"select count(*) from {name}").fetchone()[0]
            for name in (
                "intermediate.int_inventory__wallet_movements",
                "intermediate.int_inventory__wallet_daily_positions",
                "marts.inventory_daily",
                "marts.inventory_rollforward",
            )
        }
        last_cut = con.execute(
            "select rebuild_all, cast(cut_date as varchar), reason "
            "from intermediate.int_inventory__incremental_cuts order by run_seq desc limit 1"
        ).fetchone()
    finally:
        con.close()
    return {
        "runner": runner.name,
        "load_average_before": load_before,
        "load_average_after": _load(),
        "appended_transfers": appended,
        "rows": counts,
        "incremental_cut": {
            "rebuild_all": last_cut[0],
            "cut_date": last_cut[1],
            "reason": last_cut[2],
        },
        "parse_s": round(prepare_s, 2),
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


def run(
    *,
    transfers: int,
    days: int,
    wallets: int,
    start: date,
    what: str,
    folder: Path,
    select: str = "",
    runners: tuple[str, ...] = ("inprocess", "cli"),
    exclude: str = "",
) -> dict[str, Any]:
    """Generate the history once, then measure each runner on its own copy of it (the first
    runner on `folder/warehouse.duckdb`, the others on copies in `folder/<runner>/`)."""
    warehouse = folder / "warehouse.duckdb"
    dbt_vars = {"reporting_timezone": "UTC", "start_date": start.isoformat()}
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(con, transfers=transfers, days=days, wallets=wallets, start=start)
    finally:
        con.close()
    generate_s = time.perf_counter() - started

    places = {}
    for index, name in enumerate(runners):
        work = folder if index == 0 else folder / name
        work.mkdir(parents=True, exist_ok=True)
        place = work / "warehouse.duckdb"
        if place != warehouse:
            shutil.copyfile(warehouse, place)
        places[name] = (place, work)
    measured = {}
    for name in runners:
        place, work = places[name]
        runner = RUNNERS[name](place, work, dbt_vars)
        measured[name] = measure(
            runner,
            days=days,
            wallets=wallets,
            per_day=sizes["per_day"],
            start=start,
            what=what,
            select=select,
            exclude=exclude,
        )
    first = measured[runners[0]]
    return {
        "what": what,
        "select": select or "(whole project)",
        "exclude": exclude,
        "raw": {
            **sizes,
            "appended_transfers": first["appended_transfers"],
            "generate_s": round(generate_s, 2),
        },
        # the first runner's figures at the top level (the keys of earlier versions)
        **{k: v for k, v in first.items() if k not in {"appended_transfers"}},
        "runners": measured,
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
        help="dbt selection to build (default: the inventory marts and everything upstream; "
        "'' = the whole project, as the product builds it)",
    )
    parser.add_argument("--exclude", default="", help="dbt --exclude for both builds")
    parser.add_argument(
        "--runner",
        choices=["all", "both", *RUNNERS],
        default="inprocess",
        help="how dbt runs: in this process with the project parsed once (inprocess), in this "
        "process as the product's Dagster step runs it (step: partial-parse check per build), "
        "as a CLI subprocess (cli), 'both' (inprocess and cli) or 'all', each on its own copy "
        "of the history",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the warehouse here")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    runners = {"all": tuple(RUNNERS), "both": ("inprocess", "cli")}.get(args.runner, (args.runner,))
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
            runners=runners,
            exclude=args.exclude,
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
