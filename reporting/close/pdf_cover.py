"""Page 1 of the close pack's PDF, what an auditor reads first: who closed which period when,
the cut-off block of every network (number, hash and block time, flagged when the block is far
before the period's end), the measurement policy, the headline figures of the entity's own and
its clients' holdings side by side (never added together), the open breaks and failed checks,
and the contents of the pages that follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from reporting.close.html_tables import fmt, html_table
from reporting.close.pack import Pack
from reporting.close.tables import CLIENT, OWN, PackTable

# a cut-off block more than this before the period's end is flagged: blocks come every few
# seconds, so the indexer has not reached the period end on that network (or the day was cut)
CUTOFF_GAP_LIMIT = timedelta(hours=1)
COVER_FIELDS = (
    "Entity",
    "Period",
    "Local days",
    "Reporting time zone",
    "Closed at (UTC)",
    "Closed by",
    "Close id",
    "Run id",
    "Content hash (sha256)",
)


def period_end_instant(end_date: date, timezone: str | None) -> datetime:
    """The end of the period's last local day in the reporting time zone, in UTC."""
    zone = ZoneInfo(timezone) if timezone else UTC
    return datetime.combine(end_date + timedelta(days=1), time(0), zone).astimezone(UTC)


def _duration(gap: timedelta) -> str:
    minutes = int(abs(gap).total_seconds()) // 60
    text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    if minutes == 0:
        text = f"{int(abs(gap).total_seconds())} s"
    return text + (" before" if gap >= timedelta(0) else " after")


@dataclass(frozen=True)
class Cutoff:
    network: str
    chain_id: object
    block_date: object
    block_number: object
    block_hash: str
    block_time: datetime | None
    gap: timedelta | None  # period end minus block time
    flags: tuple[str, ...]


def cutoffs(pack: Pack) -> list[Cutoff]:
    """The cut-off block per network with its distance to the period end and what is wrong."""
    table = pack.tables.get("cutoff_blocks")
    if table is None:
        return []
    end = period_end_instant(pack.period.end_date, pack.closed.reporting_timezone)
    out = []
    for row in sorted(table.dicts(), key=lambda r: str(r["network"])):
        moment = row.get("block_time")
        gap = end - moment if isinstance(moment, datetime) else None
        flags = []
        if gap is None:
            flags.append("no block time")
        elif gap > CUTOFF_GAP_LIMIT:
            flags.append(f"cut-off block {_duration(gap)} period end")
        elif gap < timedelta(0):
            flags.append(f"block time {_duration(gap)} period end")
        if row.get("block_date") != pack.period.end_date:
            flags.append(f"last indexed day {row.get('block_date')}, not {pack.period.end_date}")
        if row.get("is_day_complete") is False:
            flags.append("day not complete")
        if row.get("is_final") is False:
            flags.append("not final")
        out.append(
            Cutoff(
                str(row["network"]),
                row.get("chain_id"),
                row.get("block_date"),
                row.get("block_number"),
                str(row.get("block_hash") or ""),
                moment,
                gap,
                tuple(flags),
            )
        )
    return out


def cutoff_html(pack: Pack) -> str:
    rows = cutoffs(pack)
    if not rows:
        return '<p class="note">no cut-off blocks recorded (no on-chain source at the close)</p>'
    end = period_end_instant(pack.period.end_date, pack.closed.reporting_timezone)
    body = []
    for c in rows:
        when = f"{c.block_time.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if c.block_time else ""
        gap = _duration(c.gap) if c.gap is not None else ""
        flag = "; ".join(c.flags)
        body.append(
            f"<tr{' class=flagged' if flag else ''}><td>{escape(c.network)}</td>"
            f"<td>{fmt(c.chain_id, 'int')}</td><td>{fmt(c.block_date, 'date')}</td>"
            f'<td class="n">{fmt(c.block_number, "int")}</td>'
            f'<td class="hash">{escape(c.block_hash)}</td><td>{when}</td><td>{gap}</td>'
            f'<td class="flag">{escape(flag)}</td></tr>'
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "network",
            "chain id",
            "block date",
            "block number",
            "block hash",
            "block time",
            "to period end",
            "flag",
        )
    )
    return (
        f'<table class="data cutoff"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
        f'</tbody></table><p class="note">Period end {end:%Y-%m-%d %H:%M:%S} UTC; a block more '
        f"than {int(CUTOFF_GAP_LIMIT.total_seconds() // 3600)} h before it is flagged.</p>"
    )


def _section(pack: Pack, key: str) -> PackTable | None:
    return next((t for t in pack.sections if t.key == key), None)


