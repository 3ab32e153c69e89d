"""Where a run's chatter goes: a log file per run, so the terminal shows the summary.

Dagster, dbt and the libraries below log a great deal. Unless --verbose is given, everything a
run prints or logs (stdout, stderr, Python logging) goes to
`<data_dir>/logs/usd1inv-<UTC time>.log`, and the terminal gets the short summary and the path
of that file. Secrets are scrubbed from log records either way (ingestion/secrets.py).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# third-party request logs can carry the RPC URL (and its key): keep them quiet
QUIET = ("urllib3", "web3", "requests")


def new_log_path(data_dir: Path) -> Path:
    folder = Path(data_dir) / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"usd1inv-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.log"


@contextmanager
def run_log(data_dir: Path, verbose: bool = False) -> Iterator[Path]:
    """Send the run's output to a log file (and, with verbose, to the terminal as well)."""
    path = new_log_path(data_dir)
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    with open(path, "a", encoding="utf-8") as fh:
        file_handler = logging.StreamHandler(fh)
        file_handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(file_handler)
        console = None
        try:
            if verbose:
                console = logging.StreamHandler(sys.stderr)
                console.setFormatter(logging.Formatter(FORMAT))
                root.addHandler(console)
                yield path
            else:
                with redirect_stdout(fh), redirect_stderr(fh):
                    yield path
        finally:
            root.removeHandler(file_handler)
            if console is not None:
                root.removeHandler(console)
            root.setLevel(previous_level)


def setup_console_logging(verbose: bool = False) -> None:
    """For commands that draw their own progress: warnings (or, verbose, everything) on stderr."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format=FORMAT, stream=sys.stderr
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
