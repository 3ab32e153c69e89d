"""The close pack's summary as a PDF: HTML rendered by WeasyPrint, with the static SVG charts.

The document's dates and identifier come from the snapshot (the close time and its content
hash), never from the clock. Fonts are pinned: the CSS names the DejaVu files by `file://` URL
(`@font-face`), so fontconfig never substitutes another font, and the font files are embedded
whole (`full_fonts`), so neither of WeasyPrint's subsetters (HarfBuzz-Subset when
`libharfbuzz-subset0` is installed, fontTools otherwise) touches the bytes. The bytes that are the
record are still the ones stored at the close (reporting/close/packfiles.py): a renderer update
may change them, and `report` says so.

The last page is the sign-off block: prepared by (the closer, at the close time), reviewed by and
approved by, with lines to sign; an approval (reporting/close/approval.py) fills them in a new
revision of the PDF, stored beside the close's files.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from pathlib import Path

from reporting.close.charts import FONT_FAMILY, balance_by_location_type, breaks_by_age
from reporting.close.pack import Pack
from reporting.close.tables import READING_PLACES, Column, PackTable, exact_text, rounded

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # apt fonts-dejavu-core (make system-deps)
FONTS = {  # (weight, style) -> file
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}


class FontError(RuntimeError):
    """The pinned font files are missing: the PDF would silently use another font."""


def font_faces(font_dir: Path = FONT_DIR) -> str:
    """`@font-face` rules naming each pinned font file by its file:// URL."""
    rules = []
    for (weight, style), name in FONTS.items():
        path = Path(font_dir) / name
        if not path.is_file():
            raise FontError(
                f"font {path} is missing: install the Debian package fonts-dejavu-core "
                "(`make system-deps`); the close pack PDF uses only this font"
            )
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; font-weight: {weight}; "
            f"font-style: {style}; src: url('{path.resolve().as_uri()}'); }}"
        )
    return "\n".join(rules)


CSS = """
@page { size: A4 landscape; margin: 10mm; font-family: '$FONT'; @bottom-right {
  content: counter(page) " / " counter(pages); font-family: '$FONT'; font-size: 8pt; } }
body { font-family: '$FONT'; font-size: 7pt; color: #111; font-variant-ligatures: none; }
h1 { font-size: 16pt; margin: 0 0 4mm; } h2 { font-size: 11pt; margin: 6mm 0 2mm; }
table { border-collapse: collapse; margin-bottom: 3mm; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 0.8mm 1.2mm; text-align: left; }
th { background: #dde4ee; } td.n, th.n { text-align: right; } tr.total td { font-weight: bold;
  border-top: 1pt solid #333; } p.note { font-style: italic; color: #555; }
div.signoff { page-break-before: always; } table.signoff td { height: 12mm; min-width: 60mm;
  vertical-align: bottom; } table.signoff td.line { border-bottom: 0.8pt solid #111; }
""".replace("$FONT", FONT_FAMILY)
MAX_ROWS = 40  # the workbook and CSV files carry every row
# the columns the summary shows (the workbook and CSV files have them all)
SUMMARY_COLUMNS = {
    "fair_value": [
        "entity",
        "ownership",
        "measurement_basis",
        "units",
        "price_usd",
        "price_source",
        "depeg_bps",
        "fair_value_usd",
        "carrying_amount_usd",
        "unrealized_gain_loss_usd",
        "realized_gain_loss_usd",
    ],
    "breaks": [
        "break_id",
        "location_id",
        "comparison",
        "unexplained_difference",
        "status",
        "owner",
        "break_age_days",
    ],
    "in_transit": ["network", "location_id", "comparison", "difference", "explained_in_transit"],
    "adjustments": [
        "closed_period",
        "network",
        "location_id",
        "comparison_or_measure",
        "closed_value",
        "live_value",
        "adjustment",
    ],
    "journal": [
        "journal_id",
        "entry_date",
        "account_code",
        "account_name",
        "debit_usd",
        "credit_usd",
    ],
    "cutoff_blocks": ["network", "chain_id", "block_date", "block_number", "block_hash"],
    "checks": ["check_name", "severity", "status", "detail"],
    "source_files": ["source", "file_name", "status", "sha256"],
}


