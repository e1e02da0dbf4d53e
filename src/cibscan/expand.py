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
  the outsiders with at most two hits on the campaign in the behaviour, all bins
  together (a Poisson truncated there, ``BIN_RATES``); averaging every outsider's hits,
  even capped, let the hidden members of a large ring raise the rate until none of
  them joined. A candidate needs two hits (``ExpandSettings.min_hits``): with three, the
  members of a network who had only two of its posts (13% of a generated one whose
  members join 15 tasks with chance 0.3) could never join;
- a key's popularity for that binning is *organic*: the accounts that used it, the
  campaigns' members and the accounts that met a campaign more than once left out
  (``ORGANIC_KEYS``; one coincidence is never evidence, two are where a hidden member
  starts). A campaign makes its own keys popular: 180 amplifiers
  reposting a state-media post that 30 others reposted put the ring's posts in a bin
  of their own, where the rate was the chance that an organic repost of those very
  posts lands on the ring's day, near 1, and a hidden amplifier with 11 hits had 2.8
  expected. Binned by organic popularity the ring's posts sit with other posts of 30
  reposters, and the hidden amplifiers joined (0.52 -> 0.998 of them found at 1M
  without snowball rounds, RESULTS.md). A crowd whose members all hit each other's
  episodes (fans reposting a star within minutes) loses its own popularity the same
  way, so a crowd found pairwise also grows: telling it from an operation is the
  verdict's work. The hidden members who met the campaign only once or twice count in
  that popularity no more: when accounts with up to two hits counted (the rate's
  truncation), the members of a 240-account network with two of its posts each lifted
  its own domain and story links into bins of 8 to 63 accounts that held little else,
  where the rate was 0.08 to 0.18 per trace, and a member with three of its posts had
  0.05 hits expected; at 2M posts 0.70 of that network was found, 0.82 now, with no
  hard negative flagged (RESULTS.md, "Organic popularity");
- hits ~ Poisson(sum over the account's traces of that rate), per trace behaviour; the
  account's p-value is its smallest over the behaviours, and the false discovery rate is
  controlled over every (outsider, campaign, behaviour) hypothesis, each counted by the
  chance that it could be rejected at all (``spent_hypotheses``: it needs ``min_hits``
  hits, which an outsider with a few traces where a small campaign is rarely hit almost
  never has). Counting each as Benjamini-Hochberg does, over 790k outsiders x 836
  campaigns at 10M posts, left a member with three of its network's posts (0.045
  expected) 1.7 orders of magnitude short;
