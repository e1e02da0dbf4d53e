from __future__ import annotations

import duckdb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cibscan.behaviours._minhash import cluster_ids, signatures
from cibscan.behaviours._text import fold, normalise_text_sql


def _norm(text: str) -> str:
    con = duckdb.connect()
    pre = con.execute(f"SELECT {normalise_text_sql('$t')}", {"t": text}).fetchall()[0][0]
    return fold([pre])[0]


def test_normalisation_removes_links_mentions_and_punctuation() -> None:
    assert _norm("RT @bot: Hello,   WORLD!! https://t.co/abc @x") == "hello world"


def test_traditional_and_full_width_fold_to_simplified_and_ascii() -> None:
    assert _norm("香港警察執法，學習！") == _norm("香港警察执法 学习")
    assert _norm("ＡＢＣ１２３") == "abc123"


def test_near_duplicates_cluster_and_strangers_do_not() -> None:
    texts = [
        "the protesters are paid rioters who destroy hong kong prosperity",
        "the protesters are paid rioters who destroy hong kong prosperity 7",
        "protesters are paid rioters who destroy the prosperity of hong kong",
        "my cat sat on the warm windowsill all afternoon long",
        "西方媒体歪曲事实 抹黑中国 真相是香港需要稳定",
        "西方媒体歪曲事实 抹黑中国 真相是香港需要稳定和繁荣",
    ]
    ids = cluster_ids(texts)
    assert ids[0] == ids[1] == 0
    assert ids[3] == 3  # alone
    assert ids[4] == ids[5] == 4


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=30))
def test_cluster_ids_point_to_a_member_no_larger_than_self(texts: list[str]) -> None:
    ids = cluster_ids(texts)
    assert len(ids) == len(texts)
    assert np.all(ids <= np.arange(len(texts)))
    sig = signatures(texts)
    agree = (sig == sig[ids]).mean(axis=1)
    assert np.all(agree >= 0.6)  # every text is directly similar to the text it is named after
    for i, t in enumerate(texts):  # identical texts always share a cluster
        j = texts.index(t)
        assert ids[i] == ids[j]


def _reference_signature(text: str, a: np.ndarray, b: np.ndarray) -> list[int]:
    """One text's MinHash by the definition, in Python integers: its 3-grams' hashes,
    those with the top bit clear (all of them when none is), then each permutation's
    smallest value."""
    mask = (1 << 64) - 1
    t = text if len(text) >= 3 else (text + "\x00\x00\x00")[:3]
    p = [ord(c) for c in t]
    grams = {
        (
            (((p[i] * 0x9E3779B97F4A7C15) ^ (p[i + 1] * 0xC2B2AE3D27D4EB4F)) & mask)
            ^ ((p[i + 2] * 0x165667B19E3779F9) & mask)
        )
        * 0xFF51AFD7ED558CCD
        & mask
        for i in range(len(p) - 2)
    }
    sampled = {h for h in grams if h >> 63 == 0} or grams
    return [
        min((int(ak) * h + int(bk)) & mask for h in sampled) for ak, bk in zip(a, b, strict=True)
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=25))
def test_signatures_are_the_definition_text_by_text(texts: list[str]) -> None:
    """Vectorised over all texts at once, each text's signature is still its own: no
    3-gram crosses from one text into the next, and a text with no sampled 3-gram keeps
    all of its own."""
    rng = np.random.default_rng(1)
    a = rng.integers(1, (1 << 61) - 1, size=16, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, (1 << 61) - 1, size=16, dtype=np.uint64)
    sig = signatures(texts, num_perm=16, seed=1)
    for i, text in enumerate(texts):
        assert [int(v) for v in sig[i]] == _reference_signature(text, a, b)