def fmt(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "raw":
        return exact_text(value)
    if isinstance(value, Decimal):
        if kind in READING_PLACES:  # rounded for reading, half up (the CSV files are exact)
            return f"{rounded(value, kind):,f}"
        return format(value, "f")
    return escape(str(value))


def project(table: PackTable, names: list[str] | None) -> PackTable:
    """The table with only the named columns (those it has), totals kept where shown."""
    if not table.available or names is None:
        return table
    index = [i for i, c in enumerate(table.columns) if c.name in names]
    index.sort(key=lambda i: names.index(table.columns[i].name))
    columns = [table.columns[i] for i in index]
    rows = [[row[i] for i in index] for row in table.rows]
    totals = [t for t in table.totals if t in {c.name for c in columns}]
    return PackTable(table.key, table.title, columns, rows, totals, table.note)


def _html_table(table: PackTable, limit: int = MAX_ROWS) -> str:
    table = project(table, SUMMARY_COLUMNS.get(table.key))
    if not table.available or not table.rows:
        return f'<p class="note">{escape(table.note or "none")}</p>'
    numeric = {"token", "usd", "price", "bps", "ratio", "int", "raw"}
    cls = [' class="n"' if c.kind in numeric else "" for c in table.columns]
    head = "".join(
        f"<th{k}>{escape(c.name.replace('_', ' '))}</th>"
        for c, k in zip(table.columns, cls, strict=True)
    )
    body = []
    for row in table.rows[:limit]:
        cells = zip(row, table.columns, cls, strict=True)
        body.append(
            "<tr>" + "".join(f"<td{k}>{fmt(v, c.kind)}</td>" for v, c, k in cells) + "</tr>"
        )
    for label, ownership in table.total_groups() if table.totals and table.rows else []:
        cells = []  # own and client holdings totalled apart, never added together
        for column, k in zip(table.columns, cls, strict=True):
            total = column.name in table.totals
            value = table.total(column.name, ownership) if total else None
            cells.append(f"<td{k}>{fmt(value, column.kind)}</td>")
        cells[0] = f"<td>{escape(label)}</td>" if cells[0] == "<td></td>" else cells[0]
        body.append('<tr class="total">' + "".join(cells) + "</tr>")
    more = len(table.rows) - limit
    note = f'<p class="note">{more} more rows in the workbook and CSV files</p>' if more > 0 else ""
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{note}"


def summarise(table: PackTable, by: list[str], measures: list[str], title: str) -> PackTable:
    """Sum the measures of a section per group (exact Decimal sums)."""
    if not table.available:
        return PackTable(table.key, title, note=table.note)
    names = [c.name for c in table.columns]
    kinds = dict(zip(names, (c.kind for c in table.columns), strict=True))
    by = [b for b in by if b in names]
    measures = [m for m in measures if m in names]
    groups: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(measures))
    for row in table.rows:
        key = tuple(row[names.index(b)] for b in by)
        for i, m in enumerate(measures):
            groups[key][i] += row[names.index(m)] or Decimal(0)
    columns = [Column(b, "text") for b in by] + [Column(m, kinds[m]) for m in measures]
    rows = [list(k) + v for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))]
    return PackTable(table.key, title, columns, rows, measures)


def _img(svg: str) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{data}" width="640" height="260"/>'


