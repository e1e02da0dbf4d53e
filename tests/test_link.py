"""The linker: planted coordination is significant, chance coincidence is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import cibscan
from cibscan.behaviours import BEHAVIOURS, TextSettings
from cibscan.link import (
    LinkSettings,
    _fdr,
    build_traces,
    links_from_traces,
    neighbour_share,
)

T0 = pd.Timestamp("2024-01-01")


def _platform(seed: int = 1) -> pd.DataFrame:
    """1,000 ordinary accounts piling onto 300 viral posts within minutes, two hyperactive
    fans who repost every one of them, and a ring of 5 reposting 12 obscure posts together."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(300):
        start = T0 + pd.Timedelta(minutes=30 * p)
        fans = rng.choice(1000, 100, replace=False)
        for f in fans:
            rows.append(
                (f"u{f}", f"viral{p}", start + pd.Timedelta(seconds=int(rng.integers(0, 300))))
            )
        for busy in ("busy1", "busy2"):
            rows.append(
                (busy, f"viral{p}", start + pd.Timedelta(seconds=int(rng.integers(0, 300))))
            )
    for p in range(12):
        start = T0 + pd.Timedelta(hours=7 * p + 3)
        for r in range(5):
            rows.append(
                (f"ring{r}", f"obscure{p}", start + pd.Timedelta(seconds=int(rng.integers(0, 30))))
            )
    frame = pd.DataFrame(rows, columns=["account_id", "parent_post_id", "created_at"])
    frame["post_id"] = [f"p{i}" for i in range(len(frame))]
    frame["kind"] = "repost"
    return frame


def _links(frame: pd.DataFrame, settings: LinkSettings | None = None):  # type: ignore[no-untyped-def]
    data = cibscan.Dataset.from_frames(frame)
    b = BEHAVIOURS["corepost"]
    build_traces(data.con, [b], {"corepost": 60}, TextSettings())
    _, pairs, stats = links_from_traces(data.con, settings or LinkSettings())
    ids = (
        data.con.execute("SELECT aid, account_id FROM account_index")
        .df()
        .set_index("aid")["account_id"]
    )
    pairs = pairs.assign(account_a=pairs["a"].map(ids), account_b=pairs["b"].map(ids))
    return pairs, stats


def test_ring_is_significant_and_busy_fans_are_not() -> None:
    pairs, _ = _links(_platform())
    sig = pairs[pairs["significant"]]
    ring = {f"ring{r}" for r in range(5)}
    found = {frozenset((a, b)) for a, b in zip(sig["account_a"], sig["account_b"], strict=True)}
    assert all(frozenset((a, b)) in found for a in ring for b in ring if a < b)
    assert found <= {frozenset((a, b)) for a in ring for b in ring if a != b}
    busy = pairs[(pairs["account_a"] == "busy1") & (pairs["account_b"] == "busy2")]
    assert len(busy) == 1 and busy["shared"].iloc[0] >= 50  # they do coincide, often
    assert not busy["significant"].iloc[0]  # but no more than their activity explains


def test_hot_keys_are_sampled_relative_to_data_and_ring_survives() -> None:
    pairs, stats = _links(
        _platform(), LinkSettings(pairs_per_trace=0.2, min_hot_cap=8, min_pair_budget=0)
    )
    assert stats.hot_cap.get("corepost", 0) >= 8
    assert stats.traces_sampled_out["corepost"] > 0
    sig = pairs[pairs["significant"]]
    assert set(sig["account_a"]).union(sig["account_b"]) == {f"ring{r}" for r in range(5)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=-300, max_value=0), min_size=1, max_size=50),
    st.floats(min_value=1, max_value=1e9),
)
def test_bh_q_values_are_valid(log_p: list[float], m: float) -> None:
    m = max(m, float(len(log_p)))
    per = pd.DataFrame({"a": range(len(log_p)), "b": range(1, len(log_p) + 1), "log10_p": log_p})
    pairs = _fdr(per, 1, m, 0.01)
    lp, lq = pairs["log10_p"].to_numpy(), pairs["log10_q"].to_numpy()
    assert np.all(lq >= lp - 1e-9) and np.all(lq <= 0)
    order = np.argsort(lp, kind="stable")
    assert np.all(np.diff(lq[order]) >= -1e-9)  # q is monotone in p
    assert np.array_equal(pairs["significant"].to_numpy(), lq <= np.log10(0.01))


