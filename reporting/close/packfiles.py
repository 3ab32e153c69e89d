"""A close pack's files as written, stored in `audit.close_pack_files`: the record.

Rendering the same snapshot again is not guaranteed to give the same bytes: a renderer or a
system library update (WeasyPrint's font subsetting uses HarfBuzz-Subset when
`libharfbuzz-subset0` is installed and fontTools otherwise) changes them. So the files written at
a close are stored once, with their sha256 and their bytes, in the warehouse (they travel with
it); `usd1inv report` writes those bytes back and only checks today's rendering against them.

Revision 1 holds the files written at the close (event `close`, or `store` for a close made
before files were stored, stored at its first report); an approval adds one more file, the
approved PDF, as the next revision (event `approve`). Rows are only ever inserted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

DDL = """
create schema if not exists audit;
create table if not exists audit.close_pack_files (
    close_id varchar not null,
    revision integer not null,           -- 1: written at the close; 2, 3, ...: approvals
    event varchar not null,              -- close | store | approve
    relative_path varchar not null,      -- inside <reports_dir>/close/<period>/, '/'-separated
    sha256 varchar not null,
    size_bytes bigint not null,
    content blob not null,
    stored_at timestamptz not null,
    primary key (close_id, relative_path)
);
"""


class PackFileError(RuntimeError):
    """A stored file no longer matches its sha256: the record was altered."""


@dataclass(frozen=True)
class StoredFile:
    relative_path: str
    sha256: str
    size_bytes: int
    content: bytes
    revision: int
    event: str


@dataclass(frozen=True)
class Difference:
    """A stored file that today's renderer does not reproduce byte for byte."""

    relative_path: str
    stored_sha256: str
    rendered_sha256: str | None  # None: today's renderer does not write this file

    def describe(self) -> str:
        if self.rendered_sha256 is None:
            return f"{self.relative_path}: today's renderer no longer writes this file"
        return (
            f"{self.relative_path}: today's renderer gives different bytes "
            f"(sha256 {self.rendered_sha256[:12]}, stored {self.stored_sha256[:12]})"
        )


def init_pack_files(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative(folder: Path, path: Path) -> str:
    return Path(path).relative_to(folder).as_posix()


def read_files(folder: Path, paths: list[Path]) -> dict[str, bytes]:
    """The bytes of the pack's files, keyed by their path inside the pack folder."""
    return {relative(folder, p): Path(p).read_bytes() for p in sorted(paths)}


def next_revision(con: duckdb.DuckDBPyConnection, close_id: str) -> int:
    return (
        1
        + con.execute(
            "select coalesce(max(revision), 0) from audit.close_pack_files where close_id = ?",
            [close_id],
        ).fetchone()[0]
    )


def store_files(
    con: duckdb.DuckDBPyConnection,
    close_id: str,
    files: dict[str, bytes],
    *,
    event: str,
    now: datetime,
) -> list[StoredFile]:
    """Insert the files as the close's next revision (in the caller's transaction, if any)."""
    init_pack_files(con)
    revision = next_revision(con, close_id)
    stored = [
        StoredFile(name, sha256(data), len(data), data, revision, event)
        for name, data in sorted(files.items())
    ]
    con.executemany(
        "insert into audit.close_pack_files values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [close_id, f.revision, f.event, f.relative_path, f.sha256, f.size_bytes, f.content, now]
            for f in stored
        ],
    )
    return stored


def load_files(con: duckdb.DuckDBPyConnection, close_id: str) -> list[StoredFile]:
    """The files stored for a close, each checked against its sha256."""
    init_pack_files(con)
    rows = con.execute(
        "select relative_path, sha256, size_bytes, content, revision, event "
        "from audit.close_pack_files where close_id = ? order by revision, relative_path",
        [close_id],
    ).fetchall()
    files = []
    for name, digest, size, content, revision, event in rows:
        content = bytes(content)
        if sha256(content) != digest or len(content) != size:
            raise PackFileError(
                f"audit.close_pack_files: {name} of close {close_id} no longer matches its "
                f"sha256 {digest[:12]}: the stored pack was altered"
            )
        files.append(StoredFile(name, digest, size, content, revision, event))
    return files


def write_files(folder: Path, files: list[StoredFile]) -> list[Path]:
    """Write the stored bytes into the pack folder (each file replaced atomically)."""
    paths = []
    for f in files:
        path = Path(folder) / f.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(f.content)
        os.replace(tmp, path)
        paths.append(path)
    return paths


def compare(stored: list[StoredFile], rendered: dict[str, bytes]) -> list[Difference]:
    """Each stored file that today's rendering does not reproduce byte for byte."""
    differences = []
    for f in stored:
        data = rendered.get(f.relative_path)
        digest = None if data is None else sha256(data)
        if digest != f.sha256:
            differences.append(Difference(f.relative_path, f.sha256, digest))
    return differences
