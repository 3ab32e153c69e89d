"""Great Expectations Data Docs for one run, as a static site that works offline.

Every suite validated in a run stores its result under `<docs_dir>/_gx/` and rebuilds the site
in `<docs_dir>` (one folder per run: `<reports_dir>/data_docs/<run_id>/index.html`), so the
index lists every suite of the run. GX's pages link Bootstrap, jQuery, Font Awesome and Vega on
CDNs; ``make_offline`` removes every remote stylesheet and script and links a small local
stylesheet instead (`data_docs_offline.css`), so a page opened from disk asks no server for
anything. The tables are plain HTML and read the same without the scripts.

GX's pages show how many rows an unexpected-rows expectation found, not which: each suite with
failures also gets `failing_rows/<suite>.html` (the rows, keys and exact values); the top of the
index lists every suite of the run with its status and links, in plain HTML (GX's own list is
drawn by its CDN scripts).
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from great_expectations.data_context.types.base import (
    DataContextConfig,
    FilesystemStoreBackendDefaults,
)

if TYPE_CHECKING:  # pragma: no cover
    from expectations.runner import SuiteOutcome

SITE = "run"
FAILING_ROWS = "failing_rows"  # one page per suite with failures: the offending rows
_INDEX_MARK = "<!-- usd1inv failing rows -->"
STORE_FOLDER = "_gx"
OFFLINE_CSS = Path(__file__).with_name("data_docs_offline.css")
OFFLINE_CSS_TARGET = Path("static") / "styles" / "offline.css"

_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE | re.DOTALL
)
_REMOTE_HREF = re.compile(r"\b(href|src)=([\"'])https?://[^\"']*\2", re.IGNORECASE)
_ANY_URL = re.compile(r"https?://[^\s\"'<>)]+")
_REMOTE_CSS_URL = re.compile(r"(@import\s+)?url\(\s*[\"']?https?://[^)]*\)\s*;?", re.IGNORECASE)


class _LossyDecimalNotice(logging.Filter):
    """GX stores results as JSON and turns long decimals into floats, warning for each value.
    Those stored results only feed the Data Docs display; the exact values are in
    audit.expectation_failures and the failing-rows pages. Keep the run log readable."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Using lossy conversion for decimal")


def _quiet_lossy_decimal_notices() -> None:
    gx_util = logging.getLogger("great_expectations.util")
    if not any(isinstance(f, _LossyDecimalNotice) for f in gx_util.filters):
        gx_util.addFilter(_LossyDecimalNotice())


_quiet_lossy_decimal_notices()


def docs_dir_for(reports_dir: Path, run_id: str) -> Path:
    """Where a run's Data Docs go: `<reports_dir>/data_docs/<run_id>/`."""
    return Path(reports_dir) / "data_docs" / run_id


def index_path(docs_dir: Path) -> Path:
    return Path(docs_dir) / "index.html"


def project_config(docs_dir: Path) -> DataContextConfig:
    """A GX project whose stores live in `<docs_dir>/_gx` and whose one site is `docs_dir`."""
    docs_dir = Path(docs_dir).resolve()
    return DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(
            root_directory=str(docs_dir / STORE_FOLDER)
        ),
        data_docs_sites={
            SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
    )


def build(context, docs_dir: Path) -> Path:
    """Rebuild the run's site from every result stored so far; return its index page."""
    context.build_data_docs(site_names=[SITE])
    make_offline(docs_dir)
    link_failing_rows(docs_dir)
    return index_path(docs_dir)


def _offline_page(html: str, css_href: str) -> str:
    html = _REMOTE_SCRIPT.sub("", html)
    html = _REMOTE_LINK.sub("", html, count=0)
    html = _REMOTE_HREF.sub(r"\1=\2#\2", html)
    html = _REMOTE_CSS_URL.sub("", html)  # inline styles (GX's logo background)
    html = _ANY_URL.sub("#", html)  # whatever is left (URLs in scripts or text)
    if css_href not in html:
        html = html.replace("</head>", f'<link rel="stylesheet" href="{css_href}">\n</head>', 1)
    return html


