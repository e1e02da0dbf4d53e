"""The group-level test: accounts that keep joining a campaign's episodes join it."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.special import gammainc

from cibscan import expand as expand_module
from cibscan.engine import duckdb_runner, fetch_int, store_table
from cibscan.expand import (
    ExpandSettings,
    bonferroni_spent,
    expand_steps,
    merge_steps,
    spent_hypotheses,
)
from cibscan.link import bh_log_q, fdr_log_q
from cibscan.link_steps import run_steps


def _link(con: duckdb.DuckDBPyConnection, solo: bool = False) -> None:
    """The linker's tables the group-level test reads, from the test's ``given`` traces
    (behaviour, key, aid, bucket, ts, post_id): ``traces`` with integer key ids,
    ``keys``, ``solo_traces`` and ``activity``. With ``solo``, the traces of keys with a single
    trace are counted in ``solo_traces`` instead, as the linker does."""
    counted = "count(*) OVER (PARTITION BY behaviour, key)"
    keep = f"{counted} >= 2" if solo else "true"
    con.execute(
        "CREATE OR REPLACE TABLE traces AS SELECT behaviour, kid, aid, bucket, ts, post_id "
        f"FROM (SELECT *, dense_rank() OVER (PARTITION BY behaviour ORDER BY key) AS kid, "
        f"{keep} AS kept FROM given) WHERE kept"
    )
    con.execute(
        "CREATE OR REPLACE TABLE solo_traces AS SELECT behaviour, aid, count(*) AS n "
        f"FROM (SELECT *, NOT ({keep}) AS lone FROM given) WHERE lone GROUP BY behaviour, aid"
    )
    con.execute(
        "CREATE OR REPLACE TABLE activity AS SELECT behaviour, aid, count(*) AS a "
        "FROM given GROUP BY behaviour, aid"
    )
    con.execute(  # each key's accounts, as the linker's keys table holds them
        "CREATE OR REPLACE TABLE keys AS SELECT behaviour, kid, count(DISTINCT aid) AS n "
        "FROM traces GROUP BY behaviour, kid"
    )
    con.execute(  # each behaviour at its own window, as the linker names them
        "CREATE OR REPLACE TABLE windows AS SELECT DISTINCT "
        "split_part(behaviour, '@', 1) AS source, behaviour FROM given"
    )


def expand_campaigns(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, settings: ExpandSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``expand.expand_campaigns`` on the linker's tables made from ``given`` now."""
    _link(con)
    return expand_module.expand_campaigns(con, members, settings)


def _traces(
    seed: int = 1, hidden_joins: int = 8, public_in_bursts: bool = False, hidden: int = 1
) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """A campaign of 10 (aids 0-9) posting one hashtag in 30 bursts (a bucket each), all
    of them in every burst; ``hidden`` hidden members (aids 10...) in ``hidden_joins`` of
    the bursts each; and 300 ordinary accounts using 50 popular hashtags at random times,
    each also using the campaign's hashtag once (it is public): at a random time, or
    with ``public_in_bursts`` in one of the bursts (a public flood the campaign joins)."""
    rng = np.random.default_rng(seed)
    rows = []
    for burst in range(30):
        bucket = 100 * burst
        rows += [("cohashtag", "#push", a, bucket) for a in range(10)]
    for h in range(10, 10 + hidden):
        for burst in rng.choice(30, hidden_joins, replace=False):
            rows.append(("cohashtag", "#push", h, 100 * int(burst)))
    for a in range(10 + hidden, 310 + hidden):
        for _ in range(20):
            rows.append(("cohashtag", f"#tag{rng.integers(0, 50)}", a, int(rng.integers(0, 3000))))
        when = 100 * int(rng.integers(0, 30)) if public_in_bursts else int(rng.integers(0, 3000))
        rows.append(("cohashtag", "#push", a, when))
    members = pd.DataFrame({"aid": np.arange(10, dtype="int64"), "campaign": 1})
    return _given(rows), members


def _given(rows: list[tuple[str, str, int, int]]) -> duckdb.DuckDBPyConnection:
    """A connection holding the ``given`` traces made of ``rows`` (behaviour, key, aid,
    bucket): one per (behaviour, key, aid, bucket), at the start of a 10-minute bucket,
    each its own post."""
    traces = pd.DataFrame(rows, columns=["behaviour", "key", "aid", "bucket"])
    traces = traces.drop_duplicates(["behaviour", "key", "aid", "bucket"])
    traces["ts"] = traces["bucket"] * 600
    traces["post_id"] = [f"p{i}" for i in range(len(traces))]
    traces["aid"] = traces["aid"].astype("int32")
    con = duckdb.connect()
    store_table(con, "given", traces)
    return con


def test_a_member_in_a_minority_of_tasks_joins_and_the_public_does_not() -> None:
    con, members = _traces()
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert set(joins["aid"]) == {10}
    assert set(grown["aid"]) == set(range(11))
    row = joins.iloc[0]
    assert row["hits"] == 8 and row["expected"] < 1.0 and row["log10_q"] < -2


def test_turned_off_it_changes_nothing() -> None:
    con, members = _traces()
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings(enabled=False))
    assert joins.empty
    pd.testing.assert_frame_equal(grown, members)


def test_a_public_flood_at_the_campaign_s_times_is_not_evidence_for_anyone() -> None:
    # everybody who used the hashtag used it in a burst: joining one is what the public
    # does, so the hidden member's 8 look like chance and nobody joins
    con, members = _traces(public_in_bursts=True)
    _, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert joins.empty


@settings(max_examples=10, deadline=None)
@given(
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=30),
    st.booleans(),
)
def test_members_are_kept_and_each_account_is_in_one_campaign(
    seed: int, joins_: int, flood: bool
) -> None:
    con, members = _traces(seed, joins_, flood)
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert set(members["aid"]) <= set(grown["aid"])  # nobody is dropped
    assert grown["aid"].is_unique
    assert not set(joins["aid"]) & set(members["aid"])  # only outsiders are tested
    assert set(joins["aid"]) <= {10}  # never the public that used the hashtag once


def test_many_hidden_members_do_not_set_their_own_chance_rate() -> None:
    # 60 hidden members, 5 bursts each, are most of the hashtag's traces: averaging
    # their hits into the chance rate hid every one of them
    con, members = _traces(hidden_joins=5, hidden=60)
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert set(joins["aid"]) == set(range(10, 70))
    assert (joins["hits"] == 5).all()
    assert set(grown["aid"]) == set(range(70))


def test_two_of_a_campaign_s_own_rare_posts_are_evidence_and_three_were_required() -> None:
    # each burst pushes a hashtag nobody else uses, and the hidden member joined two of
    # them; the public also uses hashtags of its own, as most hashtags are
    con, members = _traces(hidden_joins=2)
    con.execute(
        "UPDATE given SET key = '#push' || CAST(bucket // 100 AS VARCHAR) "
        "WHERE key = '#push' AND bucket % 100 = 0 AND aid < 11"
    )
    con.execute(
        "INSERT INTO given SELECT behaviour, '#own' || CAST(aid AS VARCHAR) || '-' "
        "|| CAST(bucket AS VARCHAR), aid, bucket + 7, ts + 4200, post_id || 'b' "
        "FROM given WHERE aid >= 11 AND key LIKE '#tag%'"
    )
    _, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert set(joins["aid"]) == {10} and joins.iloc[0]["hits"] == 2
    _, joins, _ = expand_campaigns(con, members, ExpandSettings(min_hits=3))
    assert joins.empty


def test_the_chance_rate_s_truncation_is_one_or_two() -> None:
    con, members = _traces()
    with pytest.raises(ValueError, match="1 or 2"):
        expand_campaigns(con, members, ExpandSettings(rate_truncation=3))


