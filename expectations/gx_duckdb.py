"""Great Expectations 1.x on a DuckDB file: the connection fix, in one place.

GX fetches query results after its connection context has closed. duckdb-engine's cursor is
the shared DuckDB connection, so every metric then fails ("list index out of range"). GX already
keeps one persisted connection for dialects such as sqlite; registering duckdb among those
dialects makes every expectation work (see ../shared/NOTES.md). `tests/unit/test_gx_duckdb.py`
proves it: a suite on a planted fault must fail, and the clean table must pass.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.execution_engine import sqlalchemy_execution_engine as _sa_engine


class _DuckDBDialect:
    """Stands in the persisted-connection dialect list; compares equal to 'duckdb'."""

    value = "duckdb"

    def __eq__(self, other: object) -> bool:
        other_value = getattr(other, "value", other)
        if isinstance(other_value, bytes):
            other_value = other_value.decode()
        return isinstance(other_value, str) and other_value.lower() == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def register_duckdb_persisted_connection() -> None:
    """Make GX keep one connection for duckdb, as it does for sqlite. Idempotent."""
    dialects = _sa_engine._PERSISTED_CONNECTION_DIALECTS
    if not any(isinstance(d, _DuckDBDialect) for d in dialects):
        _sa_engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DuckDBDialect())


@contextmanager
def gx_duckdb_datasource(
    warehouse: str | Path, name: str = "warehouse", project_config=None
) -> Iterator:
    """An ephemeral GX context with a read-only SQL datasource on the DuckDB file.

    `project_config` (a GX DataContextConfig) places the context's stores and Data Docs site
    (expectations/data_docs.py); without it everything stays in memory. The persisted
    connection holds the file open; it is closed on exit so that writers (ingestion, dbt) can
    open the warehouse again.
    """
    register_duckdb_persisted_connection()
    if project_config is None:  # everything in memory, no temporary docs folder
        project_config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
        )
    context = gx.get_context(mode="ephemeral", project_config=project_config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_sql(
        name=name,
        connection_string=f"duckdb:///{Path(warehouse).resolve()}",
        kwargs={"connect_args": {"read_only": True}},
    )
    try:
        yield context, datasource
    finally:
        _close(datasource)


def _close(datasource) -> None:
    """Close every connection GX opened on the file (execution engine and datasource engine)."""
    execution_engine = datasource.get_execution_engine()
    connection = getattr(execution_engine, "_connection", None)
    if connection is not None:
        connection.close()
        execution_engine._connection = None
    execution_engine.engine.dispose()
    datasource.get_engine().dispose()
    gc.collect()  # DuckDB releases the file when the last Python reference goes
