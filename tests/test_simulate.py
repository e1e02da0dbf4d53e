from __future__ import annotations

import pandas as pd

from cibscan.simulate import SimConfig, generate


def test_labels_cover_every_account_and_operations_are_present() -> None:
    posts, labels = generate(SimConfig(posts=5_000, seed=1))
    assert set(posts["userid"]) <= set(labels["userid"])
    ops = set(labels.loc[labels["label"] != "organic", "label"])
    assert ops == {"op_copypaste", "op_amplify", "op_hashtag", "op_brigade", "op_links"}
    assert set(labels["userid"]) - set(posts["userid"]) <= set(
        labels.loc[labels["role"] == "organic", "userid"]
    )


def test_same_seed_same_platform_other_seed_other_platform() -> None:
    a, _ = generate(SimConfig(posts=3_000, seed=5))
    b, _ = generate(SimConfig(posts=3_000, seed=5))
    c, _ = generate(SimConfig(posts=3_000, seed=6))
    pd.testing.assert_frame_equal(a, b)
    assert not a["tweet_text"].equals(c["tweet_text"])
