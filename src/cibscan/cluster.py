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
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


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


def subcommunities(
    pairs: pd.DataFrame, members: pd.DataFrame, settings: ClusterSettings, denser: float = 4.0
) -> pd.DataFrame:
    """(aid, campaign, group): the denser communities inside each campaign of ``members``.

    A crowd the linker finds can hold an operation that joined it (paid accounts in a
    hashtag flood, bought followers retweeting the same election posts as the people
    they follow): linked to the crowd, but more densely to each other. Each campaign's
    own significant links are clustered again (Leiden, CPM) at ``denser`` times the
    campaign's own weighted link density (never below ``settings.resolution``), so that
    only groups denser than the campaign as a whole come out. Groups of at least
    ``min_size`` accounts are returned, for the campaigns that split into two or more;
    accounts with no link inside their campaign (those that joined it on group-level
    evidence) are in no group.

    Four times, not twice: CPM takes a node into a group when its links to it outweigh
    the resolution times the group's size, and at twice the density three ordinary
    accounts, each linked once to a group of ten bought accounts, were taken in with it
    (``tests/test_traits.py``); at four an account must be linked to about a tenth of
    the group.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("aid", "campaign", "group")})
    sig = pairs[pairs["significant"]] if len(pairs) else pairs
    if len(sig) == 0 or members.empty:
        return empty
    camp = members.set_index("aid")["campaign"]
    ca = camp.reindex(sig["a"].to_numpy()).to_numpy()
    cb = camp.reindex(sig["b"].to_numpy()).to_numpy()
    inside = ~pd.isna(ca) & (ca == cb)
    links = pd.DataFrame(
        {
            "a": sig["a"].to_numpy(dtype=np.int64)[inside],
            "b": sig["b"].to_numpy(dtype=np.int64)[inside],
            "w": link_weight(sig["log10_q"].to_numpy(dtype=np.float64))[inside],
            "campaign": ca[inside].astype(np.int64),
        }
    )
    out = []
    saved = random.getstate()
    random.seed(settings.seed)
    try:
        for c, group in links.groupby("campaign", sort=True):
            n_members = int((camp == c).sum())
            if n_members < 2 * settings.min_size:
                continue
            nodes, inverse = np.unique(
                np.concatenate([group["a"].to_numpy(), group["b"].to_numpy()]),
                return_inverse=True,
            )
            density = float(group["w"].sum()) / (len(nodes) * (len(nodes) - 1) / 2.0)
            graph = ig.Graph(n=len(nodes), edges=inverse.reshape(2, -1).T.tolist())
            part = graph.community_leiden(
                objective_function="CPM",
                weights=group["w"].tolist(),
                resolution=max(settings.resolution, denser * density),
                n_iterations=settings.iterations,
            )
            membership = np.asarray(part.membership, dtype=np.int64)
            sizes = np.bincount(membership)
            big = np.flatnonzero(sizes >= settings.min_size)
            if len(big) < 2:
                continue
            # groups numbered by size (desc), then by their smallest member
            first = np.full(len(sizes), len(nodes), dtype=np.int64)
            np.minimum.at(first, membership, np.arange(len(nodes)))
            ranked = big[np.lexsort((first[big], -sizes[big]))]
            number = {int(g): i + 1 for i, g in enumerate(ranked)}
            keep = np.isin(membership, ranked)
            out.append(
                pd.DataFrame(
                    {
                        "aid": nodes[keep],
                        "campaign": np.int64(c),
                        "group": [number[int(g)] for g in membership[keep]],
                    }
                )
            )
    finally:
        random.setstate(saved)
    if not out:
        return empty
    return pd.concat(out, ignore_index=True).astype("int64")


def families(pairs: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """Each campaign's family (campaign -> family id): the connected component of the
    significant links that most of its linked members are in (ties to the smaller id).

    Clustering cuts an operation whose members each join a minority of its tasks into
    many small campaigns, and its significant links still hold them together: on the
    224-day platform at 3.5M posts the copy-paste network was 69 campaigns, in one
    component with no crowd in it. A family is not a verdict: a component can also hold a
    crowd that shares an operation's targets (the dissidents' supporters and the brigade
    that attacks them, on the 21-day platform at 2M posts). Campaigns with no linked
    member have no family."""
    sig = pairs[pairs["significant"]] if len(pairs) else pairs
    if len(sig) == 0 or members.empty:
        return pd.Series(dtype="int64")
    a = sig["a"].to_numpy(dtype=np.int64)
    b = sig["b"].to_numpy(dtype=np.int64)
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    edges = inverse.reshape(2, -1)
    graph = coo_matrix((np.ones(len(a)), (edges[0], edges[1])), shape=(len(nodes), len(nodes)))
    _, component = connected_components(graph, directed=False)
    linked = members[members["aid"].isin(nodes)]
    of = pd.Series(component[np.searchsorted(nodes, linked["aid"].to_numpy())], index=linked.index)
    counts = pd.DataFrame({"campaign": linked["campaign"], "family": of}).value_counts()
    counts = counts.rename("n").reset_index()
    counts = counts.sort_values(["campaign", "n", "family"], ascending=[True, False, True])
    best = counts.drop_duplicates("campaign")
    return pd.Series(
        best["family"].to_numpy(dtype=np.int64),
        index=best["campaign"].to_numpy(dtype=np.int64),
        name="family",
    )


def sharing_keys(of: pd.Series, keys: pd.DataFrame) -> pd.Series:
    """``of`` (campaign -> family) with the families of campaigns that share a key made
    one: ``keys`` holds (campaign, behaviour, kid) rows, and campaigns with a row on the
    same (behaviour, kid) are one family, with every campaign of their families. A family
    is numbered by the smallest family it takes in. Campaigns of ``keys`` not in ``of``
    are left out.

    Links hold a fragmented operation together only where its fragments' members met
    often enough pairwise: on the 224-day platform at 200k posts (seed 8) the 100
    accounts of a hashtag ring, each in 15% of its 30 bursts, were three triangles in
    components of their own, each linked by two or three of the ring's bursts, and its
    hashtags used by nobody else. The keys an operation owns (``expand.OWNED_KEYS``) are
    what such fragments have in common."""
    if of.empty or keys.empty:
        return of
    keys = keys[keys["campaign"].isin(of.index)]
    if keys.empty:
        return of
    families, family_node = np.unique(of.to_numpy(dtype=np.int64), return_inverse=True)
    key_node = keys.groupby(["behaviour", "kid"], sort=True).ngroup().to_numpy()
    row = pd.Series(np.arange(len(of)), index=of.index)
    campaign_node = family_node[row.loc[keys["campaign"].to_numpy()].to_numpy()]
    n = len(families) + int(key_node.max()) + 1
    graph = coo_matrix(
        (np.ones(len(key_node)), (campaign_node, len(families) + key_node)), shape=(n, n)
    )
    _, component = connected_components(graph, directed=False)
    # each component numbered by the smallest family in it
    first = pd.Series(families).groupby(component[: len(families)]).min()
    merged = first.reindex(component[family_node]).to_numpy(dtype=np.int64)
    return pd.Series(merged, index=of.index, name=of.name)


def renumbered(members: pd.DataFrame) -> dict[int, int]:
    """Campaign ids numbered again 1.. by size (desc), then by the smallest member."""
    sizes = members.groupby("campaign")["aid"].agg(["size", "min"])
    order = sizes.sort_values(["size", "min"], ascending=[False, True]).index
    return {int(c): i + 1 for i, c in enumerate(order)}
