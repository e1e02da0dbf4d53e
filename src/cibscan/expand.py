"""Campaigns -> campaigns with the members pairwise evidence cannot see: a group-level test.

Pairwise evidence thins out as an operation grows and each member joins only a minority
of its tasks: with 30 tasks and 30% participation two members share about 3 episodes,
too few to survive a false-discovery step over every pair of accounts (10^8 to 10^12
hypotheses). The same member, though, joins 9 of the *campaign's* episodes, and that is
overwhelming evidence once the campaign is known. So after clustering, every account in
no campaign is tested against each campaign whose episodes it joined:

- a campaign's *episodes* are the (behaviour, key, time bucket) groups holding traces of
  at least two of its members;
- an outsider's *hits* on a campaign are its traces that fall in those episodes;
- by chance, a trace of an outsider lands in one of the campaign's episodes at the rate
  seen for outsider traces on keys of the same popularity (keys binned by the log2 of
  their accounts): a campaign that reposts viral posts as camouflage, or joins a public
  flood, is hit by everyone who reposts viral posts or joins the flood, and that rate
  says so. The accounts under test must not set their own rate, so it is fitted only to
  the outsiders with fewer hits than a candidate needs (a Poisson truncated there,
  ``HIT_RATES``); averaging every outsider's hits, even capped, let the hidden members of
  a large ring raise the rate until none of them joined;
- hits ~ Poisson(sum over the account's traces of that rate), per trace behaviour; the
  account's p-value is its smallest times the number of trace behaviours, and the false
  discovery rate is controlled over every (account, campaign) pair;
- *direction*: amplified is not amplifier. An account that passed is tested once more:
  was it first on the keys it shares with the campaign? A member is first on a key that
  k members used with chance about 1 / (k + 1), so its *leads* ~ Poisson(sum of those
  chances) (the Poisson-binomial's tail is below the Poisson's of the same mean); an
  account that leads improbably often (p <= ``alpha``) is what the campaign follows (an
  outlet whose domain a ring pushes every day, the author whose texts it copies): it is
  listed as the campaign's target (``campaign_targets``), never joined. At 1M posts this
  moved both state-media accounts that had joined the ring amplifying them to its
  targets, where a floor on the chance rate by each key's share of the data's time had
  kept them out at the cost of the link network's recall (1.0 -> 0.86, RESULTS.md).
  One shared key can show direction only against a campaign of 100 members or more
  (p = 1 / (k + 1)). The test assumes members' first uses are exchangeable in time; an
  earlier cohort of the same operation (accounts banned and replaced) breaks that, and
  3 ban evaders were listed as targets that way at 1M.

An account significant for several campaigns joins the one it is most significant for.
The test runs in rounds (``ExpandSettings.rounds``): the accounts that joined leave the
outsiders whose traces set the rate, and the rest are tested again; the hypotheses
counted stay every (outsider, campaign) pair of the first round.
Only accounts in no campaign are tested: two fragments of one operation stay two
campaigns. The relational steps are SQL in the linker's dialect (``link_steps``), so
they run on Spark unchanged; only the p-values run in NumPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .engine import duckdb_runner, fetch_int, store_table
from .link import bh_log_q, log10_tail
from .link_steps import run_steps


@dataclass(frozen=True)
class ExpandSettings:
    """Settings of the group-level test."""

    enabled: bool = True
    alpha: float = 0.01  # false discovery rate over (account, campaign) pairs
    min_hits: int = 3  # fewest of a campaign's episodes an outsider must join
    #: Rounds of the test: the accounts that joined leave the outsiders whose traces set
    #: the chance rate, and the rest are tested again (1: a single round).
    rounds: int = 3


#: Episodes of each campaign: (behaviour, key, bucket) groups with two or more members.
CAMPAIGN_EPISODES = """
SELECT t.behaviour, t.key, t.bucket, m.campaign, count(*) AS members
FROM traces t JOIN members m ON m.aid = t.aid
GROUP BY t.behaviour, t.key, t.bucket, m.campaign
HAVING count(*) >= 2
"""

#: When each account first used each key some campaign has episodes on (the only keys
#: an outsider can hit).
FIRST_USE = """
SELECT t.behaviour, t.aid, t.key, min(t.ts) AS first_ts
FROM traces t
JOIN (SELECT DISTINCT behaviour, key FROM campaign_episodes) ek
  ON ek.behaviour = t.behaviour AND ek.key = t.key
