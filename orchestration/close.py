"""The period-end close for data engineers: the `close_period` job and the `monthly_close`
schedule (the same close `usd1inv close --no-run` does, on the data of the last green build,
which the hourly schedules keep current).

The job first records late data of earlier closed periods as adjustments of the first open
one, then closes the period (by default the last full month in the reporting time zone) and
writes its pack. A period that is already closed is left as it is: the schedule can run twice.
"""

from datetime import datetime, timedelta

import dagster as dg

from orchestration.defs.resources import InventoryConfig, Warehouse
from orchestration.run_audit import run_actor
from reporting.close.closing import Check
from reporting.close.periods import last_full_month, parse_period


class ClosePeriodConfig(dg.Config):
    period: str = ""  # '2026-10' or '2026-Q4'; empty: the last full month


def _last_full_month(now: datetime, tz) -> str:
    return last_full_month(now.astimezone(tz).date() - timedelta(days=1)).name


@dg.op(description="Snapshot the period's marts into audit, write its pack.")
def close_period_op(
    context: dg.OpExecutionContext,
    config: ClosePeriodConfig,
    inventory_config: InventoryConfig,
    warehouse: Warehouse,
) -> dg.Output[str]:
    import duckdb

    from reporting.close.closing import (
        checks_from_failures,
        current_close,
        open_prior_period,
        prior_open_message,
    )
    from reporting.close.render import close_and_render, detect_adjustments
    from reporting.publish import read_snapshot_info

    cfg = inventory_config.config
    name = config.period or _last_full_month(datetime.now(cfg.tz), cfg.tz)
    period = parse_period(name)
    adjustments = detect_adjustments(warehouse.path)
    con = duckdb.connect(warehouse.path, read_only=True)
    try:
        existing = current_close(con, period)
        prior = open_prior_period(con, period)
        info = read_snapshot_info(cfg.data_dir)
        checks = checks_from_failures(con, info["run_id"] if info else None)
    finally:
        con.close()
    if existing is not None:
        context.log.info("%s is already closed (%s): nothing to do", period.name, existing.close_id)
        return dg.Output(existing.close_id, metadata={"status": "already closed"})
    if prior is not None:  # the close records it in audit.close_events too
        context.log.warning(prior_open_message(prior, period))
    closed, files = close_and_render(
        warehouse.path,
        cfg.reports_dir,
        period,
        run_id=context.run_id,
        checks=checks,
        reporting_timezone=cfg.reporting_timezone,
        actor=run_actor(context.run.tags),
    )
    return dg.Output(
        closed.close_id,
        metadata={
            "period": period.name,
            "content_hash": closed.content_hash,
            "workbook": str(files.workbook),
            "pdf": str(files.pdf),
            "open_adjustments": adjustments,
        },
    )


@dg.job(description="Close a period (config `period`, default the last full month).")
def close_period_job() -> None:
    close_period_op()


def build_close_schedule(config) -> dg.ScheduleDefinition:
    """On the 2nd of each month at 06:00 local time: close the month before."""

    @dg.schedule(
        name="monthly_close",
        job=close_period_job,
        cron_schedule="0 6 2 * *",
        execution_timezone=config.reporting_timezone,
    )
    def monthly_close(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        period = _last_full_month(context.scheduled_execution_time, config.tz)
        return dg.RunRequest(
            run_key=f"close-{period}",
            run_config={"ops": {"close_period_op": {"config": {"period": period}}}},
            tags={"usd1inv/period": period},
        )

    return monthly_close


def checks_from_outcome(outcome) -> tuple[str | None, list[Check]]:
    """The build run's id and every check of a pipeline run (orchestration.pipeline), as the
    check status a close pack shows."""
    build = next((j for j in outcome.jobs if j.job == "build_marts"), None)
    checks = [
        Check(
            name,
            "warn" if name in job.warning_checks else "error",
            "passed" if ok else "failed",
            f"{job.job} run {job.run_id}",
        )
        for job in outcome.jobs
        for name, ok in job.checks.items()
    ]
    return (build.run_id if build else None), checks