def test_the_account_a_campaign_follows_is_its_target_not_its_member() -> None:
    # each burst pushes a hashtag of its own, and an outlet posted each of them a minute
    # before any member did: it is in all 30 episodes, so hits alone would join it, but
    # it was first on all 30 keys where a member would be first on about 1 in 11
    con, members = _traces(hidden_joins=8)
    con.execute(
        "UPDATE given SET key = '#push' || CAST(bucket // 100 AS VARCHAR) "
        "WHERE key = '#push' AND bucket % 100 = 0 AND aid < 11"
    )
    bursts = np.arange(30) * 100
    outlet = pd.DataFrame(
        {
            "behaviour": "cohashtag",
            "key": [f"#push{i}" for i in range(30)],
            "aid": np.int32(999),
            "bucket": bursts,
        }
    )
    outlet["ts"] = outlet["bucket"] * 600 - 60
    outlet["post_id"] = [f"o{i}" for i in range(len(outlet))]
    con.execute("INSERT INTO given SELECT behaviour, key, aid, bucket, ts, post_id FROM outlet")
    grown, joins, sources = expand_campaigns(con, members, ExpandSettings())
    assert 999 not in set(grown["aid"]) and 999 not in set(joins["aid"])
    row = sources.set_index("aid").loc[999]
    assert row["campaign"] == 1 and row["hits"] == 30 and row["leads"] == 30
    assert row["leads_expected"] < 3.0
    assert 10 in set(joins["aid"])  # the hidden member, never first, still joins
    assert 10 not in set(sources["aid"])


def _task_platform(seed: int = 3) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """A campaign of 10 (aids 0-9) reposting 30 posts, one per task (a key and a bucket
    each), and 60 hidden members (aids 10-69) in 8 of the tasks each, so that the
    campaign makes up most of each post's reposters; 300 ordinary accounts (aids 70...)
    each repost one of those posts in its bucket (as the public reposts a post the day
    it appears) and use 20 of 600 small hashtags at random times, about 10 accounts each,
    as popular as the posts are without the campaign."""
    rng = np.random.default_rng(seed)
    rows = [("corepost", f"post{t}", a, 100 * t) for t in range(30) for a in range(10)]
    for h in range(10, 70):
        rows += [
            ("corepost", f"post{t}", h, 100 * int(t)) for t in rng.choice(30, 8, replace=False)
        ]
    for a in range(70, 370):
        t = int(rng.integers(0, 30))
        rows.append(("corepost", f"post{t}", a, 100 * t))
        for tag in rng.choice(600, 20, replace=False):
            rows.append(("corepost", f"#small{tag}", a, int(rng.integers(0, 3000))))
    return _stored(rows, rng)


def _stored(
    rows: list[tuple[str, str, int, int]], rng: np.random.Generator
) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """``traces`` from (behaviour, key, aid, bucket) rows, each at a random second of its
    10-minute bucket, on a connection of its own; the campaign is aids 0-9."""
    traces = pd.DataFrame(rows, columns=["behaviour", "key", "aid", "bucket"])
    traces = traces.drop_duplicates(["behaviour", "key", "aid", "bucket"])
    traces["ts"] = traces["bucket"] * 600 + rng.integers(0, 600, len(traces))
    traces["post_id"] = [f"p{i}" for i in range(len(traces))]
    traces["aid"] = traces["aid"].astype("int32")
    con = duckdb.connect()
    store_table(con, "given", traces)
    members = pd.DataFrame({"aid": np.arange(10, dtype="int64"), "campaign": 1})
    return con, members


def test_the_popularity_a_campaign_gives_its_own_keys_does_not_hide_its_members() -> None:
    # with its hidden members the posts have about 36 reposters each, a popularity no
    # other key has: binned by it, the public's reposts of them were the whole bin and
    # set a chance rate near 1 per trace, so that 8 hits were what anybody would have.
    # Without the campaign they have about 10, like the small hashtags
    con, members = _task_platform()
    grown, joins, sources = expand_campaigns(con, members, ExpandSettings())
    assert set(joins["aid"]) == set(range(10, 70))
    assert (joins["expected"] < 2.0).all()
    assert sources.empty
    assert set(grown["aid"]) == set(range(70))  # none of the public joins


def _own_links_platform(seed: int = 5) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """A campaign of 10 (aids 0-9) posting a link of its own in each of 30 bursts; 100
    hidden members (aids 10-109) in 2 of the bursts each and 20 (aids 110-129) in 3;
    300 ordinary accounts (aids 130...) posting 20 links nobody else posts, at random
    times, as most links are."""
    rng = np.random.default_rng(seed)
    rows = [("colink", f"story{b}", a, 100 * b) for b in range(30) for a in range(10)]
    for h in range(10, 130):
        joins = 2 if h < 110 else 3
        rows += [("colink", f"story{b}", h, 100 * int(b)) for b in rng.choice(30, joins, False)]
    for a in range(130, 430):
        rows += [("colink", f"own{a}-{i}", a, int(rng.integers(0, 3000))) for i in range(20)]
    return _stored(rows, rng)


def test_members_met_twice_do_not_make_the_campaign_s_own_links_popular() -> None:
    # counted as organic, the 100 members seen twice gave each story about 7 users, a
    # popularity no ordinary link has: their bin held only their own hits, its rate was
    # near 1 per trace, and the members seen three times had about 3 hits expected
    con, members = _own_links_platform()
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings(min_hits=3))
    assert set(joins["aid"]) == set(range(110, 130))
    assert (joins["expected"] < 0.5).all()
    assert set(grown["aid"]) == set(range(10)) | set(range(110, 130))
    # two of the campaign's own links are evidence too: the members seen twice join, but
    # for those the direction test lists as targets by chance, at its level of 1% per
    # account (their times are random: aid 54 was first in both of its bursts of 10)
    grown, joins, sources = expand_campaigns(con, members, ExpandSettings())
    chance = set(sources["aid"].astype(int))
    assert len(chance) <= 2 and set(grown["aid"]) | chance == set(range(130))


def test_hidden_members_whose_hits_fall_in_several_bins_do_not_set_their_rate() -> None:
    # a campaign of 10 posts a link of its own in each of 30 bursts; the public (one-off
    # links, as most are) also posted the stories at other times, 0, 2 or 4 accounts
    # each, so the stories fall in three popularity bins that hold little else. 100
    # hidden members with 4 bursts each have at most two hits in most bins: left out
    # of the rate bin by bin they counted in it and were most of it
    rng = np.random.default_rng(11)
    rows = [("colink", f"story{b}", a, 100 * b) for b in range(30) for a in range(10)]
    for h in range(10, 110):
        rows += [("colink", f"story{b}", h, 100 * int(b)) for b in rng.choice(30, 4, False)]
    public = iter(range(110, 10_000))
    for b in range(30):
        for _ in range(2 * (b % 3)):
            rows.append(("colink", f"story{b}", next(public), 100 * b + 50))
    for a in range(110, 410):
        rows += [("colink", f"own{a}-{i}", a, int(rng.integers(0, 3000))) for i in range(20)]
    con, members = _stored(rows, rng)
    grown, joins, _ = expand_campaigns(con, members, ExpandSettings())
    assert set(joins["aid"]) == set(range(10, 110))
    assert set(grown["aid"]) == set(range(110))  # none of the public joins


def test_an_outlet_first_in_every_episode_on_one_key_is_a_target() -> None:
    # the ring copies the outlet's posts, each with the outlet's domain, within minutes;
    # first on one key shows nothing against a campaign of 10 (1 in 11 by chance), but
    # first in all 30 of its episodes does
    con, members = _traces(hidden_joins=8)
    outlet = pd.DataFrame(
        {
            "behaviour": "cohashtag",
            "key": "#push",
            "aid": np.int32(999),
            "bucket": np.arange(30) * 100,
        }
    )
    outlet["ts"] = outlet["bucket"] * 600 - 60
    outlet["post_id"] = [f"o{i}" for i in range(len(outlet))]
    con.execute("INSERT INTO given SELECT behaviour, key, aid, bucket, ts, post_id FROM outlet")
    grown, joins, sources = expand_campaigns(con, members, ExpandSettings())
    assert 999 not in set(grown["aid"])
    row = sources.set_index("aid").loc[999]
    assert row["keys"] == 1 and row["hits"] == 30 and row["leads"] == 30
    assert 10 in set(joins["aid"])