GROUP BY t.behaviour, t.aid, t.key
"""

#: Per behaviour, campaign and key it has episodes on: when a member first used the key,
#: and how many members used it.
CAMPAIGN_KEY_FIRST = """
SELECT f.behaviour, f.key, m.campaign, min(f.first_ts) AS first_ts, count(*) AS members
FROM first_use f JOIN members m ON m.aid = f.aid
JOIN (SELECT DISTINCT behaviour, key, campaign FROM campaign_episodes) ek
  ON ek.behaviour = f.behaviour AND ek.key = f.key AND ek.campaign = m.campaign
GROUP BY f.behaviour, f.key, m.campaign
"""

#: Every trace with the popularity bin of its key (floor of log2 of the key's accounts).
TRACE_BINS = """
SELECT t.behaviour, t.key, t.aid, t.bucket,
       CAST(FLOOR(ln(k.n) / ln(2)) AS BIGINT) AS bin
FROM traces t JOIN keys k ON k.behaviour = t.behaviour AND k.key = t.key
"""

#: Traces and accounts of accounts in no campaign, per behaviour and bin: the outsiders'
#: exposure. ``insiders`` holds every account already in a campaign: the members the
#: campaigns were found with, and those that joined in an earlier round of this test.
OUTSIDER_BINS = """
SELECT tb.behaviour, tb.bin, count(*) AS traces, count(DISTINCT tb.aid) AS accounts
FROM trace_bins tb LEFT JOIN insiders m ON m.aid = tb.aid
WHERE m.aid IS NULL
GROUP BY tb.behaviour, tb.bin
"""

#: Outsiders' traces in a campaign's episodes, per account, campaign, behaviour, bin and
#: key.
OUTSIDER_KEY_HITS = """
SELECT tb.behaviour, tb.aid, ce.campaign, tb.bin, tb.key, count(*) AS hits
FROM trace_bins tb
JOIN campaign_episodes ce
  ON ce.behaviour = tb.behaviour AND ce.key = tb.key AND ce.bucket = tb.bucket
LEFT JOIN insiders m ON m.aid = tb.aid
WHERE m.aid IS NULL
GROUP BY tb.behaviour, tb.aid, ce.campaign, tb.bin, tb.key
"""

#: The same per account, campaign, behaviour and bin, with direction: ``leads`` counts
#: the keys the outsider used before any of the campaign's members did, and
#: ``leads_expected`` what a member would: the first of k members and it with chance
#: 1 / (k + 1) per key.
OUTSIDER_HITS = """
SELECT h.behaviour, h.aid, h.campaign, h.bin, sum(h.hits) AS hits, count(*) AS keys,
       sum(CASE WHEN f.first_ts < ck.first_ts THEN 1 ELSE 0 END) AS leads,
       sum(1.0 / (ck.members + 1)) AS leads_expected
FROM outsider_key_hits h
JOIN first_use f ON f.behaviour = h.behaviour AND f.aid = h.aid AND f.key = h.key
JOIN campaign_key_first ck
  ON ck.behaviour = h.behaviour AND ck.key = h.key AND ck.campaign = h.campaign
GROUP BY h.behaviour, h.aid, h.campaign, h.bin
"""

#: Per behaviour, campaign and bin, the chance that an outsider's trace lands in one of
#: the campaign's episodes, estimated so that the accounts under test do not set it (a
#: hundred hidden members of a hashtag ring are most of the traces on its hashtag's
#: popularity bin): outsiders with more than ``c`` hits in the bin are left out, and the
#: mean hits per outsider, ``mu``, is the maximum-likelihood fit of a Poisson truncated at
#: ``c`` to the others, zeros included (``c`` is 1 or 2, below the fewest hits a candidate
#: needs; the truncated mean m solves m = mu / (1 + mu) for c = 1 and m = (mu + mu^2) /
#: (1 + mu + mu^2 / 2) for c = 2). The rate is ``mu`` per outsider trace of the bin.
#: Averaging capped hits instead left every hidden member of a large ring with the chance
#: rate its own fellows set (0.045 per trace at 1M posts), and none joined.
HIT_RATES = """
SELECT behaviour, campaign, bin,
       {mu} * accounts / traces AS rate
