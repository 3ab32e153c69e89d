"""One period's close pack, built from its snapshot: the cover, the sections, the charts'
data, and where the files go (`<reports_dir>/close/<period>/`).

No pack file holds a local path: a text value that is (or contains) an absolute path, such as
`audit.files.duplicate_of`, is shown relative to the landing folder (`<source>/<file>`) when
the path goes through a source's folder, else as the file name alone (`relative_paths`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path, PurePosixPath, PureWindowsPath

from reporting.close.closing import ClosedPeriod
from reporting.close.comparison import period_comparison, rollforward_usd
from reporting.close.journal import journal
from reporting.close.periods import Period, parse_period
from reporting.close.register import wallet_register
from reporting.close.snapshot import Table
from reporting.close.tables import (
    FAIR_VALUE,
    FAIR_VALUE_TOTALS,
    LOCATION,
    PERIOD_COLUMNS,
    POSITION_AMOUNTS,
    RECONCILIATION,
    RECONCILIATION_TOTALS,
    ROLLFORWARD_AMOUNTS,
    PackTable,
    from_table,
)

# what the cover says about the figures (the workbook, the CSV files and the PDF share it)
MONEY_NOTES = [
    (
        "Money",
        "token units exact (18 decimals) and USD exact (6 decimals) as closed; base units "
        "(columns ending _raw) are integers",
    ),
    (
        "Workbook number cells",
        "rounded for reading, half up: USD to cents, token units and prices to 6 decimals; "
        "totals are formulas over these rounded cells",
    ),
    (
        "Workbook exact text cells",
        "the text column '<column> (exact)' right after each amount holds its exact value, "
        "and each total's exact sum; base-unit (_raw) columns are exact text only",
    ),
    ("CSV files", "exact: every value in full, as closed (journal entries in cents, as booked)"),
    ("PDF", "rounded for reading: USD to cents, token units and prices to 6 decimals"),
    (
        "Own and client assets",
        "totalled apart: the entity's own (operating) holdings; client holdings are "
        "safeguarded, off balance sheet, and never in the entity's own total",
    ),
]
# an absolute POSIX path (not part of a URL or a relative path) or a Windows drive path
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/~-])/(?:[^\s/'\",;()<>]+/)+[^\s/'\",;()<>]+|\b[A-Za-z]:\\[^\s'\",;()<>]+"
)


def _source_folders(tables: dict[str, Table]) -> set[str]:
    """The landing folders' names (one per file source) the snapshot's files came from."""
    if "source_files" not in tables:
        return set()
    return {str(r["source"]) for r in tables["source_files"].dicts() if r.get("source")}


def _relative(path: str, folders: set[str]) -> str:
    parts = (PureWindowsPath if ":\\" in path[:3] else PurePosixPath)(path).parts
    inside = [i for i, part in enumerate(parts[:-1]) if part in folders]
    return "/".join(parts[inside[-1] :]) if inside else parts[-1]


def relative_paths(text: str, folders: set[str] = frozenset()) -> str:
    """`text` with every absolute path in it made relative to the landing folder
    (`<source>/<file>`) when it goes through a source's folder, else cut to its file name."""
    return ABSOLUTE_PATH.sub(lambda m: _relative(m.group(0), folders), text)


def _without_paths(table: PackTable, folders: set[str]) -> PackTable:
    text = [i for i, c in enumerate(table.columns) if c.kind in {"text", "datetime"}]
    if not text:
        return table
    rows = []
    for row in table.rows:
        row = list(row)
        for i in text:
            if isinstance(row[i], str):
                row[i] = relative_paths(row[i], folders)
        rows.append(row)
    return replace(table, rows=rows, note=relative_paths(table.note, folders))


@dataclass
class Pack:
    closed: ClosedPeriod
    period: Period
    cover: list[tuple[str, str]]
    cover_tables: list[PackTable]
    sections: list[PackTable]
    tables: dict[str, Table]  # the snapshot, for the charts

    @property
    def base_name(self) -> str:
        return f"usd1-close-{self.period.name}"


def pack_dir(reports_dir: Path, period: Period) -> Path:
    return Path(reports_dir) / "close" / period.name


def _is_in_transit(row: dict) -> bool:
    return (row.get("explained_in_transit") or 0) != 0