def test_two_fragments_of_one_campaign_are_merged_and_another_campaign_is_not() -> None:
    # clustering cut the campaign of 10 in two (0-4, 5-9): each fragment's members are
    # in all 30 of the other's episodes. A campaign of its own (500-509, another hashtag
    # at other times) shares none of them
    con, _ = _traces(hidden_joins=8)
    other = pd.DataFrame(
        [("cohashtag", "#other", a, 100 * b + 50) for b in range(30) for a in range(500, 510)],
        columns=["behaviour", "key", "aid", "bucket"],
    )
    other["ts"] = other["bucket"] * 600
    other["post_id"] = [f"x{i}" for i in range(len(other))]
    other["aid"] = other["aid"].astype("int32")
    con.execute("INSERT INTO given SELECT behaviour, key, aid, bucket, ts, post_id FROM other")
    split = pd.DataFrame(
        {
            "aid": np.r_[np.arange(10), np.arange(500, 510)].astype("int64"),
            "campaign": np.repeat(np.array([2, 3, 1], dtype="int64"), [5, 5, 10]),
        }
    )
    grown, joins, _ = expand_campaigns(con, split, ExpandSettings())
    of = grown.set_index("aid")["campaign"]
    assert of.loc[list(range(10))].nunique() == 1  # the two fragments are one
    assert set(of.loc[list(range(500, 510))]) != set(of.loc[list(range(10))])
    assert of.loc[list(range(500, 510))].nunique() == 1
    assert sorted(grown.groupby("campaign").size().tolist()) == [10, 11]  # 10 joined
    assert set(joins["aid"]) == {10}


def test_an_operation_that_shares_a_campaign_s_targets_is_not_its_fragment() -> None:
    # three loudspeakers join 12 of the campaign's 30 bursts, significant for it, but
    # spend most of what they do on 300 posts of their own together, and the campaign
    # spends most of its bursts without them: another operation that shares some of its
    # targets, not a piece of it
    con, _ = _traces(hidden_joins=8)
    rows = [("cohashtag", "#push", a, 100 * b) for b in range(12) for a in (600, 601, 602)]
    rows += [("cohashtag", "#loud", a, 7 * b + 3000) for b in range(300) for a in (600, 601, 602)]
    loud = pd.DataFrame(rows, columns=["behaviour", "key", "aid", "bucket"])
    loud["ts"] = loud["bucket"] * 600
    loud["post_id"] = [f"l{i}" for i in range(len(loud))]
    loud["aid"] = loud["aid"].astype("int32")
    con.execute("INSERT INTO given SELECT behaviour, key, aid, bucket, ts, post_id FROM loud")
    split = pd.DataFrame(
        {
            "aid": np.r_[np.arange(10), [600, 601, 602]].astype("int64"),
            "campaign": np.repeat(np.array([1, 2], dtype="int64"), [10, 3]),
        }
    )
    grown, _, _ = expand_campaigns(con, split, ExpandSettings())
    of = grown.set_index("aid")["campaign"]
    assert of.loc[[600, 601, 602]].nunique() == 1
    assert of.loc[600] != of.loc[0]


@pytest.mark.parametrize("truncation", [1, 2])
def test_a_later_round_s_hits_are_the_last_round_s_without_the_accounts_that_joined(
    truncation: int,
) -> None:
    # a round, then five hidden members and ten ordinary accounts join the insiders: the
    # round after it, filtering the last round's hits, gives the tables a full round gives
    con, members = _traces(hidden_joins=5, hidden=8)
    store_table(con, "members", members)
    store_table(con, "insiders", members[["aid"]])
    _link(con)
    run = duckdb_runner(con)
    run_steps(run, expand_steps(2, truncation))
    before = fetch_int(con, "SELECT count(*) FROM outsider_hits")
    joined = np.r_[np.arange(10), np.arange(10, 15), np.arange(20, 30)].astype("int64")
    store_table(con, "insiders", pd.DataFrame({"aid": joined}))
    tables = ("outsider_hits", "under_test", "bin_rates", "hit_rates", "candidates")
    run_steps(run, expand_module.later_round_steps(2, truncation))
    later = {t: con.execute(f"SELECT * FROM {t}").df() for t in tables}
    run_steps(run, expand_module.round_steps(2, truncation))
    full = {t: con.execute(f"SELECT * FROM {t}").df() for t in tables}
    assert 0 < len(full["outsider_hits"]) < before and len(full["candidates"]) >= 3
    for t in tables:
        key = [c for c in ("behaviour", "aid", "campaign", "bin") if c in full[t].columns]
        want = full[t].sort_values(key).reset_index(drop=True)
        got = later[t][want.columns].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)


def test_the_hypotheses_spent_are_bounded_by_the_exact_sum_and_by_bh_s_count() -> None:
    # the outsiders' expected hits on the campaign from their traces per bin, by brute
    # force, against the histogram: the exact sum of min(t, tail) <= spent(t) <= the
    # exact sum times one grid step, and never more than Benjamini-Hochberg's count
    con, members = _traces(hidden_joins=5, hidden=5)
    store_table(con, "members", members)
    store_table(con, "insiders", members[["aid"]])
    _link(con)
    run_steps(duckdb_runner(con), expand_steps(2))
    spent = spent_hypotheses(con, 2)
    exposure = con.execute("SELECT e.aid, e.bin, e.traces FROM exposure e WHERE e.aid >= 10").df()
    rates = con.execute("SELECT bin, least(rate, 1.0) AS rate FROM hit_rates").df()
    lam = (
        exposure.merge(rates, on="bin", how="left")
        .fillna({"rate": 0.0})
        .assign(x=lambda d: d["traces"] * d["rate"])
        .groupby("aid")["x"]
        .sum()
        .to_numpy()
    )
    tail = gammainc(2.0, lam)
    for t in (1e-9, 1e-6, 1e-3, 0.05, 0.5):
        exact = float(np.minimum(t, tail).sum())
        got = float(10 ** spent(np.log10(np.array([t])))[0])
        assert exact <= got * (1 + 1e-12)
        assert got <= exact * 10**expand_module._GRID_STEP * (1 + 1e-12)
        assert got <= t * len(lam) * (1 + 1e-12)  # one campaign, one behaviour: BH counts t each
    assert np.all(np.diff(spent(np.linspace(-12.0, 0.0, 50))) >= 0)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(min_value=-40.0, max_value=0.0), min_size=1, max_size=50),
    st.floats(min_value=1.0, max_value=1e9),
)
def test_counting_t_for_each_hypothesis_is_benjamini_hochberg(log_p: list[float], m: float) -> None:
    p = np.array(log_p)
    np.testing.assert_allclose(fdr_log_q(p, bonferroni_spent(m)), bh_log_q(p, m), atol=1e-9)


@given(
    st.integers(1, 6).flatmap(
        lambda bins: st.lists(
            st.lists(st.integers(0, 3), min_size=bins, max_size=bins), max_size=60
        )
    )
)
def test_distinct_rows_are_numpys_unique_rows(rows: list[list[int]]) -> None:
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), -1 if rows else 1)
    got, weight = expand_module._distinct_rows(matrix)
    want, counts = np.unique(matrix, axis=0, return_counts=True)
    # the same rows, in the same order, each weighted by how many outsiders have it
    assert np.array_equal(got, want)
    assert np.array_equal(weight, counts)


