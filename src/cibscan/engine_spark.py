"""Apache Spark as a second engine for the linker's relational steps (``cibscan[spark]``).

The steps in ``link_steps`` are written once, in DuckDB's dialect; here sqlglot turns each
into Spark SQL and Spark runs it, so a cluster runs the same logic without a rewrite.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError
from .link_steps import Runner


def spark_sql(sql: str) -> str:
    """The Spark SQL text of one step."""
    try:
        import sqlglot
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ConfigError("the Spark engine needs: pip install 'cibscan[spark]'") from exc
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def spark_runner(spark: Any) -> Runner:
    """A runner for ``link_steps``: each step becomes a temporary view of a materialised
    table. The step is checkpointed (computed now, as the DuckDB runner does, and cut
    from the plans of earlier steps: a cached view keeps its whole lineage, and a step
    that replaced a table it read was planned over every earlier step and ran the
    driver out of heap)."""

    # A UNION ALL of checkpointed steps (``link_steps.pair_count_steps``) fails in Spark's
    # constraint propagation ("key not found: behaviour#..."), which no step needs.
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")

    def run(name: str, sql: str) -> None:
        spark.sql(spark_sql(sql)).localCheckpoint(eager=True).createOrReplaceTempView(name)

    return run
