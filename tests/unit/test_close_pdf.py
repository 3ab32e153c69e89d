"""The close pack's PDF summary: WeasyPrint renders it, poppler turns every page into a PNG
without errors, its dates are the close's, and the static SVG charts are valid drawings."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import duckdb
import pytest

from reporting.close.charts import balance_by_location_type, breaks_by_age
from reporting.close.closing import close_period
from reporting.close.periods import parse_period
from reporting.close.render import render_pack
from tests.close_warehouse import build_close_warehouse

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own drawing, not untrusted input


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("close_pdf")
    con = duckdb.connect(str(build_close_warehouse(folder / "warehouse.duckdb")))
    closed, tables = close_period(
        con,
        parse_period("2026-10"),
        now=datetime(2026, 11, 2, 11, 0, tzinfo=UTC),
        actor="alice",
        run_id="run-1",
    )
    con.close()
    return folder, tables, render_pack(closed, tables, folder / "reports")


def test_pdf_renders_to_png_pages_with_poppler(pack):
    folder, _, files = pack
    out = folder / "pages"
    out.mkdir()
    result = subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(files.pdf), str(out / "page")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)
    for number in range(1, len(pages) + 1):  # no blank page: each has more than its footer
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(files.pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert text.replace(f"{number}/{len(pages)}", "").strip(), f"page {number} is blank"


def test_pdf_metadata_and_text_come_from_the_close(pack):
    _, _, files = pack
    info = subprocess.run(
        ["pdfinfo", "-isodates", str(files.pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "USD1 close pack 2026-10" in info
    assert "2026-11-02T11:00:00" in info  # creation date = the close, not the clock
    text = subprocess.run(
        ["pdftotext", "-layout", str(files.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("Roll-forward", "onchain_vs_ledger", "0xbbbcutoff", "Journal entries"):
        assert expected in text, expected


def test_charts_are_valid_svg_drawn_from_the_snapshot(pack):
    _, tables, _ = pack
    balance = _parse(balance_by_location_type(tables["inventory_daily"]))
    lines = balance.findall(f"{SVG}polyline")
    assert len(lines) == 2  # custodian and wallet
    assert all(len(line.get("points").split()) == 2 for line in lines)  # two days of October
    breaks = _parse(breaks_by_age([{"break_age_days": 12}, {"break_age_days": 0}]))
    labels = [t.text for t in breaks.findall(f"{SVG}text")]
    assert "8-30 days" in labels and labels.count("1") == 3  # two bars of 1, the y axis top
    empty = _parse(breaks_by_age([]))
    assert "no open breaks" in "".join(t.text for t in empty.findall(f"{SVG}text"))
