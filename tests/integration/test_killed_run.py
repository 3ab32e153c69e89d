"""`usd1inv run` SIGKILLed (the whole process group) at random moments in every phase, restarted
each time, ends equal to an uninterrupted run; the published snapshot is never partial.

One anvil chain and one scenario (DAYS days); the off-chain files are copied (with their
modification times) into a reference data folder, where `usd1inv run` runs uninterrupted (twice:
`marts.reconciliation_breaks` names the check that flagged a break, and checks run after the
build, so it settles at the second build) in parallel with the killed runs.

The killed runs (one warehouse): each kill waits for its phase to start, read from what the run
writes (the job in `<warehouse>.lock`, the publish's `.building-*` folder), then sleeps a
seeded random delay; the phase at the moment of the kill is recorded and printed with the seed
(`KILL_SEED=<seed>` replays a failure):
  1. file loading, 2. on-chain ingestion, 3. the dbt build (`build_marts` before the publish)
     — runs of the first DAYS - 1 days, then one such run completes (the old snapshot);
  4. the publish of a run of all DAYS days (the new snapshot) — after the kill the published
     snapshot (DuckDB file and the Parquet set) is complete and is the old or the new one;
  5. a run that completes. Then a run with nothing new changes nothing.
Every raw.* and marts.* table equals the reference's as a sorted set of rows (no row lost, none
doubled), without only the run-specific columns of `RUN_SPECIFIC` (each justified there).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.anvil import AnvilNode
from demo.bridge import play_demo_networks
from demo.offchain_files import drop_demo_files
from demo.scenario import genesis_timestamp
from ingestion.config import load_config
from orchestration.runlock import lock_path
from reporting.publish import published_dir, snapshot_path
from tests.conftest import REPO, write_config

pytestmark = pytest.mark.integration

DAYS = 10  # of the scenario (the second network has transfers from the first days on)
RUN_TIMEOUT = 300  # a run takes 1-2 minutes on a loaded 2-core machine; never forever
SEED = int(os.environ.get("KILL_SEED", random.SystemRandom().randrange(10**6)))
# the longest seeded delay after a phase started, seconds (shorter than the phase)
DELAYS = {"files": 2.0, "onchain": 4.0, "dbt": 10.0, "publish": 0.1}
# Columns whose values legitimately differ between two runs of the same data; nothing else is
# left out of the comparison, and no whole table is.
RUN_SPECIFIC = {
    # the id of the load (a new uuid per run) that inserted a row: provenance, not content
    "load_id",
    # the block range of the fetch that brought an on-chain row (`rpc:ethereum:0-35`): a run
    # killed mid-fetch resumes with other ranges, the rows themselves are the same
    "source_ref",
    # the wall-clock time a file row or a run was loaded / a check ran
    "loaded_at",
    # the value of a sequence at insert (the order of loads in this warehouse: a killed
    # transaction consumes numbers); dbt's incremental models read it as a change log
    "loaded_seq",
    # marts.reconciliation_breaks: when a quality check first flagged the break (checked_at of
    # its audit.expectation_failures row: the wall-clock time that build's checks ran)
    "first_flagged_at",
}


def _usd1inv(config: Path, start, end) -> list[str]:
    return [
        sys.executable, "-m", "usd1inv.cli", "run", "--config", str(config),
        "--from", start.isoformat(), "--to", end.isoformat(),
    ]  # fmt: skip


def _job(config) -> str | None:
    try:
        return json.loads(lock_path(config.warehouse_path).read_text() or "{}").get("job")
    except (OSError, ValueError):
        return None


def _publishing(config) -> bool:
    return any(published_dir(config.data_dir).glob(".building-*"))


def _phase(config) -> str | None:
    job = _job(config)
    if job == "ingest_files":
        return "files"
    if job == "ingest_onchain":
        return "onchain"
    if job == "build_marts":
        if _publishing(config):
            return "publish"
        current = published_dir(config.data_dir) / "current"
        switched = current.is_symlink() and current.lstat().st_mtime > _phase.since
        return "after the publish" if switched else "dbt"
    return None


_phase.since = 0.0  # when the run being killed started


def _digest(con, tables) -> str:
    digest = hashlib.sha256()
    for name, relation in tables:
        count, row_hash = con.execute(f"select count(*), sum(hash(t)) from {relation} t").fetchone()
        digest.update(f"{name}:{count}:{row_hash};".encode())
    return digest.hexdigest()


def published_state(config) -> tuple[str, str] | None:
    """(content hash of the snapshot, digest of the Parquet set) after checking the snapshot is
    complete: its tables hash to the content hash its publish recorded."""
    path = snapshot_path(config.data_dir)
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        (recorded,) = con.execute("select content_hash from meta.snapshot").fetchone()
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'audit') order by 1"
        ).fetchall()
        assert _digest(con, [(t, t) for (t,) in tables]) == recorded, "a partial snapshot"
    parquet = published_dir(config.data_dir) / "parquet"
    files = sorted(parquet.glob("*/*.parquet"))
    assert [f"{f.parent.name}.{f.stem}" for f in files] == [t for (t,) in tables]
    with duckdb.connect() as con:
        rows = [(f"{f.parent.name}.{f.stem}", f"read_parquet('{f}')") for f in files]
        return recorded, _digest(con, rows)


def table_rows(warehouse: Path, data_dir: Path) -> dict[str, list[tuple]]:
    """Every raw.* and marts.* table as its sorted rows, without the RUN_SPECIFIC columns; a
    path under the run's data folder (file provenance) is written relative to it, since the
    reference run reads the same files from a folder of its own."""
    prefix = f"{data_dir}/"

    def relative(value):
        if isinstance(value, str) and value.startswith(prefix):
            return "<data>/" + value[len(prefix) :]
        return value

    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'marts') and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        for (table,) in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema || '.' || table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in RUN_SPECIFIC
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {select} from {table}").fetchall()
            out[table] = sorted((tuple(map(relative, row)) for row in rows), key=repr)
    return out


# six kills, each followed by a restarted run, beside two reference runs: ~8 minutes alone on 2
# cores, more beside another worker; each run is bounded by RUN_TIMEOUT
@pytest.mark.timeout(2400)
def test_runs_killed_in_every_phase_end_equal_to_an_uninterrupted_run(tmp_path):
    rng = random.Random(SEED)
    print(f"KILL_SEED={SEED}")
    config_path = write_config(tmp_path / "killed")
    config = load_config(config_path)
    ref_path = write_config(tmp_path / "reference")
    ref = load_config(ref_path)
    start = config.start_date
    end = start + timedelta(days=DAYS - 1)
    with ExitStack() as stack:
        nodes = {
            n.name: stack.enter_context(
                AnvilNode(chain_id=n.chain_id, timestamp=genesis_timestamp(config))
            )
            for n in config.networks
        }
        summary, _ = play_demo_networks({k: v.web3() for k, v in nodes.items()}, config)
        drop_demo_files(nodes[config.networks[0].name].web3(), config, summary.end_date)
        shutil.copytree(config.landing_dir, ref.landing_dir, copy_function=shutil.copy2)
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        for n in config.networks:
            env[n.rpc_url_env] = nodes[n.name].url

        def run(path, to):
            return subprocess.Popen(
                _usd1inv(path, start, to), cwd=REPO, env=env, start_new_session=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip

        def completes(process) -> None:
            out, _ = process.communicate(timeout=RUN_TIMEOUT)
            assert process.returncode == 0, out[-3000:]

        reference = run(ref_path, end)  # in parallel with the killed runs

        def killed_in(phase: str, to) -> str:
            _phase.since = time.time()
            process = run(config_path, to)
            deadline = time.monotonic() + RUN_TIMEOUT
            while _phase(config) != phase:
                assert process.poll() is None, f"the run ended before its {phase} phase"
                assert time.monotonic() < deadline, f"the run never reached its {phase} phase"
                time.sleep(0.02)
            delay = rng.uniform(0, DELAYS[phase])
            time.sleep(delay)
            at = _phase(config) if process.poll() is None else "ended"
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)
            print(f"killed in {phase} after {delay:.2f} s: phase at the kill {at}")
            return at

        hit = set()
        for phase in ("files", "onchain", "dbt"):
            for _ in range(3):  # a delay may outlast a short phase: try again
                hit.add(killed_in(phase, end - timedelta(days=1)))
                if phase in hit:
                    break
        completes(run(config_path, end - timedelta(days=1)))
        old = published_state(config)
        assert old is not None
        seen_after_kill = []
        for _ in range(3):
            hit.add(killed_in("publish", end))
            seen_after_kill.append(published_state(config))  # complete, whichever it is
            if "publish" in hit:
                break
        assert {"files", "onchain", "dbt", "publish"} <= hit, hit
        completes(run(config_path, end))
        new = published_state(config)
        assert new != old  # the last day's data is in the new one
        for state in seen_after_kill:
            assert state in (old, new)
        # nothing of a killed publish is left behind: the current version only
        names = sorted(p.name for p in published_dir(config.data_dir).iterdir())
        assert names[:3] == ["current", "parquet", "snapshot.duckdb"], names
        assert len(names) == 4 and names[3].startswith("v-"), names

        completes(reference)
        completes(run(ref_path, end))  # reconciliation_breaks settles (module doc)
        expected = table_rows(ref.warehouse_path, ref.data_dir)
        got = table_rows(config.warehouse_path, config.data_dir)
        assert sorted(got) == sorted(expected)
        assert any(t.startswith("marts.") for t in got)
        for table in expected:
            assert got[table] == expected[table], table

        # a run with nothing new changes nothing
        completes(run(config_path, end))
        assert table_rows(config.warehouse_path, config.data_dir) == got
