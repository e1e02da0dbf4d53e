"""Campaign-level traits: is a coordinated group made of accounts unlike everybody else?

Coordination beyond chance does not tell an operation from an authentic crowd that really
acts together (fans, news aggregators, protesters): both beat chance. What separates them
is who the members are. For each campaign, each marker counts the members that fall in
the extreme of the whole dataset (for example the top tenth of following-to-followers
ratios) and asks, with a binomial test against the share of all accounts that do, whether
the campaign holds more of them than chance would put there, and at least twice the
population's share (so that a large crowd is not condemned for being slightly unusual).
The schedule marker tests the clock hours in which members posted against the data's rhythm.

Three verdicts, each one a person can defend:

- ``operation``: at least one significant marker (Bonferroni over the campaign's
  markers, then the false discovery rate controlled over the campaigns tested: each
  coordinated crowd tested is one more chance of a marker significant by luck; on the
  German CooRTweet file 175 campaigns were tested and two office schedules at p = 3e-4
  and 2e-3 flagged 18 accounts): coordinated, and its members unlike everybody else.
  Its members are flagged.
- ``crowd`` (authentic-looking): its members' profiles were tested and look like the
  population. It is kept, with its evidence, for review; its members are not flagged.
- ``coordinated`` (unassessed): no profile column to test (most exports carry ids, times
  and texts only) and no marker of its posts significant. cibscan can neither clear nor
  convict what it cannot measure: the campaign is kept with its evidence and its members
  are listed, but flagged only on request (``DetectConfig.flag``). Before, such a campaign
  stayed an operation, and on real data without profile columns (bought followers and
  genuine users of the same years) 830 of 1,946 genuine accounts were flagged, because
  genuine users really do retweet the same election posts.

A verdict on a whole group can hide what is inside it: bought accounts mixed into a
crowd are cleared with it, and genuine users share the fakes' verdict. So detect also
assesses the denser communities inside every crowd and unassessed campaign
(``detect._assess_inside``), and one that is an operation stands as a campaign of its
own. A verdict on a small group can miss what its family shows: a campaign of three
cut from a large operation cannot carry a marker significantly on its own, so the
campaigns linked to an operation are also tested on its markers, each with its own
members (``detect._assess_families``).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, expit, logsumexp, xlogy
from scipy.stats import binom

from ..status import Assessment, CampaignStatus
from . import MARKERS, schedule
from ._base import MarkerFlags, TraitSettings, post_time_step

#: The marker measured on a campaign's pooled activity rather than on its members.
SCHEDULE_MARKER = "office hours"
#: A clock hour is one of a campaign's occasions when at least this share of its members
#: (two at least) posted in it; hours with a stray post of one or two members are not.
OCCASION_SHARE = 0.01

#: Columns of the ``campaign_markers`` table: one row per campaign and marker tested.
#: ``members`` of ``tested`` members carry the marker (for the schedule marker: the
#: clock hours with members' posts that are office hours, of all hours with their
#: posts), ``share`` is that fraction, ``population_share`` the whole data's,
#: ``p_value`` the binomial test's (1 where the effect is not substantial),
#: ``significant`` after Bonferroni over the campaign's markers. The schedule marker also
#: has its best UTC offset and its weekend and lunch shares.
MARKER_COLUMNS = {
    "campaign": "int64",
    "marker": "string",
    "members": "Int64",
    "tested": "Int64",
    "share": "float64",
    "population_share": "float64",
    "p_value": "float64",
    "significant": "bool",
    "utc_offset": "Int64",
    "weekend_share": "float64",
    "lunch_share": "float64",
}


def markers(traits: pd.DataFrame, settings: TraitSettings) -> dict[str, tuple[MarkerFlags, bool]]:
    """Per marker name: ((population share, flags aligned with ``traits``), profile?).

    A marker the data cannot support (no follower counts, no creation dates, no list of
    suspended accounts) has a NaN share and is not tested.
    """
    return {m.name: (m.flags(traits, settings), m.profile) for m in MARKERS}


def assess_campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    settings: TraitSettings,
    across: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(verdicts, campaign_markers)`` for the campaigns of ``members``.

    ``verdicts``: ``campaign, status`` (a :class:`CampaignStatus`) and ``assessment`` (an
    :class:`Assessment`); ``campaign_markers``: see ``MARKER_COLUMNS``. ``members`` has
    ``account_id`` and ``campaign``; ``traits`` is ``account_traits``.

    ``across``: the false discovery rate of the convictions is controlled over the
    campaigns (``_convicting_level``); otherwise each campaign is tested at
    ``settings.alpha`` alone, for callers that divide the level by the groups they test.
    """
    cols = ["campaign", "status", "assessment"]
    if members.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols}), empty_markers()
    index = pd.Series(np.arange(len(traits)), index=traits["account_id"])
    marks = markers(traits, settings)
    profiled = any(not np.isnan(share) for (share, _), profile in marks.values() if profile)
    # post times given to the day say nothing of the hour: no schedule is tested
    pooled = _pooled_schedules(con, members) if post_time_step(con, settings) < 86_400 else {}
    campaigns = []
    found: list[dict[str, object]] = []
    for camp, group in members.groupby("campaign", sort=True):
        pos = index.reindex(group["account_id"]).dropna().to_numpy(dtype=np.int64)
        m = len(pos)
        tests: list[dict[str, object]] = []
        for name, ((share, flags), _) in marks.items():
            if np.isnan(share):
                continue
            k = int(flags[pos].sum())
            base = max(share, 1.0 / len(traits))
            # significant *and* substantial: twice the population's share at least
            p = float(binom.sf(k - 1, m, base)) if k and k >= 2 * base * m else 1.0
            tests.append(
                {
                    "marker": name,
                    "members": k,
                    "tested": m,
                    "share": k / m if m else np.nan,
                    "population_share": share,
                    "p_value": p,
                }
            )
        if camp in pooled:
            fp, i = pooled[camp]
            ok = bool(schedule.matches(fp, 1, 1.0)[i])  # effect size; the test is below
            tests.append(
                {
                    "marker": SCHEDULE_MARKER,
                    "members": round(fp.office_share[i] * fp.posts[i]),
                    "tested": int(fp.posts[i]),
                    "share": float(fp.office_share[i]),
                    "population_share": float(fp.expected_office[i]),
                    "p_value": float(max(fp.p_office[i], fp.p_weekend[i])) if ok else 1.0,
                    "utc_offset": int(fp.offset[i]),
                    "weekend_share": float(fp.weekend_share[i]),
                    "lunch_share": float(fp.lunch_share[i]),
                }
            )
        for test in tests:
            test["campaign"] = int(camp)
            # Bonferroni over the campaign's own markers
            test["adjusted"] = min(1.0, float(test["p_value"]) * len(tests))  # type: ignore[arg-type]
        found.extend(tests)
        campaigns.append(camp)
    level = _convicting_level(found, settings.alpha) if across else settings.alpha
    convicted = set()
    for test in found:
        test["significant"] = bool(float(test.pop("adjusted")) <= level and level > 0)  # type: ignore[arg-type]
        if test["significant"]:
            convicted.add(test["campaign"])
    convicts = (CampaignStatus.OPERATION.value, Assessment.TESTED.value)
    clears = (
        (CampaignStatus.CROWD.value, Assessment.TESTED.value)
        if profiled
        else (CampaignStatus.COORDINATED.value, Assessment.NO_METADATA.value)
    )
    verdicts = pd.DataFrame(
        [(c, *(convicts if int(c) in convicted else clears)) for c in campaigns], columns=cols
    )
    table = pd.DataFrame(found) if found else empty_markers()
    return verdicts, marker_table(table)