def _sections(tables: dict[str, Table], period: Period) -> list[PackTable]:
    end = period.end_date
    hide = PERIOD_COLUMNS | {"reported_from_date", "reported_through_date", "is_period_complete"}
    breaks_note = ""
    if tables.get("reconciliation_breaks") and tables["reconciliation_breaks"].rows:
        breaks = from_table(
            "breaks",
            "Reconciliation breaks",
            tables["reconciliation_breaks"],
            preferred=RECONCILIATION,
            totals=RECONCILIATION_TOTALS,
        )
    else:
        breaks_note = "the breaks of marts.reconciliation at the period end"
        breaks = from_table(
            "breaks",
            "Reconciliation breaks",
            tables.get("reconciliation"),
            preferred=RECONCILIATION,
            totals=RECONCILIATION_TOTALS,
            where=lambda r: r.get("status") == "break",
        )
    breaks.note = "; ".join(n for n in (breaks.note, breaks_note) if n)
    return [
        from_table(
            "rollforward",
            "Roll-forward",
            tables.get("inventory_rollforward"),
            preferred=LOCATION + ROLLFORWARD_AMOUNTS,
            totals=ROLLFORWARD_AMOUNTS,
            hide=hide,
        ),
        from_table(
            "positions",
            f"Positions by location and network at {end}",
            tables.get("inventory_daily"),
            preferred=LOCATION + POSITION_AMOUNTS,
            totals=POSITION_AMOUNTS,
            where=lambda r: r["as_of_date"] == end,
            hide={"as_of_date"},
            sort=["network", "entity", "location_type", "location_id", "asset"],
        ),
        from_table(
            "fair_value",
            "Fair value",
            tables.get("fair_value"),
            preferred=FAIR_VALUE,
            totals=FAIR_VALUE_TOTALS,
            hide=hide,
        ),
        from_table(
            "reconciliation",
            f"Reconciliation at {end}",
            tables.get("reconciliation"),
            preferred=RECONCILIATION,
            totals=RECONCILIATION_TOTALS,
        ),
        breaks,
        _in_transit(tables),
        from_table("concentration", "Concentration", tables.get("concentration")),
        from_table("health", "Inventory health", tables.get("inventory_health")),
        from_table(
            "client_assets",
            "Client asset coverage",
            tables.get("client_asset_coverage"),
            totals=["client_holdings", "client_liabilities", "shortfall"],
        ),
        journal(tables, period.name, period.start_date, end),
        from_table(
            "adjustments",
            "Prior-period adjustments (late data for closed periods)",
            tables.get("adjustments"),
            totals=["adjustment"],
            sort=["closed_period", "entity", "network", "location_id", "comparison_or_measure"],
        ),
        rollforward_usd(tables, period),
        wallet_register(tables, end),
        period_comparison(tables, period),
    ]


def _in_transit(tables: dict[str, Table]) -> PackTable:
    """The movements in flight at the period end: the reconciliation's in-transit listing when
    the warehouse has it, else the reconciliation rows an in-transit amount explains."""
    if "in_transit_items" in tables:
        return from_table(
            "in_transit",
            "In-transit items",
            tables["in_transit_items"],
            preferred=["network", "location_id", "comparison", "explained_in_transit"],
            totals=["explained_in_transit"],
        )
    return from_table(
        "in_transit",
        "In-transit items",
        tables.get("reconciliation"),
        preferred=RECONCILIATION,
        totals=["explained_in_transit"],
        where=_is_in_transit,
    )


def _check_status(tables: dict[str, Table]) -> str:
    checks = tables["checks"].dicts() if "checks" in tables else []
    failed = [c for c in checks if c["status"] == "failed"]
    if not checks:
        return "not recorded"
    if not failed:
        return f"passed ({len(checks)} checks)"
    blocking = sum(1 for c in failed if c["severity"] == "error")
    return f"{len(failed)} failed of {len(checks)} ({blocking} blocking)"


def build_pack(closed: ClosedPeriod, tables: dict[str, Table]) -> Pack:
    period = parse_period(closed.period)
    names = (
        {r["entity"]: r["entity_name"] for r in tables["entities"].dicts()}
        if ("entities" in tables)
        else {}
    )
    entity = "; ".join(f"{name} ({key})" for key, name in sorted(names.items()))
    sections = _sections(tables, period)
    cover = [
        ("Period", f"{period.name} ({period.period_type})"),
        ("Local days", f"{period.start_date} to {period.end_date}"),
        ("Reporting time zone", closed.reporting_timezone or ""),
        ("Entity", entity or closed.entities),
        ("Close id", closed.close_id),
        ("Closed at (UTC)", f"{closed.closed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}"),
        ("Closed by", closed.closed_by),
        ("Run id", closed.run_id or ""),
        ("Content hash (sha256)", closed.content_hash),
        ("Check status", _check_status(tables)),
        ("Open breaks at period end", _open_breaks(sections)),
        *MONEY_NOTES,
    ]
    cover_tables = [
        from_table("cutoff_blocks", "Cut-off block per network", tables.get("cutoff_blocks")),
        from_table("policies", "Accounting policy per measurement basis", tables.get("policies")),
        from_table(
            "checks", "Checks", tables.get("checks"), sort=["status", "severity", "check_name"]
        ),
        from_table(
            "source_files",
            "Source files and their hashes",
            tables.get("source_files"),
            sort=["source", "file_name", "sha256"],
        ),
    ]
    folders = _source_folders(tables)
    cover = [(label, relative_paths(value, folders)) for label, value in cover]
    cover_tables = [_without_paths(t, folders) for t in cover_tables]
    sections = [_without_paths(t, folders) for t in sections]
    return Pack(closed, period, cover, cover_tables, sections, tables)


def _open_breaks(sections: list[PackTable]) -> str:
    """How many breaks were open at the period end (the period may close with some open: each
    is listed, with its owner and status, under Reconciliation breaks)."""
    count = next((len(s.rows) for s in sections if s.key == "breaks"), 0)
    if not count:
        return "none"
    return f"{count}: each listed under Reconciliation breaks with its owner and status"
