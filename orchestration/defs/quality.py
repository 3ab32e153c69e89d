"""Great Expectations suites as Dagster asset checks.

Integrity suites block: a failure stops downstream assets. GX 1.x is called directly
(dagster-ge needs GX < 1.0). Every failed expectation is also written to
`audit.expectation_failures` (expectations/failures.py).
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from expectations.failures import record_failures
from expectations.runner import SuiteSpec, run_suite
from expectations.suites import fair_value, inventory_daily, inventory_rollforward
from ingestion.config import Config
from orchestration.defs.resources import Warehouse

SUITES: list[SuiteSpec] = [inventory_daily.SUITE, inventory_rollforward.SUITE, fair_value.SUITE]


def _check_for(spec: SuiteSpec):
    @asset_check(
        asset=AssetKey([spec.schema, spec.table]),
        name=spec.name,
        blocking=spec.blocking,
        description=f"Great Expectations suite `{spec.name}` on {spec.schema}.{spec.table}",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        outcome = run_suite(warehouse.path, spec)
        with warehouse.connect() as con:  # GX has closed its connection by now
            recorded = record_failures(con, spec, outcome, context.run.run_id)
        return AssetCheckResult(
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR if spec.blocking else AssetCheckSeverity.WARN,
            metadata={
                "expectations": len(outcome.outcomes),
                "failed": len(outcome.failed),
                "recorded_in": f"audit.expectation_failures ({recorded} rows)",
                "failures": MetadataValue.md(
                    "\n".join(
                        f"- **{o.description}**: {o.unexpected_count} unexpected;"
                        f" e.g. {o.sample[:3]}"
                        for o in outcome.failed
                    )
                    or "none"
                ),
            },
        )

    return _check


def build_checks(config: Config | None = None) -> list:
    """One check per suite; with a configuration, the fair_value suite uses its depeg band."""
    specs = SUITES
    if config is not None:
        band = fair_value.suite(config.valuation.depeg_band_bps)
        specs = [band if spec.name == band.name else spec for spec in SUITES]
    return [_check_for(spec) for spec in specs]
