"""The close pack's summary as a PDF: HTML rendered by WeasyPrint, with the static SVG charts.

The document's dates and identifier come from the snapshot (the close time and its content
hash), never from the clock. Fonts are pinned: the CSS names the DejaVu files by `file://` URL
(`@font-face`), so fontconfig never substitutes another font, and the font files are embedded
whole (`full_fonts`), so neither of WeasyPrint's subsetters (HarfBuzz-Subset when
`libharfbuzz-subset0` is installed, fontTools otherwise) touches the bytes. The bytes that are the
record are still the ones stored at the close (reporting/close/packfiles.py): a renderer update
may change them, and `report` says so.

Page 1 (reporting/close/pdf_cover.py) says who closed what, with the cut-off blocks, the policy,
the own and client headline figures, the counts of open breaks and failed checks, and the
contents; the sections follow in the order `section_parts` gives. Table headers sit in `<thead>`
(WeasyPrint repeats them on every page), rows never split (`break-inside: avoid`), and a total row
is never alone at the top of a page (`break-before: avoid`).

The last page is the sign-off block: prepared by (the closer, at the close time), reviewed by and
approved by, with lines to sign; an approval (reporting/close/approval.py) fills them in a new
revision of the PDF, stored beside the close's files.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from reporting.close.charts import FONT_FAMILY, balance_by_location_type, breaks_by_age
from reporting.close.html_tables import html_table, summarise
from reporting.close.pack import Pack
from reporting.close.pdf_cover import COVER_FIELDS, check_counts, cover_html
from reporting.close.tables import Column, PackTable

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
h3 { font-size: 9pt; margin: 3mm 0 1.5mm; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; margin-bottom: 3mm; }
thead { display: table-header-group; } tfoot { display: table-footer-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 0.8mm 1.2mm; text-align: left; }
th { background: #dde4ee; } td.n, th.n { text-align: right; }
tr.total { break-before: avoid; page-break-before: avoid; }
tr.total td { font-weight: bold; border-top: 1pt solid #333; }
table.data.wide { font-size: 6pt; } table.data.wide th, table.data.wide td { padding: 0.6mm 0.8mm; }
p.note { font-style: italic; color: #555; break-before: avoid; page-break-before: avoid; }
div.cover { page-break-after: always; break-after: page; }
div.cover div.col { float: left; width: 48%; margin-right: 2%; }
div.cover div.full { clear: both; } div.cover div.full + div.col { clear: left; }
table.kv th { width: 38mm; } td.hash { font-size: 6.5pt; }
table.cutoff td { white-space: nowrap; } table.cutoff td.flag { white-space: normal; }
tr.flagged td { background: #fbe3d6; }
td.flag { color: #a00000; font-weight: bold; } ol.toc { margin: 0; padding-left: 5mm; }
ol.toc { columns: 2; column-gap: 4mm; } ol.toc a { color: #111; text-decoration: none; }
div.cover h3 { margin: 2mm 0 1mm; } div.cover th, div.cover td { padding: 0.5mm 1.2mm; }
table.headline th, table.kv th { white-space: nowrap; }
div.signoff { page-break-before: always; } table.signoff td { height: 12mm; min-width: 60mm;
  vertical-align: bottom; } table.signoff td.line { border-bottom: 0.8pt solid #111; }
""".replace("$FONT", FONT_FAMILY)


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
        '<div class="signoff"><h2 id="signoff">Sign-off</h2>'
        '<table class="signoff"><tr><th></th><th>name</th><th>date and time</th>'
        f"<th>signature</th></tr>{body}</table>"
        f'<p class="note">{note}</p></div>'
    )


# caps of the long listings (each capped table says how many rows the workbook has beyond it)
POSITION_ROWS = 100
REGISTER_ROWS = 200
JOURNAL_ROWS = 300
LISTING_ROWS = 40


def _sections(pack: Pack) -> dict[str, PackTable]:
    return {t.key: t for t in pack.sections}


def _cover_table(pack: Pack, key: str) -> PackTable:
    return next((t for t in pack.cover_tables if t.key == key), PackTable(key, key))


def _count_by(table: PackTable, by: list[str], measures: list[str], title: str) -> PackTable:
    """`summarise` with the number of rows of each group first."""
    summary = summarise(table, by, measures, title)
    if not summary.available:
        return summary
    names = [c.name for c in table.columns]
    counts: dict[tuple, int] = defaultdict(int)
    for row in table.rows:
        counts[tuple(row[names.index(b)] for b in by if b in names)] += 1
    width = len([b for b in by if b in names])
    columns = [*summary.columns[:width], Column("rows", "int"), *summary.columns[width:]]
    rows = [[*r[:width], counts[tuple(r[:width])], *r[width:]] for r in summary.rows]
    return PackTable(summary.key, title, columns, rows, summary.totals, summary.note)