FROM (SELECT h.behaviour, h.campaign, h.bin, CAST(ob.traces AS DOUBLE) AS traces,
             CAST(ob.accounts AS DOUBLE) AS accounts,
             least(CAST(h.s AS DOUBLE) / CAST(greatest(ob.accounts - h.hi, 1) AS DOUBLE),
                   {c} * 0.999) AS m
      FROM (SELECT behaviour, campaign, bin,
                   sum(CASE WHEN hits <= {c} THEN hits ELSE 0 END) AS s,
                   sum(CASE WHEN hits > {c} THEN 1 ELSE 0 END) AS hi
            FROM outsider_hits GROUP BY behaviour, campaign, bin) h
      JOIN outsider_bins ob ON ob.behaviour = h.behaviour AND ob.bin = h.bin) f
"""


#: Candidates (outsiders with at least ``min_hits`` hits on a campaign in one behaviour),
#: their hits and the hits expected by chance from every trace they left at its bin's
#: rate (at most one hit per trace), and their leads.
CANDIDATES = """
SELECT c.behaviour, c.aid, c.campaign, c.hits, c.keys, c.leads, c.leads_expected,
       sum(least(coalesce(r.rate, CAST(0 AS DOUBLE)), 1.0)) AS expected
FROM (SELECT behaviour, aid, campaign, sum(hits) AS hits, sum(keys) AS keys,
             sum(leads) AS leads, sum(leads_expected) AS leads_expected
      FROM outsider_hits GROUP BY behaviour, aid, campaign
      HAVING sum(hits) >= {min_hits}) c
JOIN trace_bins e ON e.behaviour = c.behaviour AND e.aid = c.aid
LEFT JOIN hit_rates r
  ON r.behaviour = c.behaviour AND r.campaign = c.campaign AND r.bin = e.bin
