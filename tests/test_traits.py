"""Each trait on hand-made cases whose answer is known, honest negatives included."""

from __future__ import annotations

import functools

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibscan.dataset import Dataset
from cibscan.status import Assessment, CampaignStatus, campaign_words
from cibscan.traits import TraitSettings, account_traits
from cibscan.traits.assess import (
    assess_campaigns,
    empty_markers,
    inauthentic_probability,
    marker_table,
)
from cibscan.traits.evasion import handle_pairs
from cibscan.traits.impersonation import (
    _FOLDED_DECORATIONS,
    _deletes,
    _Index,
    _one_edit,
    _stem_folded,
    _strip_decorations,
    fold,
    stem,
)

START = pd.Timestamp("2024-03-04")  # a Monday
RNG_SEED = 5


def _population(n: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ordinary accounts: a few posts each across three weeks, spread-out profiles."""
    rng = np.random.default_rng(RNG_SEED)
    ids = [f"p{i:04d}" for i in range(n)]
    per = rng.integers(3, 12, n)
    who = np.repeat(np.arange(n), per)
    hours = rng.choice(24, len(who), p=np.r_[np.full(7, 0.01), np.full(17, 0.93 / 17)])
    t = START + pd.to_timedelta(rng.integers(0, 21, len(who)), "D") + pd.to_timedelta(hours, "h")
    posts = pd.DataFrame(
        {
            "post_id": [f"pp{i}" for i in range(len(who))],
            "account_id": np.array(ids)[who],
            "created_at": t,
            "kind": "post",
            "text": [f"ordinary post {i} about the weather" for i in range(len(who))],
        }
    )
    followers = (rng.pareto(1.2, n) * 100).astype(int) + 5
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "handle": [f"person_{i}" for i in range(n)],
            "display_name": [f"Person {i}" for i in range(n)],
            "followers": followers,
            "following": (followers * rng.uniform(0.5, 2, n)).astype(int) + 10,
            "created_at": START
            - pd.to_timedelta(rng.integers(60, 4000, n), "D")
            - pd.to_timedelta(rng.integers(0, 24, n), "h"),
        }
    )
    return posts, accounts


def _office_times(rng: np.random.Generator, per_day: int) -> list[pd.Timestamp]:
    """One account's posts in Beijing office hours (09:00-12:00 and 14:00-18:00 UTC+8):
    ``per_day`` different hours on every weekday of three weeks, at random minutes."""
    return [
        START + pd.Timedelta(days=d, hours=int(h) - 8, minutes=int(rng.integers(0, 60)))
        for d in range(21)
        if d % 7 < 5
        for h in rng.choice([9, 10, 11, 14, 15, 16, 17], per_day, replace=False)
    ]


def _any_times(rng: np.random.Generator, n: int) -> list[pd.Timestamp]:
    """``n`` posts at random moments of the three weeks."""
    return list(START + pd.to_timedelta(rng.integers(0, 21 * 86400, n), "s"))


def _posts(account: str, times: list[pd.Timestamp], **cols: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "post_id": [f"{account}-{i}" for i in range(len(times))],
            "account_id": account,
            "created_at": times,
            "kind": cols.pop("kind", "post"),
            "text": cols.pop("text", [f"{account} says {i}" for i in range(len(times))]),
            **cols,
        }
    )


def _account(account: str, **cols: object) -> dict[str, object]:
    base = {
        "account_id": account,
        "handle": account,
        "display_name": account.title(),
        "followers": 200,
        "following": 200,
        "created_at": START - pd.Timedelta(days=900),
    }
    return {**base, **cols}


def _traits(
    extra_posts: list[pd.DataFrame],
    extra_accounts: list[dict[str, object]],
    settings: TraitSettings | None = None,
) -> pd.DataFrame:
    posts, accounts = _population()
    posts = pd.concat([posts, *extra_posts], ignore_index=True)
    accounts = pd.concat([accounts, pd.DataFrame(extra_accounts)], ignore_index=True)
    data = Dataset.from_frames(posts, accounts)
    return account_traits(data.con, settings or TraitSettings()).set_index("account_id")


def _every(start: pd.Timestamp, days: int, per_day: int) -> list[pd.Timestamp]:
    return [
        start + pd.Timedelta(days=d, minutes=20 * k) for d in range(days) for k in range(per_day)
    ]


def test_loudspeaker_is_high_rate_with_no_audience_not_a_popular_heavy_poster() -> None:
    t = _traits(
        [
            _posts("loud", _every(START, 7, 40)),
            _posts("celebrity", _every(START, 7, 40)),
            _posts("quiet_nobody", _every(START, 2, 1)),
        ],
        [
            _account("loud", followers=3),
            _account("celebrity", followers=250_000),
            _account("quiet_nobody", followers=0),
        ],
    )
    assert t.loc["loud", "loudspeaker"]
    assert "40 posts a day" in t.loc["loud", "trait_reasons"]
    assert not t.loc["celebrity", "loudspeaker"]
    assert not t.loc["quiet_nobody", "loudspeaker"]


def test_accounts_created_in_one_hour_form_a_cohort_two_do_not() -> None:
    batch = START - pd.Timedelta(days=100)
    posts = [_posts(f"b{i}", [START + pd.Timedelta(hours=i)]) for i in range(8)]
    posts += [_posts(f"pair{i}", [START + pd.Timedelta(hours=i)]) for i in range(2)]
    accounts = [_account(f"b{i}", created_at=batch + pd.Timedelta(minutes=3 * i)) for i in range(8)]
    accounts += [
        _account(f"pair{i}", created_at=START - pd.Timedelta(days=500, minutes=i)) for i in range(2)
    ]
    t = _traits(posts, accounts)
    assert (t.loc[[f"b{i}" for i in range(8)], "cohort_size"] == 8).all()
    assert t.loc[["pair0", "pair1"], "cohort_size"].isna().all()


def test_creation_dates_given_to_the_day_are_batched_by_the_day_at_a_daily_rate() -> None:
    # three accounts created on each day for two months, twelve on one day: dates only,
    # as the Twitter archives give them. Read per hour, every day was a batch in its
    # midnight hour (3 against an hourly rate of 0.125).
    first = START - pd.Timedelta(days=400)
    days = [first + pd.Timedelta(days=d) for d in range(60) for _ in range(3)]
    busy = first + pd.Timedelta(days=30)
    days += [busy] * 9
    names = [f"d{i:03d}" for i in range(len(days))]
    posts = [_posts(n, [START + pd.Timedelta(hours=i % 300)]) for i, n in enumerate(names)]
    accounts = [_account(n, created_at=c) for n, c in zip(names, days, strict=True)]
    data = Dataset.from_frames(pd.concat(posts, ignore_index=True), pd.DataFrame(accounts))
    t = account_traits(data.con, TraitSettings()).set_index("account_id")
    on_busy = [n for n, c in zip(names, days, strict=True) if c == busy]
    assert len(on_busy) == 12
    cohort = t["cohort_size"].dropna()
    assert set(cohort.index) == set(on_busy)
    assert (cohort == 12).all()
    reason = t.loc[on_busy[0], "trait_reasons"]
    assert f"on {str(busy)[:10]}" in reason and "3.00 a day" in reason
    assert "given to the day" in reason and "within the hour" not in reason


def test_beijing_office_hours_match_a_night_shift_worker_does_not() -> None:
    office = [
        START + pd.Timedelta(days=d, hours=h - 8, minutes=m)
        for d in range(19)
        if d % 7 < 5
        for h in (9, 10, 11, 14, 15, 16, 17)
        for m in (5, 35)
    ]
    # posts 23:00-05:00 local (UTC-5) every night, weekends too
    night = [
        START + pd.Timedelta(days=d, hours=(h + 5) % 24, minutes=10)
        for d in range(19)
        for h in (23, 0, 1, 2, 3, 4)
    ]
    t = _traits(
        [_posts("office", office), _posts("nightshift", night)],
        [_account("office"), _account("nightshift")],
    )
    assert t.loc["office", "office_hours"]
    assert t.loc["office", "schedule_tz"] == "UTC+8"
    assert not t.loc["nightshift", "office_hours"]


@pytest.mark.parametrize(
    ("handle", "display", "expected"),
    [
        ("xinhua_newz", "Xinhua", "@xhnews|@xinhua_news"),  # either Xinhua account
        ("bbc_fan_1988", "ВВС News (World)", "@bbcworld"),  # Cyrillic В and С
        ("reuters_breaking", "Reuters Breaking", "@reuters"),
        ("cgtn_0fficial", "CGTN Official", "@cgtnofficial|@cgtn_official"),
        ("nytimes", "The New York Times", None),  # the outlet itself
        ("janedoe_nyt", "Jane Doe (NYT reporter)", None),  # a newsroom's reporter
        ("weather_fan", "Times of my life", None),
    ],
)
def test_impersonation(handle: str, display: str, expected: str | None) -> None:
    t = _traits(
        [_posts("acc", [START + pd.Timedelta(hours=1)])],
        [_account("acc", handle=handle, display_name=display)],
    )
    got = t.loc["acc", "impersonates"]
    if expected is None:
        assert pd.isna(got)
    else:
        assert got in expected.split("|")


@given(
    st.lists(st.sampled_from(_FOLDED_DECORATIONS), max_size=3),
    st.text(alphabet="abcdeflnostw0123456789", max_size=12),
    st.lists(st.sampled_from(_FOLDED_DECORATIONS), max_size=3),
)
def test_stem_skips_names_without_decorations_and_changes_no_result(
    before: list[str], middle: str, after: list[str]
) -> None:
    name = "".join(before) + middle + "".join(after)
    # the check for a decoration at either end skips only names the stripping keeps
    assert stem(name) == _strip_decorations(fold(name))


_REFERENCES = ("xinhuanews", "cgtnofficial", "globaltimesnews", "reutersworld", "peoplesdaily")


def _match_every_deletion(index: _Index, name: str) -> tuple[int, str] | None:
    """``_Index.match`` without its check of the ends: every deletion is tried."""
    plain = fold(name)
    for s, how in ((plain, "reads as"), (_stem_folded(plain), "reads, once decorations")):
        if len(s) < 5:
            continue
        if s in index.exact:
            return index.exact[s], how
        if len(s) >= 8:
            for d in _deletes(s):
                if d in index.fuzzy and _one_edit(s, index.fuzzy[d], index.fuzzy):
                    return index.fuzzy[d], "is one letter away from"
    return None


@given(
    st.sampled_from(_REFERENCES),
    st.lists(
        st.tuples(st.sampled_from("ids"), st.integers(0, 20), st.sampled_from("aelnosx0")),
        max_size=3,
    ),
)
def test_the_ends_check_skips_no_name_a_deletion_would_match(
    reference: str, edits: list[tuple[str, int, str]]
) -> None:
    index = _Index()
    for i, name in enumerate(_REFERENCES):
        index.add(fold(name), i, fuzzy=True)
    name = reference
    for kind, at, letter in edits:  # up to three insertions, deletions or substitutions
        at = min(at, len(name))
        if kind == "i":
            name = name[:at] + letter + name[at:]
        elif kind == "d":
            name = name[:at] + name[at + 1 :]
        else:
            name = name[:at] + letter + name[at + 1 :]
    got, expected = index.match(fold(name)), _match_every_deletion(index, name)
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        assert got[0] == expected[0]
        assert got[1].startswith(expected[1])


def test_fold_and_stem_undo_homoglyphs_and_decorations() -> None:
    assert fold("ВВС") == fold("bbc")
    assert stem("CGTN_0fficial") == stem("cgtn official")
    assert stem("apnews24") == stem("apnews")


_PROPAGANDA = [f"the foreign funded activists lie again part {i}" for i in range(6)]
_EARLY = [START + pd.Timedelta(days=1, hours=i) for i in range(6)]
_LATE = [START + pd.Timedelta(days=12, hours=i) for i in range(6)]


def _evasion(
    suspended: list[str], newcomers: dict[str, list[str]], bio: str = "热爱祖国"
) -> pd.DataFrame:
    """Traits of ``suspended`` accounts posting the propaganda before day 12 and of
    ``newcomers`` (id -> texts) created on day 11 and posting after it, every one with
    ``bio`` but the newcomers whose texts are not the propaganda."""
    new_bio = {n: (bio if texts == _PROPAGANDA else "") for n, texts in newcomers.items()}
    return _traits(
        [_posts(a, _EARLY, text=_PROPAGANDA) for a in suspended]
        + [_posts(n, _LATE, text=texts) for n, texts in newcomers.items()],
        [_account(a, bio=bio) for a in suspended]
        + [
            _account(n, bio=new_bio[n], created_at=START + pd.Timedelta(days=11)) for n in newcomers
        ],
        TraitSettings(suspended=tuple(suspended)),
    )


def test_ban_evader_resumes_a_suspended_account_an_organic_newcomer_does_not() -> None:
    t = _evasion(
        ["liwei20240101"],
        {
            "liwei20240102": _PROPAGANDA,
            "newcomer": [f"hello world {i} from me" for i in range(6)],
        },
    )
    assert t.loc["liwei20240102", "evades"] == "liwei20240101"
    assert "the same bio" in t.loc["liwei20240102", "trait_reasons"]
    assert pd.isna(t.loc["newcomer", "evades"])


def test_a_ban_evader_is_named_after_the_account_it_resumes_not_the_first_alike() -> None:
    # both suspended accounts share the bio and the texts; only one has the handle
    t = _evasion(["aaa_first", "zhangwei0417"], {"zhangwei0418": _PROPAGANDA})
    assert t.loc["zhangwei0418", "evades"] == "zhangwei0417"
    assert "handle 1 edit(s) from @zhangwei0417" in t.loc["zhangwei0418", "trait_reasons"]


def _edits(a: str, b: str) -> int:
    """Edit distance by its definition, memoised: the oracle for ``handle_pairs``."""

    @functools.cache
    def d(i: int, j: int) -> int:
        if not i or not j:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))

    return d(len(a), len(b))


_HANDLE = st.text(alphabet="ab_1é", min_size=0, max_size=9)


@given(
    st.lists(_HANDLE, min_size=1, max_size=6),
    st.lists(_HANDLE, min_size=1, max_size=12),
)
def test_newcomers_paired_by_pieces_of_handles_are_every_pair_within_two_edits(
    suspended: list[str], newcomers: list[str]
) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE _suspended (account_id VARCHAR, handle VARCHAR)")
    con.execute("CREATE TABLE _evasion_cand (account_id VARCHAR, handle VARCHAR)")
    con.executemany(
        "INSERT INTO _suspended VALUES (?, ?)", [(f"s{i}", h) for i, h in enumerate(suspended)]
    )
    con.executemany(
        "INSERT INTO _evasion_cand VALUES (?, ?)", [(f"c{i}", h) for i, h in enumerate(newcomers)]
    )
    pairs = handle_pairs(con, 2)
    got = set(pairs.itertuples(index=False, name=None))
    every = {
        (f"c{i}", f"s{j}", _edits(a.lower(), b.lower()))
        for i, a in enumerate(newcomers)
        for j, b in enumerate(suspended)
    }
    assert got == {p for p in every if p[2] <= 2}


def test_watch_list_amplifier_against_the_data_rate() -> None:
    times = [START + pd.Timedelta(hours=i) for i in range(30)]
    source = _posts("xinhua_news", times)
    amp = _posts(
        "amp",
        [x + pd.Timedelta(seconds=40) for x in times],
        kind="repost",
        parent_post_id=source["post_id"],
        parent_account_id="xinhua_news",
    )
    once = _posts(
        "reader",
        [times[0] + pd.Timedelta(hours=2)],
        kind="repost",
        parent_post_id=[source["post_id"][0]],
        parent_account_id="xinhua_news",
    )
    t = _traits(
        [source, amp, once, _posts("reader", _every(START, 10, 3))],
        [_account("xinhua_news"), _account("amp"), _account("reader")],
    )
    assert t.loc["amp", "watch_amplifier"]
    assert "a median 40 s after the original" in t.loc["amp", "trait_reasons"]
    assert not t.loc["reader", "watch_amplifier"]


def _with_bought(
    n: int, created_apart: pd.Timedelta, posted_apart: pd.Timedelta
) -> tuple[Dataset, pd.DataFrame, list[str]]:
    """The ordinary population and ``n`` bought accounts (2 followers, following 1,500),
    created ``created_apart`` from each other 40 days before, each posting once on day
    3 from 02:00, ``posted_apart`` from each other: (data, the population's accounts,
    the bought accounts' ids)."""
    posts, accounts = _population()
    batch = START - pd.Timedelta(days=40)
    op = [f"op{i}" for i in range(n)]
    op_accounts = [
        _account(a, followers=2, following=1500, created_at=batch + i * created_apart)
        for i, a in enumerate(op)
    ]
    first = START + pd.Timedelta(days=3, hours=2)
    op_posts = [_posts(a, [first + i * posted_apart]) for i, a in enumerate(op)]
    data = Dataset.from_frames(
        pd.concat([posts, *op_posts], ignore_index=True),
        pd.concat([accounts, pd.DataFrame(op_accounts)], ignore_index=True),
    )
    return data, accounts, op


def test_campaign_assessment_tells_an_operation_from_a_crowd_and_admits_blind_spots() -> None:
    data, accounts, op = _with_bought(10, pd.Timedelta(minutes=1), pd.Timedelta(0))
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    crowd = list(accounts["account_id"].iloc[:10])
    members = pd.DataFrame({"account_id": op + crowd, "campaign": [1] * 10 + [2] * 10})
    verdicts, markers = assess_campaigns(data.con, members, traits, settings)
    verdict = verdicts.set_index("campaign")
    assert verdict.loc[1, "status"] == CampaignStatus.OPERATION
    assert verdict.loc[1, "assessment"] == Assessment.TESTED
    found = markers[(markers["campaign"] == 1) & markers["significant"]]
    imbalance = found.set_index("marker").loc["follow imbalance"]
    assert (imbalance["members"], imbalance["tested"]) == (10, 10)
    assert imbalance["population_share"] < 0.2
    assert verdict.loc[2, "status"] == CampaignStatus.CROWD
    assert not markers.loc[markers["campaign"] == 2, "significant"].any()
    # every marker tested is a row, significant or not
    assert set(markers.loc[markers["campaign"] == 2, "marker"]) >= {"follow imbalance"}
    # with no profiles at all nothing can be cleared, and nothing convicted either
    bare = traits.assign(followers=np.nan, following=np.nan, account_created=pd.NaT)
    bare["cohort_size"] = pd.NA
    blind = assess_campaigns(data.con, members, bare, settings)[0].set_index("campaign")
    assert blind.loc[2, "status"] == CampaignStatus.COORDINATED
    assert blind.loc[2, "assessment"] == Assessment.NO_METADATA


def test_a_weak_conviction_among_many_crowds_is_what_chance_gives_and_is_not_made() -> None:
    data, accounts, op = _with_bought(13, pd.Timedelta(days=1), pd.Timedelta(hours=1))
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    people = list(accounts["account_id"])
    # an operation of ten, a weak group (three of the imbalanced accounts and three
    # people) and 40 crowds of five people each
    members = pd.DataFrame(
        {
            "account_id": op[:10] + op[10:] + people[:3] + people[3:203],
            "campaign": [1] * 10 + [2] * 6 + [c for c in range(3, 43) for _ in range(5)],
        }
    )
    weak = members[members["campaign"] <= 2]
    alone, markers = assess_campaigns(data.con, weak, traits, settings)
    own = markers.loc[markers["campaign"] == 2, "p_value"]
    assert alone.set_index("campaign").loc[2, "status"] == CampaignStatus.OPERATION
    many, markers = assess_campaigns(data.con, members, traits, settings)
    status = many.set_index("campaign")["status"]
    assert status.loc[1] == CampaignStatus.OPERATION
    # second of 42 groups: its p-value, over the markers tested, is what chance gives
    assert own.min() * len(own) > 2 * settings.alpha / 42
    assert status.loc[2] == CampaignStatus.CROWD
    assert not markers.loc[markers["campaign"] == 2, "significant"].any()
    # tested at the level alone (a caller that divides it), the weak group is convicted
    each = assess_campaigns(data.con, members, traits, settings, across=False)[0]
    assert each.set_index("campaign").loc[2, "status"] == CampaignStatus.OPERATION


def _one_marker(rows: list[tuple[int, int, int, float]]) -> pd.DataFrame:
    """A campaign_markers table: (campaign, members with the marker, tested, population share)."""
    frame = pd.DataFrame(rows, columns=["campaign", "members", "tested", "population_share"])
    return marker_table(frame.assign(marker="follow imbalance", p_value=1.0, significant=False))


def test_a_campaigns_inauthentic_probability_follows_what_its_test_could_show() -> None:
    verdicts = pd.DataFrame(
        {
            "campaign": [1, 2, 3, 4, 5],
            "status": ["operation", "crowd", "crowd", "coordinated", "operation"],
            "assessment": ["tested", "tested", "tested", "no_metadata", "off"],
        }
    )
    markers = _one_marker([(1, 10, 10, 0.1), (2, 50, 500, 0.1), (3, 0, 4, 0.1), (4, 0, 40, 0.1)])
    prob = inauthentic_probability(verdicts, markers)
    assert prob[1] > 0.999  # ten of ten where one in ten is usual
    assert prob[2] < 1e-6  # five hundred like everybody else: an operation would have shown
    assert 0.02 < prob[3] < 0.5  # four members like everybody: some evidence, not much
    assert prob[4] == 0.5  # nothing measured is not cleared (its post markers included)
    assert prob[5] == 1.0  # assessment off: the user says every campaign is an operation
    # a second marker that says nothing more halves the odds a single marker gave, never
    # convicts or clears on its own
    both = pd.concat([markers, _one_marker([(1, 1, 10, 0.1)]).assign(marker="cohort")])
    assert 0.5 < inauthentic_probability(verdicts, marker_table(both))[1] < prob[1]
    assert inauthentic_probability(verdicts.iloc[:0], empty_markers()).empty


@given(
    tested=st.integers(1, 400),
    share=st.floats(0.01, 0.6),
    data=st.data(),
)
def test_more_members_with_a_marker_never_lower_a_campaigns_probability(
    tested: int, share: float, data: st.DataObject
) -> None:
    k = data.draw(st.integers(0, tested - 1))
    verdicts = pd.DataFrame({"campaign": [1, 2], "status": "crowd", "assessment": "tested"})
    prob = inauthentic_probability(
        verdicts, _one_marker([(1, k, tested, share), (2, k + 1, tested, share)])
    )
    assert 0.0 <= prob[1] <= prob[2] <= 1.0


def test_clockwork_posting_convicts_without_profiles_and_never_clears() -> None:
    # ids, times and texts only: 200 people posting at irregular times in their own
    # words, 10 schedulers posting every 30 min, 10 scripts cycling through 3 slogans
    rng = np.random.default_rng(11)
    frames = []
    for i in range(200):
        gaps = rng.exponential(3 * 3600, 15).cumsum()
        times = list(START + pd.to_timedelta(gaps.astype(int), "s"))
        frames.append(_posts(f"person{i}", times))
    for i in range(10):
        ticks = np.arange(15) * 1800 + rng.integers(0, 30, 15)
        frames.append(_posts(f"clock{i}", list(START + pd.to_timedelta(ticks, "s"))))
    slogans = ["down with the traitors", "support the motherland", "truth will win"]
    for i in range(10):
        gaps = rng.exponential(3 * 3600, 15).cumsum()
        times = list(START + pd.to_timedelta(gaps.astype(int), "s"))
        frames.append(_posts(f"script{i}", times, text=[slogans[k % 3] for k in range(15)]))
    data = Dataset.from_frames(pd.concat(frames, ignore_index=True))
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    t = traits.set_index("account_id")
    assert t.loc[[f"clock{i}" for i in range(10)], "gap_regularity"].max() < 0.1
    assert t.loc[[f"person{i}" for i in range(200)], "gap_regularity"].median() > 0.6
    assert (t.loc[[f"script{i}" for i in range(10)], "self_repeat_share"] == 0.8).all()
    assert (t.loc[[f"person{i}" for i in range(200)], "self_repeat_share"] == 0).all()
    groups = {1: "clock", 2: "script", 3: "person"}
    members = pd.DataFrame(
        [(f"{name}{i}", c) for c, name in groups.items() for i in range(10)],
        columns=["account_id", "campaign"],
    )
    verdicts, markers = assess_campaigns(data.con, members, traits, settings)
    verdict = verdicts.set_index("campaign")
    found = markers[markers["significant"]].groupby("campaign")["marker"].agg(set)
    assert verdict.loc[1, "status"] == CampaignStatus.OPERATION
    assert "clockwork posting" in found[1]
    # repeating itself is shown, never a marker: people repeat set phrases too
    assert "repeats itself" not in set(markers["marker"])
    # the scripts and ten ordinary people: nothing convicts them, and with no profiles
    # nothing clears them
    for camp in (2, 3):
        assert camp not in found.index
        assert verdict.loc[camp, "status"] == CampaignStatus.COORDINATED
        assert verdict.loc[camp, "assessment"] == Assessment.NO_METADATA


def test_an_operation_inside_a_crowd_is_found_and_the_crowd_stays_cleared() -> None:
    # a crowd of 150 ordinary accounts, linked here and there, with 10 bought accounts
    # (following far more than follow them) linked densely to each other and to a few
    # of the crowd: as a whole the campaign looks like the population
    import importlib

    from cibscan.detect import DetectConfig

    detect_module = importlib.import_module("cibscan.detect")
    posts, accounts = _population()
    op = [f"bought{i}" for i in range(10)]
    op_accounts = [_account(a, followers=3, following=2000) for a in op]
    op_posts = [_posts(a, [START + pd.Timedelta(days=3, hours=h) for h in range(3)]) for a in op]
    data = Dataset.from_frames(
        pd.concat([posts, *op_posts], ignore_index=True),
        pd.concat([accounts, pd.DataFrame(op_accounts)], ignore_index=True),
    )
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    crowd = list(accounts["account_id"].iloc[:150])
    names = pd.Series(crowd + op, index=np.arange(160))
    rng = np.random.default_rng(2)
    rows = [(a, b) for a in range(150, 160) for b in range(a + 1, 160)]  # the bought: dense
    rows += [(int(a), int(b)) for a, b in rng.integers(0, 150, (300, 2)) if a != b]
    rows += [(150 + i, int(rng.integers(0, 150))) for i in range(10)]  # bridges
    pairs = pd.DataFrame(rows, columns=["a", "b"]).drop_duplicates()
    pairs = pairs.assign(log10_q=-8.0, significant=True)
    members = pd.DataFrame({"aid": np.arange(160, dtype="int64"), "campaign": 1})
    config = DetectConfig()
    named = members.assign(account_id=members["aid"].map(names))
    verdicts, markers = assess_campaigns(data.con, named, traits, settings)
    assert verdicts.loc[0, "status"] == CampaignStatus.CROWD  # the whole looks ordinary
    no_sources = pd.DataFrame({"campaign": pd.Series(dtype="int64")})
    out, verdicts, markers, _, found = detect_module._assess_inside(
        data.con, pairs, members, traits, config, names, verdicts, markers, no_sources
    )
    assert found == 1
    by_campaign = out.assign(account_id=out["aid"].map(names)).groupby("campaign")
    groups = {c: set(g["account_id"]) for c, g in by_campaign}
    status = verdicts.set_index("campaign")["status"]
    (inside,) = [c for c in groups if status[c] == CampaignStatus.OPERATION]
    assert groups[inside] == set(op)  # the bought accounts, and none of the crowd
    assert all(status[c] == CampaignStatus.CROWD for c in groups if c != inside)
    assert set().union(*groups.values()) == set(crowd) | set(op)  # nobody dropped
    # nothing inside an ordinary crowd: the verdicts stand as they were
    plain = members[members["aid"] < 150]
    plain_pairs = pairs[(pairs["a"] < 150) & (pairs["b"] < 150)]
    named = plain.assign(account_id=plain["aid"].map(names))
    v0, m0 = assess_campaigns(data.con, named, traits, settings)
    after = detect_module._assess_inside(
        data.con, plain_pairs, plain, traits, config, names, v0, m0, no_sources
    )
    assert after[4] == 0 and after[0].equals(plain)


def test_a_large_staff_keeps_its_office_schedule_through_stray_posts_at_other_hours() -> None:
    # 300 staff post in Beijing office hours on every weekday of three weeks (one post a
    # day each, 40 or so in each office hour), and each also posts once at a random hour
    # (camouflage, a late shift): 300 stray posts fill most other hours of the three
    # weeks with one member or two. Counted as occasions, those hours hid the schedule
    # (on the grown generator without profile columns, a copy-paste network of 1,470
    # had 105 of 230 hours in office hours, p = 1); an occasion is an hour in which 1%
    # of the campaign (two at least) posted.
    posts, accounts = _population()
    rng = np.random.default_rng(11)
    staff = [f"staff{i}" for i in range(300)]
    staff_posts = [_posts(a, _office_times(rng, 1) + _any_times(rng, 1)) for a in staff]
    # people everywhere, posting at any hour of the week: most of the data's rhythm
    anyone_posts = [_posts(f"anyone{i}", _any_times(rng, 8)) for i in range(4000)]
    data = Dataset.from_frames(
        pd.concat([posts, *staff_posts, *anyone_posts], ignore_index=True), accounts
    )
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    members = pd.DataFrame([(a, 1) for a in staff], columns=["account_id", "campaign"])
    verdicts, markers = assess_campaigns(data.con, members, traits, settings)
    office = markers[markers["marker"] == "office hours"].set_index("campaign")
    # 15 weekdays x 7 office hours are occasions; of the ~250 other hours with stray
    # posts, only those where three or more happen to fall together
    assert 105 <= office.loc[1, "tested"] <= 130
    assert office.loc[1, "share"] > 0.8
    assert office.loc[1, "significant"] and office.loc[1, "utc_offset"] == 8
    assert verdicts.set_index("campaign")["status"][1] == CampaignStatus.OPERATION


def test_a_crowd_posting_in_a_few_weekday_events_keeps_no_office_schedule() -> None:
    # 60 protesters, each posting 4 times in each of 4 weekday-afternoon events (960
    # posts in 4 half hours), against 20 staff posting in Beijing office hours on every
    # weekday of three weeks (09:00-12:00 and 14:00-18:00 UTC+8), a few posts each day
    posts, accounts = _population()
    events = [START + pd.Timedelta(days=d, hours=7, minutes=10) for d in (0, 2, 8, 15)]
    crowd = [f"protester{i}" for i in range(60)]
    crowd_posts = [
        _posts(a, [e + pd.Timedelta(minutes=5 * k + i % 5) for e in events for k in range(4)])
        for i, a in enumerate(crowd)
    ]
    rng = np.random.default_rng(4)
    staff = [f"staff{i}" for i in range(20)]
    staff_posts = [_posts(a, _office_times(rng, 3)) for a in staff]
    # people everywhere, posting at any hour of the week
    anyone = [f"anyone{i}" for i in range(400)]
    anyone_posts = [_posts(a, _any_times(rng, 8)) for a in anyone]
    profiles = [
        _account(
            a,
            followers=int(rng.integers(20, 2000)),
            following=int(rng.integers(20, 2000)),
            created_at=START - pd.Timedelta(days=int(rng.integers(100, 3000))),
        )
        for a in crowd + staff + anyone
    ]
    data = Dataset.from_frames(
        pd.concat([posts, *crowd_posts, *staff_posts, *anyone_posts], ignore_index=True),
        pd.concat([accounts, pd.DataFrame(profiles)]),
    )
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    members = pd.DataFrame(
        [(a, 1) for a in crowd] + [(a, 2) for a in staff], columns=["account_id", "campaign"]
    )
    verdicts, markers = assess_campaigns(data.con, members, traits, settings)
    office = markers[markers["marker"] == "office hours"].set_index("campaign")
    # the crowd's posts all fall in some offset's office hours, but they are 4 occasions
    # (clock hours 4 or 8), far too few to show a schedule; the staff fill 15 weekdays
    assert office.loc[1, "share"] == 1.0
    assert office.loc[1, "tested"] <= 8
    assert not office.loc[1, "significant"]
    assert office.loc[2, "significant"]
    assert office.loc[2, "utc_offset"] == 8
    status = verdicts.set_index("campaign")["status"]
    assert status[1] == CampaignStatus.CROWD and status[2] == CampaignStatus.OPERATION


def test_a_small_campaign_cut_from_an_operation_is_judged_with_its_family() -> None:
    # an operation of 24 (23 bought: following far more than follow them) that clustering
    # cut into a campaign of 20 and one of 4 (3 bought, one not); a crowd of 150 and a
    # small genuine group of 4 linked to it here and there: one component of links. The
    # four alone: 3 of 4 in the top tenth is p = 0.0039, short of 0.01 / 7 markers.
    import importlib

    from cibscan.cluster import families
    from cibscan.detect import DetectConfig

    detect_module = importlib.import_module("cibscan.detect")
    posts, accounts = _population()
    rng = np.random.default_rng(9)
    op = [f"bought{i}" for i in range(24)]
    made = [START - pd.Timedelta(days=int(d)) for d in rng.integers(100, 3000, 24)]
    op_accounts = [
        _account(a, followers=3, following=2000, created_at=c)
        for a, c in zip(op[:23], made[:23], strict=True)
    ]
    op_accounts.append(_account(op[23], created_at=made[23]))
    op_posts = [
        _posts(
            a,
            [
                START + pd.Timedelta(days=int(d), hours=int(h))
                for d, h in zip(rng.integers(0, 21, 5), rng.integers(7, 24, 5), strict=True)
            ],
        )
        for a in op
    ]
    data = Dataset.from_frames(
        pd.concat([posts, *op_posts], ignore_index=True),
        pd.concat([accounts, pd.DataFrame(op_accounts)], ignore_index=True),
    )
    settings = TraitSettings()
    traits = account_traits(data.con, settings)
    names = pd.Series(list(accounts["account_id"].iloc[:154]) + op, index=np.arange(178))
    # the crowd 0-149, the genuine four 150-153, the operation's 20 154-173 and its four 174-177
    rows = [(a, b) for a in range(154, 174) for b in range(a + 1, 174)]
    rows += [(a, b) for a in range(174, 178) for b in range(a + 1, 178)] + [(174, 154), (175, 160)]
    rows += [(int(a), int(b)) for a, b in rng.integers(0, 150, (300, 2)) if a != b]
    rows += [(a, b) for a in range(150, 154) for b in range(a + 1, 154)] + [(150, 3), (151, 155)]
    rows += [(154 + i, int(rng.integers(0, 150))) for i in range(5)]
    pairs = pd.DataFrame(rows, columns=["a", "b"]).drop_duplicates()
    pairs = pairs.assign(log10_q=-8.0, significant=True)
    campaign = np.r_[np.full(150, 3), np.full(4, 4), np.full(20, 1), np.full(4, 2)]
    members = pd.DataFrame({"aid": np.arange(178, dtype="int64"), "campaign": campaign})
    named = members.assign(account_id=members["aid"].map(names))
    verdicts, markers = assess_campaigns(data.con, named, traits, settings)
    before = verdicts.set_index("campaign")["status"]
    assert before[1] == CampaignStatus.OPERATION
    assert (before[[2, 3, 4]] == CampaignStatus.CROWD).all()  # the four alone: too few
    config = DetectConfig()
    after, marks, found = detect_module._assess_families(
        data.con, families(pairs, members), members, traits, config, names, verdicts, markers
    )
    status = after.set_index("campaign")["status"]
    assert found == 1
    assert status[2] == CampaignStatus.OPERATION  # with its family
    how = after.set_index("campaign")["assessment"]
    assert how[2] == Assessment.FAMILY and how[1] == Assessment.TESTED
    assert "family" in campaign_words(status[2], how[2])
    assert status[3] == CampaignStatus.CROWD and status[4] == CampaignStatus.CROWD
    convicting = marks[(marks["campaign"] == 2) & marks["significant"]]
    assert list(convicting["marker"]) == ["follow imbalance"]
    # without the links to the operation the four have no family to be judged with
    apart = pairs[
        ~((pairs["a"] >= 174) | (pairs["b"] >= 174)) | ((pairs["a"] >= 174) & (pairs["b"] >= 174))
    ]
    alone = detect_module._assess_families(
        data.con, families(apart, members), members, traits, config, names, verdicts, markers
    )
    assert alone[2] == 0 and alone[0].equals(verdicts)


def test_a_campaign_s_family_is_the_component_most_of_its_linked_members_are_in() -> None:
    from cibscan.cluster import families

    pairs = pd.DataFrame({"a": [0, 1, 3, 5], "b": [1, 2, 4, 6], "significant": True})
    pairs.loc[3, "significant"] = False  # 5-6 is no link
    members = pd.DataFrame({"aid": [0, 1, 2, 3, 4, 9, 5], "campaign": [1, 1, 2, 2, 2, 3, 4]})
    got = families(pairs, members)
    # campaign 2: one member in {0, 1, 2}, two in {3, 4}; 3 and 4 have no linked member
    assert set(got.index) == {1, 2}
    assert got[1] != got[2]
    members.loc[members["aid"] == 4, "campaign"] = 1  # now campaign 2 is one and one
    tie = families(pairs, members)
    assert tie[2] == min(tie[1], got[2])  # a tie goes to the smaller component id
    assert families(pairs.iloc[:0], members).empty


def test_the_traits_leave_a_callers_tables_of_the_same_names_alone() -> None:
    posts, accounts = _population(60)
    data = Dataset.from_frames(posts, accounts)
    con = data.con
    con.execute("CREATE TABLE trait_base AS SELECT 'mine' AS owner")
    con.execute("CREATE TABLE trait_hours AS SELECT 42 AS answer")
    traits = account_traits(con, TraitSettings())
    assert len(traits) == posts["account_id"].nunique()
    assert con.execute("SELECT * FROM trait_base").fetchall() == [("mine",)]
    assert con.execute("SELECT * FROM trait_hours").fetchall() == [(42,)]
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert tables == {"posts", "accounts", "trait_base", "trait_hours"}