def rollforward_part(pack: Pack) -> str:
    sections = _sections(pack)
    units = sections["rollforward"]
    measures = [c.name for c in units.columns if c.name in units.totals]
    return (
        "<h3>Balance by location type over the period</h3>"
        + _img(balance_by_location_type(pack.tables.get("inventory_daily")))
        + "<h3>In token units, by ownership and location type</h3>"
        + html_table(
            summarise(units, ["ownership", "location_type"], measures, "Roll-forward"), None
        )
        + '<p class="note">Per location in the workbook\'s Roll-forward sheet; '
        "unexplained_change (a statement that moved without movements) is never folded into a "
        "flow.</p><h3>In USD, by entity and ownership</h3>"
        + html_table(sections["rollforward_usd"], None)
    )


def positions_part(pack: Pack) -> str:
    sections = _sections(pack)
    return (
        f"<h3>{escape(sections['positions'].title)}</h3>"
        + html_table(sections["positions"], POSITION_ROWS)
        + f"<h3>{escape(sections['wallet_register'].title)}</h3>"
        + html_table(sections["wallet_register"], REGISTER_ROWS)
    )


def reconciliation_part(pack: Pack) -> str:
    sections = _sections(pack)
    breaks = sections["breaks"]
    names = [c.name for c in breaks.columns]
    ages = [dict(zip(names, r, strict=True)) for r in breaks.rows]
    summary = _count_by(
        sections["reconciliation"],
        ["comparison", "status"],
        ["difference", "explained_in_transit", "unexplained_difference"],
        "Reconciliation",
    )
    summary.totals = []  # differences of different comparisons do not add up to anything
    return (
        "<h3>Comparisons at the period end, by comparison and status</h3>"
        + html_table(summary, None)
        + f"<h3>Every open break ({len(breaks.rows)}), with its owner, status and age</h3>"
        + _img(breaks_by_age(ages))
        + html_table(breaks, None)
        + "<h3>In-transit items</h3>"
        + html_table(sections["in_transit"], LISTING_ROWS)
    )


def checks_part(pack: Pack) -> str:
    """Failed and warning checks listed; the passed ones only counted."""
    checks = _cover_table(pack, "checks")
    counts = check_counts(pack)
    if not checks.available:
        return f'<p class="note">{escape(checks.note or "no checks recorded")}</p>'
    status = [c.name for c in checks.columns].index("status")
    listed = PackTable(
        checks.key,
        checks.title,
        checks.columns,
        [r for r in checks.rows if r[status] != "passed"],
        note="" if counts["failed"] + counts["warnings"] else "no failed or warning check",
    )
    return (
        f'<p class="passed">{counts["passed"]} of {counts["total"]} checks passed (not listed); '
        f"{counts['failed']} failed (blocking) and {counts['warnings']} warnings listed here.</p>"
        + html_table(listed, None)
    )


def section_parts(pack: Pack) -> list[tuple[str, str, str]]:
    """(anchor id, title, html) of every section after page 1, in the order of the pack."""
    sections = _sections(pack)
    comparison = sections["comparison"]
    return [
        ("rollforward", "Roll-forward in token units and USD", rollforward_part(pack)),
        ("positions", "Positions by location and the wallet register", positions_part(pack)),
        ("client-assets", "Client-asset coverage", html_table(sections["client_assets"], None)),
        (
            "fair-value",
            "Fair value with price, price source and price time",
            html_table(sections["fair_value"], None),
        ),
        ("reconciliation", "Reconciliation and open breaks", reconciliation_part(pack)),
        ("journal", "Journal entries", html_table(sections["journal"], JOURNAL_ROWS)),
        (
            "comparison",
            comparison.title,
            html_table(comparison, None),
        ),
        ("checks", "Failed and warning checks", checks_part(pack)),
        (
            "adjustments",
            "Prior-period adjustments",
            html_table(sections["adjustments"], LISTING_ROWS),
        ),
        (
            "source-files",
            "Source files and their hashes",
            html_table(_cover_table(pack, "source_files"), LISTING_ROWS),
        ),
        ("notes", "Notes on the figures", _notes(pack)),
        ("signoff", "Sign-off", ""),
    ]


def _notes(pack: Pack) -> str:
    body = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in pack.cover
        if k not in COVER_FIELDS
    )
    return f'<table class="kv">{body}</table>'


def summary_html(pack: Pack, approval: Approval | None = None) -> str:
    created = pack.closed.closed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = section_parts(pack)
    body = [cover_html(pack, [(anchor, title) for anchor, title, _ in parts])]
    for anchor, title, html in parts:
        if anchor == "signoff":
            body.append(signoff_html(pack, approval))
            continue
        body.append(f'<h2 id="{anchor}">{escape(title)}</h2>{html}')
    modified = (approval.approved_at if approval else pack.closed.closed_at).astimezone(UTC)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>USD1 close pack {escape(pack.period.name)}</title>"
        f'<meta name="author" content="{escape(pack.closed.closed_by)}">'
        '<meta name="generator" content="usd1inv">'
        f'<meta name="dcterms.created" content="{created}">'
        f'<meta name="dcterms.modified" content="{modified:%Y-%m-%dT%H:%M:%SZ}">'
        f"<style>{font_faces()}{CSS}</style></head><body>{''.join(body)}</body></html>"
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
