"""The status bar every page opens with: what is late, open, overdue, quarantined or failing.

Computed from the published snapshot only (never the warehouse), over every entity and network
(a problem on a network the filters hide must still show), so it says the same on every page:

- data as of: the last complete local day of each network and source (on-chain, custodian,
  exchange) against today in the reporting time zone, red beyond the configured freshness
  (`quality.freshness.<source>_max_age_hours`, counted from the end of that day);
- open breaks of the register (marts.reconciliation_breaks) and the oldest one's age;
- overdue breaks (older than their SLA), red;
- quarantined files since the last close (audit.files, else audit.load_log), red;
- failed (error) and warning checks of the last build (audit.expectation_failures);
- the last publish, red when older than the snapshot's staleness limit.

Each item names the page that explains it; health is "ok" only while no item is red.
"""

from __future__ import annotations

import functools
import html
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dashboard.snapshot import Snapshot

OK, WARN, RED = "ok", "warn", "red"
RISK_PAGE, RECONCILIATION_PAGE = "Risk and health", "Reconciliation"
OPEN_STATUSES = ("open", "investigating", "explained")
SOURCE_OF_LOCATION = {"custodian": "custodian", "exchange": "exchange"}  # else on-chain
SOURCE_LABELS = {"onchain": "on-chain", "custodian": "custodian", "exchange": "exchange"}


