"""Account traits: the tell-tales investigators use beside co-activity.

Each trait is a pure function of the ``posts`` and ``accounts`` tables (never of the link
graph) that returns one row per account it applies to, with a reason in words. Traits are
measured against the dataset itself (a rate is high *for this data*), so they need no
thresholds tuned to one platform. ``account_traits`` runs them all and joins the results;
``assess.assess_campaigns`` measures the same traits at campaign level, where a group
whose members look like everybody else is told apart from one that does not.

A trait alone never puts an account into a campaign: accounts with a strong trait and no
coordination evidence are listed for review (``status = "review"``) with their reasons.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from . import activity, cohorts, evasion, impersonation, schedule, watchlist
from ._base import TraitSettings, account_base, drop_base

#: Trait columns added to the findings' accounts table, in order.
TRAIT_COLUMNS = (
    "posts_per_day",
    "followers",
    "following",
    "account_created",
    "loudspeaker",
    "creation_cohort",
    "cohort_size",
    "schedule_tz",
    "office_hours_share",
    "office_hours",
    "impersonates",
    "evades",
    "watch_amplifications",
    "watch_amplifier",
    "trait_reasons",
)

_DTYPES = {
    "posts_per_day": "float64",
    "followers": "Int64",
    "following": "Int64",
    "account_created": "datetime64[us]",
    "loudspeaker": "bool",
    "creation_cohort": "datetime64[us]",
    "cohort_size": "Int64",
    "schedule_tz": "str",
    "office_hours_share": "float64",
    "office_hours": "bool",
    "impersonates": "str",
    "evades": "str",
    "watch_amplifications": "Int64",
    "watch_amplifier": "bool",
}

#: Traits strong enough to list an account for review on their own.
STRONG_TRAITS = ("loudspeaker", "impersonates", "evades", "watch_amplifier")


def account_traits(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    """One row per account with posts: every trait column and ``trait_reasons``."""
    account_base(con)
    try:
        out = con.execute(
            "SELECT account_id, posts_per_day, followers, following, account_created "
            "FROM trait_base ORDER BY account_id"
        ).df()
        modules = {
            "activity": activity,
            "cohorts": cohorts,
            "schedule": schedule,
            "impersonation": impersonation,
            "evasion": evasion,
            "watchlist": watchlist,
        }
        reasons: list[pd.Series] = []
        for name, module in modules.items():
            if name in settings.skip:
                continue
            part: pd.DataFrame = module.measure(con, settings)
            if part.empty:
                continue
            part = part.set_index("account_id")
            reasons.append(part.pop("reason").dropna())
            out = out.join(part, on="account_id")
    finally:
        drop_base(con)
    for col, dtype in _DTYPES.items():
        if col not in out:
            out[col] = None
        if dtype == "bool":
            out[col] = out[col].astype("boolean").fillna(False).astype(bool)
        elif dtype == "str":
            out[col] = out[col].astype("str")
        else:
            out[col] = out[col].astype(dtype)
    if reasons:
        every = pd.concat(reasons).astype(str)
        joined = every.groupby(level=0).agg("; ".join) if len(every) else pd.Series(dtype=str)
        mapped = out["account_id"].map(joined).astype(object)
        out["trait_reasons"] = mapped.where(mapped.notna(), "")
    else:
        out["trait_reasons"] = ""
    return out[["account_id", *TRAIT_COLUMNS]]


def strong(traits: pd.DataFrame) -> pd.Series:
    """Accounts with a trait strong enough to be listed for review on its own."""
    return (
        traits["loudspeaker"].astype(bool)
        | traits["impersonates"].notna()
        | traits["evades"].notna()
        | traits["watch_amplifier"].astype(bool)
    )


__all__ = ["STRONG_TRAITS", "TRAIT_COLUMNS", "TraitSettings", "account_traits", "strong"]
