"""Dagster metadata shows file names and cell values as plain text, never as Markdown: a file
name or a cell like `[x](http://evil)` or `![](http://tracker)` is shown as it is."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from dagster import TextMetadataValue

from expectations.runner import ExpectationOutcome, SuiteOutcome
from orchestration.defs.landing import files_metadata
from orchestration.defs.quality import _metadata

HOSTILE = "![](http://tracker.example/x.png) [click](javascript:alert(1)) **bold**.csv"


def test_file_names_are_plain_text():
    outcome = SimpleNamespace(status="loaded", summary=lambda: f"{HOSTILE}: loaded 3 rows")
    seen = SimpleNamespace(status="seen", summary=lambda: "old.csv")
    value = files_metadata([outcome, seen])
    assert isinstance(value, TextMetadataValue)
    assert value.text == f"- {HOSTILE}: loaded 3 rows"
    assert files_metadata([]).text == "no new files"


def test_check_failures_are_plain_text(tmp_path: Path):
    failed = ExpectationOutcome(
        "expect_column_values_to_not_be_null",
        "amount is set",
        False,
        unexpected_count=1,
        rows=[{"file": HOSTILE, "amount": "=1+2"}],
    )
    outcome = SuiteOutcome("raw_files", "custodian_movements", False, [failed])
    metadata = _metadata(outcome, 1, tmp_path / "missing" / "index.html")
    value = metadata["failures"]
    assert isinstance(value, TextMetadataValue)
    assert HOSTILE.replace('"', '\\"') in value.text
    assert "**amount is set**" not in value.text