@dataclass(frozen=True)
class StatusSettings:
    """What the status bar measures against: the reporting time zone and the freshness limits."""

    timezone: str = "UTC"
    max_age_hours: dict[str, int] = field(
        default_factory=lambda: {"onchain": 24, "custodian": 36 * 24, "exchange": 36 * 24}
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def settings_from_environment() -> StatusSettings:
    """The configuration's time zone and freshness (USD1INV_CONFIG), else UTC and the defaults."""
    return _settings_of(os.environ.get("USD1INV_CONFIG"))


@functools.lru_cache(maxsize=4)
def _settings_of(path: str | None) -> StatusSettings:
    if not path:
        return StatusSettings()
    from ingestion.config import load_config

    config = load_config(path)
    return StatusSettings(config.reporting_timezone, config.quality.freshness.max_age_hours())


@dataclass(frozen=True)
class StatusItem:
    key: str  # data_as_of | open_breaks | overdue_breaks | quarantine | checks | publish
    label: str
    text: str
    level: str  # ok | warn | red
    page: str  # the page that explains it
    detail: str = ""  # the longer story, shown on hover


@dataclass(frozen=True)
class Status:
    items: tuple[StatusItem, ...]

    @property
    def red(self) -> tuple[StatusItem, ...]:
        return tuple(i for i in self.items if i.level == RED)

    @property
    def is_ok(self) -> bool:
        return not self.red

    def reasons(self) -> str:
        """The red items in a few words: why health is not ok."""
        return "; ".join(f"{i.label.lower()}: {i.text}" for i in self.red)


@dataclass(frozen=True)
class SourceDay:
    network: str
    source: str
    data_day: date | None
    days_behind: int | None
    level: str


def _columns(snapshot: Snapshot, table: str) -> set[str]:
    schema, name = table.split(".")
    return set(
        snapshot.query(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        )["column_name"].to_list()
    )


def source_days(snapshot: Snapshot, now: datetime, settings: StatusSettings) -> list[SourceDay]:
    """The last complete local day of each network and source, and whether it is too old."""
    columns = _columns(snapshot, "marts.inventory_daily")
    complete = "is_day_complete" if "is_day_complete" in columns else "true"
    # an off-chain figure stands on a statement or entry of an earlier day (source_age_days)
    day = (
        "case when source_age_days is null then as_of_date "
        "else cast(as_of_date - cast(source_age_days as integer) as date) end"
        if "source_age_days" in columns
        else "as_of_date"
    )
    source = "case location_type " + " ".join(
        f"when '{t}' then '{s}'" for t, s in SOURCE_OF_LOCATION.items()
    )
    rows = snapshot.query(
        f"select network, {source} else 'onchain' end as source, "
        f"max({day}) filter (where {complete}) as data_day "
        "from marts.inventory_daily group by all order by network, source"
    )
    today = now.astimezone(settings.tz).date()
    out = []
    for row in rows.iter_rows(named=True):
        data_day = row["data_day"]
        if data_day is None:
            out.append(SourceDay(row["network"], row["source"], None, None, RED))
            continue
        end_of_day = datetime.combine(data_day + timedelta(days=1), time(0), settings.tz)
        age_hours = (now - end_of_day).total_seconds() / 3600
        limit = settings.max_age_hours.get(row["source"], 24)
        level = RED if age_hours > limit else OK
        out.append(
            SourceDay(row["network"], row["source"], data_day, (today - data_day).days, level)
        )
    return out


def _data_as_of(snapshot: Snapshot, now: datetime, settings: StatusSettings) -> StatusItem:
    days = source_days(snapshot, now, settings)
    today = now.astimezone(settings.tz).date()
    late = [d for d in days if d.level == RED]
    parts = [
        f"{d.network} {SOURCE_LABELS.get(d.source, d.source)} "
        + (f"{d.data_day} ({d.days_behind} d behind)" if d.data_day else "no complete day")
        for d in days
    ]
    detail = f"Today is {today} ({settings.timezone}). " + "; ".join(parts)
    if not days:
        return StatusItem("data_as_of", "Data as of", "no days", RED, RISK_PAGE, detail)
    if late:
        text = f"{len(late)} stale: " + ", ".join(parts[days.index(d)] for d in late)
    else:
        text = f"{min(d.data_day for d in days)} (today {today})"
    return StatusItem("data_as_of", "Data as of", text, RED if late else OK, RISK_PAGE, detail)


def _breaks(snapshot: Snapshot) -> tuple[StatusItem, StatusItem]:
    """Open and overdue breaks from the register (the reconciliation's latest day without it)."""
    if snapshot.has_table("marts.reconciliation_breaks"):
        columns = _columns(snapshot, "marts.reconciliation_breaks")
        statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
        is_open = (
            "is_open"
            if "is_open" in columns
            else f"status in ({statuses})"
            if "status" in columns
            else "true"  # a register of open breaks only
        )
        age = "age_days" if "age_days" in columns else "break_age_days"
        overdue = "is_overdue" if "is_overdue" in columns else "false"
        facts = snapshot.query(
            f"select count(*) filter (where {is_open}) as open, "
            f"max({age}) filter (where {is_open}) as oldest, "
            f"count(*) filter (where {is_open} and {overdue}) as overdue "
            "from marts.reconciliation_breaks"
        ).row(0, named=True)
    elif snapshot.has_table("marts.reconciliation"):
        facts = snapshot.query(
            "select count(*) as open, max(break_age_days) as oldest, "
            "count(*) filter (where break_age_days > max_break_age_days) as overdue "
            "from marts.reconciliation where status = 'break' "
            "and as_of_date = (select max(as_of_date) from marts.reconciliation)"
        ).row(0, named=True)
    else:
        facts = {"open": 0, "oldest": None, "overdue": 0}
    opened, oldest, overdue_count = int(facts["open"]), facts["oldest"], int(facts["overdue"])
    open_text = f"{opened}" + (f", oldest {oldest} d" if opened and oldest is not None else "")
    return (
        StatusItem(
            "open_breaks",
            "Open breaks",
            open_text,
            WARN if opened else OK,
            RECONCILIATION_PAGE,
            "Breaks of the register (marts.reconciliation_breaks) not yet resolved.",
        ),
        StatusItem(
            "overdue_breaks",
            "Overdue breaks",
            f"{overdue_count}",
            RED if overdue_count else OK,
            RECONCILIATION_PAGE,
            "Open breaks older than their SLA (max_break_age_days).",
        ),
    )


def last_close_at(snapshot: Snapshot) -> datetime | None:
    if not snapshot.has_table("audit.closed_periods"):
        return None
    return snapshot.scalar(
        "select max(closed_at) from audit.closed_periods where status = 'closed'"
    )


def _quarantine(snapshot: Snapshot) -> StatusItem:
    since = last_close_at(snapshot)
    if snapshot.has_table("audit.files"):
        table, when, what = "audit.files", "loaded_at", "files"
    elif snapshot.has_table("audit.load_log"):
        table, when, what = "audit.load_log", "finished_at", "loads"
    else:
        return StatusItem("quarantine", "Quarantined", "0", OK, RISK_PAGE)
    count = int(
        snapshot.scalar(
            f"select count(*) from {table} where status = 'quarantined' "
            f"and (?::timestamptz is null or {when} > ?::timestamptz)",
            [since, since],
        )
        or 0
    )
    since_text = f"since the close of {since:%Y-%m-%d}" if since else "(no close yet)"
    noun = what if count != 1 else what[:-1]
    return StatusItem(
        "quarantine",
        "Quarantined",
        f"{count} {noun} {since_text}",
        RED if count else OK,
        RISK_PAGE,
        f"Source {what} rejected whole ({table}) after the last closed period was closed.",
    )


def check_counts(snapshot: Snapshot) -> dict | None:
    """Failed (error) and warning expectations of the last build's checks, or None."""
    if not snapshot.has_table("audit.expectation_failures"):
        return None
    return snapshot.query(
        "with last_run as (select arg_max(run_id, checked_at) as run_id "
        "from audit.expectation_failures) "
        "select any_value(f.run_id) as run_id, "
        "count(distinct (f.suite, f.expectation)) filter (where f.severity = 'error') as failed, "
        "count(distinct (f.suite, f.expectation)) filter (where f.severity <> 'error') "
        "as warnings "
        "from audit.expectation_failures f join last_run using (run_id)"
    ).row(0, named=True)


def _checks(snapshot: Snapshot) -> StatusItem:
    counts = check_counts(snapshot)
    if counts is None:
        return StatusItem("checks", "Checks", "no check results", WARN, RISK_PAGE)
    failed, warnings = int(counts["failed"] or 0), int(counts["warnings"] or 0)
    return StatusItem(
        "checks",
        "Checks",
        f"{failed} failed, {warnings} warnings",
        RED if failed else (WARN if warnings else OK),
        RISK_PAGE,
        f"Expectations that failed in the last build (run {counts['run_id'] or '-'}).",
    )


def _publish(snapshot: Snapshot, now: datetime) -> StatusItem:
    status = snapshot.status(now)
    hours = int(status.age.total_seconds() // 3600)
    return StatusItem(
        "publish",
        "Published",
        f"{status.published_at:%Y-%m-%d %H:%M} UTC ({hours} h ago)",
        RED if status.is_stale else OK,
        RISK_PAGE,
        f"Snapshot of run {status.run_id}.",
    )


def compute_status(
    snapshot: Snapshot, now: datetime | None = None, settings: StatusSettings | None = None
) -> Status:
    now = now or datetime.now(UTC)
    settings = settings or StatusSettings()
    open_breaks, overdue = _breaks(snapshot)
    return Status(
        (
            _data_as_of(snapshot, now, settings),
            open_breaks,
            overdue,
            _quarantine(snapshot),
            _checks(snapshot),
            _publish(snapshot, now),
        )
    )


COLORS = {OK: ("#e6f4ea", "#137333"), WARN: ("#fef7e0", "#8a6100"), RED: ("#fce8e6", "#a50e0e")}
ICONS = {OK: "●", WARN: "▲", RED: "■"}


def status_html(status: Status, link_params: dict[str, list[str]]) -> str:
    """The bar as HTML: health first, then one linked chip per item (the page in the URL)."""
    health_level = OK if status.is_ok else RED
    chips = [
        _chip(
            "health",
            "Health",
            "ok" if status.is_ok else f"not ok ({len(status.red)} red)",
            health_level,
            RISK_PAGE,
            status.reasons(),
            link_params,
        )
    ]
    chips += [
        _chip(i.key, i.label, i.text, i.level, i.page, i.detail, link_params) for i in status.items
    ]
    return (
        '<div class="usd1-status" style="display:flex;flex-wrap:wrap;gap:6px;'
        'margin:0 0 8px 0">' + "".join(chips) + "</div>"
    )


def page_link(page: str, link_params: dict[str, list[str]]) -> str:
    """`?page=…&<the filters>`: the same view on another page."""
    params = {k: v for k, v in link_params.items() if k != "page"}
    return "?" + urlencode({"page": page, **params}, doseq=True)


def _chip(key, label, text, level, page, detail, link_params) -> str:
    background, color = COLORS[level]
    title = html.escape(f"{detail} Open: {page}".strip(), quote=True)
    return (
        f'<a class="usd1-status-item" data-item="{key}" data-level="{level}" '
        f'href="{html.escape(page_link(page, link_params), quote=True)}" target="_self" '
        f'title="{title}" style="background:{background};color:{color};padding:2px 8px;'
        'border-radius:4px;text-decoration:none;font-size:0.85rem">'
        f"{ICONS[level]} <b>{html.escape(label)}</b>: {html.escape(text)}</a>"
    )


def render_status_bar(snapshot: Snapshot) -> Status:
    """Draw the bar at the top of the page (links keep this view's filters); return it."""
    import streamlit as st

    from dashboard.views.common import link_params

    status = compute_status(snapshot, settings=_settings())
    st.markdown(status_html(status, link_params()), unsafe_allow_html=True)
    return status


def current_status(snapshot: Snapshot) -> Status:
    """The bar's status for a page that needs it (risk: health never ok while one is red)."""
    return compute_status(snapshot, settings=_settings())


def _settings() -> StatusSettings:
    return settings_from_environment()


def health_message(
    mart_status: str | None, mart_reasons: str, status: Status, not_ok: set[str]
) -> tuple[bool, str]:
    """(ok, text) of the health line: ok only when the health mart says so AND no item of the
    status bar is red (stale data, overdue breaks, quarantined files, failed checks)."""
    mart_ok = mart_status is None or str(mart_status).lower() not in not_ok
    if mart_ok and status.is_ok:
        extra = f" ({mart_reasons})" if mart_reasons else ""
        return True, f"Health: {mart_status or 'ok'}{extra}"
    shown = mart_status if not mart_ok else "not ok"
    reasons = [r for r in (mart_reasons if not mart_ok else "", status.reasons()) if r]
    return False, f"Health: {shown}" + (f" ({'; '.join(reasons)})" if reasons else "")


def render_status_details(snapshot: Snapshot) -> None:
    """What the bar's red items stand on: data days per network and source, last build's checks."""
    import polars as pl
    import streamlit as st

    from dashboard.views.common import show_table

    settings = _settings()
    now = datetime.now(UTC)
    st.markdown("**Data as of, per network and source** (last complete local day)")
    days = source_days(snapshot, now, settings)
    show_table(
        pl.DataFrame(
            {
                "network": [d.network for d in days],
                "source": [SOURCE_LABELS.get(d.source, d.source) for d in days],
                "last_complete_day": [d.data_day for d in days],
                "days_behind_today": [d.days_behind for d in days],
                "max_age_hours": [settings.max_age_hours.get(d.source) for d in days],
                "status": ["stale" if d.level == RED else "fresh" for d in days],
            },
            schema_overrides={"last_complete_day": pl.Date, "days_behind_today": pl.Int64},
        ),
        "data_as_of",
        "status-days",
        highlight=("status", {"stale"}),
    )
    st.markdown("**Checks of the last build** (failed expectations: error blocks, warn warns)")
    if not snapshot.has_table("audit.expectation_failures"):
        st.caption("No check results (`audit.expectation_failures`) in this snapshot.")
        return
    show_table(
        snapshot.query(
            "with last_run as (select arg_max(run_id, checked_at) as run_id "
            "from audit.expectation_failures), "
            "failed as (select severity, suite, table_name, expectation, "
            "any_value(description) as description, count(*) as rows_kept, "
            "max(unexpected_count) as unexpected_rows "
            "from audit.expectation_failures join last_run using (run_id) group by all) "
            "select * from failed order by severity <> 'error', suite, expectation"
        ),
        "last_build_checks",
        "status-checks",
        highlight=("severity", {"error"}),
    )
