"""The result object every output reads: accounts, campaigns, links, evidence, summary.

``Findings.save(folder)`` writes each table as Parquet (for machines) and CSV (for people,
with spreadsheet formulas neutralised), the link graph as GEXF for Gephi, and a JSON
summary; ``Findings.load(folder)`` reads the Parquet back, so ``report`` and ``serve``
never recompute detection.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import FindingsError
from .schema import POST_COLUMNS

FORMAT_VERSION = 3
#: Older formats ``load`` still reads; tables they lack come back empty.
READABLE_VERSIONS = (2, 3)
TABLES = ("accounts", "campaigns", "links", "link_behaviours", "evidence", "amplified_posts")
#: Tables written as Parquet only: too long to be read as a spreadsheet.
PARQUET_ONLY = ("posts",)


@dataclass
class Findings:
    """What detection found, with the evidence behind every verdict.

    - ``accounts``: one row per account seen: ``flagged``, ``campaign``, ``score`` in
      [0, 1] and ``reasons`` in words.
    - ``campaigns``: one row per campaign: size, score, behaviours, what was shared.
    - ``links``: significant account pairs with p- and q-values and weight.
    - ``link_behaviours``: the same pairs broken down by behaviour, with the count
      expected by chance.
    - ``evidence``: the posts behind each link, side by side.
    - ``amplified_posts``: posts whose early reposts came mostly from operations.
    - ``posts``: every post of the listed accounts (campaign, crowd, review), in the
      canonical schema, so that timelines and post histories need no input files. An
      Arrow table (half the memory of a DataFrame with list columns); ``posts_of`` gives
      the posts of some accounts as a DataFrame.
    - ``summary``: settings, input, counts, timings.
    """

    accounts: pd.DataFrame
    campaigns: pd.DataFrame
    links: pd.DataFrame
    link_behaviours: pd.DataFrame
    evidence: pd.DataFrame
    amplified_posts: pd.DataFrame = field(default_factory=pd.DataFrame)
    posts: pa.Table = field(default_factory=lambda: pa.table({}))
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> pd.DataFrame:
        """The accounts placed in a campaign, strongest first."""
        return self.accounts[self.accounts["flagged"]].sort_values("score", ascending=False)

    def posts_of(
        self, account_ids: Any | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """Saved posts of ``account_ids`` (all when None), as a DataFrame."""
        table = self.posts
        if table.num_rows == 0:
            return pd.DataFrame(columns=columns or table.column_names or list(POST_COLUMNS))
        if account_ids is not None:
            wanted = pa.array(list(account_ids), type=table.schema.field("account_id").type)
            table = table.filter(pc.is_in(table["account_id"], value_set=wanted))
        if columns is not None:
            table = table.select(columns)
        return table.to_pandas()

    def save(self, folder: str) -> None:
        """Write Parquet + CSV per table, ``graph.gexf`` and ``summary.json`` to ``folder``."""
        from .outputs.gexf import write_gexf
        from .outputs.tables import write_csv

        os.makedirs(folder, exist_ok=True)
        for name in TABLES:
            frame: pd.DataFrame = getattr(self, name)
            frame.to_parquet(os.path.join(folder, f"{name}.parquet"), index=False)
            write_csv(frame, os.path.join(folder, f"{name}.csv"))
        for name in PARQUET_ONLY:
            pq.write_table(getattr(self, name), os.path.join(folder, f"{name}.parquet"))
        write_gexf(self, os.path.join(folder, "graph.gexf"))
        summary = {"format_version": FORMAT_VERSION, **self.summary}
        with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2, default=str, ensure_ascii=False)

    @classmethod
    def load(cls, folder: str) -> Findings:
        """Read a folder written by :meth:`save`."""
        path = os.path.join(folder, "summary.json")
        if not os.path.isfile(path):
            raise FindingsError(f"{folder}: not a findings folder (no summary.json)")
        with open(path, encoding="utf-8") as handle:
            summary = json.load(handle)
        if summary.get("format_version") not in READABLE_VERSIONS:
            raise FindingsError(
                f"{folder}: findings format {summary.get('format_version')} is not one "
                f"this version reads ({', '.join(map(str, READABLE_VERSIONS))}); "
                "run detect again with this version"
            )
        tables: dict[str, Any] = {}
        for name in TABLES:
            table_path = os.path.join(folder, f"{name}.parquet")
            if not os.path.isfile(table_path):
                raise FindingsError(f"{folder}: {name}.parquet is missing")
            tables[name] = pd.read_parquet(table_path)
        for name in PARQUET_ONLY:
            table_path = os.path.join(folder, f"{name}.parquet")
            if os.path.isfile(table_path):
                tables[name] = pq.read_table(table_path)
        summary.pop("format_version", None)
        return cls(**tables, summary=summary)
