"""Where campaigns send people, and which posts they made look popular."""

from __future__ import annotations

import pandas as pd

import cibscan
from cibscan.reach import amplified_posts

T0 = pd.Timestamp("2024-01-01")


def _reposts(post: str, accounts: list[str], minutes: int = 1) -> list[dict[str, object]]:
    return [
        {
            "post_id": f"{post}-{a}",
            "account_id": a,
            "kind": "repost",
            "parent_post_id": post,
            "created_at": T0 + pd.Timedelta(minutes=minutes * i),
        }
        for i, a in enumerate(accounts)
    ]


def test_amplified_posts_name_their_campaigns_in_order_and_skip_organic_spread() -> None:
    ops = [f"c10_{i}" for i in range(8)] + [f"c4_{i}" for i in range(8)]
    crowd = [f"fan{i}" for i in range(20)]
    rows = [
        {"post_id": "pushed", "account_id": "outlet", "kind": "post", "created_at": T0},
        {"post_id": "organic", "account_id": "outlet", "kind": "post", "created_at": T0},
        # campaign 10's members repost first, then campaign 4's, then two fans
        *_reposts("pushed", ops + crowd[:2]),
        *_reposts("organic", crowd[:15] + ops[:3]),
    ]
    data = cibscan.Dataset.from_frames(pd.DataFrame(rows))
    members = pd.DataFrame(
        {"account_id": ops, "campaign": [10] * 8 + [4] * 8},
    )
    found = amplified_posts(data.con, members)
    assert found["post_id"].tolist() == ["pushed"]
    row = found.iloc[0]
    # numbered order, whichever campaign reposted first
    assert row["campaigns"] == "4, 10"
    assert (row["reposts"], row["early_reposts"], row["early_by_campaigns"]) == (18, 18, 16)
