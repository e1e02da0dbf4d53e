from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cibscan.cluster import ClusterSettings, campaigns_from_links, subcommunities


def _pairs(edges: list[tuple[int, int]], log_q: float = -20.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": [a for a, _ in edges],
            "b": [b for _, b in edges],
            "log10_q": log_q,
            "significant": True,
        }
    )


def test_two_cliques_joined_by_one_link_stay_two_campaigns() -> None:
    left = list(itertools.combinations(range(6), 2))
    right = list(itertools.combinations(range(6, 12), 2))
    out = campaigns_from_links(_pairs([*left, *right, (5, 6)]), ClusterSettings())
    camp = out.set_index("aid")["campaign"]
    assert camp.nunique() == 2
    assert camp[list(range(6))].nunique() == 1 and camp[list(range(6, 12))].nunique() == 1


def test_small_groups_are_not_campaigns_and_ids_run_by_size() -> None:
    big = list(itertools.combinations(range(5), 2))
    small = list(itertools.combinations(range(10, 13), 2))
    pair = [(20, 21)]
    out = campaigns_from_links(_pairs([*big, *small, *pair]), ClusterSettings(min_size=3))
    sizes = out.groupby("campaign").size()
    assert sizes.to_dict() == {1: 5, 2: 3}
    assert 20 not in set(out["aid"])


def test_no_significant_links_no_campaigns() -> None:
    out = campaigns_from_links(_pairs([(1, 2)]).assign(significant=False), ClusterSettings())
    assert out.empty


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=300))
def test_groups_inside_campaigns_keep_to_their_campaign(edges: list[tuple[int, int]]) -> None:
    pairs = _pairs([(a, b) for a, b in edges if a != b] or [(0, 1)]).drop_duplicates(["a", "b"])
    members = campaigns_from_links(pairs, ClusterSettings(resolution=0.01))
    groups = subcommunities(pairs, members, ClusterSettings())
    camp = members.set_index("aid")["campaign"]
    assert groups["aid"].is_unique  # an account is in one group at most
    assert (camp.reindex(groups["aid"]).to_numpy() == groups["campaign"].to_numpy()).all()
    sizes = groups.groupby(["campaign", "group"]).size()
    assert (sizes >= ClusterSettings().min_size).all()
    assert (groups.groupby("campaign")["group"].nunique() >= 2).all()  # only real splits


def test_a_dense_group_inside_a_sparse_campaign_comes_out_whole() -> None:
    ring = list(itertools.combinations(range(8), 2))
    crowd = [(i, i + 1) for i in range(8, 40)] + [(i, i + 3) for i in range(8, 37)]
    pairs = _pairs([*ring, *crowd, (7, 8)], log_q=-8.0)
    members = pd.DataFrame({"aid": range(40), "campaign": 1})
    groups = subcommunities(pairs, members, ClusterSettings())
    by_group = groups.groupby("group")["aid"].agg(set)
    assert set(range(8)) in list(by_group)