- *direction*: amplified is not amplifier. An account that passed is tested once more:
  was it in the campaign's episodes before the campaign? A member is first in an episode
  of k members with chance about 1 / (k + 1), so its *leads* are a Poisson-binomial of
  those chances, whose upper tail is below both the Poisson's and the binomial's of the
  same mean (``lead_log10_tail``: the binomial's is the tighter with few episodes); an
  account that leads improbably often (p <= ``alpha``) in any behaviour it was tested
  in is what the campaign follows (the outlet whose posts a ring copies, the author
  whose texts it pastes): it is listed as the campaign's target (``campaign_targets``),
  never joined. Episodes, not keys: a state-media account posting its own domain every
  day is first on one key, which shows direction only against a campaign of 100
  members or more, but first in each of the episodes where the ring copied its posts.
  The most telling behaviour, not the one the account joined on: a domain shows little
  direction (the ring's copies of yesterday's posts come before today's), the copied
  texts and links show it all. A wrong target costs a member, a wrong member accuses a
  target, so the test leans to targets. It assumes members are exchangeable in time
  within an episode; an operation with a member that is always first breaks that, and
  at 1M posts 12 operation members were listed as targets this way.

An account significant for several campaigns joins the one it is most significant for.
The test runs in rounds (``ExpandSettings.rounds``): the accounts that joined leave the
outsiders whose traces set the rate, and the rest are tested again; the hypotheses
counted stay those of the first round, at its (higher) chance rates.

Fragments first. Clustering cuts a large operation whose members each join a minority of
its tasks into many small campaigns (at 10M posts the hashtag ring's 78 linked members
were in 20 of them, the largest of 9), and a hidden member's hits are cut with them:
7 hits on the best fragment against 0.9 expected, short of the false-discovery threshold
over 790k outsiders x 836 campaigns. So before any outsider is tested, every member is
tested the same way against every campaign but its own (``MEMBER_HITS``, at the rates the
outsiders set), and a campaign with at least half of its members (two or more)
significant for another is merged into it, provided its median member spends at least
half as much of its activity in the other's episodes as the other's own members do (at
30k posts, loudspeakers reposting every state-media post merged into the ring that
amplifies a few of them without it); merges chain. Members of one campaign were put
together by their links to each other, not to the other campaign, so their hits on it
are fresh evidence.

The relational steps are SQL in the linker's dialect (``link_steps``), so they run on
Spark unchanged; only the p-values run in NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy.special import betainc, gammainc

from .engine import duckdb_runner, fetch_int, store_table
from .link import fdr_log_q, first_rows, log10_tail, tie_key
from .link_steps import Runner, run_steps


@dataclass(frozen=True)
class ExpandSettings:
    """Settings of the group-level test."""

    enabled: bool = True
    alpha: float = 0.01  # false discovery rate over (account, campaign) pairs
    #: Fewest of a campaign's episodes an outsider must join to be tested: two (one
    #: coincidence is never evidence; two on rare keys can be: at 1M posts 17 of the 26
    #: members of a network that were missed had no more than two hits, RESULTS.md).
    min_hits: int = 2
    #: Most hits an outsider may have on a campaign in a behaviour, all popularity bins
    #: together, and still count in the campaign's chance rates (1 or 2): below the hits
    #: of the hidden members whose rate it is. Two, whatever ``min_hits``: at one, a
    #: public flood's protesters with two or more hits left the fit, and the rate on the
    #: flood's hashtags fell until 137 of 13,151 hard negatives at 2M posts joined a
    #: brigade that joins floods.
    rate_truncation: int = 2
    #: Rounds of the group-level test: the accounts that joined leave the outsiders whose
    #: traces set the chance rate, and the rest are tested again (1: a single round).
    rounds: int = 3
    #: Most times the test against pooled families of operations (``detect``) runs, each
    #: time against the pool grown by the accounts that joined it the time before (1:
    #: once); it stops when none joins.
    family_rounds: int = 3
    #: How finely the post times are given, in seconds (``resolution``; detect sets it):
    #: above 1, a tie with the first member of an episode is a lead (``_HITS``).
    post_time_step: int = 1


#: Episodes of each campaign: (behaviour, key, bucket) groups with two or more members,
#: with the time of the first member's trace. A lead (``_HITS``) is a trace at or before
#: ``lead_ts``: strictly before the first member here; ``first_members`` and ``tied`` are
#: those of times with no ties (``TIED_CAMPAIGN_EPISODES``).
CAMPAIGN_EPISODES = """
SELECT t.behaviour, t.kid, t.bucket, m.campaign, count(*) AS members, min(t.ts) AS first_ts,
       min(t.ts) - 1 AS lead_ts, CAST(1 AS BIGINT) AS first_members, CAST(0 AS BIGINT) AS tied
FROM traces t JOIN members m ON m.aid = t.aid
GROUP BY t.behaviour, t.kid, t.bucket, m.campaign
HAVING count(*) >= 2
"""

#: ``CAMPAIGN_EPISODES`` where times are given to a grain coarser than the second: a
#: trace at the first member's time is a lead, and ``first_members`` counts the members'
#: traces at that time (``_HITS``). Grouped by time first to count them, 4 to 5 times the
#: single grouping's cost (10M traces: 1.4-1.8 s against 0.3-0.4 s), so made only there.
TIED_CAMPAIGN_EPISODES = """
SELECT behaviour, kid, bucket, campaign, CAST(sum(c) AS BIGINT) AS members,
       min(ts) AS first_ts, min(ts) AS lead_ts, CAST(arg_min(c, ts) AS BIGINT) AS first_members,
       CAST(1 AS BIGINT) AS tied
FROM (SELECT t.behaviour, t.kid, t.bucket, m.campaign, t.ts, count(*) AS c
      FROM traces t JOIN members m ON m.aid = t.aid
      GROUP BY t.behaviour, t.kid, t.bucket, m.campaign, t.ts) x
GROUP BY behaviour, kid, bucket, campaign
HAVING sum(c) >= 2
"""

#: Per behaviour, the accounts in no campaign (not ``insiders``) with more than ``c`` traces
#: in some campaign's episodes (``c`` is ``ORGANIC_MAX_HITS``, or 0 against a pooled family
#: of operations): they do not count in the popularity that keys are binned by.
SUSPECTS = """
SELECT DISTINCT behaviour, aid FROM (
  SELECT t.behaviour, t.aid, ce.campaign, count(*) AS hits
  FROM traces t
  JOIN campaign_episodes ce
    ON ce.behaviour = t.behaviour AND ce.kid = t.kid AND ce.bucket = t.bucket
  LEFT JOIN insiders m ON m.aid = t.aid
  WHERE m.aid IS NULL
  GROUP BY t.behaviour, t.aid, ce.campaign
) h
WHERE hits > {c}
"""

#: Each key's popularity without the campaigns: the accounts that used it, insiders (every
#: account in a campaign) and suspects left out. A campaign makes its own keys popular (a
#: ring of 180 reposting a post that 30 others reposted); binned by that popularity, its
#: keys filled a bin of their own, whose rate was the chance that an organic repost of
#: the campaign's own posts lands in its episodes, near 1, and hid every hidden member.
#: Keys no such account used have no row (popularity 1).
#:
#: Counted as the key's accounts (``keys.n``) less those of its insiders and suspects,
#: which are disjoint (a suspect is in no campaign) and few: only their traces are
#: grouped, not every trace (at 2M posts 0.84 s against 1.29 s, the same rows).
ORGANIC_KEYS = """
SELECT k.behaviour, k.kid, k.n - coalesce(x.n, 0) AS n
FROM keys k
LEFT JOIN (SELECT behaviour, kid, count(DISTINCT aid) AS n FROM (
             SELECT t.behaviour, t.kid, t.aid FROM traces t JOIN insiders m ON m.aid = t.aid
             UNION ALL
             SELECT t.behaviour, t.kid, t.aid FROM traces t
             JOIN suspects s ON s.behaviour = t.behaviour AND s.aid = t.aid) e
           GROUP BY behaviour, kid) x
  ON x.behaviour = k.behaviour AND x.kid = k.kid
WHERE k.n - coalesce(x.n, 0) > 0
"""

#: Every trace with the popularity bin of its key (floor of log2 of the key's accounts
#: without the campaigns, ``ORGANIC_KEYS``).
TRACE_BINS = """
SELECT t.behaviour, t.kid, t.aid, t.bucket, t.ts,
       CAST(FLOOR(ln(coalesce(k.n, 1)) / ln(2)) AS BIGINT) AS bin
FROM traces t LEFT JOIN organic_keys k ON k.behaviour = t.behaviour AND k.kid = t.kid
"""

#: Each account's traces per behaviour and popularity bin: what the rates apply to. A
#: solo trace (``link_steps.SOLO_TRACES``: a key with no other trace) is in bin 0, that of
#: a key one account used.
EXPOSURE = """
SELECT behaviour, aid, bin, CAST(sum(traces) AS BIGINT) AS traces
FROM (SELECT behaviour, aid, bin, count(*) AS traces FROM trace_bins
      GROUP BY behaviour, aid, bin
      UNION ALL
      SELECT behaviour, aid, CAST(0 AS BIGINT) AS bin, n AS traces FROM solo_traces) e
GROUP BY behaviour, aid, bin
"""

#: Traces and accounts of accounts in no campaign, per behaviour and bin: the outsiders'
#: exposure. ``insiders`` holds every account already in a campaign: the members the
#: campaigns were found with, and those that joined in an earlier round of this test.
OUTSIDER_BINS = """
SELECT e.behaviour, e.bin, sum(e.traces) AS traces, count(*) AS accounts
FROM exposure e LEFT JOIN insiders m ON m.aid = e.aid
WHERE m.aid IS NULL
GROUP BY e.behaviour, e.bin
"""

#: Traces of accounts in campaigns' episodes, per account, campaign, behaviour and bin,
#: with direction: ``leads`` counts the episodes the account was in before any of the
#: campaign's members, and ``leads_expected`` what a member would: the first of the k
#: members and it with chance 1 / (k + 1) per episode. Where times are given to a grain
#: (the archives' minute, ``ExpandSettings.post_time_step``) the order within it is
#: unknown and the first time is often shared: a state-media account and the ring that
#: copies it within the minute tie. There a lead is an episode it was in no later than
#: every member, and its chance for a member f / (k + 1), f the first times among the
#: k + 1 (``TIED_CAMPAIGN_EPISODES``'s ``lead_ts``, ``first_members`` and ``tied``). With
#: times to the second a tie is a real simultaneity and leads stay strict: counting ties
#: there too listed 5 members of operations as targets at 2M posts (RESULTS.md).
#: ``join`` and ``where`` say whose.
#: Counted per key first and then per bin, which counts the keys without a distinct
#: aggregate (at 2M posts 0.42 s against 0.53 s, the same rows).
_HITS = """
SELECT behaviour, aid, campaign, bin, CAST(sum(hits) AS BIGINT) AS hits, count(*) AS keys,
       CAST(sum(leads) AS BIGINT) AS leads, sum(leads_expected) AS leads_expected
FROM (SELECT tb.behaviour, tb.aid, ce.campaign, tb.bin, tb.kid, count(*) AS hits,
             sum(CASE WHEN tb.ts <= ce.lead_ts THEN 1 ELSE 0 END) AS leads,
             sum(CASE WHEN tb.ts < ce.first_ts THEN 1.0
                      WHEN tb.ts = ce.first_ts THEN CAST(ce.first_members + ce.tied AS DOUBLE)
                      ELSE CAST(ce.first_members AS DOUBLE) END
                 / (ce.members + 1)) AS leads_expected
      FROM trace_bins tb
      {join}JOIN campaign_episodes ce
        ON ce.behaviour = tb.behaviour AND ce.kid = tb.kid AND ce.bucket = tb.bucket
      {where}
      GROUP BY tb.behaviour, tb.aid, ce.campaign, tb.bin, tb.kid) k
GROUP BY behaviour, aid, campaign, bin
"""
OUTSIDER_HITS = _HITS.format(
    join="", where="LEFT JOIN insiders m ON m.aid = tb.aid WHERE m.aid IS NULL"
)

#: ``OUTSIDER_HITS``'s hits alone, in one aggregation: all that the chance rates read
#: (``UNDER_TEST``, ``BIN_RATES``). The first round before fragments merge needs only
#: the rates (its candidates are made again for the merged campaigns), and over the ~1,000
#: fragments of 10M posts its hits are 15M rows (RESULTS.md, "The rates' hits alone").
OUTSIDER_HIT_COUNTS = """
SELECT tb.behaviour, tb.aid, ce.campaign, tb.bin, count(*) AS hits
FROM trace_bins tb
JOIN campaign_episodes ce
  ON ce.behaviour = tb.behaviour AND ce.kid = tb.kid AND ce.bucket = tb.bucket
LEFT JOIN insiders m ON m.aid = tb.aid
WHERE m.aid IS NULL
GROUP BY tb.behaviour, tb.aid, ce.campaign, tb.bin
"""

#: A later round's hits (``later_round_steps``): the last round's, less the accounts that
#: joined. Neither the traces' bins nor the campaigns' episodes change between rounds, only
#: the insiders, so these are the rows ``OUTSIDER_HITS`` would give; at 10M posts the join
#: took 2.5 s a round for 5.1M rows of which 21 were of accounts that had joined.
KEPT_HITS = """
SELECT h.* FROM outsider_hits h LEFT JOIN insiders m ON m.aid = h.aid WHERE m.aid IS NULL
"""

#: The outsiders under test for each campaign, per behaviour: more than ``c`` hits on it
#: in all bins together (``c`` is ``ExpandSettings.rate_truncation``). They do not set the
#: campaign's chance rate in any bin.
UNDER_TEST = """
SELECT behaviour, aid, campaign FROM outsider_hits
GROUP BY behaviour, aid, campaign HAVING sum(hits) > {c}
"""

#: Their traces and accounts per behaviour, campaign and bin, to take out of the bin's
#: exposure (``OUTSIDER_BINS``) with their hits.
UNDER_TEST_EXPOSURE = """
SELECT u.behaviour, u.campaign, e.bin, sum(e.traces) AS traces, count(*) AS accounts
FROM exposure e JOIN under_test u ON u.behaviour = e.behaviour AND u.aid = e.aid
GROUP BY u.behaviour, u.campaign, e.bin
"""

#: Per behaviour, campaign and bin, the chance that an outsider's trace lands in one of
#: the campaign's episodes, estimated so that the accounts under test do not set it (a
#: hundred hidden members of a hashtag ring are most of the traces on its hashtag's
#: popularity bin): the outsiders under test (``UNDER_TEST``) are left out, traces, hits
#: and all, and the mean hits per remaining outsider, ``mu``, is the maximum-likelihood
#: fit of a Poisson truncated at ``c`` to their hits in the bin, zeros included (``c`` is
#: ``ExpandSettings.rate_truncation``, 1 or 2; the truncated mean m solves m = mu / (1 +
#: mu) for c = 1 and m = (mu + mu^2) / (1 + mu + mu^2 / 2) for c = 2). The rate is ``mu``
#: per trace of the remaining outsiders in the bin. A candidate with two hits may count
#: in the rate it is tested against, which only makes its test stricter; truncating
#: below it let a flood's protesters leave the fit.
#:
#: Every bin of the behaviour has a rate for every campaign with episodes in it, and half
#: a hit is added to the bin's hits (Jeffreys' prior): none of the outsiders' T traces in
#: a bin hitting the campaign says the rate is below about 1 / T, not that it is 0. A bin
#: without hits had no rate, read as 0, and any hit there was infinitely significant: on
#: the 224-day platform (200k posts, seed 7) 49,208 of the 99,185 members tested against
#: the other campaigns for a merge had 0 hits expected (RESULTS.md, "Half a hit").
#:
#: Left out by their hits in all bins, not in each: a member of a large network with four
#: of its posts, whose story links fell in three popularity bins, had at most two hits in
#: each and counted in all three; at 10M posts its fellows were most of the traces of the
#: thin bins of links with 2 to 7 organic users and set a rate of 0.24 to 1.5 per trace
#: there (RESULTS.md). Per trace of the outsiders fitted, not of all: the ones left out
#: are the busiest on the campaign's keys, and their traces without their hits made the
#: rate too low. Averaging capped hits instead left every hidden member of a large ring
#: with the chance rate its own fellows set (0.045 per trace at 1M posts), and none
#: joined.
BIN_RATES = """
SELECT behaviour, campaign, bin, {mu} * accounts / traces AS rate, traces
FROM (SELECT c.behaviour, c.campaign, ob.bin,
             CAST(ob.traces - coalesce(x.traces, 0) AS DOUBLE) AS traces,
             CAST(ob.accounts - coalesce(x.accounts, 0) AS DOUBLE) AS accounts,
             least((coalesce(CAST(h.s AS DOUBLE), CAST(0 AS DOUBLE)) + 0.5)
                   / CAST(greatest(ob.accounts - coalesce(x.accounts, 0), 1) AS DOUBLE),
                   {c} * 0.999) AS m
      FROM (SELECT DISTINCT behaviour, campaign FROM campaign_episodes) c
      JOIN outsider_bins ob ON ob.behaviour = c.behaviour
      LEFT JOIN (SELECT oh.behaviour, oh.campaign, oh.bin, sum(oh.hits) AS s
                 FROM outsider_hits oh
                 LEFT JOIN under_test u
                   ON u.behaviour = oh.behaviour AND u.aid = oh.aid
                  AND u.campaign = oh.campaign
                 WHERE u.aid IS NULL
                 GROUP BY oh.behaviour, oh.campaign, oh.bin) h
        ON h.behaviour = c.behaviour AND h.campaign = c.campaign AND h.bin = ob.bin
      LEFT JOIN under_test_exposure x
        ON x.behaviour = c.behaviour AND x.campaign = c.campaign AND x.bin = ob.bin) f
WHERE traces > 0
"""

#: The chance rates (``BIN_RATES``), and where a bin holds no outsider but those under
#: test, the campaign's rate over all its bins in the behaviour: with nobody left to set
#: it, the bin's rate is unknown, not zero. A state-media account alone in its domain's
#: bin, under test for the three episodes in which a ring's copies of its posts carried
#: its domain, had 0 of its 213 traces' hits expected there and joined the ring (seen
#: with a fragment merge that was not kept; RESULTS.md, "A bin with nobody to set its
#: rate").
HIT_RATES = """
SELECT behaviour, campaign, bin, rate FROM bin_rates
UNION ALL
SELECT x.behaviour, x.campaign, x.bin, p.rate
FROM under_test_exposure x
JOIN outsider_bins ob ON ob.behaviour = x.behaviour AND ob.bin = x.bin
JOIN (SELECT behaviour, campaign, sum(rate * traces) / sum(traces) AS rate
      FROM bin_rates GROUP BY behaviour, campaign) p
  ON p.behaviour = x.behaviour AND p.campaign = x.campaign
WHERE ob.traces - x.traces <= 0
"""


#: The most hits on any one campaign, per behaviour, of an account whose use of a key
#: counts in that key's organic popularity (``SUSPECTS``): a single coincidence.
ORGANIC_MAX_HITS = 1


#: Candidates (outsiders with at least ``min_hits`` hits on a campaign in one behaviour),
#: their hits and the hits expected by chance from every trace they left at its bin's
#: rate (at most one hit per trace), and their leads.
CANDIDATES = """
SELECT c.behaviour, c.aid, c.campaign, c.hits, c.keys, c.leads, c.leads_expected,
       sum(e.traces * least(coalesce(r.rate, CAST(0 AS DOUBLE)), 1.0)) AS expected
FROM (SELECT behaviour, aid, campaign, sum(hits) AS hits, sum(keys) AS keys,
             sum(leads) AS leads, sum(leads_expected) AS leads_expected
      FROM {hits} GROUP BY behaviour, aid, campaign
      HAVING sum(hits) >= {min_hits}) c
JOIN exposure e ON e.behaviour = c.behaviour AND e.aid = c.aid
LEFT JOIN hit_rates r
  ON r.behaviour = c.behaviour AND r.campaign = c.campaign AND r.bin = e.bin
GROUP BY c.behaviour, c.aid, c.campaign, c.hits, c.keys, c.leads, c.leads_expected
"""


#: The group-level test's tables that only its later steps read: an engine that runs the
#: steps elsewhere keeps them there (``engine_spark.SparkEngine``). The exposure, the
#: rates, the candidates and the members' hits summed per campaign are read on the driver
#: (``spent_hypotheses``, ``_significant``, ``_merge_fragments``).
INTERMEDIATE_TABLES = (
    "campaign_episodes",
    "member_hits",
    "suspects",
    "organic_keys",
    "trace_bins",
    "outsider_bins",
    "outsider_hits",
    "under_test",
    "under_test_exposure",
    "bin_rates",
    "kept_hits",
)


def expand_steps(
    min_hits: int, truncation: int = 2, tied: bool = False
) -> tuple[tuple[str, str], ...]:
    """The group-level test's relational steps, from ``traces``, ``members`` (the
    campaigns' members, whose shared groups are the episodes) and ``insiders`` (every
    account already in a campaign) to ``candidates``; ``tied``: times are given to a
    grain, and a tie with the first member is a lead (``_HITS``)."""
    return (*episode_steps(tied=tied), *round_steps(min_hits, truncation))


def campaign_episodes(tied: bool = False) -> str:
    """The episodes' step: leads tied at the first member's time, or strict."""
    return TIED_CAMPAIGN_EPISODES if tied else CAMPAIGN_EPISODES


def episode_steps(
    organic_max_hits: int = ORGANIC_MAX_HITS, tied: bool = False
) -> tuple[tuple[str, str], ...]:
    """The campaigns' episodes and the traces' popularity bins: the same in every round."""
    return (
        ("campaign_episodes", campaign_episodes(tied)),
        ("suspects", SUSPECTS.format(c=int(organic_max_hits))),
        ("organic_keys", ORGANIC_KEYS),
        ("trace_bins", TRACE_BINS),
        ("exposure", EXPOSURE),
    )


def _hit_rates(c: int) -> str:
    """``BIN_RATES`` truncated at ``c`` (1 or 2), with the closed-form fit for that ``c``."""
    mu = (
        "(m / (1.0 - m))"
        if c == 1
        else "(((m - 1.0) + sqrt((1.0 - m) * (1.0 - m) + 4.0 * (1.0 - m / 2.0) * m))"
        " / (2.0 * (1.0 - m / 2.0)))"
    )
    return BIN_RATES.format(c=int(c), mu=mu)


def round_steps(
    min_hits: int, truncation: int = 2, rates_only: bool = False
) -> tuple[tuple[str, str], ...]:
    """One round of the test: the outsiders' exposure and hits, the chance rates they
    set (``BIN_RATES`` truncated at ``truncation``, 1 or 2), and the candidates. With
    ``rates_only``, the hits are counted alone (``OUTSIDER_HIT_COUNTS``), enough for the
    rates and not for the candidates, which are left out."""
    if truncation not in (1, 2):
        raise ValueError(f"the chance rate's truncation must be 1 or 2, not {truncation}")
    steps = (
        ("outsider_bins", OUTSIDER_BINS),
        ("outsider_hits", OUTSIDER_HIT_COUNTS if rates_only else OUTSIDER_HITS),
        ("under_test", UNDER_TEST.format(c=int(truncation))),
        ("under_test_exposure", UNDER_TEST_EXPOSURE),
        ("bin_rates", _hit_rates(truncation)),
        ("hit_rates", HIT_RATES),
        ("candidates", CANDIDATES.format(min_hits=int(min_hits), hits="outsider_hits")),
    )
    return steps[:-1] if rates_only else steps


def later_round_steps(min_hits: int, truncation: int = 2) -> tuple[tuple[str, str], ...]:
    """``round_steps`` for a round after one that made the candidates in the same call
    (the same ``campaign_episodes`` and ``trace_bins``, more ``insiders``): the hits are
    the last round's without the new insiders (``KEPT_HITS``), not joined again."""
    steps = round_steps(min_hits, truncation)
    kept = (("kept_hits", KEPT_HITS), ("outsider_hits", "SELECT * FROM kept_hits"))
    return tuple(x for step in steps for x in (kept if step[0] == "outsider_hits" else (step,)))


#: Members' traces in the episodes of campaigns other than their own, as ``OUTSIDER_HITS``
#: counts an outsider's: the evidence that two campaigns are fragments of one.
MEMBER_HITS = _HITS.format(
    join="JOIN members mm ON mm.aid = tb.aid ", where="WHERE ce.campaign <> mm.campaign"
)


#: Per member: its traces (the solo ones included), and how many of them are in its own
#: campaign's episodes: the share of its activity spent with its own campaign, which a
#: fragment's members must also spend with the campaign they are a fragment of.
MEMBER_SHARES = """
SELECT h.aid, CAST(h.traces + coalesce(s.n, 0) AS BIGINT) AS traces, h.own_hits
FROM (SELECT tb.aid, count(*) AS traces,
             sum(CASE WHEN ce.campaign IS NULL THEN 0 ELSE 1 END) AS own_hits
      FROM trace_bins tb
      JOIN members mm ON mm.aid = tb.aid
      LEFT JOIN campaign_episodes ce
        ON ce.behaviour = tb.behaviour AND ce.kid = tb.kid AND ce.bucket = tb.bucket
       AND ce.campaign = mm.campaign
      GROUP BY tb.aid) h
LEFT JOIN (SELECT aid, sum(n) AS n FROM solo_traces GROUP BY aid) s ON s.aid = h.aid
"""


#: Each member's hits on each other campaign, every behaviour and scale together: how much
#: of its activity it spends in the other's episodes.
MEMBER_SPENT = """
SELECT aid, campaign, sum(hits) AS hits FROM member_hits GROUP BY aid, campaign
"""


def merge_steps(min_hits: int) -> tuple[tuple[str, str], ...]:
    """After a first round's ``hit_rates``: members tested against the other campaigns,
    at the chance rates the outsiders set, their hits on each, and the share of each
    member's traces in its own campaign's episodes."""
    return (
        ("member_hits", MEMBER_HITS),
        (
            "member_candidates",
            CANDIDATES.format(min_hits=int(min_hits), hits="member_hits"),
        ),
        ("member_spent", MEMBER_SPENT),
        ("member_shares", MEMBER_SHARES),
    )


#: Keys that campaigns own (``detect._join_families``), from ``campaign_episodes``: each
#: (campaign, behaviour, kid) on which the campaign has an episode at the behaviour's own
#: window (the finest of its scales, ``windows``), where at least half of the accounts
#: that ever used the key did so in an episode of one of these campaigns. A ring's
#: hashtags, a network's story links and its domain are used by their public seldom or
#: never; a hashtag in the news is used by many at other times. At a coarser scale a
#: campaign that uses a public hashtag every day has most of its users in its episodes
#: (1-day episodes of operations on a hashtag of 565 users held 374 of them).
OWNED_KEYS = """
WITH ep AS (
  SELECT ce.behaviour, ce.kid, ce.bucket, ce.campaign
  FROM campaign_episodes ce
  JOIN windows w ON w.behaviour = ce.behaviour AND w.source = ce.behaviour
), inside AS (
  SELECT t.behaviour, t.kid, count(DISTINCT t.aid) AS n
  FROM traces t
  JOIN (SELECT DISTINCT behaviour, kid, bucket FROM ep) b
    ON b.behaviour = t.behaviour AND b.kid = t.kid AND b.bucket = t.bucket
  GROUP BY t.behaviour, t.kid
), users AS (
  SELECT t.behaviour, t.kid, count(DISTINCT t.aid) AS n
  FROM traces t
  JOIN (SELECT DISTINCT behaviour, kid FROM ep) k
    ON k.behaviour = t.behaviour AND k.kid = t.kid
  GROUP BY t.behaviour, t.kid
)
SELECT DISTINCT ep.campaign, ep.behaviour, ep.kid
FROM ep
JOIN inside i ON i.behaviour = ep.behaviour AND i.kid = ep.kid
JOIN users u ON u.behaviour = ep.behaviour AND u.kid = ep.kid
WHERE 2 * i.n >= u.n
"""


def owned_keys(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, runner: Runner | None = None
) -> pd.DataFrame:
    """(campaign, behaviour, kid): the keys the campaigns of ``members`` (aid, campaign)
    own (``OWNED_KEYS``). Reads the linker's ``traces`` and ``windows``."""
    if members.empty:
        return pd.DataFrame({"campaign": [], "behaviour": [], "kid": []})
    run = runner or duckdb_runner(con)
    store_table(con, "members", members[["aid", "campaign"]])
    try:
        run_steps(run, (("campaign_episodes", campaign_episodes()), ("owned_keys", OWNED_KEYS)))
        return con.execute("SELECT * FROM owned_keys ORDER BY campaign, behaviour, kid").df()
    finally:
        for name in ("members", "campaign_episodes", "owned_keys"):
            con.execute(f"DROP TABLE IF EXISTS {name}")


#: Columns of the joins table: who joined which campaign on group-level evidence.
JOIN_COLUMNS = ("aid", "campaign", "behaviour", "hits", "keys", "expected", "log10_q")
#: Columns of the sources table: accounts a campaign follows (first on ``leads`` of the
#: ``keys`` they share with it, ``leads_expected`` by chance; ``hits`` episodes).
SOURCE_COLUMNS = ("aid", "campaign", "behaviour", "hits", "keys", "leads", "leads_expected")


def expand_campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    settings: ExpandSettings,
    identified: np.ndarray | None = None,
    insiders: np.ndarray | None = None,
    merge: bool = True,
    organic_max_hits: int = ORGANIC_MAX_HITS,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (members with the accounts that joined, joins: one row per account that
    joined, with the behaviour, its hits, the hits expected and the q-value of the round
    it joined in, sources: accounts whose group-level evidence is that the campaign
    follows them, listed as its targets and never joined).

    ``identified``: the aids of accounts with an identity-level trait (a name that
    imitates an outlet, a new account resuming a suspended one). Their hypotheses are a
    family of their own in the false-discovery step (Efron's separate-class FDR): such an
    account is far likelier than a random outsider to belong to some operation, and
    tested among the ~10^8 hypotheses of every outsider, two of a campaign's episodes
    in 10M posts can never be enough for it (RESULTS.md). Each family is controlled at
    ``alpha``; its own tests are the only hypotheses it spends.

    ``insiders``: the aids of accounts in campaigns that are not tested here (besides
    ``members``): they are never candidates, set no chance rate and count in no key's
    organic popularity, as members do. ``merge``: whether fragments are merged first.
    ``organic_max_hits``: the most hits an outsider may have on a campaign and still
    count in a key's organic popularity (``SUSPECTS``; 1, or 0 against a pooled family
    of operations, ``detect._join_families``).

    Reads the linker's ``traces``, ``keys``, ``solo_traces`` and ``activity`` and the
    ``members`` given.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in JOIN_COLUMNS})
    no_sources = pd.DataFrame({c: pd.Series(dtype="float64") for c in SOURCE_COLUMNS})
    if not settings.enabled or members.empty:
        return members, empty, no_sources
    run = runner or duckdb_runner(con)
    n_behaviours = max(1, fetch_int(con, "SELECT count(DISTINCT behaviour) FROM activity"))
    core = members[["aid", "campaign"]]
    store_table(con, "members", core)
    others = np.asarray(insiders if insiders is not None else [], dtype=np.int64)
    inside = pd.Series(np.union1d(core["aid"].to_numpy(dtype=np.int64), others))
    store_table(con, "insiders", pd.DataFrame({"aid": inside}))
    rounds = round_steps(settings.min_hits, settings.rate_truncation)
    rate_steps = round_steps(settings.min_hits, settings.rate_truncation, rates_only=True)
    tied = settings.post_time_step > 1
    run_steps(run, (*episode_steps(organic_max_hits, tied), *rate_steps))
    # the first round's rates test the members against the other campaigns; when
    # fragments merge, the episodes and the first round are made again for the merged,
    # so the first candidates, and the hits they need, are made only when none merged
    # (at 10M posts they took 17 s)
    merged = False
    if merge:
        members, merged = _merge_fragments(con, members, n_behaviours, settings, run)
    if merged:
        core = members[["aid", "campaign"]]
        store_table(con, "members", core)
        run_steps(run, episode_steps(organic_max_hits, tied))
    found: list[pd.DataFrame] = []
    sources: list[pd.DataFrame] = []
    spent: tuple[Spent, Spent] | None = None
    ids = np.unique(np.asarray(identified if identified is not None else [], dtype=np.int64))
    store_table(con, "identified", pd.DataFrame({"aid": ids}))
    later = later_round_steps(settings.min_hits, settings.rate_truncation)
    for r in range(max(1, settings.rounds)):
        if r > 0 or merged:  # the first round's tables stand unless fragments merged
            store_table(con, "insiders", pd.DataFrame({"aid": inside.astype("int64")}))
            run_steps(run, later if r > 0 else rounds)
        else:  # the same rates; the hits again with what the candidates read
            run_steps(run, (("outsider_hits", OUTSIDER_HITS), rounds[-1]))
        if spent is None:
            # every (outsider, campaign, behaviour) of the first round is a hypothesis in
            # every round: a later round tests fewer of them, at lower chance rates
            spent = (
                spent_hypotheses(con, settings.min_hits, identified=False),
                spent_hypotheses(con, settings.min_hits, identified=True),
            )
        sig = _significant(con.execute("SELECT * FROM candidates").df(), spent, settings, ids)
        if sig.empty:
            break
        found.append(sig[~sig["source"]])
        sources.append(sig[sig["source"]])
        # a source is tested no more: it stays out of the campaign in later rounds
        inside = pd.concat([inside, sig["aid"]], ignore_index=True)
    _drop(con)
    targets = pd.concat(sources, ignore_index=True)[list(SOURCE_COLUMNS)] if sources else no_sources
    joins = pd.concat(found, ignore_index=True)[list(JOIN_COLUMNS)] if found else empty
    if joins.empty:
        return members, empty, targets
    grown = pd.concat([members, joins[["aid", "campaign"]]], ignore_index=True)
    grown = grown.astype({"aid": "int64", "campaign": "int64"})
    return grown.sort_values(["campaign", "aid"]).reset_index(drop=True), joins, targets


