"""Issue #17: the files written at a close are the record. They are stored with their sha256
in `audit.close_pack_files`; `usd1inv report` writes those bytes back even when today's
renderer gives other bytes (and says so); the PDF's fonts are pinned files embedded whole, so
WeasyPrint's font subsetter (HarfBuzz-Subset or fontTools) does not change them; a second user
approves a close, which adds an approved PDF with the sign-off block filled in."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.config import load_config
from reporting.close.closing import close_period
from reporting.close.pack import build_pack
from reporting.close.periods import parse_period
from tests.close_warehouse import build_close_warehouse
from tests.conftest import write_config
from usd1inv.cli import app

runner = CliRunner()
PDF = "usd1-close-2026-10.pdf"
XLSX = "usd1-close-2026-10.xlsx"
APPROVED = "usd1-close-2026-10-approved.pdf"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("USD1INV_USER", "alice")
    path = write_config(tmp_path)
    build_close_warehouse(load_config(path).warehouse_path)
    return path


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _close(config: Path):
    result = _invoke("close", "--config", str(config), "--period", "2026-10", "--no-run")
    assert result.exit_code == 0, result.output
    return load_config(config).reports_dir / "close" / "2026-10"


def _recorded(config: Path) -> dict[str, str]:
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select relative_path, sha256 from audit.close_pack_files where close_id = ?",
            ["2026-10-v1"],
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_bytes_do_not_depend_on_the_font_subsetter(tmp_path, monkeypatch):
    """The same pack with HarfBuzz-Subset and with the fontTools fallback (as on a machine
    without libharfbuzz-subset0): the same bytes, and only the pinned font files embedded."""
    import weasyprint.pdf.fonts as weasyprint_fonts

    from reporting.close.pdf import write_pdf

    con = duckdb.connect(str(build_close_warehouse(tmp_path / "warehouse.duckdb")))
    closed, tables = close_period(
        con,
        parse_period("2026-10"),
        now=datetime(2026, 11, 2, 11, 0, tzinfo=UTC),
        actor="alice",
        run_id="run-1",
    )
    con.close()
    pack = build_pack(closed, tables)
    harfbuzz = write_pdf(pack, tmp_path / "harfbuzz.pdf")
    monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", None)
    fonttools = write_pdf(pack, tmp_path / "fonttools.pdf")
    assert harfbuzz.read_bytes() == fonttools.read_bytes()
    fonts = subprocess.run(
        ["pdffonts", str(harfbuzz)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    names = sorted(line.split()[0].split("+")[-1] for line in fonts)
    assert names == ["USD1-Pack-Sans", "USD1-Pack-Sans-Bold", "USD1-Pack-Sans-Italic"], fonts


def test_report_gives_the_stored_bytes_when_the_renderer_changes(config, monkeypatch):
    pack = _close(config)
    recorded = _recorded(config)
    assert {PDF, XLSX} <= set(recorded) and any(n.startswith("csv/") for n in recorded)
    assert all(_sha(pack / name) == digest for name, digest in recorded.items())
    shutil.rmtree(pack)  # the record lives in the warehouse, not in the reports folder

    import reporting.close.render as render

    real = render.write_pdf

    def other_font_backend(*args, **kwargs):  # today's renderer writes other bytes
        path = real(*args, **kwargs)
        path.write_bytes(path.read_bytes() + b"% another font subset\n")
        return path

    monkeypatch.setattr(render, "write_pdf", other_font_backend)
    result = _invoke("report", "--config", str(config), "--period", "2026-10")
    assert result.exit_code == 0, result.output
    assert {n: _sha(pack / n) for n in recorded} == recorded  # PDF and xlsx as closed
    assert f"{PDF}: today's renderer gives different bytes" in result.output
    assert "stay the record" in result.output
    assert f"{XLSX}: today's" not in result.output  # the workbook is reproduced
    monkeypatch.setattr(render, "write_pdf", real)
    same = _invoke("report", "--config", str(config), "--period", "2026-10")
    assert same.exit_code == 0 and "today's renderer gives the same bytes" in same.output


def test_approval_by_the_closer_is_refused_and_another_user_signs_off(config):
    pack = _close(config)
    closed_pdf = (pack / PDF).read_bytes()
    text = _text(pack / PDF)
    prepared, rest = text[text.index("Sign-off") :].split("Prepared by")[1].split("Reviewed by")
    assert prepared.split()[0] == "alice" and prepared.split()[3] == "UTC"
    assert rest.split()[:2] == ["Approved", "by"]  # no name yet: lines to sign
    assert "Not yet approved" in text

    own = _invoke("close", "--config", str(config), "--period", "2026-10", "--approve")
    assert own.exit_code == 1
    assert "approval refused: alice prepared (closed) 2026-10-v1" in own.output
    own_by = _invoke(
        "close", "--config", str(config), "--period", "2026-10", "--approve", "--by", "Alice"
    )
    assert own_by.exit_code == 1 and "approval refused" in own_by.output
    open_period = _invoke(
        "close", "--config", str(config), "--period", "2026-09", "--approve", "--by", "bob"
    )
    assert open_period.exit_code == 1 and "is not closed: nothing to approve" in open_period.output

    ok = _invoke(
        "close", "--config", str(config), "--period", "2026-10", "--approve", "--by", "bob"
    )
    assert ok.exit_code == 0, ok.output
    assert "Approved 2026-10-v1 by bob" in ok.output
    assert (pack / PDF).read_bytes() == closed_pdf  # the close's file stays as it was
    approved = _text(pack / APPROVED)
    signoff = approved[approved.index("Sign-off") :]
    prepared, rest = signoff.split("Prepared by")[1].split("Reviewed by")
    reviewed, approver = rest.split("Approved by")
    assert prepared.split()[0] == "alice"
    assert reviewed.split()[0] == "bob" and approver.split()[0] == "bob"
    assert approver.split()[3] == "UTC" and "Not yet approved" not in approved

    twice = _invoke(
        "close", "--config", str(config), "--period", "2026-10", "--approve", "--by", "carol"
    )
    assert twice.exit_code == 0 and "already approved by bob" in twice.output
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    events = con.execute(
        "select event, actor from audit.close_events where event = 'approve'"
    ).fetchall()
    revisions = con.execute(
        "select revision, event, relative_path, sha256 from audit.close_pack_files "
        "where relative_path like '%.pdf' order by revision"
    ).fetchall()
    con.close()
    assert events == [("approve", "bob")]
    assert [r[:3] for r in revisions] == [(1, "close", PDF), (2, "approve", APPROVED)]
    assert revisions[0][3] == hashlib.sha256(closed_pdf).hexdigest()

    (pack / APPROVED).unlink()
    report = _invoke("report", "--config", str(config), "--period", "2026-10")
    assert report.exit_code == 0, report.output
    assert _sha(pack / APPROVED) == revisions[1][3] and _sha(pack / PDF) == revisions[0][3]
    assert "today's renderer gives the same bytes" in report.output
