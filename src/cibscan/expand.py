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
  seen for every outsider trace on keys of the same popularity (keys binned by the
  log2 of their accounts), each outsider counting at most ``min_hits - 1`` hits so that
  the accounts under test do not set their own rate: a campaign that reposts viral
  posts as camouflage, or joins a public flood, is hit by everyone who reposts viral
  posts or joins the flood, and that rate says so;
- hits ~ Poisson(sum over the account's traces of that rate), per trace behaviour; the
  account's p-value is its smallest times the number of trace behaviours, and the false
  discovery rate is controlled over every (account, campaign) pair.

An account significant for several campaigns joins the one it is most significant for.
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
from scipy.stats import poisson

from .engine import duckdb_runner, fetch_int, store_table
from .link import bh_log_q
from .link_steps import run_steps


@dataclass(frozen=True)
class ExpandSettings:
    """Settings of the group-level test."""

    enabled: bool = True
    alpha: float = 0.01  # false discovery rate over (account, campaign) pairs
    min_hits: int = 3  # fewest of a campaign's episodes an outsider must join


#: Episodes of each campaign: (behaviour, key, bucket) groups with two or more members.
CAMPAIGN_EPISODES = """
SELECT t.behaviour, t.key, t.bucket, m.campaign, count(*) AS members
FROM traces t JOIN members m ON m.aid = t.aid
GROUP BY t.behaviour, t.key, t.bucket, m.campaign
HAVING count(*) >= 2
"""

#: Every trace with the popularity bin of its key (floor of log2 of the key's accounts).
TRACE_BINS = """
SELECT t.behaviour, t.key, t.aid, t.bucket,
       CAST(FLOOR(ln(k.n) / ln(2)) AS BIGINT) AS bin
FROM traces t JOIN keys k ON k.behaviour = t.behaviour AND k.key = t.key
"""

#: Traces of accounts in no campaign, per behaviour and bin: the outsiders' exposure.
OUTSIDER_BINS = """
SELECT tb.behaviour, tb.bin, count(*) AS traces
FROM trace_bins tb LEFT JOIN members m ON m.aid = tb.aid
WHERE m.aid IS NULL
GROUP BY tb.behaviour, tb.bin
"""

#: Outsiders' traces in a campaign's episodes, per account, campaign, behaviour and bin.
OUTSIDER_HITS = """
SELECT tb.behaviour, tb.aid, ce.campaign, tb.bin, count(*) AS hits,
       count(DISTINCT tb.key) AS keys
FROM trace_bins tb
JOIN campaign_episodes ce
  ON ce.behaviour = tb.behaviour AND ce.key = tb.key AND ce.bucket = tb.bucket
LEFT JOIN members m ON m.aid = tb.aid
WHERE m.aid IS NULL
GROUP BY tb.behaviour, tb.aid, ce.campaign, tb.bin
"""

#: Per behaviour, campaign and bin, the chance that an outsider's trace lands in one of
#: the campaign's episodes. Each outsider's hits count up to ``min_hits - 1``: the
#: accounts under test must not set their own chance rate (a hundred hidden members of
#: a hashtag ring are most of the traces on its hashtag's popularity bin).
HIT_RATES = """
SELECT h.behaviour, h.campaign, h.bin,
       CAST(sum(least(h.hits, {cap})) AS DOUBLE) / CAST(ob.traces AS DOUBLE) AS rate
FROM outsider_hits h
JOIN outsider_bins ob ON ob.behaviour = h.behaviour AND ob.bin = h.bin
GROUP BY h.behaviour, h.campaign, h.bin, ob.traces
"""

#: Candidates (outsiders with at least ``min_hits`` hits on a campaign in one behaviour),
#: their hits and the hits expected by chance from every trace they left.
CANDIDATES = """
SELECT c.behaviour, c.aid, c.campaign, c.hits, c.keys,
       sum(CAST(e.traces AS DOUBLE) * coalesce(r.rate, CAST(0 AS DOUBLE))) AS expected
FROM (SELECT behaviour, aid, campaign, sum(hits) AS hits, sum(keys) AS keys
      FROM outsider_hits GROUP BY behaviour, aid, campaign
      HAVING sum(hits) >= {min_hits}) c
JOIN (SELECT behaviour, aid, bin, count(*) AS traces FROM trace_bins
      GROUP BY behaviour, aid, bin) e
  ON e.behaviour = c.behaviour AND e.aid = c.aid
LEFT JOIN hit_rates r
  ON r.behaviour = c.behaviour AND r.campaign = c.campaign AND r.bin = e.bin
GROUP BY c.behaviour, c.aid, c.campaign, c.hits, c.keys
"""


def expand_steps(min_hits: int) -> tuple[tuple[str, str], ...]:
    """The group-level test's relational steps, from ``traces``, ``keys`` and
    ``members`` to ``candidates``."""
    return (
        ("campaign_episodes", CAMPAIGN_EPISODES),
        ("trace_bins", TRACE_BINS),
        ("outsider_bins", OUTSIDER_BINS),
        ("outsider_hits", OUTSIDER_HITS),
        ("hit_rates", HIT_RATES.format(cap=max(1, int(min_hits) - 1))),
        ("candidates", CANDIDATES.format(min_hits=int(min_hits))),
    )


#: Columns of the joins table: who joined which campaign on group-level evidence.
JOIN_COLUMNS = ("aid", "campaign", "behaviour", "hits", "keys", "expected", "log10_q")


def expand_campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    settings: ExpandSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (members with the accounts that joined, joins: one row per account that
    joined, with the behaviour, its hits, the hits expected and the q-value).

    Reads ``traces`` and ``keys`` (the linker's tables) and the ``members`` given.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in JOIN_COLUMNS})
    if not settings.enabled or members.empty:
        return members, empty
    store_table(con, "members", members[["aid", "campaign"]])
    run_steps(duckdb_runner(con), expand_steps(settings.min_hits))
    cand = con.execute("SELECT * FROM candidates").df()
    n_behaviours = max(1, fetch_int(con, "SELECT count(DISTINCT behaviour) FROM traces"))
    outsiders = fetch_int(con, "SELECT count(DISTINCT aid) FROM traces") - len(members)
    for name, _ in expand_steps(0):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    if cand.empty:
        return members, empty
    hits = cand["hits"].to_numpy(dtype=np.float64)
    lam = np.maximum(cand["expected"].to_numpy(dtype=np.float64), 1e-12)
    log_p = np.maximum(poisson.logsf(hits - 1, lam) / math.log(10), -300.0)
    log_p = np.minimum(log_p + math.log10(n_behaviours), 0.0)
    cand = cand.assign(log10_p=log_p)
    # the account's best behaviour per campaign, then BH over all (account, campaign)
    cand = cand.sort_values(["aid", "campaign", "log10_p", "behaviour"], kind="stable")
    cand = cand.drop_duplicates(["aid", "campaign"]).reset_index(drop=True)
    m = max(1.0, float(max(outsiders, 1)) * float(members["campaign"].nunique()))
    cand["log10_q"] = bh_log_q(cand["log10_p"].to_numpy(dtype=np.float64), m)
    sig = cand[cand["log10_q"] <= math.log10(settings.alpha)]
    sig = sig.sort_values(["aid", "log10_q", "campaign"], kind="stable").drop_duplicates("aid")
    joins = sig[list(JOIN_COLUMNS)].reset_index(drop=True)
    grown = pd.concat([members, joins[["aid", "campaign"]]], ignore_index=True)
    grown = grown.astype({"aid": "int64", "campaign": "int64"})
    return grown.sort_values(["campaign", "aid"]).reset_index(drop=True), joins
