"""Campaign-level traits: is a coordinated group made of accounts unlike everybody else?

Coordination beyond chance does not tell an operation from an authentic crowd that really
acts together (fans, news aggregators, protesters): both beat chance. What separates them
is who the members are. For each campaign, each marker counts the members that fall in
the extreme of the whole dataset (for example the top tenth of following-to-followers
ratios) and asks, with a binomial test against the share of all accounts that do, whether
the campaign holds more of them than chance would put there, and at least twice the
population's share (so that a large crowd is not condemned for being slightly unusual).
The schedule marker tests the members' pooled posts against the data's rhythm.

A campaign with at least one significant marker (Bonferroni over the markers tested) is
an ``operation``. A campaign whose members are tested and look like the population is an
``authentic-looking crowd``: it is kept, with its evidence, for review, but its members
are not flagged. A campaign with no account metadata to test stays an ``operation``
(cibscan cannot clear what it cannot measure), and the findings say so.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import binom

from . import schedule
from ._base import TraitSettings

OPERATION = "operation"
CROWD = "authentic-looking crowd"
UNTESTED = "operation (no account metadata to test)"
EXTREME = 0.10  #: tail of the population a marker counts


def _tail_share(values: np.ndarray, upper: bool) -> tuple[float, np.ndarray]:
    """(population share in the tail, per-value tail membership) at the EXTREME quantile."""
    known = ~np.isnan(values)
    if known.sum() < 10:
        return float("nan"), np.zeros(len(values), dtype=bool)
    cut = np.quantile(values[known], 1 - EXTREME if upper else EXTREME)
    inside = known & ((values >= cut) if upper else (values <= cut))
    return float(inside[known].mean()), inside


#: Markers about who the members are; without at least one of them testable, a campaign
#: cannot be cleared.
PROFILE_MARKERS = ("follow imbalance", "young accounts")


def markers(
    traits: pd.DataFrame, settings: TraitSettings
) -> dict[str, tuple[float, np.ndarray, str]]:
    """Per marker: (population share, account flags aligned with ``traits``, description).

    A marker the data cannot support (no follower counts, no creation dates, no list of
    suspended accounts) has a NaN share and is not tested.
    """
    followers = traits["followers"].to_numpy(dtype=float)
    following = traits["following"].to_numpy(dtype=float)
    out: dict[str, tuple[float, np.ndarray, str]] = {}
    ratio = np.log1p(following) - np.log1p(followers)
    share, flags = _tail_share(ratio, upper=True)
    out["follow imbalance"] = (share, flags, "follow far more accounts than follow them")
    created = pd.to_datetime(traits["account_created"]).astype("int64").to_numpy(dtype=float)
    created[traits["account_created"].isna().to_numpy()] = np.nan
    share, flags = _tail_share(created, upper=True)
    out["young accounts"] = (share, flags, "are among the newest tenth of accounts")
    has_created = traits["account_created"].notna().any()
    has_followers = traits["followers"].notna().any()
    for name, column, text, testable in (
        ("creation cohort", "cohort_size", "were created in a tight batch", has_created),
        (
            "loudspeakers",
            "loudspeaker",
            "post at rates their audience does not explain",
            has_followers,
        ),
        ("impersonation", "impersonates", "imitate outlets or officials", True),
        ("ban evasion", "evades", "resume suspended accounts", bool(settings.suspended)),
        (
            "watch-list amplification",
            "watch_amplifier",
            "amplify watched accounts abnormally",
            traits["watch_amplifications"].notna().any(),
        ),
    ):
        col = traits[column]
        flags = col.fillna(False).astype(bool) if col.dtype == "boolean" else col.notna()
        values = flags.to_numpy(dtype=bool)
        share = float(values.mean()) if testable and len(values) else float("nan")
        out[name] = (share, values, text)
    return out


def assess_campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    settings: TraitSettings,
) -> pd.DataFrame:
    """``campaign, status, markers`` (in words) for each campaign of ``members``.

    ``members`` has ``account_id`` and ``campaign``; ``traits`` is ``account_traits``.
    """
    cols = ["campaign", "status", "markers"]
    if members.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    index = pd.Series(np.arange(len(traits)), index=traits["account_id"])
    marks = markers(traits, settings)
    profiled = any(not np.isnan(marks[name][0]) for name in PROFILE_MARKERS)
    pooled = _pooled_schedules(con, members)
    rows = []
    for camp, group in members.groupby("campaign", sort=True):
        pos = index.reindex(group["account_id"]).dropna().to_numpy(dtype=np.int64)
        m = len(pos)
        tests: list[tuple[float, str]] = []
        for name, (share, flags, text) in marks.items():
            if np.isnan(share):
                continue
            k = int(flags[pos].sum())
            if k == 0:
                tests.append((1.0, name))
                continue
            base = max(share, 1.0 / len(traits))
            # significant *and* substantial: twice the population's share at least
            p = float(binom.sf(k - 1, m, base)) if k >= 2 * base * m else 1.0
            tests.append((p, f"{k} of {m} members {text} ({name}: {share:.0%} of all accounts)"))
        if camp in pooled:
            fp, i = pooled[camp]
            ok = bool(schedule.matches(fp, 1, 1.0)[i])  # effect size; the test is below
            p = float(max(fp.p_office[i], fp.p_weekend[i])) if ok else 1.0
            tests.append((p, "members' posts keep an " + schedule.describe(fp, i)))
        bar = settings.alpha / max(len(tests), 1)
        found = [text for p, text in sorted(tests) if p < bar]
        if found:
            status = OPERATION
        else:
            status = CROWD if profiled else UNTESTED
        rows.append((camp, status, "; ".join(found)))
    return pd.DataFrame(rows, columns=cols)


def _pooled_schedules(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame
) -> dict[int, tuple[schedule.Fingerprint, int]]:
    con.register("_assess_members", members[["account_id", "campaign"]])
    try:
        frame = con.execute(
            f"SELECT m.campaign, {schedule.hour_of_week_sql('p.created_at')} AS b, "
            "count(*) AS n FROM posts p JOIN _assess_members m ON m.account_id = p.account_id "
            "GROUP BY ALL"
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
