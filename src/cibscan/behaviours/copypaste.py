"""Copy-paste: accounts posting the same or nearly the same text close together
(Spamouflage-style networks). Exact matches after normalisation, and near-duplicates by
MinHash on character 3-grams, so light edits and Chinese in either script still match."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa

from ._minhash import cluster_ids
from ._text import fold, normalise_text_sql
from .base import Behaviour, TextSettings


def prepare(con: duckdb.DuckDBPyConnection, settings: TextSettings) -> None:
    """Build ``_text_keys(text, key)``: each distinct original text and its cluster key."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _texts AS SELECT text, "
        f"{normalise_text_sql('text')} AS pre FROM ("
        "SELECT DISTINCT text FROM posts WHERE kind <> 'repost' AND text IS NOT NULL)"
    )
    pre = con.execute(
        "SELECT DISTINCT pre FROM _texts WHERE length(pre) >= $m ORDER BY pre",
        {"m": settings.min_chars},
    ).fetchnumpy()["pre"]
    pre_list = [str(t) for t in pre]
    folded = fold(pre_list)
    norms = sorted({t for t in folded if len(t) >= settings.min_chars})
    index = {t: i for i, t in enumerate(norms)}
    if settings.near_duplicates and norms:
        leader = cluster_ids(norms, threshold=settings.similarity)
    else:
        leader = np.arange(len(norms), dtype=np.int64)
    keep = [i for i, t in enumerate(folded) if t in index]
    norm_of = np.array([index[folded[i]] for i in keep], dtype=np.int64)
    keys = pa.table(
        {
            "pre": pa.array([pre_list[i] for i in keep], type=pa.string()),
            "key": pa.array(
                ["t:" + hashlib.md5(norms[j].encode()).hexdigest() for j in leader[norm_of]],
                type=pa.string(),
            ),
        }
    )
    con.register("_pre_keys", keys)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _text_keys AS "
        "SELECT t.text, k.key FROM _texts t JOIN _pre_keys k ON t.pre = k.pre"
    )
    con.unregister("_pre_keys")
    con.execute("DROP TABLE _texts")


def traces_sql() -> str:
    return (
        "SELECT p.account_id, k.key, CAST(epoch(p.created_at) AS BIGINT) AS ts, p.post_id "
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
