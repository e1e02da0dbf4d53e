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
        from .engine import connect, quote_ident
        from .schema import ACCOUNT_COLUMNS, POST_COLUMNS
        from .sources._canonical import LoadReport, canonical_select, create_tables, finish

        con = connect()
        create_tables(con)
        con.register("_in_posts", posts)
        present = {c: quote_ident(c) for c in posts.columns if c in POST_COLUMNS}
        con.execute(
            f"INSERT INTO posts SELECT {canonical_select(POST_COLUMNS, present)} FROM _in_posts"
        )
        con.unregister("_in_posts")
        if accounts is not None:
            con.register("_in_accounts", accounts)
            present = {c: quote_ident(c) for c in accounts.columns if c in ACCOUNT_COLUMNS}
            con.execute(
                f"INSERT INTO _account_rows SELECT {canonical_select(ACCOUNT_COLUMNS, present)}, "
                # a profile given as a frame is the latest word on its account
                "TIMESTAMP '9999-12-31' FROM _in_accounts"
            )
            con.unregister("_in_accounts")
        con.execute(
            "INSERT INTO _account_rows (account_id) SELECT DISTINCT account_id FROM posts "
            "WHERE account_id NOT IN (SELECT account_id FROM _account_rows)"
        )
        report = LoadReport(files=["(frames)"], rows_read=len(posts), posts_loaded=len(posts))
        finish(con, report)
        return cls(con=con, report=report)
