"""Near-duplicate text clusters: MinHash over character 3-grams, banded LSH, confirmation.

Vectorised over all texts at once with NumPy: datasketch's per-text objects took ~350 µs a
text here against ~7 µs (benchmarks/minhash.py); the maths is the same. Within each band
every text is compared with the bucket's first text only (a star, not all pairs), so one
boiler-plate phrase shared by 100,000 posts costs 100,000 comparisons, not 10^10. Pairs
whose estimated Jaccard similarity clears the bar are joined; each text is named after the
smallest text it is directly similar to (no transitive chains).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

_CHUNK_CHARS = 8_000_000
_CONFIRM_CHUNK = 1_000_000


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one uint32 array, and each text's start offset."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le")
    points = np.frombuffer(joined, dtype=np.uint32)
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return points, starts


def signatures(texts: Sequence[str], num_perm: int = 16, seed: int = 1) -> np.ndarray:
    """MinHash signatures (len(texts) x num_perm, uint64) of each text's character 3-grams.

    Texts shorter than 3 characters are padded to one 3-gram. Chunks run on a thread
    per core (NumPy releases the GIL); the result does not depend on the chunking.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, (1 << 61) - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)
    out = np.empty((len(texts), num_perm), dtype=np.uint64)
    bounds = []
    i = 0
    while i < len(texts):
        # Chunk by characters so memory stays bounded whatever the text lengths.
        j, chars = i, 0
        while j < len(texts) and (chars < _CHUNK_CHARS or j == i):
            chars += len(texts[j]) + 2
            j += 1
        bounds.append((i, j))
        i = j

    def run(span: tuple[int, int]) -> None:
        lo, hi = span
        chunk = [t if len(t) >= 3 else (t + "\x00\x00\x00")[:3] for t in texts[lo:hi]]
        out[lo:hi] = _chunk_signatures(chunk, a, b)

    with ThreadPoolExecutor(max_workers=min(len(bounds), os.cpu_count() or 1) or 1) as pool:
        list(pool.map(run, bounds))
    return out


def _chunk_signatures(texts: Sequence[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signatures of ``texts`` (each 3 characters or more). Written for memory traffic:
    the 3-gram hashes are made in place from the code points, and the 3-grams that cross
    from one text into the next are masked by their positions (two per text) rather than
    through a per-character owner array: the same signatures, in 1.2-1.3 s instead of
    2.5-2.9 s for the 797k distinct texts of a 2M-post platform (RESULTS.md)."""
    points, starts = _codepoints(texts)
    n = len(points) - 2  # 3-gram starts, one per code point but the last two
    h = np.empty(n, dtype=np.uint64)
    tmp = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.multiply(points[:-2], np.uint64(0x9E3779B97F4A7C15), out=h, dtype=np.uint64)
        np.multiply(points[1:-1], np.uint64(0xC2B2AE3D27D4EB4F), out=tmp, dtype=np.uint64)
        h ^= tmp
        np.multiply(points[2:], np.uint64(0x165667B19E3779F9), out=tmp, dtype=np.uint64)
        h ^= tmp
        h *= np.uint64(0xFF51AFD7ED558CCD)
    del tmp
    # A 3-gram is valid when it lies inside one text: the last two starts of each text are not.
    lengths = np.diff(np.append(starts, len(points)))
    ends = starts + lengths
    valid = np.ones(n, dtype=bool)
    for tail in (ends - 1, ends - 2):
        valid[tail[tail < n]] = False
    # Consistent sampling: a 3-gram is kept in every text or in none (top bit of its
    # hash), which halves the work and leaves Jaccard estimates unbiased. A text left
    # with no 3-gram keeps all of its own.
    keep = valid & ((h >> np.uint64(63)) == 0)
    kept = np.add.reduceat(keep, starts, dtype=np.int64)
    none = kept == 0
    if none.any():
        keep |= np.repeat(none, lengths)[:n] & valid
        kept = np.where(none, lengths - 2, kept)
    h = h[keep]
    seg_starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(kept[:-1], out=seg_starts[1:])
    sig = np.empty((len(texts), len(a)), dtype=np.uint64)
    buf = np.empty_like(h)
    with np.errstate(over="ignore"):
        for k in range(len(a)):
            np.multiply(h, a[k], out=buf)
            np.add(buf, b[k], out=buf)
            sig[:, k] = np.minimum.reduceat(buf, seg_starts)
    return sig


def cluster_ids(
    texts: Sequence[str],
    threshold: float = 0.6,
    num_perm: int = 16,
    rows_per_band: int = 2,
) -> np.ndarray:
    """For each text, the index of the smallest text it is directly similar to (or itself).

    A text alone in its cluster gets its own index. ``threshold`` is the estimated
    Jaccard similarity of 3-gram sets above which two texts are joined.
    """
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    sig = signatures(texts, num_perm=num_perm)
    bands = num_perm // rows_per_band
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    idx = np.arange(n, dtype=np.int64)
    # Each band's candidates are confirmed as they come, and only the confirmed pairs
    # are gathered: at 2M posts the bands gave 5.9M candidates (98% of them once) of
    # which 25k were similar, and sorting them all to drop the repeats cost as much as
    # confirming them (RESULTS.md).
    for band in range(bands):
        part = sig[:, band * rows_per_band : (band + 1) * rows_per_band]
        key = part[:, 0].copy()
        with np.errstate(over="ignore"):
            for r in range(1, rows_per_band):
                key = key * np.uint64(0x100000001B3) ^ part[:, r]
        order = np.argsort(key, kind="stable")  # stable: ties stay in index order
        sorted_key = key[order]
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = sorted_key[1:] != sorted_key[:-1]
        leader = order[np.maximum.accumulate(np.where(new_group, np.arange(n), 0))]
        cand = leader != order
        if cand.any():
            pairs = np.stack([order[cand], leader[cand]], axis=1)
            ok = _similar(sig, pairs, threshold)
            rows.append(pairs[ok, 0])
            cols.append(pairs[ok, 1])
    pairs = np.stack([np.concatenate(rows or [idx[:0]]), np.concatenate(cols or [idx[:0]])], axis=1)
    if len(pairs) == 0:
        return idx
    # Each text joins its smallest directly similar text, never a chain: A~B and B~C do
    # not put A with C unless A~C, so templated phrases cannot snowball into one giant
    # cluster shared by thousands of unrelated accounts.
    best = idx.copy()
    np.minimum.at(best, pairs[:, 0], pairs[:, 1])
    for _ in range(8):
        target = best[best]
        moved = np.flatnonzero(target < best)
        if len(moved) == 0:
            break
        ok = _similar(sig, np.stack([moved, target[moved]], axis=1), threshold)
        if not ok.any():
            break
        best[moved[ok]] = target[moved[ok]]
    return best


def _similar(sig: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """Whether each pair's signatures agree on at least ``threshold`` of their hashes,
    a million pairs at a time (gathering all candidates' signatures at once took 11 GB
    at 10M posts)."""
    out = np.empty(len(pairs), dtype=bool)
    need = threshold * sig.shape[1]
    for lo in range(0, len(pairs), _CONFIRM_CHUNK):
        part = pairs[lo : lo + _CONFIRM_CHUNK]
        out[lo : lo + len(part)] = (sig[part[:, 0]] == sig[part[:, 1]]).sum(axis=1) >= need
    return out