def _convicting_level(tests: list[dict[str, object]], alpha: float) -> float:
    """The level a campaign's Bonferroni-adjusted p-value (``adjusted``) must reach to
    convict it: Benjamini-Hochberg's over the campaigns tested, so that at most
    ``alpha`` of the operations named are, in expectation, groups whose members are like
    everybody else. Each campaign tested at ``alpha`` alone convicted about ``alpha``
    of every hundred coordinated crowds by chance: on the German CooRTweet file (175
    campaigns, no profile columns) two office schedules at p = 3e-4 and 2e-3 flagged 18
    accounts (RESULTS.md)."""
    best: dict[object, float] = {}
    for test in tests:
        camp, adjusted = test["campaign"], float(test["adjusted"])  # type: ignore[arg-type]
        best[camp] = min(best.get(camp, 1.0), adjusted)
    if not best:
        return alpha
    ordered = np.sort(np.fromiter(best.values(), dtype=np.float64))
    steps = alpha * np.arange(1, len(ordered) + 1) / len(ordered)
    passing = np.nonzero(ordered <= steps)[0]
    return float(steps[passing[-1]]) if len(passing) else 0.0


def inauthentic_probability(verdicts: pd.DataFrame, markers: pd.DataFrame) -> pd.Series:
    """Per campaign (the index), the probability that its members are inauthentic, given
    what its assessment measured, from even prior odds.

    - An assessed campaign (an operation or a crowd): the Bayes factor of "unlike the
      population by some marker" against "like it" is the mean, over the markers tested,
      of each marker's Bayes factor: the members carrying it, binomial at a share drawn
      uniformly from the shares an operation shows (twice the population's share and
      more: the bar the test itself sets) against binomial at the population's share.
      Integrating over the share, rather than taking the one that fits best, keeps a
      small group's chance findings from counting: a crowd of three with one member in
      a marker's top tenth is no evidence. A large crowd whose members look like
      everybody else comes out near 0 (had it been an operation it would have shown); a
      crowd of four, well below 1/2 but not near 0.
      The test that gave the verdict keeps it on its side of 1/2: an operation at 1/2
      or above, a crowd at 1/2 or below.
    - A coordinated, unassessed campaign: 1/2. Nothing it could be told by was measured
      (the markers of its posts were, but an operation need not show them).
    - Assessment off: 1. The user says every campaign is an operation (takedown archives).
    """
    if verdicts.empty:
        return pd.Series(dtype="float64")
    prob = pd.Series(0.5, index=verdicts["campaign"].astype("int64").to_numpy())
    log_bf = _log_bayes_factors(markers)
    status = verdicts["status"].to_numpy()
    assessment = verdicts["assessment"].to_numpy()
    measured = np.isin(assessment, [Assessment.TESTED.value, Assessment.FAMILY.value])
    tested = measured & prob.index.isin(log_bf.index)
    prob[tested] = expit(log_bf.reindex(prob.index[tested]).to_numpy())
    # the verdict's test decides the side of 1/2: a marker can look elevated in the mean
    # and still fail its own test (the schedule marker also asks for quiet weekends and
    # a lunch dip; a crowd's few weekday events can fill office hours without them)
    operation = status == CampaignStatus.OPERATION.value
    prob[operation] = np.maximum(prob[operation], 0.5)
    prob[~operation] = np.minimum(prob[~operation], 0.5)
    prob[assessment == Assessment.OFF.value] = 1.0
    prob[status == CampaignStatus.COORDINATED.value] = 0.5
    return prob


