"""The embedded relational engine: one DuckDB connection per dataset, UTC, bounded memory.

Relational steps are written as plain SQL over named tables (see ``link.py``) so that the
same text can be handed to another engine; this module only opens and configures DuckDB.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

import duckdb


@dataclass(frozen=True)
class EngineSettings:
    """How much of the machine the engine may use. ``None`` means DuckDB's own default."""

    threads: int | None = None
    memory_limit: str | None = None  # e.g. "6GB"; DuckDB spills to temp_directory beyond it
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
    if settings.memory_limit:
        con.execute("SET memory_limit = $m", {"m": settings.memory_limit})
    temp = settings.temp_directory or os.path.join(tempfile.gettempdir(), "cibscan-spill")
    con.execute("SET temp_directory = $t", {"t": temp})
    return con


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