GROUP BY c.behaviour, c.aid, c.campaign, c.hits, c.keys, c.leads, c.leads_expected
"""


def expand_steps(min_hits: int) -> tuple[tuple[str, str], ...]:
    """The group-level test's relational steps, from ``traces``, ``keys``, ``members``
    (the campaigns' members, whose shared groups are the episodes) and ``insiders`` (every
    account already in a campaign) to ``candidates``."""
    return (*EPISODE_STEPS, *round_steps(min_hits))


#: The campaigns' episodes and the traces' popularity bins: the same in every round.
EPISODE_STEPS: tuple[tuple[str, str], ...] = (
    ("campaign_episodes", CAMPAIGN_EPISODES),
    ("first_use", FIRST_USE),
    ("campaign_key_first", CAMPAIGN_KEY_FIRST),
    ("trace_bins", TRACE_BINS),
)


def _hit_rates(c: int) -> str:
    """``HIT_RATES`` truncated at ``c`` (1 or 2), with the closed-form fit for that ``c``."""
    mu = (
        "(m / (1.0 - m))"
        if c == 1
        else "(((m - 1.0) + sqrt((1.0 - m) * (1.0 - m) + 4.0 * (1.0 - m / 2.0) * m))"
        " / (2.0 * (1.0 - m / 2.0)))"
    )
    return HIT_RATES.format(c=int(c), mu=mu)


def round_steps(min_hits: int) -> tuple[tuple[str, str], ...]:
    """One round of the test: the outsiders' exposure and hits, the chance rates they
    set, and the candidates."""
    return (
        ("outsider_bins", OUTSIDER_BINS),
        ("outsider_key_hits", OUTSIDER_KEY_HITS),
        ("outsider_hits", OUTSIDER_HITS),
        ("hit_rates", _hit_rates(min(2, max(1, int(min_hits) - 1)))),
        ("candidates", CANDIDATES.format(min_hits=int(min_hits))),
    )


#: Columns of the joins table: who joined which campaign on group-level evidence.
JOIN_COLUMNS = ("aid", "campaign", "behaviour", "hits", "keys", "expected", "log10_q")
#: Columns of the sources table: accounts a campaign follows (first on ``leads`` of the
#: ``keys`` they share with it, ``leads_expected`` by chance; ``hits`` episodes).
SOURCE_COLUMNS = ("aid", "campaign", "behaviour", "hits", "keys", "leads", "leads_expected")


def expand_campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    settings: ExpandSettings,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (members with the accounts that joined, joins: one row per account that
    joined, with the behaviour, its hits, the hits expected and the q-value of the round
    it joined in, sources: accounts whose group-level evidence is that the campaign
    follows them, listed as its targets and never joined).

    Reads ``traces`` and ``keys`` (the linker's tables) and the ``members`` given.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in JOIN_COLUMNS})
    no_sources = pd.DataFrame({c: pd.Series(dtype="float64") for c in SOURCE_COLUMNS})
    if not settings.enabled or members.empty:
        return members, empty, no_sources
    run = duckdb_runner(con)
    core = members[["aid", "campaign"]]
    store_table(con, "members", core)
    run_steps(run, EPISODE_STEPS)
    n_behaviours = max(1, fetch_int(con, "SELECT count(DISTINCT behaviour) FROM traces"))
    outsiders = fetch_int(con, "SELECT count(DISTINCT aid) FROM traces") - len(members)
    # every (outsider, campaign) pair is a hypothesis, in every round: a later round
    # tests fewer of them against a chance rate its insiders no longer inflate
    m = max(1.0, float(max(outsiders, 1)) * float(members["campaign"].nunique()))
    found: list[pd.DataFrame] = []
    sources: list[pd.DataFrame] = []
    insiders = core["aid"]
    for _ in range(max(1, settings.rounds)):
        store_table(con, "insiders", pd.DataFrame({"aid": insiders.astype("int64")}))
        run_steps(run, round_steps(settings.min_hits))
        sig = _significant(con.execute("SELECT * FROM candidates").df(), n_behaviours, m, settings)
        if sig.empty:
            break
        found.append(sig[~sig["source"]])
        sources.append(sig[sig["source"]])
        # a source is tested no more: it stays out of the campaign in later rounds
        insiders = pd.concat([insiders, sig["aid"]], ignore_index=True)
    for name, _ in expand_steps(0):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute("DROP TABLE IF EXISTS insiders")
    targets = pd.concat(sources, ignore_index=True)[list(SOURCE_COLUMNS)] if sources else no_sources
    joins = pd.concat(found, ignore_index=True)[list(JOIN_COLUMNS)] if found else empty
    if joins.empty:
        return members, empty, targets
    grown = pd.concat([members, joins[["aid", "campaign"]]], ignore_index=True)
    grown = grown.astype({"aid": "int64", "campaign": "int64"})
    return grown.sort_values(["campaign", "aid"]).reset_index(drop=True), joins, targets


def _significant(
    cand: pd.DataFrame, n_behaviours: int, m: float, settings: ExpandSettings
) -> pd.DataFrame:
    """The candidates that join: per account and campaign its best behaviour, Bonferroni
    over behaviours, Benjamini-Hochberg over ``m`` (account, campaign) pairs; an account
    significant for several campaigns joins the one it is most significant for.

    Each is then tested for direction (``source``, module docstring): an account first on
    more of the campaign's keys than a member would be (p <= ``alpha``) is what the
    campaign follows, not one of it."""
    if cand.empty:
        return cand.assign(log10_p=pd.Series(dtype="float64"), source=pd.Series(dtype=bool))
    hits = cand["hits"].to_numpy(dtype=np.float64)
    lam = np.maximum(cand["expected"].to_numpy(dtype=np.float64), 1e-12)
    log_p = np.minimum(log10_tail(hits, lam) + math.log10(n_behaviours), 0.0)
    cand = cand.assign(log10_p=log_p)
    cand = cand.sort_values(["aid", "campaign", "log10_p", "behaviour"], kind="stable")
    cand = cand.drop_duplicates(["aid", "campaign"]).reset_index(drop=True)
    cand["log10_q"] = bh_log_q(cand["log10_p"].to_numpy(dtype=np.float64), m)
    sig = cand[cand["log10_q"] <= math.log10(settings.alpha)]
    sig = sig.sort_values(["aid", "log10_q", "campaign"], kind="stable").drop_duplicates("aid")
    sig = sig.reset_index(drop=True)
    leads = sig["leads"].to_numpy(dtype=np.float64)
    chance = np.maximum(sig["leads_expected"].to_numpy(dtype=np.float64), 1e-12)
    return sig.assign(source=log10_tail(leads, chance) <= math.log10(settings.alpha))
