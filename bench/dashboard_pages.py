"""Benchmark: every dashboard page rendered over the published 5M-transfer warehouse.

    python -m bench.dashboard_pages --transfers 5000000 --days 730 --wallets 2000

1. The warehouse: reused from `--cache-dir` when it was built there with the same sizes,
   otherwise generated and built by bench.dbt_build (raw history + `dbt build` of
   DBT_SELECTION: the inventory marts and the drill-down's location_movements), in a
   subprocess.
2. Published with reporting.publish (snapshot + Parquet) into `<cache-dir>/data`, as the
   pipeline does; then bench.dashboard_synthetic fills the page tables the snapshot lacks
   (missing or empty: the bench has no off-chain sources) at a realistic volume.
3. Every page rendered with Streamlit's AppTest (the app's own script, in-process, default
   filters: all entities and networks, the latest day): `cold` = the page's first render in a
   new session (a new AppTest; the previous page was Overview), `warm` = a rerun of the page
   in the same session. The drill-down is measured twice: on its first location and the
   latest day, and switched to a break (`Drill-down (a break)`: cold = the switch). Median
   of `--runs` runs each (and every run's figures). The very first render in the process
   (Python imports of the app's modules, the first attach of the snapshot: what the first
   visitor after a server start waits) is reported on its own.

Prints one JSON object and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.dashboard_synthetic import fill_missing_tables
from dashboard.snapshot import release_attached_snapshots
from reporting.publish import publish_snapshot, snapshot_path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"
DRILLDOWN = "Drill-down"  # a location on a day (the first location, the latest day)
DRILLDOWN_BREAK = "Drill-down (a break)"  # the same page switched to the first open break
PAGES = [
    "Overview",
    "Locations",
    "Reconciliation",
    "Valuation",
    "Risk and health",
    "Close",
    DRILLDOWN,
    DRILLDOWN_BREAK,
]
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "usd1inv_bench_dashboard"
# what bench.dbt_build builds for the pages: the inventory marts and the drill-down's movements
DBT_SELECTION = "+inventory_daily +inventory_rollforward +location_movements"
log = logging.getLogger(__name__)


def build_warehouse(cache: Path, sizes: dict[str, int]) -> dict[str, Any]:
    """The benchmark warehouse in `cache/build`, reused when built with the same sizes."""
    build = cache / "build"
    marker = cache / "warehouse.json"
    if marker.exists() and (build / "warehouse.duckdb").exists():
        made = json.loads(marker.read_text())
        if made.get("sizes") == sizes and made.get("select") == DBT_SELECTION:
            return {**made, "reused": True}
    build.mkdir(parents=True, exist_ok=True)
    (build / "warehouse.duckdb").unlink(missing_ok=True)
    started = time.perf_counter()
    args = [f"--{k}={v}" for k, v in sizes.items()] + [f"--select={DBT_SELECTION}"]
    args += ["--workdir", str(build), "--out", str(cache / "dbt_build.json")]
    # in its own process (it leaves nothing of the warehouse open in this one); a mart that
    # does not build on an on-chain-only warehouse yet fails its build, not this benchmark:
    # what did build is published, the rest is filled in synthetically
    done = subprocess.run(
        [sys.executable, "-m", "bench.dbt_build", *args],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
    )
    made = {
        "sizes": sizes,
        "select": DBT_SELECTION,
        "build_s": round(time.perf_counter() - started, 1),
        "dbt_build_exit": done.returncode,
        "dbt_build_tail": done.stdout[-1500:] if done.returncode else "",
    }
    marker.write_text(json.dumps(made, indent=2) + "\n")
    return {**made, "reused": False}


def publish(cache: Path) -> dict[str, Any]:
    data_dir = cache / "data"
    started = time.perf_counter()
    result = publish_snapshot(cache / "build" / "warehouse.duckdb", data_dir, run_id="bench")
    publish_s = time.perf_counter() - started
    tables = fill_missing_tables(str(snapshot_path(data_dir)))
    return {
        "data_dir": str(data_dir),
        "publish_s": round(publish_s, 2),
        "published_tables": result.tables,
        "page_tables": tables,
        "snapshot_mib": round(snapshot_path(data_dir).stat().st_size / 2**20, 1),
    }


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def render_pages(data_dir: Path, runs: int, pages: list[str]) -> dict[str, Any]:
    """Seconds per page (cold: first render in a new session; warm: a rerun), median of runs."""
    from streamlit.testing.v1 import AppTest

    os.environ["USD1INV_DATA_DIR"] = str(data_dir)
    figures: dict[str, dict[str, list[float]]] = {p: {"cold": [], "warm": []} for p in pages}
    errors: dict[str, list[str]] = {}
    first_run_s = _timed(AppTest.from_file(str(APP), default_timeout=600).run)
    for _ in range(runs):
        for page in pages:
            at = AppTest.from_file(str(APP), default_timeout=600)
            if page == "Overview":  # the landing page: the session's first run renders it
                figures[page]["cold"].append(_timed(at.run))
            elif page == DRILLDOWN_BREAK:
                at.run()
                at.sidebar.radio(key="page").set_value(DRILLDOWN).run()
                mode = at.radio(key="drill").set_value("break")
                figures[page]["cold"].append(_timed(mode.run))
            else:
                at.run()
                radio = at.sidebar.radio(key="page").set_value(page)
                figures[page]["cold"].append(_timed(radio.run))
            figures[page]["warm"].append(_timed(at.run))
            if at.exception:
                errors[page] = [str(e.value)[:500] for e in at.exception]
    release_attached_snapshots()  # the next publish in this process may rewrite the file
    return {
        "first_render_in_process_s": round(first_run_s, 3),
        "pages": {
            page: {
                "cold_median_s": round(statistics.median(f["cold"]), 3),
                "warm_median_s": round(statistics.median(f["warm"]), 3),
                "cold_s": [round(x, 3) for x in f["cold"]],
                "warm_s": [round(x, 3) for x in f["warm"]],
            }
            for page, f in figures.items()
        },
        "errors": errors,
    }


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--wallets", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=PAGES)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = {"transfers": args.transfers, "days": args.days, "wallets": args.wallets}
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine_before": _machine()}
    result["warehouse"] = build_warehouse(args.cache_dir, sizes)
    result["snapshot"] = publish(args.cache_dir)
    result.update(render_pages(Path(result["snapshot"]["data_dir"]), args.runs, args.pages))
    result["machine_after"] = _machine()
    result["over_2s"] = [
        page
        for page, f in result["pages"].items()
        if max(f["cold_median_s"], f["warm_median_s"]) >= 2
    ]
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