def test_accounts_with_an_identity_trait_are_a_family_of_their_own() -> None:
    # 1,000 outsiders each with two hits where 0.02 were expected (log10 p about -2.7),
    # tested among 10^8 hypotheses; 20 of them have a name that imitates an outlet
    n = 1_000
    cand = pd.DataFrame(
        {
            "aid": np.arange(n, dtype=np.int64),
            "campaign": 1,
            "behaviour": "colink",
            "hits": 2,
            "keys": 2,
            "expected": 0.02,
            "leads": 0,
            "leads_expected": 0.5,
        }
    )
    settings = ExpandSettings()
    identified = np.arange(20, dtype=np.int64)
    rest, own = bonferroni_spent(1e8), bonferroni_spent(40)  # own: 20 accounts x 2 tests
    one_family = expand_module._significant(cand, rest, settings)
    two = expand_module._significant(cand, (rest, own), settings, identified)
    assert one_family.empty  # two hits are never enough among 10^8 hypotheses
    # in their own family of 40 hypotheses they are: the 20, and nobody else
    assert set(two["aid"]) == set(identified.tolist())
    assert (two["log10_q"] <= np.log10(settings.alpha)).all()


def test_traces_of_keys_used_once_count_the_same_as_solo_traces() -> None:
    # the linker keeps a key's single trace only as a count (``solo_traces``); the group
    # level test must give the same exposure, rates and candidates either way
    con, members = _traces(hidden_joins=2)
    con.execute(
        "INSERT INTO given SELECT behaviour, '#own' || CAST(aid AS VARCHAR) || '-' "
        "|| CAST(bucket AS VARCHAR), aid, bucket + 7, ts + 4200, post_id || 'b' "
        "FROM given WHERE aid >= 11 AND key LIKE '#tag%'"
    )
    # the members too post keys of their own, and are two campaigns to test each other
    con.execute(
        "INSERT INTO given SELECT behaviour, '#mine' || post_id, aid, bucket + 3, ts + 1800, "
        "post_id || 'm' FROM given WHERE aid < 10"
    )
    members = members.assign(campaign=np.where(members["aid"] < 5, 1, 2))
    store_table(con, "members", members)
    store_table(con, "insiders", members[["aid"]])
    names = ("exposure", "hit_rates", "candidates", "member_shares", "member_candidates")
    got = {}
    for solo in (False, True):
        _link(con, solo)
        lone = con.execute("SELECT coalesce(sum(n), 0) FROM solo_traces").fetchone()[0]
        assert (lone > 1000) if solo else lone == 0
        run_steps(duckdb_runner(con), (*expand_steps(2), *merge_steps(2)))
        got[solo] = {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").df() for name in names}
    for name in names:
        assert len(got[False][name]) > 0, name
        pd.testing.assert_frame_equal(got[False][name], got[True][name], check_dtype=False)


def test_an_account_alone_in_its_bin_is_tested_at_the_campaign_s_rate_not_at_zero() -> None:
    # a ring of 10 copies an outlet's posts: one key per post, in 30 bursts. The outlet
    # (999) posted 3 of them and 200 texts nobody else used, so its bin holds nobody but
    # itself; under test, it sets no rate there. The public reposts the ring's posts at
    # the ring's times now and then, which sets the ring's rate in their bins.
    rng = np.random.default_rng(3)
    rows = [("coobject", f"#post{b}", a, 100 * b) for b in range(30) for a in range(10)]
    rows += [("coobject", f"#post{b}", 999, 100 * b) for b in (0, 1, 2)]
    rows += [("coobject", f"#own{i}", 999, 7 * i + 1) for i in range(200)]
    for a in range(100, 400):
        for b in rng.choice(30, 2, replace=False):
            rows.append(("coobject", f"#post{b}", a, 100 * int(b) + int(rng.integers(0, 2))))
        for _ in range(10):
            rows.append(("coobject", f"#tag{rng.integers(0, 50)}", a, int(rng.integers(0, 3000))))
    con = _given(rows)
    _link(con)
    members = pd.DataFrame({"aid": np.arange(10, dtype="int64"), "campaign": 1})
    store_table(con, "members", members)
    store_table(con, "insiders", members[["aid"]])
    run_steps(duckdb_runner(con), expand_steps(2))
    row = con.execute("SELECT hits, expected FROM candidates WHERE aid = 999").fetchone()
    assert row is not None and row[0] == 3
    assert row[1] > 3  # its 203 traces at the ring's rate, not 0 for the 200 alone
    grown, _, _ = expand_module.expand_campaigns(con, members, ExpandSettings())
    assert 999 not in set(grown["aid"])


def test_a_bin_where_no_outsider_hit_has_half_a_hit_not_a_rate_of_zero() -> None:
    # a ring of 10 in 30 bursts of its own hashtag; 300 accounts use 50 popular hashtags
    # and never the ring's, and 20 of them each once used a hashtag nobody else did (the
    # bin of keys one account used). Account 999 used the ring's hashtag in 3 bursts:
    # under test, it leaves the bin to those 20 traces, none of which hit. Zero hits in 20
    # traces do not make the rate zero (any hit there infinitely significant): the bin has
    # half a hit, 0.5 / 20 per trace, and 999's 3 traces expect 0.075 hits.
    rng = np.random.default_rng(4)
    rows = [("cohashtag", "#push", a, 100 * b) for b in range(30) for a in range(10)]
    rows += [("cohashtag", "#push", 999, 100 * b) for b in (3, 9, 27)]
    for a in range(100, 400):
        for _ in range(20):
            rows.append(("cohashtag", f"#tag{rng.integers(0, 50)}", a, int(rng.integers(0, 3000))))
    rows += [("cohashtag", f"#rare{a}", a, int(rng.integers(0, 3000))) for a in range(100, 120)]
    con = _given(rows)
    _link(con, solo=True)
    members = pd.DataFrame({"aid": np.arange(10, dtype="int64"), "campaign": 1})
    store_table(con, "members", members)
    store_table(con, "insiders", members[["aid"]])
    run_steps(duckdb_runner(con), expand_steps(2))
    rates = con.execute("SELECT bin, rate FROM hit_rates ORDER BY bin").df()
    assert (rates["rate"] > 0).all()
    expected = con.execute("SELECT hits, expected FROM candidates WHERE aid = 999").fetchone()
    assert expected is not None and expected[0] == 3
    # half a hit among 20 traces; the Poisson fit truncated at 2 adds a little (mu > m)
    assert expected[1] == pytest.approx(3 * 0.5 / 20, rel=0.05)


def _fragmented_platform(seed: int = 13) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """An operation pasting the text of one of 60 tasks each (a key and a bucket each,
    used by nobody else) that clustering cut into 10 campaigns of 3 (aids 0-29; campaign
    f + 1 is in the tasks t with t % 10 == f); 150 hidden members (aids 30-179) in 12
    tasks each; 300 ordinary accounts (aids 180...) posting 20 texts of their own each at
    random times, as most texts are."""
    rng = np.random.default_rng(seed)
    rows = [
        ("copypaste", f"task{t}", 3 * (t % 10) + i, 100 * t) for t in range(60) for i in range(3)
    ]
    for h in range(30, 180):
        rows += [("copypaste", f"task{t}", h, 100 * int(t)) for t in rng.choice(60, 12, False)]
    for a in range(180, 480):
        rows += [("copypaste", f"own{a}-{i}", a, int(rng.integers(0, 6000))) for i in range(20)]
    con, _ = _stored(rows, rng)
    fragment = np.arange(30) // 3 + 1
    members = pd.DataFrame({"aid": np.arange(30, dtype="int64"), "campaign": fragment})
    return con, members


def test_hidden_members_of_an_operation_cut_in_fragments_join_the_fragments_pooled() -> None:
    con, fragments = _fragmented_platform()
    _link(con)
    # against each fragment a hidden member has about one hit, and the hidden members,
    # at most two hits on each, are most of those who set its rate: few join
    _, apart, _ = expand_module.expand_campaigns(con, fragments, ExpandSettings())
    assert len(apart) <= 15  # 2 of the 150
    # pooled, each has its 12 hits together, too many to set the rate: all join
    # (but for those the direction test lists as targets by chance, at its level of 1%
    # per account: their times are random, and aid 80 was first in 8 of its 12 tasks)
    pooled = fragments.assign(campaign=1)
    grown, joins, sources = expand_module.expand_campaigns(
        con, pooled, ExpandSettings(), merge=False
    )
    chance = set(sources["aid"].astype(int))
    assert len(chance) <= 3 and set(joins["aid"]) | chance == set(range(30, 180))
    assert set(grown["aid"]) == set(range(180)) - chance
    # accounts in other campaigns (``insiders``) are neither tested nor set a rate
    crowd = np.arange(30, 60, dtype=np.int64)
    _, held, _ = expand_module.expand_campaigns(
        con, pooled, ExpandSettings(), insiders=crowd, merge=False
    )
    assert set(held["aid"]) == set(range(60, 180)) - chance


def test_an_account_joined_to_a_family_goes_to_the_fragment_it_was_with_most() -> None:
    import importlib

    from cibscan.cluster import families
    from cibscan.detect import DetectConfig
    from cibscan.status import CampaignStatus

    detect_module = importlib.import_module("cibscan.detect")
    con, fragments = _fragmented_platform()
    _link(con)
    # the fragments linked in a chain, and a crowd (aids 180-189) linked to the first
    crowd = pd.DataFrame({"aid": np.arange(180, 190, dtype="int64"), "campaign": 11})
    members = pd.concat([fragments, crowd], ignore_index=True)
    rows = [(a, a + i) for a in range(0, 30, 3) for i in (1, 2)]  # each fragment
    rows += [(a, a + 3) for a in range(0, 27, 3)] + [(0, 180)]  # the chain, the crowd
    rows += [(180 + i, 181 + i) for i in range(9)]
    pairs = pd.DataFrame(rows, columns=["a", "b"]).assign(log10_q=-8.0, significant=True)
    ops = [CampaignStatus.OPERATION.value] * 10
    verdicts = pd.DataFrame({"campaign": range(1, 12), "status": [*ops, "crowd"]})
    joins = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.JOIN_COLUMNS})
    sources = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.SOURCE_COLUMNS})
    args = (con, families(pairs, members), members, joins, sources)
    config, none = DetectConfig(), np.array([], dtype=np.int64)
    grown, found, targets, n = detect_module._join_families(*args, verdicts, config, none)
    # every hidden member joins, but for those that the direction test, at its level of
    # 1% per account, lists as targets by chance (their times are random; aid 80 was
    # first in 8 of its 12 tasks, 3 expected)
    chance = set(targets["aid"].astype(int))
    assert len(chance) <= 3 and found["family"].all()
    assert n == len(found) and set(found["aid"]) | chance == set(range(30, 180))
    assert set(grown["aid"]) == set(range(190)) - chance
    # each to the fragment holding most of its tasks (ties to the smaller campaign)
    given = con.execute("SELECT aid, bucket FROM given WHERE aid BETWEEN 30 AND 179").df()
    given["fragment"] = (given["bucket"] // 100) % 10 + 1
    counts = given.groupby(["aid", "fragment"]).size().rename("n").reset_index()
    counts = counts.sort_values(["aid", "n", "fragment"], ascending=[True, False, True])
    want = counts.drop_duplicates("aid").set_index("aid")["fragment"].drop(index=list(chance))
    placed = grown[grown["aid"].between(30, 179)].set_index("aid")["campaign"].sort_index()
    assert placed.equals(want.rename("campaign").astype("int64"))
    # fragments that are not operations are not pooled; a family of one was tested already
    for status in (["crowd"] * 11, [ops[0]] + ["crowd"] * 10):
        cleared = verdicts.assign(status=status)
        same = detect_module._join_families(*args, cleared, config, none)
        assert same[3] == 0 and same[0] is members


def test_against_a_pooled_family_an_account_that_met_it_once_makes_no_key_popular() -> None:
    # the fragmented operation's 60 task texts (campaign: the 30 fragment members) with
    # 150 hidden members in 12 tasks each, and 300 members seen once (one task each, in
    # its bucket). Counted as organic, the ones seen once gave each task text about five
    # users: their own bin, its rate near 1 per trace, and no hidden member could join
    rng = np.random.default_rng(13)
    rows = [
        ("copypaste", f"task{t}", 3 * (t % 10) + i, 100 * t) for t in range(60) for i in range(3)
    ]
    for h in range(30, 180):
        rows += [("copypaste", f"task{t}", h, 100 * int(t)) for t in rng.choice(60, 12, False)]
    for h in range(180, 480):
        t = int(rng.integers(0, 60))
        rows.append(("copypaste", f"task{t}", h, 100 * t))
    for a in range(480, 780):
        rows += [("copypaste", f"own{a}-{i}", a, int(rng.integers(0, 6000))) for i in range(20)]
    con, _ = _stored(rows, rng)
    _link(con)
    pooled = pd.DataFrame({"aid": np.arange(30, dtype="int64"), "campaign": 1})
    run = expand_module.expand_campaigns
    _, once, _ = run(con, pooled, ExpandSettings(), merge=False, organic_max_hits=1)
    assert once.empty
    _, joins, _ = run(con, pooled, ExpandSettings(), merge=False, organic_max_hits=0)
    assert set(joins["aid"]) == set(range(30, 180))  # and none of those seen once
    assert (joins["expected"] < 1.0).all()


def test_against_a_pooled_family_a_crowd_s_members_set_the_rate() -> None:
    # a brigade (aids 0-9, pooled) mentions its target in 40 bursts, and 100 hidden
    # members (10-109) each join one in ten of them, at least one. The target's 200
    # supporters (200-399, an authentic-looking crowd) mention it 30 times each at any
    # time, so by chance some of their mentions fall in the bursts; 300 others (500-799)
    # mention other accounts.
    rng = np.random.default_rng(21)
    rows = [("comention", "@target", a, 100 * b) for b in range(40) for a in range(10)]
    joined = np.maximum(rng.binomial(40, 0.1, 100), 1)
    for h, k in zip(range(10, 110), joined, strict=True):
        rows += [("comention", "@target", h, 100 * int(b)) for b in rng.choice(40, k, False)]
    for a in range(200, 400):
        rows += [("comention", "@target", a, int(t)) for t in rng.integers(0, 4000, 30)]
    for a in range(500, 800):
        rows += [("comention", f"@x{rng.integers(0, 50)}", a, int(rng.integers(0, 4000)))]
    con, members = _stored(rows, rng)
    _link(con)
    crowd = np.arange(200, 400, dtype=np.int64)
    family = {"merge": False, "organic_max_hits": 0}
    # the crowd kept out as insiders: only the hidden members with one or two hits are
    # left to set the rate on the target's mentions, and every trace of theirs is a hit
    _, held, _ = expand_module.expand_campaigns(
        con, members, ExpandSettings(), insiders=crowd, **family
    )
    assert len(held) <= 10
    # the crowd among the outsiders: its mentions set the rate, and none of it joins
    _, joins, sources = expand_module.expand_campaigns(con, members, ExpandSettings(), **family)
    assert set(joins["aid"]) == set(np.arange(10, 110)[joined >= 2])
    assert sources.empty and (joins["expected"] < 0.5).all()
    chance = con.execute(
        "SELECT count(*) FROM traces WHERE aid BETWEEN 200 AND 399 AND bucket % 100 = 0"
    ).fetchone()
    assert chance is not None and chance[0] > 20  # the crowd did hit the bursts


def test_a_crowd_joins_a_pooled_family_only_with_half_of_its_members_well_above_chance() -> None:
    import importlib

    detect_module = importlib.import_module("cibscan.detect")
    # 1 is in no campaign; crowd 10 holds 2, 3 and 4; crowd 20 holds 5 to 24; crowd 30
    # holds 30 and 31, very active accounts whose hits run at twice and more of chance
    found = pd.DataFrame(
        {
            "aid": [1, 2, 3, 5, 6, 30, 31],
            "hits": [3, 4, 3, 4, 4, 35, 35],
            "expected": [0.2, 0.1, 0.2, 0.1, 0.1, 15.0, 15.0],
        }
    )
    crowd_of = pd.Series({2: 10, 3: 10, 4: 10, **dict.fromkeys(range(5, 25), 20), 30: 30, 31: 30})
    keep = detect_module._absorbed(found, crowd_of, 0.01)
    # two of three of crowd 10 take it; two of twenty of crowd 20 do not; crowd 30's
    # hits are significant, but not against twice the hits expected
    assert found.loc[keep, "aid"].tolist() == [1, 2, 3]
    assert detect_module._absorbed(found.iloc[:0], crowd_of, 0.01).size == 0


def test_hidden_members_cleared_as_a_small_crowd_join_the_pooled_family() -> None:
    import importlib

    from cibscan.cluster import families
    from cibscan.detect import DetectConfig
    from cibscan.status import CampaignStatus

    detect_module = importlib.import_module("cibscan.detect")
    con, fragments = _fragmented_platform()
    _link(con)
    # three hidden members (30-32) linked to each other apart from the fragments and
    # cleared as a crowd, as a campaign of three too small to carry a marker is; ten
    # ordinary accounts (180-189) are a crowd of their own
    small = pd.DataFrame({"aid": np.arange(30, 33, dtype="int64"), "campaign": 11})
    crowd = pd.DataFrame({"aid": np.arange(180, 190, dtype="int64"), "campaign": 12})
    members = pd.concat([fragments, small, crowd], ignore_index=True)
    rows = [(a, a + i) for a in range(0, 30, 3) for i in (1, 2)]
    rows += [(a, a + 3) for a in range(0, 27, 3)] + [(30, 31), (31, 32)]
    rows += [(180 + i, 181 + i) for i in range(9)]
    pairs = pd.DataFrame(rows, columns=["a", "b"]).assign(log10_q=-8.0, significant=True)
    ops = [CampaignStatus.OPERATION.value] * 10
    verdicts = pd.DataFrame({"campaign": range(1, 13), "status": [*ops, "crowd", "crowd"]})
    joins = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.JOIN_COLUMNS})
    sources = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.SOURCE_COLUMNS})
    args = (con, families(pairs, members), members, joins, sources)
    config, none = DetectConfig(), np.array([], dtype=np.int64)
    grown, found, targets, n = detect_module._join_families(*args, verdicts, config, none)
    # but for those listed as targets by chance (the test above)
    chance = set(targets["aid"].astype(int))
    assert len(chance) <= 3 and set(found["aid"]) | chance == set(range(30, 180))
    assert n == len(found)
    of = grown.set_index("aid")["campaign"]
    assert of.index.is_unique and set(of.index) == set(range(190)) - chance
    assert of.loc[[30, 31, 32]].between(1, 10).all()  # out of their crowd, into fragments
    assert (of.loc[180:189] == 12).all() and 11 not in set(of)


