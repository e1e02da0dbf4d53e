"""The embedded relational engine: one DuckDB connection per dataset, UTC, bounded memory.

Relational steps are written as plain SQL over named tables (see ``link.py``) so that the
same text can be handed to another engine; this module only opens and configures DuckDB.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class EngineSettings:
    """How much of the machine the engine may use. ``None`` means DuckDB's own default."""

    threads: int | None = None
    memory_limit: str | None = None  # e.g. "6GB"; default: a quarter of RAM; spills beyond
    #: where the private spill folder of each connection is made (default: the system's
    #: temporary folder)
    temp_directory: str | None = None


def connect(settings: EngineSettings | None = None) -> duckdb.DuckDBPyConnection:
    """Return a fresh in-process DuckDB connection set to UTC and ready to spill to disk."""
    settings = settings or EngineSettings()
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    # Row numbers in error messages rely on rows arriving in file order.
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    limit = settings.memory_limit or default_memory_limit()
    try:
        con.execute("SET memory_limit = $m", {"m": limit})
    except duckdb.Error:
        from .errors import ConfigError

        raise ConfigError(
            f"--memory-limit {limit!r} is not an amount of memory such as 6GB or 500MB"
        ) from None
    con.execute("SET temp_directory = $t", {"t": spill_folder(con, settings.temp_directory)})
    return con


def spill_folder(con: duckdb.DuckDBPyConnection, parent: str | None) -> str:
    """A new folder only this user can read (mode 0700, a fresh name, never one another
    user made), for ``con``'s spill files; removed with the connection."""
    from .errors import ConfigError

    try:
        path = tempfile.mkdtemp(prefix="cibscan-spill-", dir=parent)
    except OSError as exc:
        raise ConfigError(
            f"--spill-dir {parent}: cannot make a folder there ({exc.strerror})"
        ) from None
    weakref.finalize(con, shutil.rmtree, path, ignore_errors=True)
    return path


def default_memory_limit() -> str:
    """A quarter of physical memory: DuckDB's own default (80%) leaves too little for the
    rest of the process on a laptop; beyond the limit DuckDB spills to disk."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return "4GB"
    return f"{max(1, total // 4 // (1 << 20))}MB"


@contextmanager
def run_scope(con: duckdb.DuckDBPyConnection) -> Iterator[str]:
    """A schema of the run's own, where every table the run creates goes, while the
    tables it reads (``posts``, ``accounts``) are still found by name; dropped with
    everything in it on leaving, however the run ends, and the connection's own schema
    settings given back. Yields the schema's name.

    Runs do not communicate through tables left on the connection: two runs on one
    dataset see only their own intermediate tables, and a failed run leaves none behind.
    (Temporary tables live in DuckDB's own temporary schema; the steps that make them
    drop them.)
    """
    name = f"cibscan_run_{uuid.uuid4().hex[:16]}"  # ours, never from data
    schema = fetch_row(con, "SELECT current_setting('schema'), current_setting('search_path')")
    old_schema, old_path = (str(v or "") for v in (schema or ("", "")))
    con.execute(f"CREATE SCHEMA {quote_ident(name)}")
    try:
        con.execute("SET schema = $s", {"s": name})
        con.execute("SET search_path = $p", {"p": ",".join([name, old_path or "main"])})
        yield name
    finally:
        for setting, value in (("schema", old_schema), ("search_path", old_path)):
            if value:
                con.execute(f"SET {setting} = $v", {"v": value})
            else:
                con.execute(f"RESET {setting}")
        con.execute(f"DROP SCHEMA IF EXISTS {quote_ident(name)} CASCADE")


def quote_ident(name: str) -> str:
    """Quote a column or table name for SQL; names come from file headers, so never trust them."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view of this name exists in the connection."""
    return (
        fetch_int(
            con, "SELECT count(*) FROM information_schema.tables WHERE table_name = $n", {"n": name}
        )
        > 0
    )


def fetch_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
) -> tuple[Any, ...] | None:
    """First row of a query, with the result fully consumed (DuckDB 2 refuses new work
    on a connection while a result is only partly fetched)."""
    rows = con.execute(sql, params or {}).fetchall()
    return tuple(rows[0]) if rows else None


def fetch_int(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
) -> int:
    """A single integer result (0 for NULL or no row)."""
    row = fetch_row(con, sql, params)
    return int(row[0]) if row and row[0] is not None else 0


def duckdb_runner(con: duckdb.DuckDBPyConnection) -> Callable[[str, str], None]:
    """A runner for ``link_steps``: each step becomes a table in this connection."""

    def run(name: str, sql: str) -> None:
        con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS {sql}")

    return run


def store_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | pd.DataFrame) -> None:
    """Copy an Arrow table or DataFrame made in Python into table ``name`` of the engine."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    view = f"_in_{name}"
    con.register(view, table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)
