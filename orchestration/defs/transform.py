"""The dbt project as Dagster assets: `dbt build` runs models and their data tests together.

The build runs inside the Dagster step's process (dbt_inprocess.py: dbt's programmatic API,
dagster-dbt's selection and events), not as a `dbt` subprocess; the dbt resource gives the
project, profiles and flags, and the dbt warehouse connections are closed after the build.

A translator maps each dbt source to the ingestion asset that loads it, so Dagster shows one
graph from RPC to mart, and names each model by its schema (`marts/inventory_daily`).
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ingestion.config import Config
from ingestion.raw_parquet import export_raw_parquet
from ingestion.spark_target import prepare_dbt_spark, spark_environment
from orchestration.defs.dbt_inprocess import dbt_cli_in_process
from orchestration.defs.resources import Warehouse
from reporting.spark_marts import mirror_spark_marts

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


class InventoryDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # a source is the raw table an ingestion asset writes: raw/<table>
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            return AssetKey([dbt_resource_props["schema"], table])
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"


def dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    _prepare_if_stale(project)
    return project


def dbt_executable() -> str:
    """The dbt of this environment (next to the running Python), else the one on PATH."""
    executable = Path(sys.executable).with_name("dbt")
    return str(executable) if executable.exists() else (shutil.which("dbt") or "dbt")


def _prepare_if_stale(project: DbtProject) -> None:
    """Parse the project into target/manifest.json when it is missing or older than a source."""
    manifest = project.manifest_path
    sources = [
        p
        for folder in ("models", "macros", "tests", "seeds")
        for p in (DBT_PROJECT_DIR / folder).rglob("*")
        if p.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml"]
    newest = max(p.stat().st_mtime for p in sources)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # parsing opens no database, but the profile must render
        "USD1INV_WAREHOUSE": os.environ.get("USD1INV_WAREHOUSE") or ":memory:",
    }
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")


def dbt_vars(config: Config) -> dict[str, str]:
    variables = {
        "reporting_timezone": config.reporting_timezone,
        "start_date": config.start_date.isoformat(),
    }
    if config.warehouse.engine == "spark":
        variables["raw_root"] = config.raw_parquet_root
    return variables


# dbt unit tests are for developers (`make test` runs them); a user's build never runs them: a
# fixture that depends on a var (the reporting time zone) would fail a correct build
EXCLUDE_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def dbt_build_args(variables: str, engine: str = "duckdb") -> list[str]:
    """The arguments of the product's `dbt build`: models and data tests, no unit tests, on the
    profile target of the configured engine (dbt_project/profiles.yml)."""
    target = ["--target", "spark"] if engine == "spark" else []
    return ["build", *target, *EXCLUDE_UNIT_TESTS, "--vars", variables]


def prepare_spark_build(config: Config, warehouse: Warehouse) -> None:
    """Engine spark: the raw tables as Parquet for the Spark sources, the profile's environment,
    ANSI mode kept on and the models' Python functions registered (ingestion/spark_target.py)."""
    with warehouse.connect() as con:  # the step's own connection settings (one writer)
        export_raw_parquet(con, config.spark_dir / "raw", config.reporting_timezone)
    os.environ.update(spark_environment(config.warehouse.spark_master, config.spark_dir))
    prepare_dbt_spark()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())


def build_dbt_assets(config: Config) -> list:
    project = dbt_project()
    variables = json.dumps(dbt_vars(config))

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=InventoryDbtTranslator(),
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
        os.environ["USD1INV_WAREHOUSE"] = warehouse.path  # read by dbt_project/profiles.yml
        if config.warehouse.engine == "spark":
            prepare_spark_build(config, warehouse)
        # in this process (no `dbt` subprocess start-up); the same selection and events
        args = dbt_build_args(variables, config.warehouse.engine)
        yield from dbt_cli_in_process(dbt, args, context=context)
        if config.warehouse.engine == "spark":
            # publish (snapshot, dashboard, BI Parquet), close and CLI read the warehouse file:
            # mirror the marts (the mart checks read Spark's marts themselves: quality.py)
            with warehouse.connect() as con:
                mirror_spark_marts(con, config.spark_marts_dir)

    return [dbt_models]
