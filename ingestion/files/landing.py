"""The landing folders: `<landing_dir>/<source>/`, one per configured file source.

Files are found by walking each source's folder (hidden files and partial downloads —
``.*``, ``*.part``, ``*.tmp``, ``*.crdownload`` — are skipped); their identity is the sha256 of
their bytes, never their name.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingestion.config import Config
from ingestion.files.config import LandingSource

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class LandedFile:
    source: LandingSource
    path: Path
    sha256: str
    size_bytes: int
    dropped_at: datetime  # modification time, UTC
    refused: str | None = None  # why the file is not read at all (a symbolic link)


def source_dir(config: Config, source: LandingSource) -> Path:
    return config.landing_dir / source.name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def landed_file(source: LandingSource, path: Path) -> LandedFile:
    if path.is_symlink():
        # never followed: identified by the link itself, not by what it points to
        stat = path.lstat()
        digest = hashlib.sha256(b"symlink:" + os.fsencode(path)).hexdigest()
        return LandedFile(
            source=source,
            path=path,
            sha256=digest,
            size_bytes=0,
            dropped_at=datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC).replace(microsecond=0),
            refused="a symbolic link (to a file or folder) in the landing folder is refused and "
            "not read; copy the file itself into the folder",
        )
    stat = path.stat()
    return LandedFile(
        source=source,
        path=path,
        sha256=file_sha256(path),
        size_bytes=stat.st_size,
        dropped_at=datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC).replace(microsecond=0),
    )


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES)


def list_files(config: Config, source: LandingSource) -> list[Path]:
    """Regular files of the source's folder, and symbolic links (refused when loaded), never
    following a link."""
    folder = source_dir(config, source)
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in sorted(dirs):
            if (here / name).is_symlink() and not _skipped(name):
                found.append(here / name)  # a link to a folder: refused, not walked
        dirs[:] = sorted(d for d in dirs if not _skipped(d) and not (here / d).is_symlink())
        for name in files:
            path = here / name
            if _skipped(name):
                continue
            if path.is_symlink() or path.is_file():
                found.append(path)
    return sorted(found)


def scan(config: Config, kinds: tuple[str, ...] | None = None) -> list[LandedFile]:
    """Every file in the landing folders of the configured sources (of ``kinds``).

    A file that cannot be read now (no permission, removed while scanning) is logged and left
    for the next run, not recorded: it is not the file's content that is wrong."""
    found = []
    for source in config.files.sources:
        if kinds is not None and source.kind not in kinds:
            continue
        for path in list_files(config, source):
            try:
                found.append(landed_file(source, path))
            except OSError as exc:
                log.warning("%s: cannot be read now, left for the next run (%s)", path, exc)
    return found


def source_for_path(config: Config, path: Path) -> LandingSource | None:
    """The configured source whose landing folder holds ``path``."""
    resolved = path.resolve()
    for source in config.files.sources:
        if resolved.is_relative_to(source_dir(config, source).resolve()):
            return source
    return None


def scan_paths(config: Config):
    """(source, path, stat) of every landed file, without reading it."""
    for source in config.files.sources:
        for path in list_files(config, source):
            yield source, path, path.lstat()
