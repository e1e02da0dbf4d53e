"""Apache Spark as a second engine for the relational steps (``cibscan[spark]``).

The steps in ``link_steps`` and ``expand`` are written once, in DuckDB's dialect; here
sqlglot turns each into Spark SQL and Spark runs it, so a cluster runs the same logic
without a rewrite.

Two runners:

- ``spark_runner``: every table lives in Spark; the conformance suite
  (``tests/test_engines.py``) runs the steps this way and compares the tables.
- ``SparkEngine.runner``, what ``cibscan detect --engine spark`` uses: each step runs on
  Spark, and its table is also copied back into the run's DuckDB schema, because the
  stages between the steps (the chance model's p-values, clustering, the traits and the
  findings) still read their inputs from that connection; the intermediate tables that
  only later steps read (``stays_on_engine``: the traces, the pairable and paired
  traces and the pair work's parts, the evidence's episodes, the campaigns' episodes
  and the group-level test's hits and rates) stay on Spark; where the driver needs a
  count of them, that count is a step of its own. The tables a step
  reads are sent to Spark before it runs, unless Spark already holds the same rows (a
  count and a hash of every row say so). This runs every step of the linker, of the
  group-level test and of the evidence on Spark with the findings DuckDB gives, but the
  copies back bound it to what one machine holds: the path to a cluster is to fetch
  only small results (the link graph, per-campaign figures) instead.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from .engine import fetch_row, quote_ident, store_table
from .errors import ConfigError
from .expand import INTERMEDIATE_TABLES as EXPAND_INTERMEDIATE
from .link_steps import Runner, intermediate
from .reach import REACH_INTERMEDIATE

_HINT = "pip install 'cibscan[spark]'"
_INSTALL = f"the Spark engine needs: {_HINT}"


def spark_sql(sql: str) -> str:
    """The Spark SQL text of one step."""
    try:
        import sqlglot
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ConfigError(_INSTALL) from exc
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def tables_read(sql: str) -> list[str]:
    """The names of the tables a step reads (its common table expressions excepted), in
    alphabetical order."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ConfigError(_INSTALL) from exc
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table)} - ctes)


def _prepare(spark: Any) -> None:
    # A UNION ALL of checkpointed steps (``link_steps.pair_count_steps``) fails in Spark's
    # constraint propagation ("key not found: behaviour#..."), which no step needs.
    spark.conf.set("spark.sql.constraintPropagation.enabled", "false")


def _materialise(spark: Any, name: str, sql: str) -> Any:
    """Run one step and keep its result as temporary view ``name``. The step is
    checkpointed (computed now, as the DuckDB runner does, and cut from the plans of
    earlier steps: a cached view keeps its whole lineage, and a step that replaced a
    table it read was planned over every earlier step and ran the driver out of heap)."""
    frame = spark.sql(spark_sql(sql)).localCheckpoint(eager=True)
    frame.createOrReplaceTempView(name)
    return frame


def spark_runner(spark: Any) -> Runner:
    """A runner for ``link_steps``: each step becomes a temporary view of a materialised
    table in ``spark``, where every table it reads must already be."""
    _prepare(spark)

    def run(name: str, sql: str) -> None:
        _materialise(spark, name, sql)

    return run


@dataclass
class SparkTimes:
    """Where a Spark run's seconds went: the steps on Spark, and the copies each way."""

    steps: int = 0
    spark_s: float = 0.0
    to_spark_s: float = 0.0
    from_spark_s: float = 0.0
    rows_to_spark: int = 0
    rows_from_spark: int = 0


