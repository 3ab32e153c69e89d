"""`warehouse:` in the configuration: which engine builds the marts (README "When one machine
is not enough").

    warehouse:
      engine: spark            # duckdb (default) | spark
      spark_master: local[2]   # a Spark master URL; local[*] = every core of this machine
      raw_root: s3a://bucket/usd1inv/raw   # where Spark reads the raw Parquet (default: a folder
                                           # under the data folder, written by the pipeline)

With `duckdb` nothing changes. With `spark`, ingestion still loads into the DuckDB file (its
audit, idempotency and reorg handling live there); after the loads the raw and audit tables
are exported as partitioned Parquet (ingestion/raw_parquet.py) and dbt builds on the `spark`
target (dbt_project/profiles.yml); the published snapshot reads the Spark marts' Parquet.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WarehouseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb", description="the engine dbt builds the models on"
    )
    spark_master: str = Field(
        default="local[*]", description="Spark master URL for the `session` method"
    )
    raw_root: str | None = Field(
        default=None,
        description="folder or object-store URI of the raw Parquet Spark reads; "
        "default <data_dir>/spark/raw",
    )

    @field_validator("spark_master")
    @classmethod
    def _master(cls, value: str) -> str:
        if not re.match(r"^(local(\[(\*|\d+)\])?|(spark|yarn|k8s)[A-Za-z0-9:/._\[\]-]*)$", value):
            raise ValueError(
                f"expected a Spark master URL such as 'local[*]', 'local[2]' or "
                f"'spark://host:7077', got {value!r}"
            )
        return value