def _big_ring(seed: int = 2) -> pd.DataFrame:
    """The viral background of ``_platform`` and a ring of 40 that is itself a crowd: each
    of its 60 posts is reposted by a random half of the ring within half a minute."""
    rng = np.random.default_rng(seed)
    frame = _platform(seed)
    rows = []
    for p in range(60):
        start = T0 + pd.Timedelta(hours=2 * p + 1)
        for r in rng.choice(40, 20, replace=False):
            rows.append(
                (f"ring{r}", f"task{p}", start + pd.Timedelta(seconds=int(rng.integers(0, 30))))
            )
    ring = pd.DataFrame(rows, columns=["account_id", "parent_post_id", "created_at"])
    ring["post_id"] = [f"t{i}" for i in range(len(ring))]
    ring["kind"] = "repost"
    return pd.concat([frame[frame["account_id"].str.startswith(("u", "busy"))], ring])


def test_sampling_never_hides_the_rest_of_a_campaign_once_part_of_it_is_found() -> None:
    # the sampled pair work finds only the ring's core; the group-level test grows it
    # back into the whole ring, and into nobody else
    tight = LinkSettings(pairs_per_trace=0.2, min_hot_cap=8, min_pair_budget=0)
    ring = {f"ring{r}" for r in range(40)}
    frame = _big_ring()
    pairs, stats = _links(frame, tight)
    assert stats.hot_cap.get("corepost") == 8  # type: ignore[attr-defined]
    sig = pairs[pairs["significant"]]
    assert len(set(sig["account_a"]).union(sig["account_b"]) & ring) < len(ring)
    data = cibscan.Dataset.from_frames(frame)
    findings = cibscan.detect(
        data, behaviours=("corepost",), windows={"corepost": "60s"}, scales=(), link=tight
    )
    accounts = findings.accounts
    in_campaigns = set(accounts.loc[accounts["campaign"].notna(), "account_id"])
    assert in_campaigns == ring


def test_sampling_keeps_a_complete_core_of_a_campaign_that_makes_its_own_groups_hot() -> None:
    # the sample of a hot group is its accounts with the smallest hash of their id alone,
    # so the ring members with the smallest hashes are kept in every group they join
    frame = _big_ring()
    tight = LinkSettings(pairs_per_trace=0.2, min_hot_cap=8, min_pair_budget=0)
    pairs, stats = _links(frame, tight)
    assert stats.hot_cap.get("corepost") == 8
    aid = {a: i for i, a in enumerate(sorted(frame["account_id"].unique()))}
    ring = sorted(
        (a for a in aid if a.startswith("ring")), key=lambda a: (aid[a] * 2654435761) % 4294967291
    )
    core = set(ring[:8])
    sig = pairs[pairs["significant"]]
    found = {frozenset((a, b)) for a, b in zip(sig["account_a"], sig["account_b"], strict=True)}
    assert all(frozenset((a, b)) in found for a in core for b in core if a < b)
    assert set(sig["account_a"]).union(sig["account_b"]) <= set(ring)


def _slow_ring(seed: int = 3) -> pd.DataFrame:
    """The viral background of ``_platform`` and a ring of 6 reposting 10 obscure posts
    each 5 to 50 minutes apart: people working a task list, not automation."""
    rng = np.random.default_rng(seed)
    frame = _platform(seed)
    rows = []
    for p in range(10):
        start = T0 + pd.Timedelta(hours=9 * p + 2)
        for r in range(6):
            delay = pd.Timedelta(seconds=int(rng.integers(300, 3000)))
            rows.append((f"slow{r}", f"task{p}", start + delay))
    ring = pd.DataFrame(rows, columns=["account_id", "parent_post_id", "created_at"])
    ring["post_id"] = [f"s{i}" for i in range(len(ring))]
    ring["kind"] = "repost"
    return pd.concat([frame[frame["account_id"].str.startswith(("u", "busy"))], ring])


