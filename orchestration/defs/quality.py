"""Great Expectations suites as Dagster asset checks.

One check per suite, on the asset whose table it validates: the raw tables (on-chain, files,
registry) and the marts. Integrity suites are ERROR and block downstream assets; suites that
report breaks, stale sources or limits are WARN and show their counts. GX 1.x is called directly
(dagster-ge needs GX < 1.0). Each run of a check:
- writes every offending row to `audit.expectation_failures` (expectations/failures.py) and the
  suite's status to `audit.expectation_runs` (expectations/suite_runs.py);
- stores its validation result and rebuilds the run's offline Data Docs in
  `<reports_dir>/data_docs/<run_id>/` (expectations/data_docs.py).
A suite whose mart or column does not exist yet yields no result: Dagster shows the check as
skipped, and the reason is logged and recorded.

Where a suite runs follows `warehouse.engine` (expectations/engines.py): with `duckdb` every
suite reads the warehouse file; with `spark` the mart suites validate the Spark marts' Parquet
through GX's Spark datasource, in a Spark session of this process (`warehouse.spark_master`),
and the raw-table suites (and `source_freshness`, which reads raw and audit tables) read the
warehouse file. The audit rows, the check's metadata and the Data Docs are the same either way;
the metadata's `engine` says which one validated.
"""

import json

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from expectations import data_docs
from expectations.engines import run_suite_for
from expectations.failures import record_failures
from expectations.runner import SuiteOutcome, SuiteSpec
from expectations.suite_runs import record_suite_run
from expectations.suites import (
    counterparties,
    fair_value,
    freezes,
    inventory_daily,
    inventory_rollforward,
    pending_share,
    raw_files,
    raw_onchain,
    raw_registry,
    reconciliation,
    risk,
    source_freshness,
)
from ingestion.config import Config
from orchestration.defs.resources import InventoryConfig, Warehouse


def suites(config: Config | None = None) -> list[SuiteSpec]:
    """Every suite; with a configuration, the thresholds come from it."""
    prices = fair_value.SUITE
    freshness, timezone, bound = None, "UTC", pending_share.DEFAULT_BOUND
    if config is not None:
        prices = fair_value.suite(config.valuation.depeg_band_bps)
        freshness, timezone = config.quality.freshness, config.reporting_timezone
        bound = config.quality.pending_share_max
    return [
        *raw_onchain.SUITES,
        *raw_files.SUITES,
        raw_registry.SUITE,
        inventory_daily.SUITE,
        inventory_rollforward.SUITE,
        prices,
        *reconciliation.SUITES,
        *risk.SUITES,
        *counterparties.SUITES,
        *freezes.SUITES,
        source_freshness.suite(freshness, timezone),
        pending_share.onchain_suite(bound),
        pending_share.health_suite(bound),
    ]


SUITES: list[SuiteSpec] = suites()


def _metadata(outcome: SuiteOutcome, recorded: int, index) -> dict:
    failed_rows = sum(o.unexpected_count or 0 for o in outcome.failed)
    metadata = {
        "expectations": len(outcome.outcomes),
        "failed": len(outcome.failed),
        "failed_rows": failed_rows,
        "recorded_in": f"audit.expectation_failures ({recorded} rows)",
        "engine": outcome.engine,  # duckdb: the warehouse file; spark: the Spark marts
        # plain text: the sample rows are cell values from files, never rendered as Markdown
        "failures": MetadataValue.text(
            "\n".join(
                f"- {o.description}: {o.unexpected_count} unexpected;"
                f" e.g. {json.dumps(o.rows[:3]) if o.rows else o.sample[:3]}"
                for o in outcome.failed
            )
            or "none"
        ),
    }
    if index.exists():
        metadata["data_docs"] = MetadataValue.url(index.resolve().as_uri())
    return metadata


def _check_for(spec: SuiteSpec):
    asset = AssetKey([spec.schema, spec.table])

    @multi_asset_check(
        specs=[
            AssetCheckSpec(
                name=spec.name,
                asset=asset,
                blocking=spec.blocking,
                description=f"Great Expectations suite `{spec.name}` on {spec.target}"
                + ("" if spec.blocking else " (warns)"),
            )
        ],
        name=f"gx_{spec.name}",
        can_subset=True,  # a skipped suite yields no result
    )
    def _check(
        context: AssetCheckExecutionContext,
        warehouse: Warehouse,
        inventory_config: InventoryConfig,
    ):
        run_id = context.run.run_id
        docs_dir = data_docs.docs_dir_for(inventory_config.config.reports_dir, run_id)
        outcome = run_suite_for(
            inventory_config.config, warehouse.path, spec, run_name=run_id, docs_dir=docs_dir
        )
        index = data_docs.index_path(docs_dir)
        with warehouse.connect() as con:  # GX has closed its connection by now
            recorded = record_failures(con, spec, outcome, run_id)
            record_suite_run(con, spec, outcome, run_id, index if index.exists() else None)
        if outcome.skipped:
            context.log.warning(f"suite {spec.name} skipped: {outcome.skipped}")
            return
        yield AssetCheckResult(
            asset_key=asset,
            check_name=spec.name,
            passed=outcome.success,
            severity=AssetCheckSeverity.ERROR if spec.blocking else AssetCheckSeverity.WARN,
            metadata=_metadata(outcome, recorded, index),
        )

    return _check


def _defined(spec: SuiteSpec, asset_keys: set[AssetKey] | None) -> bool:
    return asset_keys is None or AssetKey([spec.schema, spec.table]) in asset_keys


def build_checks(config: Config | None = None, asset_keys: set[AssetKey] | None = None) -> list:
    """One check per suite whose asset is defined (all suites when `asset_keys` is None)."""
    if asset_keys is None:
        asset_keys = defined_asset_keys()
    return [_check_for(spec) for spec in suites(config) if _defined(spec, asset_keys)]


def defined_asset_keys() -> set[AssetKey]:
    """The raw assets and the dbt models of the project: a check can only target these."""
    from orchestration.defs.transform import dbt_project

    manifest = json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))
    keys = {
        AssetKey([node["schema"], node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    return keys | {AssetKey(["raw", spec.table]) for spec in SUITES if spec.schema == "raw"}
