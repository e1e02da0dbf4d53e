"""Links -> campaigns: communities of the graph of significant links (Leiden, CPM).

CPM (the constant Potts model) asks of each community that its members be linked more
densely than ``resolution``; unlike modularity it has no resolution limit, so two small
campaigns joined by one stray link stay two campaigns however large the graph is. Each
link weighs by its significance, from 0.2 at q = 0.01 to 1 at q <= 1e-10, so that a
borderline link pulls less than an overwhelming one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ClusterSettings:
    """Settings of the campaign step."""

    resolution: float = 0.05  # minimum weighted link density inside a campaign
    min_size: int = 3  # smaller groups keep their links but are not called campaigns
    seed: int = 42
    iterations: int = 10


def link_weight(log10_q: np.ndarray) -> np.ndarray:
    """Edge weight in (0, 1] from a link's log10 q-value."""
    return np.clip(-log10_q / 10.0, 0.05, 1.0)


def campaigns_from_links(pairs: pd.DataFrame, settings: ClusterSettings) -> pd.DataFrame:
    """Return (aid, campaign) for every account in a community of at least ``min_size``.

    Campaigns are numbered 1.. by size, largest first; the numbering is deterministic for
    a given input and seed.
    """
    sig = pairs[pairs["significant"]] if len(pairs) else pairs
    if len(sig) == 0:
        return pd.DataFrame({"aid": pd.Series(dtype="int64"), "campaign": pd.Series(dtype="int64")})
    a = sig["a"].to_numpy(dtype=np.int64)
    b = sig["b"].to_numpy(dtype=np.int64)
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    edges = inverse.reshape(2, -1).T
    graph = ig.Graph(n=len(nodes), edges=edges.tolist(), directed=False)
    weights = link_weight(sig["log10_q"].to_numpy(dtype=np.float64))
    # igraph draws from Python's global generator: seed it for a repeatable result and
    # give the caller's random state back afterwards.
    saved = random.getstate()
    random.seed(settings.seed)
    try:
        part = graph.community_leiden(
            objective_function="CPM",
            weights=weights.tolist(),
            resolution=settings.resolution,
            n_iterations=settings.iterations,
        )
    finally:
        random.setstate(saved)
    membership = np.asarray(part.membership, dtype=np.int64)
    sizes = np.bincount(membership)
    # Renumber by size (desc), then by smallest member, so ids are stable and readable.
    first = np.full(len(sizes), len(nodes), dtype=np.int64)
    np.minimum.at(first, membership, np.arange(len(nodes)))
    order = np.lexsort((first, -sizes))
    keep = order[sizes[order] >= settings.min_size]
    new_id = np.zeros(len(sizes), dtype=np.int64)
    new_id[keep] = np.arange(1, len(keep) + 1)
    ids = new_id[membership]
    out = pd.DataFrame({"aid": nodes, "campaign": ids})
    return out[out["campaign"] > 0].reset_index(drop=True)