def _log_bayes_factors(markers: pd.DataFrame) -> pd.Series:
    """Per campaign, the natural log of the mean Bayes factor of its markers
    (``inauthentic_probability``)."""
    if markers.empty:
        return pd.Series(dtype="float64")
    k = markers["members"].astype("float64").to_numpy(na_value=np.nan)
    m = markers["tested"].astype("float64").to_numpy(na_value=np.nan)
    pi = markers["population_share"].astype("float64").to_numpy(na_value=np.nan)
    # a marker that half the population carries cannot be twice as common in a campaign
    usable = (m > 0) & (pi > 0) & (pi < 0.5) & np.isfinite(k) & (k <= m)
    k, m, pi = (np.where(usable, x, v) for x, v in ((k, 0.0), (m, 1.0), (pi, 0.25)))
    bar = 2 * pi
    with np.errstate(divide="ignore"):
        # log of the mean of a^k (1-a)^(m-k) over a uniform on [bar, 1], against the null
        # the upper tail I_{1-x}(b, a) = 1 - I_x(a, b), exact where the difference underflows
        upper = betainc(m - k + 1, k + 1, 1 - bar)
        alt = betaln(k + 1, m - k + 1) + np.log(upper) - np.log1p(-bar)
    null = xlogy(k, pi) + xlogy(m - k, 1 - pi)
    log_bf = np.where(usable, alt - null, 0.0)  # a marker with nothing to measure says nothing
    frame = pd.DataFrame({"campaign": markers["campaign"].to_numpy(), "log_bf": log_bf})
    return frame.groupby("campaign")["log_bf"].agg(
        lambda x: float(logsumexp(x.to_numpy()) - np.log(len(x)))
    )


def empty_markers() -> pd.DataFrame:
    return marker_table(pd.DataFrame(columns=list(MARKER_COLUMNS)))