def _ring_platform(seed: int = 31) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    """A hashtag ring pushing ``#ring`` in 30 bursts (bucket 100 b), which nobody else
    uses: clustering found three fragments of three (campaign 1: aids 0-2 in bursts 0-4,
    2: aids 3-5 in bursts 5-9, 3: aids 6-8 in bursts 10-14), each linked only inside
    itself; 90 hidden members (aids 10-99) in 6 of the 30 bursts each. The fragments also
    post ``#tag0`` together in bucket 5 + 100 f, a hashtag the public uses at any time.
    300 ordinary accounts (aids 200-499) post 20 of 50 public hashtags each, and 10
    hashtags of their own."""
    rng = np.random.default_rng(seed)
    rows = []
    for f, bursts in enumerate((range(0, 5), range(5, 10), range(10, 15))):
        for b in bursts:
            rows += [("cohashtag", "#ring", 3 * f + i, 100 * b) for i in range(3)]
        rows += [("cohashtag", "#tag0", 3 * f + i, 100 * f + 5) for i in range(3)]
    for h in range(10, 100):
        rows += [("cohashtag", "#ring", h, 100 * int(b)) for b in rng.choice(30, 6, False)]
    for a in range(200, 500):
        for _ in range(20):
            rows.append(("cohashtag", f"#tag{rng.integers(0, 50)}", a, int(rng.integers(0, 3000))))
        for i in range(10):  # and hashtags of their own, as most hashtags are
            rows.append(("cohashtag", f"#own{a}-{i}", a, int(rng.integers(0, 3000))))
    con, _ = _stored(rows, rng)
    members = pd.DataFrame({"aid": np.arange(9, dtype="int64"), "campaign": np.arange(9) // 3 + 1})
    return con, members


def _ring_families(
    links: list[tuple[int, int]], crowd: bool = False
) -> tuple[duckdb.DuckDBPyConnection, pd.Series, pd.DataFrame, pd.DataFrame]:
    """``_ring_platform``'s fragments with the significant ``links`` given, and with
    ``crowd`` a crowd (campaign 4, aids 200-209) linked in a chain: the connection, each
    campaign's family (``cluster.families``), the members and the verdicts."""
    from cibscan.cluster import families
    from cibscan.status import CampaignStatus

    con, members = _ring_platform()
    _link(con, solo=True)
    status = [CampaignStatus.OPERATION.value] * 3
    if crowd:
        chain = pd.DataFrame({"aid": np.arange(200, 210, dtype="int64"), "campaign": 4})
        members = pd.concat([members, chain], ignore_index=True)
        links = [*links, *((200 + i, 201 + i) for i in range(9))]
        status.append("crowd")
    pairs = pd.DataFrame(links, columns=["a", "b"]).assign(log10_q=-8.0, significant=True)
    verdicts = pd.DataFrame({"campaign": range(1, len(status) + 1), "status": status})
    return con, families(pairs, members), members, verdicts


def _no_joins() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Empty joins and sources tables, as the first group-level test leaves them."""
    joins = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.JOIN_COLUMNS})
    sources = pd.DataFrame({c: pd.Series(dtype="float64") for c in expand_module.SOURCE_COLUMNS})
    return joins, sources


#: The three triangles of ``_ring_platform``'s fragments, each linked only inside itself.
_TRIANGLES = [(a, a + i) for a in range(0, 9, 3) for i in (1, 2)]


def test_operations_own_the_keys_the_public_does_not_use() -> None:
    from cibscan.cluster import sharing_keys

    con, members = _ring_platform()
    _link(con, solo=True)
    owned = expand_module.owned_keys(con, members)
    ring = con.execute("SELECT DISTINCT kid FROM traces WHERE aid = 0 AND bucket = 0").df()
    # each fragment owns the ring's hashtag; #tag0, used by the public, is no one's
    assert owned["campaign"].tolist() == [1, 2, 3]
    assert set(owned["kid"]) == set(ring["kid"]) and len(ring) == 1
    # so the three fragments, each a family of its own, are one family
    of = pd.Series({1: 10, 2: 20, 3: 30, 4: 40}, name="family")
    assert sharing_keys(of, owned).to_dict() == {1: 10, 2: 10, 3: 10, 4: 40}
    # a campaign outside ``of`` is left out, and without keys nothing changes
    assert sharing_keys(of.drop([1]), owned).to_dict() == {2: 20, 3: 20, 4: 40}
    assert sharing_keys(of, owned.iloc[:0]).equals(of)
    # the tables it made are gone
    assert "owned_keys" not in set(con.execute("SHOW TABLES").df()["name"])


def test_fragments_owning_a_key_are_pooled_and_the_pool_grows_by_its_joins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib
    from dataclasses import replace

    from cibscan.detect import DetectConfig

    detect_module = importlib.import_module("cibscan.detect")
    con, of, members, verdicts = _ring_families(_TRIANGLES)
    assert of.nunique() == 3  # no link between the fragments
    joins, sources = _no_joins()
    none = np.array([], dtype=np.int64)

    def joined(rounds: int) -> set[int]:
        config = DetectConfig()
        config = replace(config, expand=replace(config.expand, family_rounds=rounds))
        grown, found, _, n = detect_module._join_families(
            con, of, members, joins, sources, verdicts, config, none
        )
        assert n == len(found) and set(grown["aid"]) == set(range(9)) | set(found["aid"])
        return set(found["aid"].astype(int))

    once, grown = joined(1), joined(3)
    # pooled, the 15 bursts of the three fragments find the hidden members with enough
    # of their six there (61 of 90); the pool grown by them covers the other 15 bursts
    assert once < grown == set(range(10, 100))
    assert len(once) <= 75
    # the fragments are pooled because they own the ring's hashtag: without it, each is
    # a family of one, tested already
    monkeypatch.setattr(detect_module, "owned_keys", lambda con, members, run=None: pd.DataFrame())
    assert joined(3) == set()


def test_a_family_of_linked_operations_takes_in_no_lone_operation_by_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from cibscan.detect import DetectConfig

    detect_module = importlib.import_module("cibscan.detect")
    # fragments 1 and 2 linked to each other, 3 alone: all three own the ring's hashtag
    con, of, members, verdicts = _ring_families([*_TRIANGLES, (0, 3)])
    joins, sources = _no_joins()
    pools: list[dict[int, int]] = []

    def join_pool(con, pooled, status, members, joins, sources, *rest):  # type: ignore[no-untyped-def]
        pools.append(pooled.to_dict())
        return members, joins, sources, 0

    monkeypatch.setattr(detect_module, "_join_pool", join_pool)
    none = np.array([], dtype=np.int64)
    detect_module._join_families(con, of, members, joins, sources, verdicts, DetectConfig(), none)
    # the linked pair is pooled as before; the lone fragment is not taken in
    assert len(pools) == 1 and sorted(pools[0]) == [1, 2]


def test_lone_campaigns_owning_a_key_are_one_family_whatever_their_verdicts() -> None:
    import importlib

    detect_module = importlib.import_module("cibscan.detect")
    # the ring's three fragments, each a family of its own, and a crowd of its own
    con, of, members, _ = _ring_families(_TRIANGLES, crowd=True)
    assert of.nunique() == 4
    keyed = detect_module._keyed_families(con, of, members)
    # the fragments own the ring's hashtag: one family, numbered by the smallest; the
    # crowd, which owns none of it, keeps its own (no verdict is read)
    assert keyed.loc[[1, 2, 3]].nunique() == 1 and keyed[1] == of.loc[[1, 2, 3]].min()
    assert keyed[4] == of[4]
    # a campaign linked to another is in a family with it, and takes in none by keys:
    # fragment 3 is the only one alone, so nothing changes
    con, of, members, _ = _ring_families([*_TRIANGLES, (0, 3)])
    assert detect_module._keyed_families(con, of, members).equals(of)
    assert "owned_keys" not in set(con.execute("SHOW TABLES").df()["name"])


def test_a_crowd_is_tested_against_a_pool_the_first_time_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from cibscan.detect import DetectConfig

    detect_module = importlib.import_module("cibscan.detect")
    con, of, members, verdicts = _ring_families(_TRIANGLES, crowd=True)
    joins, sources = _no_joins()
    insiders: list[set[int]] = []
    real = detect_module.expand_campaigns

    def recorded(*args, **kwargs):  # type: ignore[no-untyped-def]
        insiders.append(set(kwargs["insiders"].tolist()))
        return real(*args, **kwargs)

    monkeypatch.setattr(detect_module, "expand_campaigns", recorded)
    none = np.array([], dtype=np.int64)
    _, found, _, n = detect_module._join_families(
        con, of, members, joins, sources, verdicts, DetectConfig(), none
    )
    assert n == len(found) > 0 and len(insiders) >= 2
    # the first time the crowd is part of the public that is tested; then it is inside
    assert not insiders[0] & set(range(200, 210))
    assert all(set(range(200, 210)) <= later for later in insiders[1:])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        # (behaviour, kid, aid, bucket, seconds into the bucket)
        st.tuples(
            st.sampled_from(["corepost", "cohashtag"]),
            st.integers(1, 5),
            st.integers(1, 12),
            st.integers(0, 3),
            st.integers(0, 2),  # few seconds: an outsider and the first member often tie
        ),
        min_size=1,
        max_size=80,
        unique_by=lambda u: u[:4],
    ),
    st.dictionaries(st.integers(1, 12), st.integers(1, 3), max_size=8),
    st.sets(st.integers(1, 12), max_size=3),
    st.booleans(),
)
@example(  # an outsider at the time of the episode's first member: a lead only at a grain
    uses=[("corepost", 1, 1, 0, 0), ("corepost", 1, 2, 0, 1), ("corepost", 1, 3, 0, 0)],
    campaign_of={1: 1, 2: 1},
    others=set(),
    tied=False,
)
@example(
    uses=[("corepost", 1, 1, 0, 0), ("corepost", 1, 2, 0, 1), ("corepost", 1, 3, 0, 0)],
    campaign_of={1: 1, 2: 1},
    others=set(),
    tied=True,
)
def test_hits_are_each_trace_in_a_campaign_s_episodes(
    uses: list[tuple[str, int, int, int, int]],
    campaign_of: dict[int, int],
    others: set[int],
    tied: bool,
) -> None:
    import math

    # the outsiders' and the members' hits, leads and keys per popularity bin (at a grain,
    # times tied at the first member's count as leads, their chance every first), each
    # member's share of its traces in its own campaign's episodes, against the
    # definition trace by trace: a hit is a trace in an episode of a campaign (its key and
    # bucket, with two or more traces of the campaign's members)
    con = duckdb.connect()
    traces = pd.DataFrame(uses, columns=["behaviour", "kid", "aid", "bucket", "s"])
    traces["ts"] = traces["bucket"] * 60 + traces.pop("s")
    store_table(con, "traces", traces)
    members = pd.DataFrame(sorted(campaign_of.items()), columns=["aid", "campaign"], dtype="int64")
    store_table(con, "members", members)
    inside = sorted(set(campaign_of) | others)
    store_table(con, "insiders", pd.DataFrame({"aid": inside}, dtype="int64"))
    store_table(con, "solo_traces", pd.DataFrame({"behaviour": ["corepost"], "aid": [1], "n": [2]}))
    con.execute(
        "CREATE TABLE keys AS SELECT behaviour, kid, count(DISTINCT aid) AS n "
        "FROM traces GROUP BY behaviour, kid"
    )
    steps = (
        *expand_module.episode_steps(tied=tied),
        ("outsider_hits", expand_module.OUTSIDER_HITS),
        ("member_hits", expand_module.MEMBER_HITS),
        ("member_shares", expand_module.MEMBER_SHARES),
    )
    run_steps(duckdb_runner(con), steps)
    # each key's popularity bin (its definition is tested above)
    bins = {
        (b, int(k)): math.floor(math.log(n) / math.log(2))
        for b, k, n in con.execute("SELECT behaviour, kid, n FROM organic_keys").fetchall()
    }
    # by definition
    episodes: dict[tuple[str, int, int, int], list[int]] = {}
    for b, k, a, t, ts in traces.itertuples(index=False):
        if a in campaign_of:
            episodes.setdefault((b, k, t, campaign_of[a]), []).append(ts)
    episodes = {e: times for e, times in episodes.items() if len(times) >= 2}
    hits: dict[tuple[str, int, int, int], list[float]] = {}
    keys: dict[tuple[str, int, int, int], set[int]] = {}
    own = dict.fromkeys(campaign_of, 0)
    for b, k, a, t, ts in traces.itertuples(index=False):
        for c in sorted({campaign_of.get(a, 0), 1, 2, 3}):
            times = episodes.get((b, k, t, c))
            if times is None:
                continue
            if campaign_of.get(a) == c:
                own[a] += 1
            group = (b, a, c, bins.get((b, k), 0))
            row = hits.setdefault(group, [0, 0, 0.0])
            # with times given to a grain, a lead is no later than every member, and its
            # chance of the k + 1 times in any order the first times' count over k + 1;
            # with times to the second, strictly before every member, at 1 / (k + 1)
            first = min(times)
            if not tied:
                firsts = 1
            elif ts < first:
                firsts = 1
            elif ts == first:
                firsts = times.count(first) + 1
            else:
                firsts = times.count(first)
            row[0] += 1
            row[1] += int(ts <= first if tied else ts < first)
            row[2] += firsts / (len(times) + 1)
            keys.setdefault(group, set()).add(k)

    def table(name: str) -> dict[tuple[str, int, int, int], tuple[int, int, int, float]]:
        rows = con.execute(
            f"SELECT behaviour, aid, campaign, bin, hits, keys, leads, leads_expected FROM {name}"
        ).fetchall()
        return {
            (b, int(a), int(c), int(x)): (int(h), int(n), int(lead), round(float(e), 9))
            for b, a, c, x, h, n, lead, e in rows
        }

    want = {g: (int(h), len(keys[g]), int(lead), round(e, 9)) for g, (h, lead, e) in hits.items()}
    assert table("outsider_hits") == {g: v for g, v in want.items() if g[1] not in inside}
    assert table("member_hits") == {
        g: v for g, v in want.items() if g[1] in campaign_of and campaign_of[g[1]] != g[2]
    }
    shares = con.execute("SELECT aid, traces, own_hits FROM member_shares").fetchall()
    counts = traces["aid"].value_counts()
    assert {int(a): (int(n), int(o)) for a, n, o in shares} == {
        # a member's traces, its two solo traces for account 1; members with no other
        # trace have no row
        a: (int(counts[a]) + 2 * (a == 1), own[a])
        for a in campaign_of
        if a in counts
    }


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        # (behaviour, kid, aid, bucket)
        st.tuples(
            st.sampled_from(["corepost", "cohashtag"]),
            st.integers(1, 6),
            st.integers(1, 12),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=80,
        unique=True,
    ),
    st.sets(st.integers(1, 12), max_size=6),
    st.sets(st.tuples(st.sampled_from(["corepost", "cohashtag"]), st.integers(1, 12)), max_size=8),
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 4)), max_size=6),
)
def test_exposure_and_traces_are_binned_by_their_keys_organic_popularity(
    uses: list[tuple[str, int, int, int]],
    insiders: set[int],
    suspects: set[tuple[str, int]],
    solo: list[tuple[int, int]],
) -> None:
    # each account's traces per bin of its keys' popularity without insiders and
    # suspects, and every trace with its bin, against the definition
    import math

    suspects = {(b, a) for b, a in suspects if a not in insiders}  # SUSPECTS's rule
    con = duckdb.connect()
    traces = pd.DataFrame(uses, columns=["behaviour", "kid", "aid", "bucket"])
    traces["ts"] = traces["bucket"] * 60
    store_table(con, "traces", traces)
    store_table(con, "insiders", pd.DataFrame({"aid": sorted(insiders)}, dtype="int64"))
    store_table(
        con,
        "suspects",
        pd.DataFrame(sorted(suspects), columns=["behaviour", "aid"]).astype({"aid": "int64"}),
    )
    lone = pd.DataFrame(solo, columns=["aid", "n"]).groupby("aid", as_index=False)["n"].sum()
    store_table(con, "solo_traces", lone[lone["n"] > 0].assign(behaviour="corepost"))
    con.execute(
        "CREATE TABLE keys AS SELECT behaviour, kid, count(DISTINCT aid) AS n "
        "FROM traces GROUP BY behaviour, kid"
    )
    for name, sql in expand_module.episode_steps()[2:]:  # after the episodes and suspects
        con.execute(f"CREATE TABLE {name} AS {sql}")
    # by definition: a key's organic accounts are those that are neither
    organic: dict[tuple[str, int], set[int]] = {}
    for b, k, a, _ in uses:
        organic.setdefault((b, k), set())
        if a not in insiders and (b, a) not in suspects:
            organic[(b, k)].add(a)

    def bin_of(b: str, k: int) -> int:
        return math.floor(math.log(max(len(organic[(b, k)]), 1)) / math.log(2))

    want: dict[tuple[str, int, int], int] = {}
    for b, k, a, _ in uses:
        want[(b, a, bin_of(b, k))] = want.get((b, a, bin_of(b, k)), 0) + 1
    for a, n in zip(lone["aid"], lone["n"], strict=True):
        if n > 0:
            want[("corepost", int(a), 0)] = want.get(("corepost", int(a), 0), 0) + int(n)
    got = {
        (b, int(a), int(x)): int(n)
        for b, a, x, n in con.execute("SELECT behaviour, aid, bin, traces FROM exposure").fetchall()
    }
    assert got == want
    binned = sorted((b, k, a, t, bin_of(b, k)) for b, k, a, t in uses)
    got_bins = con.execute(
        "SELECT behaviour, kid, aid, bucket, bin FROM trace_bins ORDER BY ALL"
    ).fetchall()
    assert [(b, int(k), int(a), int(t), int(x)) for b, k, a, t, x in got_bins] == binned


def _poisson_binomial_tail(chances: list[float], k: int) -> float:
    """P(sum of independent Bernoulli(chances) >= k), exactly, by convolution."""
    dist = np.array([1.0])
    for c in chances:
        dist = np.convolve(dist, [1.0 - c, c])
    return float(dist[k:].sum())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.01, 0.99), min_size=1, max_size=12), st.integers(0, 12))
def test_the_lead_bound_is_never_below_the_exact_poisson_binomial_tail(
    chances: list[float], leads: int
) -> None:
    # a member's leads are a Poisson-binomial of its chances of being first: from one
    # above their mean (where Hoeffding's and Anderson and Samuels' bounds hold, and
    # where a p-value can be small) the bound must hold for every set of chances, or
    # members are listed as targets more often than the level says
    leads = min(leads, len(chances))
    assume(leads >= sum(chances) + 1)
    got = expand_module.lead_log10_tail(
        np.array([leads], dtype=float), np.array([sum(chances)]), np.array([len(chances)], float)
    )[0]
    exact = _poisson_binomial_tail(chances, leads)
    assert got >= np.log10(max(exact, 1e-300)) - 1e-9


def test_an_outlet_first_in_all_three_episodes_is_told_by_the_binomial_bound() -> None:
    # 3 leads of 3 episodes, 0.6 expected: Poisson tail 0.023, binomial 0.2^3 = 0.008
    got = expand_module.lead_log10_tail(np.array([3.0]), np.array([0.6]), np.array([3.0]))
    assert got[0] == pytest.approx(np.log10(0.008))
    # over many episodes the binomial's tail nears the Poisson's, and is never above it
    many = expand_module.lead_log10_tail(np.array([5.0]), np.array([0.6]), np.array([300.0]))
    poisson = np.log10(gammainc(5.0, 0.6))
    assert poisson - 0.02 < many[0] <= poisson + 1e-12


def test_behaviours_whose_p_values_differ_in_the_last_bits_are_a_tie_to_the_name_order() -> None:
    # a state medium's links and domain fall in the same episodes: the same hits and
    # leads, and expected values that the engine's parallel sums make differ in the last
    # bit from run to run; the behaviour shown must not change with them
    cand = pd.DataFrame(
        {
            "aid": [7, 7],
            "campaign": [1, 1],
            "behaviour": ["colink", "codomain"],
            "hits": [6, 6],
            "keys": [9, 1],
            "expected": [0.2, 0.2],
            "leads": [6, 6],
            "leads_expected": [0.4111572622946967, 0.4111572622946966],
        }
    )
    for flipped in (cand, cand.assign(leads_expected=cand["leads_expected"].to_numpy()[::-1])):
        got = expand_module._significant(flipped, bonferroni_spent(10), ExpandSettings())
        assert got["source"].tolist() == [True]
        assert got["behaviour"].tolist() == ["codomain"]  # first in name order