def _scaled_links(
    frame: pd.DataFrame, scales: tuple[int, ...]
) -> tuple[cibscan.Dataset, pd.DataFrame, pd.DataFrame]:
    """(dataset, per-behaviour rows, pair rows) of co-reposts at 60 s and ``scales``."""
    data = cibscan.Dataset.from_frames(frame)
    build_traces(
        data.con,
        [BEHAVIOURS["corepost"]],
        {"corepost": 60},
        TextSettings(),
        None,
        {"corepost": scales},
    )
    per, pairs, _ = links_from_traces(data.con, LinkSettings())
    return data, per, pairs


def _found(frame: pd.DataFrame, scales: tuple[int, ...]) -> tuple[set[str], set[str]]:
    """Accounts on significant links, and the trace behaviours of those links."""
    data, per, pairs = _scaled_links(frame, scales)
    ids = data.con.execute("SELECT aid, account_id FROM account_index").df()
    ids = ids.set_index("aid")["account_id"]
    sig = pairs[pairs["significant"]]
    accounts = set(sig["a"].map(ids)) | set(sig["b"].map(ids))
    kept = per.merge(sig[["a", "b"]], on=["a", "b"])
    return accounts, set(kept["behaviour"])


def test_slow_coordination_is_found_at_a_longer_scale_and_named_by_it() -> None:
    ring = {f"slow{r}" for r in range(6)}
    one_minute, _ = _found(_slow_ring(), ())
    assert not one_minute & ring  # a 60 s window cannot see a ring working over an hour
    scaled, behaviours = _found(_slow_ring(), (3600, 86400))
    assert scaled == ring  # the ring, and still nobody from the viral crowd
    assert behaviours <= {"corepost@1h", "corepost@1d"}  # each link at its best scale


