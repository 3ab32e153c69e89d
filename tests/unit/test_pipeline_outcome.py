"""A run fails on a failed step or a failed blocking (ERROR) check, not on a warning."""

from __future__ import annotations

from datetime import date

from ingestion.config import load_config
from orchestration.pipeline import JobOutcome, PipelineOutcome
from tests.conftest import DEMO_CONFIG


def _outcome(job: JobOutcome) -> PipelineOutcome:
    return PipelineOutcome(load_config(DEMO_CONFIG), date(2026, 8, 1), date(2026, 8, 2), [job])


def test_warning_checks_do_not_fail_the_run():
    job = JobOutcome("build_marts", "r1", True, checks={"a:ok": True, "a:break": False},
                     warning_checks={"a:break"})  # fmt: skip
    outcome = _outcome(job)
    assert outcome.success
    assert job.warnings == ["a:break"] and job.failed_checks == []


def test_error_checks_and_steps_fail_the_run():
    job = JobOutcome("build_marts", "r1", True, checks={"a:integrity": False})
    assert not _outcome(job).success
    assert "check a:integrity failed" in _outcome(job).failure_summary
    step = JobOutcome("ingest", "r2", False, failed_steps=["s"], errors=["boom"])
    assert not _outcome(step).success
    assert "step s failed: boom" in _outcome(step).failure_summary
