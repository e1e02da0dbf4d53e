"""Account traits: the tell-tales investigators use beside co-activity.

Each trait is a pure function of the ``posts`` and ``accounts`` tables (never of the link
graph) that returns one row per account it applies to, with a reason in words. Traits are
measured against the dataset itself (a rate is high *for this data*), so they need no
thresholds tuned to one platform. ``account_traits`` runs them all and joins the results;
``assess.assess_campaigns`` measures the same traits at campaign level, where a group
whose members look like everybody else is told apart from one that does not.

A trait alone never puts an account into a campaign: accounts with a strong trait and no
coordination evidence are listed for review (``status = "review"``) with their reasons.

Each trait is one declaration (``Trait`` in ``_base``): its measure, its columns and their
kinds, the column that makes it strong and its campaign markers; ``TRAITS`` lists them.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ..engine import duckdb_runner, quote_ident, run_scope, store_table
from ..link_steps import Runner
from . import activity, cohorts, evasion, impersonation, posting, profile, schedule, watchlist
from ._base import KINDS, TRAIT_BASE, Marker, Trait, TraitSettings, flagged

#: Every trait, in the order its columns appear. Adding a trait is one module that
#: declares ``TRAIT`` and one entry here.
TRAITS: tuple[Trait, ...] = (
    profile.TRAIT,
    activity.TRAIT,
    cohorts.TRAIT,
    schedule.TRAIT,
    posting.TRAIT,
    impersonation.TRAIT,
    evasion.TRAIT,
    watchlist.TRAIT,
)

#: Trait columns added to the findings' accounts table, in order, and their kinds.
TRAIT_KINDS: dict[str, str] = {c: k for t in TRAITS for c, k in t.columns.items()}
TRAIT_COLUMNS = (*TRAIT_KINDS, "trait_reasons")

#: Traits strong enough to list an account for review on their own (their columns).
STRONG_TRAITS = tuple(t.strong for t in TRAITS if t.strong)

#: Campaign-level markers of every trait, in order.
MARKERS: tuple[Marker, ...] = tuple(m for t in TRAITS for m in t.markers)


def trait_steps(settings: TraitSettings) -> tuple[tuple[str, str], ...]:
    """The relational steps of the traits ``settings`` runs: ``trait_base``, then each
    trait's own (``Trait.steps``)."""
    steps: list[tuple[str, str]] = [("trait_base", TRAIT_BASE)]
    for trait in TRAITS:
        if trait.steps is not None and trait.name not in settings.skip:
            steps.extend(trait.steps(settings))
    return tuple(steps)


def account_traits(
    con: duckdb.DuckDBPyConnection, settings: TraitSettings, runner: Runner | None = None
) -> pd.DataFrame:
    """One row per account with posts: every trait column and ``trait_reasons``.

    The traits' aggregations over the posts (``trait_steps``) run through ``runner``
    (the run's engine; DuckDB on ``con`` by default) into tables of ``con``, which the
    traits then read; they are dropped before returning. Called without a runner (not
    from a run of ``detect``), it works in a schema of its own (``engine.run_scope``), so
    that a table of the caller's that bears one of those names is left alone."""
    if runner is None:
        with run_scope(con):
            return account_traits(con, settings, duckdb_runner(con))
    run = runner
    made: list[str] = []
    try:
        for trait in TRAITS:
            if trait.inputs is not None and trait.name not in settings.skip:
                for name, table in trait.inputs(con, settings).items():
                    store_table(con, name, table)
                    made.append(name)
        for name, sql in trait_steps(settings):
            run(name, sql)
            made.append(name)
        out = con.execute("SELECT account_id FROM trait_base ORDER BY account_id").df()
        reasons: list[pd.Series] = []
        for trait in TRAITS:
            if trait.name in settings.skip:
                continue
            part: pd.DataFrame = trait.measure(con, settings)
            if part.empty:
                continue
            part = part.set_index("account_id")
            reasons.append(part.pop("reason").dropna())
            out = out.join(part, on="account_id")
    finally:
        for name in reversed(made):
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    out = typed(out)
    if reasons:
        every = pd.concat(reasons).astype(str)
        joined = every.groupby(level=0).agg("; ".join) if len(every) else pd.Series(dtype=str)
        mapped = out["account_id"].map(joined).astype(object)
        out["trait_reasons"] = mapped.where(mapped.notna(), "")
    else:
        out["trait_reasons"] = ""
    return out[["account_id", *TRAIT_COLUMNS]]


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every trait column present and of its declared kind: a missing flag
    is False, every other missing value stays missing (NA, never the string 'nan')."""
    out = frame.copy()
    for col, kind in TRAIT_KINDS.items():
        if col not in out:
            out[col] = None
        if kind == "bool":
            out[col] = out[col].astype("boolean").fillna(False).astype(bool)
        else:
            out[col] = out[col].astype(KINDS[kind])
    return out


def strong(traits: pd.DataFrame) -> pd.Series:
    """Accounts with a trait strong enough to be listed for review on its own."""
    hit = pd.Series(False, index=traits.index)
    for column in STRONG_TRAITS:
        hit |= flagged(traits[column])
    return hit


#: Traits that say who an account pretends to be (a name imitating an outlet, a new
#: account resuming a suspended one), not how it behaves: the group-level test tests
#: the accounts with one as a family of their own (``expand``).
IDENTITY_TRAITS = ("impersonates", "evades")


def identity(traits: pd.DataFrame) -> pd.Series:
    """Accounts with an identity-level trait (``IDENTITY_TRAITS``)."""
    hit = pd.Series(False, index=traits.index)
    for column in IDENTITY_TRAITS:
        if column in traits:
            hit |= flagged(traits[column])
    return hit


__all__ = [
    "IDENTITY_TRAITS",
    "MARKERS",
    "STRONG_TRAITS",
    "TRAITS",
    "TRAIT_COLUMNS",
    "TRAIT_KINDS",
    "Trait",
    "TraitSettings",
    "account_traits",
    "identity",
    "strong",
    "trait_steps",
    "typed",
]