#: Each account's traces in each campaign's episodes (``campaign_episodes`` of the
#: ``members`` stored), for the accounts in ``placed``.
CAMPAIGN_HITS = """
SELECT p.aid, ce.campaign, count(*) AS hits
FROM traces t
JOIN placed p ON p.aid = t.aid
JOIN campaign_episodes ce
  ON ce.behaviour = t.behaviour AND ce.kid = t.kid AND ce.bucket = t.bucket
GROUP BY p.aid, ce.campaign
"""


def nearest_campaigns(
    con: duckdb.DuckDBPyConnection,
    accounts: pd.DataFrame,
    members: pd.DataFrame,
    runner: Runner | None = None,
) -> pd.Series:
    """For each of ``accounts`` (aid, group), the campaign of ``members`` (aid, campaign,
    group) in the same group whose episodes hold most of its traces (ties to the smaller
    campaign id; the group's largest campaign where it is in none of their episodes),
    as a Series aid -> campaign. Reads the linker's ``traces``."""
    if accounts.empty:
        return pd.Series(dtype="int64")
    run = runner or duckdb_runner(con)
    store_table(con, "members", members[["aid", "campaign"]])
    store_table(con, "placed", pd.DataFrame({"aid": accounts["aid"].astype("int64")}))
    try:
        run_steps(
            run, (("campaign_episodes", campaign_episodes()), ("campaign_hits", CAMPAIGN_HITS))
        )
        hits = con.execute("SELECT aid, campaign, hits FROM campaign_hits").df()
    finally:
        for name in ("members", "placed", "campaign_episodes", "campaign_hits"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    group_of = members.drop_duplicates("campaign").set_index("campaign")["group"]
    hits["group"] = hits["campaign"].map(group_of).to_numpy()
    want = accounts.set_index("aid")["group"]
    hits = hits[hits["group"].to_numpy() == want.reindex(hits["aid"]).to_numpy()]
    hits = hits.sort_values(["aid", "hits", "campaign"], ascending=[True, False, True])
    best = hits.drop_duplicates("aid").set_index("aid")["campaign"]
    sizes = members.groupby("campaign").size().rename("size").reset_index()
    sizes["group"] = sizes["campaign"].map(group_of).to_numpy()
    largest = sizes.sort_values(["group", "size", "campaign"], ascending=[True, False, True])
    largest = largest.drop_duplicates("group").set_index("group")["campaign"]
    fallback = pd.Series(largest.reindex(want.to_numpy()).to_numpy(), index=want.index)
    return best.reindex(want.index).fillna(fallback).astype("int64")


def _drop(con: duckdb.DuckDBPyConnection) -> None:
    for name, _ in (*expand_steps(0), *later_round_steps(0), *merge_steps(0)):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute("DROP TABLE IF EXISTS insiders")
    con.execute("DROP TABLE IF EXISTS identified")


def half_or_more(votes: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whether ``votes`` of a campaign's ``size`` members are at least half of them, and
    two or more: the bar for a campaign to join another (a fragment merging here, a
    crowd taken into a pooled family of operations, ``detect._absorbed``)."""
    return np.asarray(votes) >= np.maximum(2, np.ceil(np.asarray(size, dtype=np.float64) / 2.0))


def _merge_fragments(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    n_behaviours: int,
    settings: ExpandSettings,
    run: Runner,
) -> tuple[pd.DataFrame, bool]:
    """(Members with the campaigns that are fragments of one merged, whether any merged)
    (module docstring), from the first round's tables (``episode_steps`` and
    ``round_steps`` with every member an insider):
    campaign B merges into A when at least half of B's members (and two or more) are
    significant for A by the group-level test, tested as an outsider would be against
    every campaign but its own, and B's median member spends at least half as much of
    its traces in A's episodes as A's own median member does; merges chain (A, B and C
    become one). Campaigns are then numbered again by size, largest first."""
    core = members[["aid", "campaign"]]
    run_steps(run, merge_steps(settings.min_hits))
    cand = con.execute("SELECT * FROM member_candidates").df()
    # each member's hits on each other campaign, in every behaviour and scale together
    spent = con.execute("SELECT aid, campaign, hits FROM member_spent").df()
    shares = con.execute("SELECT aid, traces, own_hits FROM member_shares").df()
    campaigns = int(core["campaign"].nunique())
    m = max(1.0, float(len(core)) * float(max(campaigns - 1, 1)))
    sig = _significant(cand, bonferroni_spent(m * n_behaviours), settings)
    for name, _ in merge_steps(0):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    sig = sig[~sig["source"]] if len(sig) else sig
    if sig.empty:
        return members, False
    own = core.set_index("aid")["campaign"]
    traces = shares.set_index("aid")["traces"].astype("float64")
    size = core.groupby("campaign").size()
    # how much of its activity a member spends with its own campaign, typically
    own_share = (shares.set_index("aid")["own_hits"] / traces).groupby(own).median()
    votes = sig[["aid", "campaign"]].rename(columns={"campaign": "a"})
    votes["b"] = votes["aid"].map(own).to_numpy()
    votes = votes.groupby(["b", "a"]).size().rename("n").reset_index()
    votes = votes[half_or_more(votes["n"].to_numpy(), size.reindex(votes["b"]).to_numpy())]
    # the shares of the pairs of campaigns voted for alone (listing them for every pair
    # of campaigns took 4 s at 10M posts)
    spent["b"] = spent["aid"].map(own).to_numpy()
    spent = spent.merge(votes[["b", "a"]], left_on=["b", "campaign"], right_on=["b", "a"])
    spent["share"] = spent["hits"].to_numpy() / traces.reindex(spent["aid"]).to_numpy()
    by_pair = spent.groupby(["b", "campaign"])["share"].apply(list).to_dict()

    def alike(b: int, a: int) -> bool:
        """Do b's members (the median one) spend at least half as much of their activity
        in a's episodes as a's own members do?"""
        got = by_pair.get((b, a), [])
        median = float(np.median(got + [0.0] * (int(size[b]) - len(got))))
        return median >= 0.5 * float(own_share.get(a, 1.0))

    # a fragment's members spend as much of their activity in the other's episodes as
    # its own members do; an operation that merely shares a campaign's targets
    # (loudspeakers reposting every state-media post that a ring amplifies a few of)
    # spends most of its activity elsewhere
    keep = [alike(int(b), int(a)) for b, a in zip(votes["b"], votes["a"], strict=True)]
    edges = votes[np.asarray(keep, dtype=bool)] if len(votes) else votes
    if edges.empty:
        return members, False
    parent = {int(c): int(c) for c in size.index}

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for b, a in zip(edges["b"].astype(int), edges["a"].astype(int), strict=True):
        rb, ra = root(b), root(a)
        if rb != ra:
            parent[max(rb, ra)] = min(rb, ra)
    merged = members.copy()
    merged["campaign"] = [root(int(c)) for c in merged["campaign"]]
    # numbered again by size (desc), then by the smallest member, as clustering numbers
    sizes = merged.groupby("campaign")["aid"].agg(["size", "min"])
    order = sizes.sort_values(["size", "min"], ascending=[False, True]).index
    number = {int(c): i + 1 for i, c in enumerate(order)}
    merged["campaign"] = merged["campaign"].map(number).astype("int64")
    return merged.sort_values(["campaign", "aid"]).reset_index(drop=True), True


#: log10 of the false discoveries expected among the hypotheses tested when every one
#: with p <= t is rejected, as a function of log10 t (vectorised; ``link.fdr_log_q``).
Spent = Callable[[np.ndarray], np.ndarray]


def bonferroni_spent(m: float) -> Spent:
    """``m`` hypotheses, each rejected with chance t under the null: Benjamini-Hochberg's
    count."""
    log_m = math.log10(max(float(m), 1.0))
    return lambda log_t: np.asarray(log_t, dtype=np.float64) + log_m


#: Resolution of ``spent_hypotheses``'s histogram of tail chances (log10 units), which
#: spans 1e-300 to 1.
_GRID_STEP = 0.001
_CELLS = round(300 / _GRID_STEP) + 1


def _cell(log_x: np.ndarray) -> np.ndarray:
    """The histogram cell of each log10 value (floored at -300)."""
    cell = np.floor((np.maximum(log_x, -300.0) + 300.0) / _GRID_STEP)
    return np.clip(cell, 0, _CELLS - 1).astype(np.int64)


def spent_hypotheses(
    con: duckdb.DuckDBPyConnection, min_hits: int, identified: bool | None = None
) -> Spent:
    """How many hypotheses the false-discovery step really spends at a threshold t:
    sum over every (outsider, campaign, behaviour) of min(t, P(Poisson(expected hits) >=
    ``min_hits``)), the expected hits from the outsider's traces per popularity bin at
    the campaign's chance rates (``exposure``, ``hit_rates``).

    A hypothesis can be rejected only when its hits reach ``min_hits``, so under the
    null it is rejected with chance at most min(t, that tail) (Tarone's bound for
    discrete tests); an outsider with a few traces in the bins where a small campaign
    is rarely hit spends almost nothing, where Benjamini-Hochberg counted t for each of
    the outsiders x campaigns x behaviours. The behaviours' hypotheses are summed, so no
    Bonferroni factor over behaviours is needed. From the current ``insiders``; with
    ``identified`` True (False), only the outsiders in (not in) the ``identified`` table.
    """
    family = ""
    if identified is not None:
        family = f"AND e.aid {'IN' if identified else 'NOT IN'} (SELECT aid FROM identified) "
    rates = con.execute(
        "SELECT behaviour, campaign, bin, least(rate, 1.0) AS rate FROM hit_rates"
    ).df()
    count = np.zeros(_CELLS)  # weight of the tails in each cell of the log10 grid
    mass = np.zeros(_CELLS)  # sum of the tails in each cell
    for behaviour, rows in rates.groupby("behaviour", sort=True):
        # one behaviour at a time: at 10M posts the outsiders' exposure has ~10^7 rows
        own = con.execute(
            "SELECT e.aid, e.bin, e.traces FROM exposure e "
            "LEFT JOIN insiders i ON i.aid = e.aid "
            "WHERE i.aid IS NULL AND e.behaviour = ? " + family,
            [str(behaviour)],
        ).df()
        if own.empty:
            continue
        bins = int(max(own["bin"].max(), rows["bin"].max())) + 1
        campaigns, col = np.unique(rows["campaign"].to_numpy(), return_inverse=True)
        rate = np.zeros((bins, len(campaigns)))
        rate[rows["bin"].to_numpy(dtype=np.int64), col] = rows["rate"].to_numpy(dtype=np.float64)
        aid, row = np.unique(own["aid"].to_numpy(), return_inverse=True)
        cells = row.astype(np.int64) * bins + own["bin"].to_numpy(dtype=np.int64)
        weights = own["traces"].to_numpy(dtype=np.float64)
        traces = np.bincount(cells, weights=weights, minlength=len(aid) * bins)
        traces = traces.reshape(len(aid), bins)
        # outsiders with the same traces per bin have the same tails: each once, weighted
        profiles, weight = _distinct_rows(traces)
        step = max(1, 4_000_000 // max(len(campaigns), 1))
        for start in range(0, len(profiles), step):
            tail = gammainc(float(min_hits), profiles[start : start + step] @ rate)
            w = np.broadcast_to(weight[start : start + step, None], tail.shape).ravel()
            tail = tail.ravel()
            cell = _cell(np.log10(np.maximum(tail, 1e-300)))
            count += np.bincount(cell, weights=w, minlength=_CELLS)
            mass += np.bincount(cell, weights=w * tail, minlength=_CELLS)
    at_or_above = np.cumsum(count[::-1])[::-1]
    below = np.concatenate([[0.0], np.cumsum(mass)[:-1]])

    def spent(log_t: np.ndarray) -> np.ndarray:
        log_t = np.asarray(log_t, dtype=np.float64)
        cell = _cell(log_t)
        # the tails in t's own cell count as t: an upper bound
        found = np.power(10.0, log_t) * at_or_above[cell] + below[cell]
        return np.log10(np.maximum(found, 1e-300))

    return spent


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(matrix, axis=0, return_counts=True)``: the same rows in the same
    (lexicographic) order, found by hashing each row's bytes instead of sorting the rows
    (at 2M posts 0.2 s for 400k outsiders, against 1.8 s)."""
    rows = np.ascontiguousarray(matrix)
    if rows.size == 0:
        return np.unique(rows, axis=0, return_counts=True)
    codes, distinct = pd.factorize(
        rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    )
    first = np.empty(len(distinct), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # first row of each
    weight = np.bincount(codes, minlength=len(distinct))
    order = np.lexsort(rows[first].T[::-1])
    return rows[first][order], weight[order]


def lead_log10_tail(leads: np.ndarray, expected: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """log10 of an upper bound on P(L >= ``leads``) for a member: L is the sum of
    ``trials`` independent chances of leading an episode (1 / (k + 1), or the ties' share
    of it), whose sum is ``expected``. Of two bounds, the smaller: the Poisson tail of the
    same mean, and the binomial tail of the same mean over the ``trials`` (Hoeffding,
    1956: from one above the mean, no sum of unequal chances with that mean has a
    heavier upper tail). With few episodes the Poisson's is loose: 3 leads of 3 at 0.6
    expected is 0.023 by the Poisson's tail and 0.008 by the binomial's. A state-media
    account first on 4 of the 6 days amplifiers linked its domain (0.92 expected) had
    0.015 and 0.0065, and at the Poisson's joined the amplifiers instead of being their
    target (224 days, 200k posts to the minute, seed 8; RESULTS.md)."""
    leads = np.asarray(leads, dtype=np.float64)
    trials = np.maximum(np.asarray(trials, dtype=np.float64), leads)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-12)
    poisson = log10_tail(leads, expected)
    share = np.clip(expected / np.maximum(trials, 1.0), 1e-12, 1.0)
    k = np.maximum(leads, 1.0)
    tail = betainc(k, trials - k + 1.0, share)  # P(Binomial(trials, share) >= k)
    # Hoeffding's bound holds from one above the mean; below it the tail is large anyway
    bounded = (leads > 0) & (leads >= expected + 1.0)
    binomial = np.where(bounded, np.log10(np.maximum(tail, 1e-300)), 0.0)
    return np.minimum(poisson, binomial)


def _significant(
    cand: pd.DataFrame,
    spent: Spent | tuple[Spent, Spent],
    settings: ExpandSettings,
    identified: np.ndarray | None = None,
) -> pd.DataFrame:
    """The candidates that join: per account and campaign its best behaviour, the false
    discovery rate controlled with ``spent`` hypotheses at each threshold; an account
    significant for several campaigns joins the one it is most significant for.

    Each is then tested for direction (``source``, module docstring) in every behaviour
    it was a candidate in: an account that was in more of the campaign's episodes before
    any member than a member would be (p <= ``alpha`` in its most telling behaviour) is
    what the campaign follows, not one of it."""
    if cand.empty:
        return cand.assign(
            log10_p=pd.Series(dtype="float64"),
            log10_q=pd.Series(dtype="float64"),
            source=pd.Series(dtype=bool),
        )
    hits = cand["hits"].to_numpy(dtype=np.float64)
    lam = np.maximum(cand["expected"].to_numpy(dtype=np.float64), 1e-12)
    cand = cand.assign(log10_p=log10_tail(hits, lam))
    # direction in each behaviour: a member's leads are a Poisson-binomial of its hits
    lead_p = lead_log10_tail(
        cand["leads"].to_numpy(dtype=np.float64),
        cand["leads_expected"].to_numpy(dtype=np.float64),
        hits,
    )
    cand = cand.assign(lead_log10_p=lead_p)
    # per (account, campaign), its row of the behaviour showing direction best (to test
    # the account by and to show) and of its smallest p-value, ties to the behaviour
    # first in name order: sorting the frame took 13 s over the runs at 10M posts. A tie
    # is equal to 1e-9 in log10: the engine's parallel sums of the expected hits and
    # leads differ in the last bit from run to run, and a state medium whose links and
    # domain fell in the same episodes was shown by either behaviour (2M posts)
    groups = (cand["aid"].to_numpy(), cand["campaign"].to_numpy())
    named = pd.factorize(cand["behaviour"], sort=True)[0]
    led = cand.iloc[first_rows(groups, (tie_key(lead_p), named))][
        ["aid", "campaign", "behaviour", "hits", "keys", "leads", "leads_expected", "lead_log10_p"]
    ]
    best = first_rows(groups, (tie_key(cand["log10_p"].to_numpy(dtype=np.float64)), named))
    cand = cand.iloc[best].reset_index(drop=True)
    log_p = cand["log10_p"].to_numpy(dtype=np.float64)
    if isinstance(spent, tuple):
        # two families: the outsiders with an identity-level trait, and the rest
        own = cand["aid"].isin(identified if identified is not None else []).to_numpy()
        q = np.empty(len(cand))
        q[~own] = fdr_log_q(log_p[~own], spent[0])
        q[own] = fdr_log_q(log_p[own], spent[1])
        cand["log10_q"] = q
    else:
        cand["log10_q"] = fdr_log_q(log_p, spent)
    sig = cand[cand["log10_q"] <= math.log10(settings.alpha)]
    sig = sig.sort_values(["aid", "log10_q", "campaign"], kind="stable").drop_duplicates("aid")
    sig = sig.reset_index(drop=True)
    direction = sig[["aid", "campaign"]].merge(led, on=["aid", "campaign"], how="left")
    source = direction["lead_log10_p"].to_numpy(dtype=np.float64) <= math.log10(settings.alpha)
    # a source is shown by the behaviour it led in; a member by the one it joined on
    shown = ["behaviour", "hits", "keys", "leads", "leads_expected"]
    for col in shown:
        sig[col] = direction[col].where(source, sig[col]).astype(sig[col].dtype)
    return sig.assign(source=source)
