"""What the dbt `spark` target needs from the product, without Dagster.

- `keep_ansi_mode()`: dbt-spark 1.11 forces `spark.sql.ansi.enabled=false` into every session it
  opens (and re-applies it before each statement). Off, Spark turns an overflowing DECIMAL into
  NULL instead of failing; the profile asks for `true`, and this restores what the profile says.
  Call it once in a process before dbt runs on Spark (the orchestration and the tests do);
  `python -m ingestion.spark_target <dbt args>` is the dbt command line with it applied.
- `spark_environment(config)`: the environment variables dbt_project/profiles.yml reads.
"""

from __future__ import annotations

import sys
from pathlib import Path

ANSI_KEY = "spark.sql.ansi.enabled"


def keep_ansi_mode() -> None:
    """Make dbt-spark keep the profile's spark.sql.ansi.enabled (idempotent)."""
    from dbt.adapters.spark.connections import SparkCredentials

    if getattr(SparkCredentials, "_usd1inv_keeps_ansi", False):
        return
    original = SparkCredentials.__post_init__

    def post_init_keeping_ansi(self) -> None:
        wanted = dict(self.server_side_parameters or {}).get(ANSI_KEY)
        original(self)
        if wanted is not None:
            self.server_side_parameters[ANSI_KEY] = str(wanted).lower()

    SparkCredentials.__post_init__ = post_init_keeping_ansi
    SparkCredentials._usd1inv_keeps_ansi = True


def spark_environment(master: str, spark_dir: Path) -> dict[str, str]:
    """USD1INV_SPARK_MASTER and USD1INV_SPARK_DIR for profiles.yml's spark target."""
    return {"USD1INV_SPARK_MASTER": master, "USD1INV_SPARK_DIR": str(spark_dir)}


def main(argv: list[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    keep_ansi_mode()
    result = dbtRunner().invoke(list(sys.argv[1:] if argv is None else argv))
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
