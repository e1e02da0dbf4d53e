"""Copy-paste: accounts posting the same or nearly the same text close together
(Spamouflage-style networks). Exact matches after normalisation, and near-duplicates by
MinHash on character 3-grams, so light edits and Chinese in either script still match."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ._minhash import cluster_ids
from ._text import fold, normalise_text_sql
from .base import TS_SQL, Behaviour, TextSettings


def prepare(con: duckdb.DuckDBPyConnection, settings: TextSettings) -> None:
    """Build ``_text_keys(text, key)``: each distinct original text and its cluster key
    (a table of the run's own schema, ``engine.run_scope``).

    Python touches only the distinct normalised texts, as arrays: folding, MinHash and
    the leader of each; hashing the leaders' texts into keys and joining back run in SQL.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _texts AS SELECT text, "
        f"{normalise_text_sql('text')} AS pre FROM ("
        "SELECT DISTINCT text FROM posts WHERE kind <> 'repost' AND text IS NOT NULL)"
    )
    pre = con.execute(
        "SELECT DISTINCT pre FROM _texts WHERE length(pre) >= $m ORDER BY pre",
        {"m": settings.min_chars},
    ).fetchnumpy()["pre"]
    folded = fold([str(t) for t in pre])
    # codes: for each pre, its folded text's index in ``norms`` (first-appearance order)
    codes, uniques = pd.factorize(np.asarray(folded, dtype=object))
    norms = [str(t) for t in uniques]
    if settings.near_duplicates and norms:
        leader = cluster_ids(norms, threshold=settings.similarity)
    else:
        leader = np.arange(len(norms), dtype=np.int64)
    long_enough = np.fromiter((len(t) >= settings.min_chars for t in norms), bool, len(norms))
    keep = long_enough[codes]  # folding may shorten a text below the bar
    # the leaders used, in order: marked in a table of every text (np.unique sorted the
    # 5M leaders of a 10M-post platform in 3 s)
    leaders = leader[codes[keep]]
    used = np.flatnonzero(np.bincount(leaders, minlength=len(norms)))
    con.register(
        "_pre_leaders",
        pa.table({"pre": pa.array(pre[keep], type=pa.string()), "leader": leaders}),
    )
    con.register(
        "_leader_texts",
        pa.table({"i": used, "norm": pa.array([norms[i] for i in used], type=pa.string())}),
    )
    con.execute(
        "CREATE OR REPLACE TABLE _text_keys AS "
        "SELECT t.text, 't:' || md5(l.norm) AS key FROM _texts t "
        "JOIN _pre_leaders k ON t.pre = k.pre JOIN _leader_texts l ON l.i = k.leader"
    )
    con.unregister("_pre_leaders")
    con.unregister("_leader_texts")
    con.execute("DROP TABLE _texts")


def traces_sql() -> str:
    return (
        f"SELECT p.account_id, k.key, {TS_SQL} AS ts, "
        "p.post_id "
        "FROM posts p JOIN _text_keys k ON p.text = k.text WHERE p.kind <> 'repost'"
    )


BEHAVIOUR = Behaviour(
    name="copypaste",
    window=3600,
    traces_sql=traces_sql,
    verb="posted",
    noun="texts (same or nearly the same)",
    noun_one="text (same or nearly the same)",
    prepare=prepare,
)