def test_each_pair_counts_one_scale_per_behaviour() -> None:
    _, per, pairs = _scaled_links(_slow_ring(), (3600, 86400))
    families = per.assign(f=per["behaviour"].str.split("@").str[0])
    assert not families.duplicated(["a", "b", "f"]).any()
    # the fused pair row holds the counts of that one scale, not a sum over scales
    merged = pairs.merge(per, on=["a", "b"], suffixes=("", "_per"))
    assert (merged["shared"] == merged["shared_per"]).all()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 6), st.integers(0, 400)),
        min_size=1,
        max_size=60,
    )
)
def test_single_trace_keys_are_counted_and_every_other_trace_is_kept(
    rows: list[tuple[int, int, int]],
) -> None:
    # (account, parent post, second): a key reposted once is a solo trace, counted in its
    # account's activity; every other trace is in ``traces`` under its key's id
    frame = pd.DataFrame(
        {
            "account_id": [f"u{a}" for a, _, _ in rows],
            "parent_post_id": [f"x{k}" for _, k, _ in rows],
            "created_at": [T0 + pd.Timedelta(seconds=s) for _, _, s in rows],
        }
    )
    frame["post_id"] = [f"p{i}" for i in range(len(frame))]
    frame["kind"] = "repost"
    data = cibscan.Dataset.from_frames(frame)
    counts = build_traces(
        data.con,
        [BEHAVIOURS["corepost"]],
        {"corepost": 60},
        TextSettings(),
        None,
        {"corepost": (300,)},
    )
    links_from_traces(data.con, LinkSettings())
    con = data.con
    ids = con.execute("SELECT account_id, aid FROM account_index").df()
    aid = dict(zip(ids["account_id"], ids["aid"], strict=True))
    frame["aid"] = frame["account_id"].map(aid)
    frame["ts"] = (frame["created_at"] - pd.Timestamp("1970-01-01")).dt.total_seconds().astype(int)
    uses = frame.groupby("parent_post_id").size()
    keys = con.execute("SELECT behaviour, key, kid, n FROM keys").df()
    traces = con.execute("SELECT behaviour, kid, aid, bucket, ts, post_id FROM traces").df()
    traces = traces.merge(keys[["behaviour", "kid", "key"]], on=["behaviour", "kid"])
    solo = con.execute("SELECT behaviour, aid, n FROM solo_traces").df()
    activity = con.execute("SELECT behaviour, aid, a FROM activity").df()
    for behaviour, w in (("corepost", 60), ("corepost@5min", 300)):
        # what every trace would be, one per (key, account, bucket) at its earliest time,
        # with the smallest post id of that second (several posts may share it)
        want = frame.assign(bucket=frame["ts"] // w)
        want = (
            want.sort_values(["ts", "post_id"])
            .groupby(["parent_post_id", "aid", "bucket"], as_index=False)[["ts", "post_id"]]
            .first()
        )
        multi = want["parent_post_id"].map(uses) >= 2
        got = traces[traces["behaviour"] == behaviour]
        columns = ["aid", "bucket", "ts", "post_id"]
        assert sorted(map(tuple, got[["key", *columns]].to_numpy().tolist())) == sorted(
            map(tuple, want.loc[multi, ["parent_post_id", *columns]].to_numpy().tolist())
        )
        mine = solo[solo["behaviour"] == behaviour].set_index("aid")["n"]
        lone = want.loc[~multi].groupby("aid").size()
        assert mine.sort_index().to_dict() == lone.sort_index().to_dict()
        # nothing dropped: activity counts every trace of every account, solo or not
        act = activity[activity["behaviour"] == behaviour].set_index("aid")["a"]
        assert act.sort_index().to_dict() == want.groupby("aid").size().sort_index().to_dict()
        assert counts[behaviour] == len(want)


def _pair_counts_by_definition(traces: pd.DataFrame, w: dict[str, int]) -> dict:  # type: ignore[type-arg]
    """Per (behaviour, a, b): episodes shared (distinct (key, earlier bucket) where two of
    their traces of the key fall in the same or neighbouring buckets within the window),
    distinct keys, the weight of the episodes, the first and last time; two episodes or more."""
    episodes: dict[tuple[str, int, int], dict[tuple[int, int], float]] = {}
    times: dict[tuple[str, int, int], list[int]] = {}
    rows = list(traces.itertuples(index=False))
    for x in rows:
        for y in rows:
            if (x.behaviour, x.kid) != (y.behaviour, y.kid) or x.aid >= y.aid:
                continue
            if abs(x.bucket - y.bucket) > 1 or abs(x.ts - y.ts) > w[x.behaviour]:
                continue
            pair = (x.behaviour, int(x.aid), int(y.aid))
            episodes.setdefault(pair, {})[(int(x.kid), min(x.bucket, y.bucket))] = x.weight
            times.setdefault(pair, []).extend([int(x.ts), int(y.ts)])
    want = {}
    for pair, eps in episodes.items():
        if len(eps) >= 2:
            keys = len({kid for kid, _ in eps})
            span = (min(times[pair]), max(times[pair]))
            want[pair] = (len(eps), keys, round(sum(eps.values()), 9), *span)
    return want


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        # (behaviour, key, account, bucket, second within the bucket)
        st.tuples(
            st.sampled_from(["b1", "b2"]),
            st.integers(0, 2),
            st.integers(0, 4),
            st.integers(0, 5),
            st.integers(0, 9),
        ),
        min_size=2,
        max_size=40,
        unique_by=lambda r: r[:4],  # one trace per (behaviour, key, account, bucket)
    )
)
def test_pair_counts_part_by_part_are_the_definition(
    rows: list[tuple[str, int, int, int, int]],
) -> None:
    # the part counts group a pair of traces only where it can repeat (accounts leaving
    # a key more than once, in neighbouring buckets): the same counts as the definition
    import duckdb

    from cibscan.engine import duckdb_runner
    from cibscan.link_steps import pair_count_steps, run_steps

    w = {"b1": 10, "b2": 6}
    traces = pd.DataFrame(rows, columns=["behaviour", "kid", "aid", "bucket", "s"])
    traces["ts"] = traces["bucket"] * traces["behaviour"].map(w) + traces["s"] % traces[
        "behaviour"
    ].map(w)
    traces["post_id"] = [f"p{i}" for i in range(len(traces))]
    traces["weight"] = 1.0 + traces["kid"] / 3.0
    con = duckdb.connect()
    join_traces = traces.drop(columns="s")
    windows = pd.DataFrame(
        {"source": ["b1", "b2"], "behaviour": ["b1", "b2"], "w": [10, 6], "part": [0, 1]}
    )
    con.register("_j", join_traces)
    con.register("_w", windows)
    con.execute("CREATE TABLE join_traces AS SELECT * FROM _j")
    con.execute("CREATE TABLE windows AS SELECT * FROM _w")
    run_steps(duckdb_runner(con), pair_count_steps(2, parts=2))
    got = {
        (str(r[0]), int(r[1]), int(r[2])): (int(r[3]), int(r[4]), round(float(r[5]), 9), *r[6:])
        for r in con.execute(
            "SELECT behaviour, a, b, shared, keys, weight, first_ts, last_ts FROM pair_counts"
        ).fetchall()
    }
    assert got == _pair_counts_by_definition(join_traces, w)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(0, 2),
            st.sampled_from([-3.0, -1.5, 0.0]),
            st.sampled_from(["corepost", "corepost@1h", "cohashtag", "b"]),
        ),
        max_size=40,
    )
)
def test_first_rows_are_pandas_sorted_first_of_each_group(
    rows: list[tuple[int, int, float, str]],
) -> None:
    from cibscan.link import first_rows

    frame = pd.DataFrame(rows, columns=["aid", "campaign", "p", "behaviour"])
    frame["row"] = range(len(frame))
    want = frame.sort_values(["aid", "campaign", "p", "behaviour"], kind="stable")
    want = want.drop_duplicates(["aid", "campaign"])
    named = pd.factorize(frame["behaviour"], sort=True)[0]
    got = first_rows(
        (frame["aid"].to_numpy(), frame["campaign"].to_numpy()), (frame["p"].to_numpy(), named)
    )
    assert frame["row"].to_numpy()[got].tolist() == want["row"].tolist()
    # the same with the groups shifted below zero (one integer code per row), and with a
    # range too wide for one int64 code (the rows sorted key by key instead)
    aid, campaign = frame["aid"].to_numpy(), frame["campaign"].to_numpy().astype(np.int64)
    order = (frame["p"].to_numpy(), named)
    for groups in ((aid - 2, campaign - 5), (aid, campaign * (1 << 60))):
        assert first_rows(groups, order).tolist() == got.tolist()


