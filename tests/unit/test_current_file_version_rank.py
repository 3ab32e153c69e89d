"""The "current file versions" rule (dbt_project/macros/current_files.sql) on DuckDB: of the
versions of a row key in the current files, the one of the file dropped last wins, then the
greater file sha256, then the later row of the file; other keys are ranked apart."""

from __future__ import annotations

from pathlib import Path

import duckdb
from jinja2 import Environment

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "current_files.sql"


def _rank_sql(partition_columns: list[str]) -> str:
    env = Environment(extensions=["jinja2.ext.do"], autoescape=False)  # noqa: S701 (SQL, not HTML)
    module = env.from_string(MACROS.read_text()).module
    return str(module.current_file_version_rank(partition_columns))


def _winners(rows: list[tuple[str, str, int, str]]) -> set[tuple[str, str, int]]:
    """rows: (entry_id, file_sha256, row_number, dropped_at); the (entry, sha, row) ranked 1."""
    con = duckdb.connect()
    con.execute("create table source (entry_id varchar, file_sha256 varchar, row_number integer)")
    con.execute("create table current_files (sha256 varchar, dropped_at timestamptz)")
    con.executemany("insert into source values (?, ?, ?)", [r[:3] for r in rows])
    con.executemany(
        "insert into current_files values (?, ?)",
        sorted({(r[1], r[3]) for r in rows}),
    )
    ranked = con.execute(
        f"select source.entry_id, source.file_sha256, source.row_number, "
        f"{_rank_sql(['entry_id'])} as recency "
        "from source inner join current_files on source.file_sha256 = current_files.sha256"
    ).fetchall()
    con.close()
    return {(e, s, n) for e, s, n, recency in ranked if recency == 1}


def test_the_file_dropped_last_wins() -> None:
    rows = [
        ("a", "ff", 1, "2026-04-01 00:00:00+00"),
        ("a", "00", 9, "2026-04-02 00:00:00+00"),  # later drop beats a greater sha
        ("b", "ff", 2, "2026-04-01 00:00:00+00"),  # only version of b
    ]
    assert _winners(rows) == {("a", "00", 9), ("b", "ff", 2)}


def test_same_drop_time_the_greater_sha_then_the_later_row_wins() -> None:
    same = "2026-04-01 00:00:00+00"
    rows = [
        ("a", "aa", 5, same),
        ("a", "bb", 1, same),  # greater sha beats a later row of another file
        ("c", "aa", 3, same),
        ("c", "aa", 4, same),  # same file: the later row wins
    ]
    assert _winners(rows) == {("a", "bb", 1), ("c", "aa", 4)}


def test_partition_columns_are_qualified_by_the_source_alias() -> None:
    sql = " ".join(_rank_sql(["venue", "account_id", "entry_id"]).split())
    assert sql == (
        "row_number() over ( partition by source.venue, source.account_id, source.entry_id "
        "order by current_files.dropped_at desc, source.file_sha256 desc, "
        "source.row_number desc )"
    )