def make_offline(docs_dir: Path) -> None:
    """Strip remote stylesheets, scripts and links from the site; link the local stylesheet."""
    docs_dir = Path(docs_dir)
    target = docs_dir / OFFLINE_CSS_TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(OFFLINE_CSS, target)
    for css in (docs_dir / "static").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        cleaned = _REMOTE_CSS_URL.sub("", text)
        if cleaned != text:
            css.write_text(cleaned, encoding="utf-8")
    for page in docs_dir.rglob("*.html"):
        if STORE_FOLDER in page.relative_to(docs_dir).parts:
            continue
        depth = len(page.relative_to(docs_dir).parts) - 1
        css_href = "../" * depth + OFFLINE_CSS_TARGET.as_posix()
        text = page.read_text(encoding="utf-8")
        cleaned = _offline_page(text, css_href)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")


def remote_references(docs_dir: Path) -> list[str]:
    """Every http(s) URL the site's pages and stylesheets still reference (for tests)."""
    found = []
    for path in Path(docs_dir).rglob("*"):
        if path.suffix not in (".html", ".css", ".js") or STORE_FOLDER in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.name}: {m}" for m in _ANY_URL.findall(text)]
    return found


def _table(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_failing_rows(docs_dir: Path, outcome: SuiteOutcome) -> Path | None:
    """The suite's page of offending rows (removed when the suite has no failure now)."""
    page = Path(docs_dir) / FAILING_ROWS / f"{outcome.suite}.html"
    if not outcome.failed:
        page.unlink(missing_ok=True)
        return None
    sections = []
    for failure in outcome.failed:
        rows = failure.rows or [{"sample": s} for s in failure.sample]
        sections.append(
            f"<h2>{html.escape(failure.description)}</h2>"
            f"<p>{failure.unexpected_count} unexpected ({html.escape(failure.expectation)})</p>"
            + _table(rows)
        )
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(outcome.suite)}: failing rows</title>"
        f'<link rel="stylesheet" href="../{OFFLINE_CSS_TARGET.as_posix()}"></head><body>'
        f"<p><a href='../index.html'>Data Docs</a></p>"
        f"<h1>{html.escape(outcome.suite)} on {html.escape(outcome.table)}: failing rows</h1>"
        + "".join(sections)
        + "</body></html>",
        encoding="utf-8",
    )
    link_failing_rows(docs_dir)
    return page


def _suite_rows(docs_dir: Path) -> str:
    """One table row per suite validated into this site: status and links (the latest run)."""
    store = Path(docs_dir) / STORE_FOLDER / "uncommitted" / "validations"
    latest: dict[str, Path] = {}
    for result in sorted(store.glob("*/*/*/*.json")):
        latest[result.relative_to(store).parts[0]] = result  # sorted: the last is the newest
    rows = []
    for suite, result in sorted(latest.items()):
        success = json.loads(result.read_text(encoding="utf-8")).get("success")
        page = Path("validations") / result.relative_to(store).with_suffix(".html")
        failing = Path(FAILING_ROWS) / f"{suite}.html"
        rows.append(
            f"<tr><td>{html.escape(suite)}</td><td>{'passed' if success else 'FAILED'}</td>"
            f'<td><a href="{page.as_posix()}">validation result</a></td><td>'
            + (
                f'<a href="{failing.as_posix()}">failing rows</a>'
                if (Path(docs_dir) / failing).exists()
                else ""
            )
            + "</td></tr>"
        )
    return "".join(rows)


def link_failing_rows(docs_dir: Path) -> None:
    """List the run's suites, their status, validation pages and failing rows at the top of the
    index as plain HTML (GX's own list needs its CDN scripts; GX rewrites it on every build)."""
    index = index_path(docs_dir)
    if not index.exists():
        return
    text = index.read_text(encoding="utf-8")
    text = re.sub(re.escape(_INDEX_MARK) + ".*?" + re.escape(_INDEX_MARK), "", text, flags=re.S)
    rows = _suite_rows(docs_dir)
    if rows:
        section = (
            f"{_INDEX_MARK}<section><h2>Suites of this run</h2><table><thead><tr><th>suite</th>"
            "<th>status</th><th>result</th><th>offending rows (exact values)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>{_INDEX_MARK}"
        )
        text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + section, text, count=1)
    index.write_text(text, encoding="utf-8")