def marker_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the ``MARKER_COLUMNS`` in order and type, significant first."""
    out = frame.reindex(columns=list(MARKER_COLUMNS))
    out["significant"] = out["significant"].astype("boolean").fillna(False)
    out = out.astype(MARKER_COLUMNS)
    order = ["campaign", "significant", "p_value", "marker"]
    return out.sort_values(order, ascending=[True, False, True, True]).reset_index(drop=True)


def _pooled_schedules(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame
) -> dict[int, tuple[schedule.Fingerprint, int]]:
    con.register("_assess_members", members[["account_id", "campaign"]])
    try:
        # each clock hour in which members posted counts once: a crowd's posts come in a
        # few events (150 protesters posting in one half hour are one occasion, not 150
        # independent draws from the data's rhythm), and counted post by post they fit
        # the office hours of some offset (2M posts over 224 days: 254 of 1,744
        # protesters convicted). A schedule kept day after day fills many hours. An hour
        # is an occasion when at least ``OCCASION_SHARE`` of the members (two at least)
        # posted in it: in a large campaign, one member's stray post fills an hour too,
        # and a network of 1,470 with 120 office hours of ~76 members each had 110 other
        # hours with one member, which hid its schedule (RESULTS.md).
        frame = con.execute(
            f"SELECT s.campaign, {schedule.hour_of_week_sql('s.slot')} AS b, count(*) AS n "
            "FROM (SELECT m.campaign, date_trunc('hour', p.created_at) AS slot, "
            "        count(DISTINCT m.account_id) AS active "
            "      FROM posts p JOIN _assess_members m ON m.account_id = p.account_id "
            "      GROUP BY ALL) s "
            "JOIN (SELECT campaign, count(*) AS size FROM _assess_members GROUP BY campaign) z "
            "  ON z.campaign = s.campaign "
            "WHERE s.active >= greatest(2, ceil(z.size * $share)) "
            "GROUP BY ALL",
            {"share": OCCASION_SHARE},
        ).df()
    finally:
        con.unregister("_assess_members")
    if frame.empty:
        return {}
    camps, hist = schedule.to_matrix(
        frame["campaign"].to_numpy(dtype=np.int64), frame["b"].to_numpy(), frame["n"].to_numpy()
    )
    fp = schedule.fingerprint(hist, schedule.population_histogram(con))
    return {int(c): (fp, i) for i, c in enumerate(camps)}


#: The most of a campaign that the members unlike the population may be for the campaign
#: to be split (``unlike_members``): above it, the campaign is mostly such accounts, and
#: its members that carry no marker are read as more of the same operation.
MIXTURE_MAX_SHARE = 0.5


def unlike_members(
    flags: np.ndarray,
    population: np.ndarray,
    convicting: np.ndarray | None = None,
    iterations: int = 100,
) -> np.ndarray:
    """Which members of a convicted campaign are the accounts unlike the population,
    where the campaign is mostly accounts like everybody else (a crowd with bought
    accounts in it); all False where it is not.

    ``flags``: members x markers (two or more: every marker testable on members), each
    True where the member carries it; ``population``: each marker's population share;
    ``convicting``: the markers that convicted the campaign (all when None), on each of
    which the unlike kind must be at least twice the population's share.
    The members are read as a mixture of two kinds (a latent-class model fitted by EM):
    accounts like everybody else, carrying each marker at the population's share, and
    accounts unlike them, carrying each at a rate of its own. With two markers or more
    the two are told apart by the markers coming together: bought accounts are young and
    follow many and were made in one batch, all at once, where a genuine member carries
    one now and then: so even where one marker convicted the campaign, the others tell
    its carriers apart. Where the unlike kind is at most ``MIXTURE_MAX_SHARE`` of the
    campaign, the members more likely of that kind than not are returned. A campaign
    whose members are mostly unlike the population is not split: its members without a
    marker (old accounts hijacked, or simply unmarked) are read as more of the operation.
    """
    m, k = flags.shape
    none = np.zeros(m, dtype=bool)
    if k < 2 or m == 0:
        return none
    x = flags.astype(np.float64)
    p0 = np.clip(population.astype(np.float64), 1e-6, 1 - 1e-6)
    log_like0 = x @ np.log(p0) + (1 - x) @ np.log1p(-p0)
    share = 0.5
    p1 = np.clip(np.maximum(x.mean(axis=0), 2 * p0), 1e-3, 1 - 1e-3)
    for _ in range(iterations):
        log_like1 = x @ np.log(p1) + (1 - x) @ np.log1p(-p1)
        odds = np.log(share) + log_like1 - np.log1p(-share) - log_like0
        posterior = expit(odds)
        share = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))
        weight = posterior.sum()
        if weight <= 0:
            return none
        p1 = np.clip((posterior @ x) / weight, 1e-3, 1 - 1e-3)
    log_like1 = x @ np.log(p1) + (1 - x) @ np.log1p(-p1)
    posterior = expit(np.log(share) + log_like1 - np.log1p(-share) - log_like0)
    # the second kind must be what convicted the campaign, not another copy of it
    need = np.ones(k, dtype=bool) if convicting is None else np.asarray(convicting, bool)
    if share > MIXTURE_MAX_SHARE or not np.all(p1[need] >= 2 * p0[need]):
        return none
    # an account is told apart by a marker that convicted its campaign, never by lacking
    # the others
    return (posterior >= 0.5) & flags[:, need].any(axis=1)
