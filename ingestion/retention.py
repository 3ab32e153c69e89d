"""Retention and data minimisation: what is kept how long, and its removal.

It is the `retention:` section of the usd1inv configuration (see `ingestion.config.Config`):

```yaml
retention:
  books_and_records_days: 2557   # landing files of statements, exports, prices: 7 years
  personal_data_days: 1096       # ledger files (customer names, e-mails) and quarantined values
```

Without the section nothing is ever removed. `usd1inv retention apply [--dry-run]` removes,
past their term counted from the file's `dropped_at` (or the quarantine row's
`quarantined_at`):

- the **bytes** of landed files: ledger exports (they carry customers' names and e-mails) after
  `personal_data_days`, every other source's files after `books_and_records_days`;
- the **values** of `audit.quarantine` rows (a rejected cell may hold anything a person typed)
  after `personal_data_days`.

What stays: `audit.files` (path, sha256, size, status), the loaded rows of `raw` (amounts, times,
accounts, the customers' keyed pseudonyms), every closed period's snapshot and stored pack
files. So a closed period still verifies: `usd1inv verify` checks a file removed by retention
against its recorded hash and the raw rows, and says it was removed. Every removal is one row of
`audit.retention_log` (what, which file or row, the rule and term, when, by whom); a dry run
lists the same removals and changes nothing.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from pydantic import BaseModel, ConfigDict, Field

DDL = """
create schema if not exists audit;
-- every removal under the retention policy (ingestion/retention.py); append-only
create table if not exists audit.retention_log (
    removed_at timestamptz not null,
    actor varchar not null,
    kind varchar not null,              -- file_bytes | quarantine_value
    sha256 varchar,                     -- the file's (file_bytes)
    path varchar,                       -- where its bytes were (file_bytes)
    source varchar not null,
    row_ref varchar,                    -- quarantine: source_ref | row_ref | field
    rule varchar not null,              -- books_and_records_days | personal_data_days
    term_days integer not null,
    record_at timestamptz not null      -- dropped_at / quarantined_at the term counts from
);
"""
PERSONAL_KINDS = ("ledger",)  # file kinds whose bytes are personal data (audit.files.kind)


class RetentionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    books_and_records_days: int | None = Field(default=None, ge=1)
    personal_data_days: int | None = Field(default=None, ge=1)


@dataclass(frozen=True)
class Removal:
    kind: str  # file_bytes | quarantine_value
    source: str
    rule: str
    term_days: int
    record_at: datetime
    sha256: str | None = None
    path: str | None = None
    row_ref: tuple[str, str, str] | None = None  # quarantine (source_ref, row_ref, field)

    def describe(self) -> str:
        what = (
            f"file bytes of {self.path} (sha256 {self.sha256[:12]})"
            if self.kind == "file_bytes"
            else f"quarantined value {self.source} {' | '.join(self.row_ref or ())}"
        )
        return f"{what}: {self.rule} {self.term_days} days from {self.record_at:%Y-%m-%d}"


def _file_rule(policy: RetentionConfig, kind: str) -> tuple[str, int | None]:
    if kind in PERSONAL_KINDS:
        return "personal_data_days", policy.personal_data_days
    return "books_and_records_days", policy.books_and_records_days


def plan(
    con: duckdb.DuckDBPyConnection,
    policy: RetentionConfig,
    now: datetime,
    found: list[tuple[Path, str]],
) -> list[Removal]:
    """What is past its term and still there. `found` is every file in the landing folders
    now, (path, sha256): a file is matched to its record by its hash, so a data folder that
    was moved or restored elsewhere is handled where it is; a file not recorded in
    audit.files (not loaded yet) is never removed."""
    recorded = {
        sha256: (source, kind, dropped_at)
        for sha256, source, kind, dropped_at in con.execute(
            "select sha256, min(source), min(kind), min(dropped_at) from audit.files "
            "group by sha256"
        ).fetchall()
    }
    removals: list[Removal] = []
    for path, sha256 in sorted(found, key=lambda f: str(f[0])):
        if sha256 not in recorded:
            continue
        source, kind, dropped_at = recorded[sha256]
        rule, term = _file_rule(policy, kind)
        if term is None or dropped_at > now - timedelta(days=term):
            continue
        removals.append(
            Removal("file_bytes", source, rule, term, dropped_at, sha256=sha256, path=str(path))
        )
    if policy.personal_data_days is not None:
        cutoff = now - timedelta(days=policy.personal_data_days)
        rows = con.execute(
            "select source, source_ref, row_ref, field, quarantined_at from audit.quarantine "
            "where value is not null and quarantined_at <= ? "
            "order by quarantined_at, source, source_ref, row_ref, field",
            [cutoff],
        ).fetchall()
        removals += [
            Removal(
                "quarantine_value",
                source,
                "personal_data_days",
                policy.personal_data_days,
                at,
                row_ref=(source_ref, row_ref, field),
            )
            for source, source_ref, row_ref, field, at in rows
        ]
    return removals


def apply(
    con: duckdb.DuckDBPyConnection, removals: list[Removal], actor: str, now: datetime
) -> int:
    """Remove what `plan` listed and log each removal; returns how many were removed. The log
    row is written in the same transaction as a quarantine value's removal; a file's bytes are
    unlinked after their log row commits (a crash in between leaves a logged file that the
    next apply removes: it is listed again while its bytes exist)."""
    con.execute(DDL)
    done = 0
    for removal in removals:
        con.execute("begin transaction")
        try:
            if removal.kind == "quarantine_value":
                source_ref, row_ref, field = removal.row_ref
                con.execute(
                    "update audit.quarantine set value = null where source = ? and "
                    "source_ref = ? and row_ref = ? and field = ?",
                    [removal.source, source_ref, row_ref, field],
                )
            con.execute(
                "insert into audit.retention_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    now,
                    actor,
                    removal.kind,
                    removal.sha256,
                    removal.path,
                    removal.source,
                    " | ".join(removal.row_ref) if removal.row_ref else None,
                    removal.rule,
                    removal.term_days,
                    removal.record_at,
                ],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        if removal.kind == "file_bytes":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(removal.path)
        done += 1
    return done


def removed_files(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """sha256 -> when retention removed the file's bytes (for `verify`)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' "
        "and table_name = 'retention_log'"
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(
        con.execute(
            "select sha256, min(removed_at) from audit.retention_log "
            "where kind = 'file_bytes' group by sha256"
        ).fetchall()
    )
