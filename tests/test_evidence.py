"""What each account shared with its significant partners, summed from the evidence's
uses of keys, against the same counts made directly in pandas from the episodes."""

from __future__ import annotations

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cibscan.dataset import Dataset
from cibscan.evidence import account_behaviour_summary, evidence_links

BEHAVIOURS = ("corepost", "corepost@1h", "cohashtag")
KEYS = ("p1", "p2", "p3", "#a", "#b")
T0 = 1_714_557_600

episode = st.tuples(
    st.sampled_from(BEHAVIOURS),
    st.integers(0, 5),
    st.integers(1, 5),
    st.sampled_from(KEYS),
    st.integers(0, 3600),
    st.integers(0, 3600),
).filter(lambda e: e[1] < e[2])


def _expected(episodes: pd.DataFrame, originals: dict[str, int]) -> pd.DataFrame:
    keys: dict[tuple[int, str], set[str]] = {}
    partners: dict[tuple[int, str], set[int]] = {}
    times: dict[tuple[int, str, str], list[int]] = {}
    for r in episodes.itertuples(index=False):
        for aid, partner, ts in ((r.a, r.b, r.ts_a), (r.b, r.a, r.ts_b)):
            keys.setdefault((aid, r.behaviour), set()).add(r.key)
            partners.setdefault((aid, r.behaviour), set()).add(partner)
            times.setdefault((aid, r.behaviour, r.key), []).append(ts)
    rows = []
    for (aid, behaviour), shared in keys.items():
        lows, highs = [], []
        if behaviour.split("@")[0] == "corepost":
            for key in shared & originals.keys():
                ts = times[(aid, behaviour, key)]
                lows.append(min(ts) - originals[key])
                highs.append(max(ts) - originals[key])
        rows.append(
            (aid, behaviour, len(shared), len(partners[(aid, behaviour)]),
             min(lows) if lows else None, max(highs) if highs else None)
        )  # fmt: skip
    columns = ["aid", "behaviour", "keys", "partners", "delay_min", "delay_max"]
    return pd.DataFrame(rows, columns=columns)


@settings(max_examples=40, deadline=None)
@given(st.lists(episode, min_size=1, max_size=40), st.sets(st.sampled_from(KEYS[:3])))
def test_keys_partners_and_delays_are_those_of_the_episodes(
    rows: list[tuple[str, int, int, str, int, int]], with_original: set[str]
) -> None:
    originals = {k: T0 + 100 * i for i, k in enumerate(sorted(with_original))}
    posts = pd.DataFrame(
        {
            "post_id": list(originals) or ["other"],
            "account_id": "src",
            "created_at": pd.to_datetime(list(originals.values()) or [T0], unit="s"),
        }
    )
    data = Dataset.from_frames(posts)
    episodes = pd.DataFrame(rows, columns=["behaviour", "a", "b", "key", "ts_a", "ts_b"])
    episodes[["ts_a", "ts_b"]] += T0
    data.con.register("_episodes", episodes)
    # the tables build_evidence leaves: the links, and each side's use of each key (a
    # row per coincidence here; the engine groups them, which the summary must not mind)
    data.con.execute(
        "CREATE TABLE sig_links AS SELECT DISTINCT behaviour, CAST(a AS INTEGER) AS a, "
        "CAST(b AS INTEGER) AS b FROM _episodes"
    )
    data.con.execute(
        "CREATE TABLE evidence_uses AS "
        "SELECT behaviour, CAST(a AS INTEGER) AS aid, key, NULL AS campaign, ts_a AS first_ts, "
        "  ts_a AS last_ts, 'x' AS post_id FROM _episodes "
        "UNION ALL SELECT behaviour, CAST(b AS INTEGER), key, NULL, ts_b, ts_b, 'y' FROM _episodes"
    )
    got = account_behaviour_summary(data.con, ["corepost"])
    want = _expected(episodes, originals)
    key = ["aid", "behaviour"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert (
        got[[*key, "keys", "partners"]]
        .astype(str)
        .equals(want[[*key, "keys", "partners"]].astype(str))
    )
    for col in ("delay_min", "delay_max"):
        assert [None if pd.isna(v) else int(v) for v in got[col]] == [
            None if pd.isna(v) else int(v) for v in want[col]
        ]
    assert data.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_account_keys'"
    ).fetchone() == (0,)


@settings(max_examples=80, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(0, 9), st.integers(0, 9)).filter(lambda p: p[0] < p[1]),
        st.sampled_from([-300.0, -12.0, -5.5, -3.0, -2.1]),  # log10 q, with ties
        max_size=40,
    ),
    st.dictionaries(st.integers(0, 9), st.integers(1, 2), max_size=10),
    st.integers(0, 4),
    st.integers(0, 3),
)
@example(  # each member's strongest link leaves the campaign: the campaign's own are kept
    links={
        **{(0, 1): -12.0, (0, 2): -5.5, (0, 3): -3.0, (1, 2): -3.0, (2, 3): -2.1},
        **{(k, k + 5): -300.0 for k in range(4)},
    },
    campaign_of={0: 1, 1: 1, 2: 1, 3: 1},
    per_account=1,
    per_campaign=1,
)
def test_evidence_is_kept_for_each_account_s_and_campaign_s_strongest_links(
    links: dict[tuple[int, int], float],
    campaign_of: dict[int, int],
    per_account: int,
    per_campaign: int,
) -> None:
    significant = pd.DataFrame(
        [(a, b, q) for (a, b), q in links.items()], columns=["a", "b", "log10_q"]
    ).astype({"a": "int64", "b": "int64"})
    members = pd.DataFrame(sorted(campaign_of.items()), columns=["aid", "campaign"])
    got = evidence_links(significant, members, per_account, per_campaign)
    kept = set(zip(got["a"], got["b"], strict=True))
    assert len(kept) == len(got)  # each link once
    if per_account == 0:
        assert kept == set(links)
        return
    want = set()
    for account in range(10):
        mine = [(q, b if a == account else a, (a, b)) for (a, b), q in links.items()]
        mine = sorted(m for m in mine if account in m[2])
        want |= {link for _, _, link in mine[:per_account]}
    for c in (1, 2):
        inside = sorted(
            (q, a, b)
            for (a, b), q in links.items()
            if campaign_of.get(a) == c and campaign_of.get(b) == c
        )
        want |= {(a, b) for _, a, b in inside[:per_campaign]}
    assert kept == want