@dataclass(frozen=True)
class Approval:
    """A recorded approval of a close (audit.close_events, event 'approve')."""

    approved_by: str
    approved_at: datetime


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def signoff_html(pack: Pack, approval: Approval | None) -> str:
    """Prepared by (the closer), reviewed by and approved by, with lines to sign."""
    closed = pack.closed
    rows = [("Prepared by", closed.closed_by, _utc(closed.closed_at))]
    if approval is None:
        rows += [("Reviewed by", "", ""), ("Approved by", "", "")]
        note = (
            "Not yet approved: `usd1inv close --period "
            f"{escape(pack.period.name)} --approve` by a user other than the preparer records "
            "the approval and stores an approved revision of this PDF."
        )
    else:
        when = _utc(approval.approved_at)
        rows += [
            ("Reviewed by", approval.approved_by, when),
            ("Approved by", approval.approved_by, when),
        ]
        note = (
            f"Approval recorded in audit.close_events for close {escape(closed.close_id)} "
            f"(content hash {escape(closed.content_hash)}); the files stored at the close "
            "are unchanged."
        )
    body = "".join(
        f"<tr><th>{escape(role)}</th><td>{escape(name)}</td><td>{escape(when)}</td>"
        '<td class="line"></td></tr>'
        for role, name, when in rows
    )
    return (
        '<div class="signoff"><h2>Sign-off</h2>'
        '<table class="signoff"><tr><th></th><th>name</th><th>date and time</th>'
        f"<th>signature</th></tr>{body}</table>"
        f'<p class="note">{note}</p></div>'
    )


def summary_html(pack: Pack, approval: Approval | None = None) -> str:
    sections = {t.key: t for t in pack.sections}
    created = pack.closed.closed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cover = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pack.cover)
    missing = ", ".join(t.title for t in pack.sections if not t.available) or "none"
    breaks = [
        dict(zip([c.name for c in sections["breaks"].columns], r, strict=True))
        for r in sections["breaks"].rows
    ]
    parts = [
        f"<h1>USD1 close pack {escape(pack.period.name)}</h1>",
        f"<table>{cover}<tr><th>Not available</th><td>{escape(missing)}</td></tr></table>",
        "<h2>Balance by location type over the period</h2>",
        _img(balance_by_location_type(pack.tables.get("inventory_daily"))),
        "<h2>Roll-forward by ownership and location type</h2>",
        _html_table(
            summarise(
                sections["rollforward"],
                ["ownership", "location_type"],
                [
                    c.name
                    for c in sections["rollforward"].columns
                    if c.name in sections["rollforward"].totals
                ],
                "Roll-forward",
            )
        ),
        "<h2>Positions by ownership, location type and network</h2>",
        _html_table(
            summarise(
                sections["positions"],
                ["ownership", "location_type", "network"],
                sections["positions"].totals,
                "Positions",
            )
        ),
        "<h2>Fair value</h2>",
        _html_table(sections["fair_value"]),
        "<h2>Reconciliation breaks</h2>",
        _img(breaks_by_age(breaks)),
        _html_table(sections["breaks"]),
        "<h2>In-transit items</h2>",
        _html_table(sections["in_transit"]),
        "<h2>Prior-period adjustments</h2>",
        _html_table(sections["adjustments"]),
        "<h2>Journal entries</h2>",
        _html_table(sections["journal"]),
    ]
    for table in pack.cover_tables:
        parts += [f"<h2>{escape(table.title)}</h2>", _html_table(table)]
    parts.append(signoff_html(pack, approval))
    modified = (approval.approved_at if approval else pack.closed.closed_at).astimezone(UTC)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>USD1 close pack {escape(pack.period.name)}</title>"
        f'<meta name="author" content="{escape(pack.closed.closed_by)}">'
        '<meta name="generator" content="usd1inv">'
        f'<meta name="dcterms.created" content="{created}">'
        f'<meta name="dcterms.modified" content="{modified:%Y-%m-%dT%H:%M:%SZ}">'
        f"<style>{font_faces()}{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_pdf(pack: Pack, path: Path, approval: Approval | None = None) -> Path:
    """Render the summary; the pinned fonts are embedded whole (no subsetter in the path)."""
    from weasyprint import HTML  # imported here: loading pango takes a moment

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=summary_html(pack, approval)).write_pdf(
        str(path), pdf_identifier=pack.closed.content_hash[:32].encode(), full_fonts=True
    )
    return path
