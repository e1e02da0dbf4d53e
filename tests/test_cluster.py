from __future__ import annotations

import itertools

import pandas as pd

from cibscan.cluster import ClusterSettings, campaigns_from_links


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