@given(window=st.sampled_from([60, 600, 3600, 86_400]), grain=st.sampled_from([1, 60, 3600]))
def test_a_neighbouring_bucket_s_share_is_its_grid_points_within_the_window(
    window: int, grain: int
) -> None:
    if grain > window:
        return  # detect raises such a window to the grain first (resolution.at_step)
    share = neighbour_share(window, grain)
    if grain == 1:
        assert share == 0.5  # times to the second read as continuous
        return
    # by definition: a trace at each grid point of a bucket against one at each grid point
    # of the next bucket, within the window when the later is no more than it after
    points = np.arange(0, window, grain)
    dt = (window + points[None, :]) - points[:, None]
    assert share == (dt <= window).mean()


@given(st.lists(st.integers(0, 40), min_size=2, max_size=60))
def test_slots_count_every_trace_a_pair_join_counts_when_the_window_is_the_grain(
    minutes: list[int],
) -> None:
    # post times to the minute and a one-minute window: two traces in neighbouring buckets
    # are always within the window, so a trace's slots are exactly the traces it pairs with
    import duckdb

    from cibscan.engine import store_table
    from cibscan.link_steps import KEY_BUCKETS

    con = duckdb.connect()
    ts = np.asarray(minutes, dtype=np.int64) * 60
    store_table(
        con,
        "traces",
        pd.DataFrame({"behaviour": "corepost", "kid": 1, "bucket": ts // 60, "ts": ts}),
    )
    store_table(
        con,
        "windows",
        pd.DataFrame({"behaviour": ["corepost"], "w": [60], "near": [neighbour_share(60, 60)]}),
    )
    slots = con.execute("SELECT sum(kb.slots * kb.c) FROM (" + KEY_BUCKETS + ") kb").fetchone()[0]
    within = int((np.abs(ts[:, None] - ts[None, :]) <= 60).sum() - len(ts))  # ordered pairs
    assert slots == within