def _total(table: PackTable | None, column: str, ownership: str) -> Decimal | None:
    if table is None or not table.available or column not in table.totals:
        return None
    names = [c.name for c in table.columns]
    if "ownership" in names:
        rows = table.rows_of(ownership)
    else:  # client-asset coverage: every row is about client holdings
        rows = table.rows if ownership == CLIENT else []
    if all(r[names.index(column)] is None for r in rows):
        return None  # nothing to total (no rows, or no value): shown blank, not as 0
    return table.total(column, ownership) if "ownership" in names else table.total(column)


HEADLINE = (  # (label, section, column, kind)
    ("Opening balance (token units)", "rollforward", "opening_balance", "token"),
    ("Closing balance (token units)", "rollforward", "closing_balance", "token"),
    ("Unexplained change (token units)", "rollforward", "unexplained_change", "token"),
    ("Fair value (USD)", "fair_value", "fair_value_usd", "usd"),
    ("Carrying amount (USD)", "fair_value", "carrying_amount_usd", "usd"),
    ("Client liabilities (token units)", "client_assets", "client_liabilities", "token"),
    ("Client shortfall (token units)", "client_assets", "shortfall", "token"),
)


def headline_html(pack: Pack) -> str:
    """Own and client figures in two columns: there is no column that adds them."""
    body = []
    for label, key, column, kind in HEADLINE:
        own = _total(_section(pack, key), column, OWN)
        client = _total(_section(pack, key), column, CLIENT)
        if own is None and client is None:
            continue
        body.append(
            f"<tr><th>{escape(label)}</th><td class=n>{fmt(own, kind)}</td>"
            f"<td class=n>{fmt(client, kind)}</td></tr>"
        )
    return (
        '<table class="data headline"><thead><tr><th>figure</th><th class=n>own (operating)</th>'
        "<th class=n>client (safeguarded, off balance sheet)</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        '<p class="note">Own and client holdings are never added together.</p>'
    )


def check_counts(pack: Pack) -> dict[str, int]:
    """Checks of the close: failed (blocking), warnings (failed, not blocking), passed."""
    table = pack.tables.get("checks")
    rows = table.dicts() if table is not None else []
    failed = [r for r in rows if r.get("status") != "passed"]
    return {
        "failed": sum(1 for r in failed if r.get("severity") == "error"),
        "warnings": sum(1 for r in failed if r.get("severity") != "error"),
        "passed": len(rows) - len(failed),
        "total": len(rows),
    }


def open_break_count(pack: Pack) -> int:
    breaks = _section(pack, "breaks")
    return len(breaks.rows) if breaks is not None else 0


def cover_html(pack: Pack, contents: list[tuple[str, str]]) -> str:
    """Page 1; `contents` is (anchor id, title) of each section that follows, in order."""
    values = dict(pack.cover)
    ident = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(values.get(k, ''))}</td></tr>"
        for k in COVER_FIELDS
        if k in values
    )
    policies = next((t for t in pack.cover_tables if t.key == "policies"), None)
    policy = html_table(policies) if policies is not None else '<p class="note">none</p>'
    counts = check_counts(pack)
    missing = ", ".join(t.title for t in pack.sections if not t.available) or "none"
    status = (
        f"<tr><th>Open breaks at period end</th><td>{open_break_count(pack)}</td></tr>"
        f"<tr><th>Failed checks (blocking)</th><td>{counts['failed']}</td></tr>"
        f"<tr><th>Warnings (failed, not blocking)</th><td>{counts['warnings']}</td></tr>"
        f"<tr><th>Passed checks</th><td>{counts['passed']} of {counts['total']}</td></tr>"
        f"<tr><th>Not available</th><td>{escape(missing)}</td></tr>"
    )
    toc = "".join(f'<li><a href="#{anchor}">{escape(title)}</a></li>' for anchor, title in contents)
    return (
        '<div class="cover">'
        f"<h1>USD1 close pack {escape(pack.period.name)}</h1>"
        f'<div class="col"><table class="kv">{ident}</table>'
        f'<h3>Status</h3><table class="kv">{status}</table></div>'
        f'<div class="col"><h3>Headline figures</h3>{headline_html(pack)}</div>'
        f'<div class="full"><h3>Cut-off block per network</h3>{cutoff_html(pack)}</div>'
        f'<div class="col"><h3>Measurement policy</h3>{policy}</div>'
        f'<div class="col"><h3>Contents</h3><ol class="toc">{toc}</ol>'
        '<p class="note">Figures are rounded for reading (USD to cents, token units and '
        "prices to 6 decimals); the workbook's exact columns and the CSV files hold every "
        "digit.</p></div></div>"
    )
