"""A dataset: the canonical posts and accounts tables, held in one engine connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from .engine import fetch_int

if TYPE_CHECKING:
    from .sources._canonical import LoadReport


@dataclass
class Dataset:
    """Canonical ``posts`` and ``accounts`` tables in ``con``, and how reading went."""

    con: duckdb.DuckDBPyConnection
    report: LoadReport

    @property
    def posts(self) -> duckdb.DuckDBPyRelation:
        return self.con.table("posts")

    @property
    def accounts(self) -> duckdb.DuckDBPyRelation:
        return self.con.table("accounts")

    def posts_df(self) -> pd.DataFrame:
        return self.con.table("posts").df()

    def accounts_df(self) -> pd.DataFrame:
        return self.con.table("accounts").df()

    @property
    def n_posts(self) -> int:
        return fetch_int(self.con, "SELECT count(*) FROM posts")

    @property
    def n_accounts(self) -> int:
        return fetch_int(self.con, "SELECT count(*) FROM accounts")

    @classmethod
    def from_frames(cls, posts: pd.DataFrame, accounts: pd.DataFrame | None = None) -> Dataset:
        """Build a dataset from canonical pandas frames (missing optional columns allowed)."""
        from .engine import connect
        from .sources._canonical import LoadReport, create_tables, finish, insert_frames

        con = connect()
        create_tables(con)
        insert_frames(con, posts, accounts)
        report = LoadReport(files=["(frames)"], rows_read=len(posts), posts_loaded=len(posts))
        finish(con, report)
        return cls(con=con, report=report)