class SparkEngine:
    """A Spark session that runs ``detect``'s relational steps (``cibscan.detect(data,
    engine=SparkEngine(...))`` or ``engine="spark"``; ``cibscan detect --engine spark``).

    ``spark``: a SparkSession to use (a cluster's), or None for one made here with
    ``master`` (default ``local[*]``) and ``conf`` (Spark properties, ``k -> v``). Each
    run gets a session of its own (``newSession``: its own temporary views, the same
    cluster), so two runs never see each other's tables."""

    def __init__(
        self,
        spark: Any | None = None,
        *,
        master: str | None = None,
        conf: Mapping[str, str] | None = None,
    ) -> None:
        if spark is None:
            require()  # a missing extra or Java fails now, before any file is read
        self._spark = spark
        self.master = master or "local[*]"
        self.conf = dict(conf or {})
        self.times = SparkTimes()

    @property
    def spark(self) -> Any:
        """The session, started on first use."""
        if self._spark is None:
            self._spark = start_session(self.master, self.conf)
        return self._spark

    def runner(self, con: duckdb.DuckDBPyConnection) -> tuple[Runner, Any]:
        """(A runner for ``con``'s run whose steps run on Spark and whose tables are also
        copied into ``con``, the run's Spark session, to close with ``close``)."""
        session = self.spark.newSession()
        _prepare(session)
        sent: dict[str, tuple[Any, ...] | None] = {}
        kept: set[str] = set()  # tables on Spark only: no code on the driver reads them
        times = self.times = SparkTimes()  # the latest run's (``usage``)

        def run(name: str, sql: str) -> None:
            with warnings.catch_warnings():
                # pyspark checks the installed pandas version though Arrow carries the rows
                warnings.filterwarnings(
                    "ignore", "PySpark does not yet fully support pandas", FutureWarning
                )
                step(name, sql)

        def step(name: str, sql: str) -> None:
            t0 = time.perf_counter()
            for table in tables_read(sql):
                if table in kept:
                    continue
                mark = _mark(con, table)
                if sent.get(table) != mark:  # new, or changed in DuckDB since it was sent
                    arrow = con.sql(f"SELECT * FROM {quote_ident(table)}").to_arrow_table()
                    frame = session.createDataFrame(arrow, _spark_schema(arrow.schema))
                    frame.localCheckpoint(eager=True).createOrReplaceTempView(table)
                    sent[table] = mark
                    times.rows_to_spark += arrow.num_rows
            t1 = time.perf_counter()
            frame = _materialise(session, name, sql)
            t2 = time.perf_counter()
            if stays_on_engine(name):
                kept.add(name)
            else:
                table = frame.toArrow()
                store_table(con, name, table)
                sent[name] = _mark(con, name)
                times.rows_from_spark += table.num_rows
            t3 = time.perf_counter()
            times.steps += 1
            times.to_spark_s += t1 - t0
            times.spark_s += t2 - t1
            times.from_spark_s += t3 - t2

        return run, session

    def usage(self) -> dict[str, Any]:
        """What the latest run's steps cost: on Spark, and the copies each way."""
        t = self.times
        return {
            "name": "spark",
            # the session's own word (a session given may be a cluster's, or Connect's)
            "master": str(self.spark.conf.get("spark.master", self.master)),
            "steps": t.steps,
            "step_seconds": round(t.spark_s + t.to_spark_s + t.from_spark_s, 3),
            "spark_seconds": round(t.spark_s, 3),
            "copy_to_spark_seconds": round(t.to_spark_s, 3),
            "copy_from_spark_seconds": round(t.from_spark_s, 3),
            "rows_to_spark": t.rows_to_spark,
            "rows_from_spark": t.rows_from_spark,
        }

    def close(self, session: Any) -> None:
        """Drop a run's temporary views (its data goes with them)."""
        for view in session.catalog.listTables():
            if view.isTemporary:
                session.catalog.dropTempView(view.name)

    def stop(self) -> None:
        """Stop the session made here (a session given to the engine is the caller's)."""
        if self._spark is not None:
            self._spark.stop()
            self._spark = None


def stays_on_engine(name: str) -> bool:
    """Whether step table ``name`` is one that only later steps read (the linker's, the
    group-level test's and the evidence's intermediate tables), kept on Spark and never
    copied back to the driver."""
    return intermediate(name) or name in EXPAND_INTERMEDIATE or name in REACH_INTERMEDIATE


def _mark(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Any, ...] | None:
    """The rows of ``table`` in ``con``, told apart: their count and the sum of their
    hashes."""
    return fetch_row(con, f"SELECT count(*), sum(hash(t)) FROM {quote_ident(table)} t")


def _spark_schema(schema: Any) -> Any:
    """The Spark schema of an Arrow schema: given with the rows, so that an empty table
    has its columns' types too, and no type is inferred."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def require() -> None:
    """A clear error when pyspark, sqlglot, a recent enough pyarrow or a Java runtime is
    missing."""
    try:
        import pyarrow
        import sqlglot  # noqa: F401
        from pyspark.sql import DataFrame
    except ImportError:
        raise ConfigError(_INSTALL) from None
    if not hasattr(DataFrame, "toArrow"):  # pragma: no cover - pyspark before 4.0
        raise ConfigError(f"the Spark engine needs pyspark 4.0 or newer: {_HINT}")
    major = int(str(pyarrow.__version__).split(".")[0])
    if major < 18:  # pyspark 4 moves the tables through Arrow and refuses older pyarrow
        raise ConfigError(
            f"the Spark engine needs pyarrow 18 or newer (this is {pyarrow.__version__}): " + _HINT
        )
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        raise ConfigError("the Spark engine needs a Java runtime (java on PATH, or JAVA_HOME)")


def start_session(master: str, conf: Mapping[str, str]) -> Any:
    """A Spark session for ``master`` with the properties ``conf``."""
    require()
    from pyspark.sql import SparkSession

    if master.startswith("local"):
        # a laptop's Spark talks to itself only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # cibscan draws its own progress
        "spark.sql.session.timeZone": "UTC",
        # a local run's shuffles are a handful of partitions, not Spark's 200
        "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 1)),
        "spark.driver.memory": "4g",
        **({"spark.driver.bindAddress": "127.0.0.1"} if master.startswith("local") else {}),
        **conf,
    }
    builder = SparkSession.builder.master(master).appName(f"cibscan-{uuid.uuid4().hex[:8]}")
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
