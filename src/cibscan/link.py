"""Traces -> links: account pairs that left the same key within a behaviour's window,
with counts, a popularity-discounted weight, and how surprising the count is by chance.

The relational steps are plain SQL over named tables, kept to what DuckDB and Spark SQL
both run (joins, GROUP BY, window functions, FLOOR/CAST), so the same text can move to a
cluster later. Only the p-values and the FDR step run in NumPy, on the aggregated pairs.

Chance model. For a pair (i, j) in one behaviour, let X be the number of episodes in
which they shared a key within the window (an episode is a key in one time bucket; the
same hashtag pushed in ten separate bursts is ten episodes). Under independence, each
time i used a key, the other traces of that key near that moment (its *co-occurrence
slots*, S_i in total) belong to j with probability a_j / T (j's share of the behaviour's
traces). So the expected number of coincidences is lambda = max(S_i a_j, S_j a_i) / T and
X ~ Poisson(lambda). A busy account (large a) or one that follows crowds (large S: viral
posts, trending hashtags) is expected to coincide often and needs far more episodes to be
significant; accounts sharing rare keys again and again are not explained by chance. A
pair's p-value is its smallest behaviour p-value times the number of behaviours
(Bonferroni: behaviours overlap, a repost's text and hashtags are not independent
evidence), and the false discovery rate is controlled by Benjamini-Hochberg over *every
possible pair* of active accounts, not only the pairs that happened to co-occur.

Bounded work without losing campaigns. Pairing every trace of a (key, bucket) group with
every other is quadratic in the group: one viral post reposted by 100,000 accounts in a
minute would make 5e9 pairs. Two things bound it, and a third finds what they leave:

- *Only traces that can be on a link are paired* (``link_steps.PAIRABLE``): an account
  with fewer than ``min_shared`` traces in a behaviour can share at most one episode with
  anybody, and a trace with no other trace within its window pairs with nobody. This
  drops nothing that could matter (at 1M posts the traces handed to the pair join fell
  from 3.5M to 1.4M); the chance model still counts every trace.
- *Hot groups are sampled, coordinated.* Groups above a cap (chosen per behaviour so
  that the whole join stays within ``pairs_per_trace`` pairs per trace) keep the ``cap``
  accounts with the smallest hash of their id: the same hash in every group (bottom-k,
  as in MinHash), so an account kept in one hot group is kept in every hot group where
  it ranks among the cap, and the episodes two kept accounts share are all counted. A
  campaign large enough to make its own groups hot, which an independent sample per
  group cut into pairs that each kept a fraction of their episodes (at 1M posts a cap of
  16 left the copy-paste network at 0.0 recall), keeps a complete core.
- *The group-level test* (``expand.py``) grows each campaign from its core in work
  linear in the traces: every account in no campaign is tested against each campaign
  whose episodes it joined, sampled-out traces included, after the fragments of one
  campaign are merged. At 10M posts on the grown generator recall is 0.963 at precision
  1.0 (0.981 at 1M). Where clustering cuts an operation into many fragments that the
  merge does not join (months of tasks, each member in 15% of them), the test runs once
  more after the verdicts against each family of linked operations pooled into one
  (``detect._join_families``), with the crowds' members in its chance rate and tested
  against it: on a 224-day platform of 3.5M posts, recall went from 0.52 to 0.81 with
  the pool, and to 0.95 with the crowds in its rate and its test, with no hard negative
  flagged. Links do not always hold the fragments together: a hashtag ring whose 100
  members each join 15% of its 30 bursts came out at 200k posts as three triangles in
  components of their own. Campaigns alone in their components that own a key
  together (its public seldom uses it outside their episodes) are one family too,
  judged together whatever their verdicts (``detect._keyed_families``), and the pooled
  test runs again against the pool grown by its joins: the ring went from 9 of 100 to
  77 (seed 8), and with post times to the minute, where three of its four fragments
  were cleared as crowds of three, from 4 to 76.

Tried and removed: *snowball rounds*, which paired every account on a significant link
with every trace of the hot groups it was sampled out of and counted again. With a cap
of 16 they took recall at 1M from 0.31 to 0.99, but their work is quadratic in a large
campaign (at 10M posts one round made 185M pair rows and filled 62 GB of spill, and
never finished); once the group-level test binned keys by their popularity without the
campaigns and merged fragments, one round added 0.008 recall at 1M for 45% more time
(RESULTS.md). They needed every episode stored to tell a round's new ones from the old.

Nothing is stored that is not needed. A key with a single raw trace (a text posted once,
a post replied to once: 45% of the traces at 2M posts) can be in no pair and no episode,
so its trace is only counted in its account's activity (``link_steps.SOLO_TRACES``), and
every other trace carries an integer key id from the start (``link_steps.TRACE_STEPS``):
at 2M posts the trace and chance steps went from 11.3 s to 4.6 s and detect from 77 s and
5.2 GB to 64-71 s and 3.7 GB, with the same findings. The pairs are counted straight from
the join of the traces, on the key ids, and the episodes are never stored: at 2M posts
19 s against 62 s for storing the 34M episodes with their keys' text and counting them.
The evidence re-derives the coincidences of the significant pairs alone and keeps what the findings
show (``link_steps.evidence_steps``): each link's first episodes, found before a cut
guessed from its pair counts, and each account's use of each key, never every episode
(at 2M posts over 224 days, 130M of them).
The pair counts are made one trace behaviour at a time (``link_steps.pair_count_steps``): every
grouping has the behaviour among its keys, so the rows are the same, and each part's hash
tables are a fraction of the whole (at 10M posts, on the same tables, 89.0 s in parts
against 122.9 s in one aggregation; in detect 74-97 s against 235 s before, RESULTS.md).
Within a part, a pair of traces is grouped by episode only where two of them can fall in
one episode (an account leaving the key in neighbouring buckets), and by key only where
an account left the key more than once: most pairs of traces are a pair's only meeting
on their key (at 2M posts 14.3 s -> 8.2 s, the same rows).

Every tempo. Coordination runs from seconds (automation) to hours and the next morning
(people working a task list); one window per behaviour serves only one of them. So each
behaviour is traced at its own window and at longer scales (1 h and 1 day by default,
``--scales``), each scale a trace behaviour of its own (``corepost@1h``) with its own
buckets, slots and chance model: at a day's scale a viral post's crowd is a day's crowd,
and only pairs that keep meeting on rare keys beat it. The scales of one behaviour test
the same traces, so each pair keeps the single scale that shows it best (its evidence
and reasons name that scale) and the pair-level Bonferroni factor counts every scale
tested. Measured on the grown generator (RESULTS.md, "Tempo and partial
participation"): amplifiers reposting minutes to hours after the original went from 0.12
to 0.90 recall at 300k posts, loudspeakers from 0 to 1.0, with no hard negative flagged.
Not built: a delay test for reposts and replies (each account's delays after the
original against everyone else's delays on the same post). The scales test most of what
it would: a repost's co-occurrence slots are the other reposts of the same post near
that moment, so reposting hours after an original that few repost at that hour is
surprising at the hour's scale exactly where the delay is unusual among the post's
reposters. On the 224-day platform the amplifiers (seconds, minutes to hours, or the
next office morning after the original) are found at 0.98 to 1.0 on every seed
(RESULTS.md), which leaves such a test nothing to show on the generator.

Times given to a grain. The takedown archives give post times to the minute; some
exports to the hour or the day (``resolution``). A window finer than the grain is raised
to it (``detect``), and the chance model counts of a neighbouring bucket the share of its
grid points within the window (``neighbour_share``): all of it where the window is the
grain, where a half (times read as continuous) undercounted the coincidences the pair
join counts by up to half, and fans reposting a star within minutes came out linked
twice as often as with the same times to the second (RESULTS.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.stats import poisson

from .behaviours import Behaviour, TextSettings, base_name, family, scaled_name
from .engine import duckdb_runner, fetch_int, store_table
from .link_steps import (
    CHANCE_STEPS,
    TRACE_STEPS,
    Runner,
    pair_steps,
    pairable_steps,
    part_tables,
    run_steps,
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LinkSettings:
    """Settings of the linker. Defaults suit most platform exports."""

    alpha: float = 0.01  # false discovery rate for links
    min_shared: int = 2  # a single coincidence is never evidence between two accounts
    #: Pair work allowed per trace. Buckets of hot keys (a viral post) are sampled down to
    #: a common cap chosen so that the whole join stays within this budget; the cap scales
    #: with the data, so a campaign that fits at 200k posts still fits at 20M.
    pairs_per_trace: float = 5.0
    min_hot_cap: int = 64  # never sample a (key, window) below this many accounts
    min_pair_budget: float = 1e6  # below this much pair work nothing is ever sampled
    evidence_per_link: int = 10  # rows kept per link and behaviour, earliest first
    #: Links per account whose episodes are kept as evidence, its strongest (with each
    #: campaign's strongest): 0 keeps every link's. All links stay in the links table.
    evidence_links_per_account: int = 25


@dataclass
class LinkStats:
    """What the linker did, for the summary and for honesty about sampling."""

    traces: dict[str, int] = field(default_factory=dict)
    accounts_active: int = 0
    pairs_tested: float = 0.0
    candidate_links: int = 0
    significant_links: int = 0
    hot_cap: dict[str, int] = field(default_factory=dict)
    traces_sampled_out: dict[str, int] = field(default_factory=dict)


def build_traces(
    con: duckdb.DuckDBPyConnection,
    behaviours: Sequence[Behaviour],
    windows: dict[str, int],
    text: TextSettings,
    progress: Progress | None = None,
    scales: Mapping[str, Sequence[int]] | None = None,
    runner: Runner | None = None,
    grain: int = 1,
) -> dict[str, int]:
    """Create ``account_index``, ``traces`` (behaviour, kid, aid, bucket, ts, post_id),
    ``solo_traces`` (behaviour, aid, n) and ``key_ids`` (``link_steps.TRACE_STEPS``), and
    return the traces per trace behaviour, the solo ones included.

    Each behaviour is traced at its window and at every longer time scale in ``scales``
    (behaviour name -> seconds), each scale a trace behaviour of its own (``corepost@1h``)
    with its own buckets and chance model. Traces are kept once per (behaviour, key,
    account, bucket) with the earliest time, so an account repeating itself does not
    multiply its pairs. ``grain``: how finely the post times are given, in seconds
    (``resolution``), which sets the chance model's share of each neighbouring bucket.
    """
    raw_traces(con, behaviours, windows, text, progress, scales, grain)
    run_steps(runner or duckdb_runner(con), TRACE_STEPS)
    con.execute("DROP TABLE raw_traces")
    con.execute("DROP TABLE IF EXISTS raw_keys")
    counts = {
        str(name): int(n)
        for name, n in con.execute(
            "SELECT behaviour, n FROM trace_counts ORDER BY behaviour"
        ).fetchall()
    }
    con.execute("DROP TABLE trace_counts")
    return counts


def raw_traces(
    con: duckdb.DuckDBPyConnection,
    behaviours: Sequence[Behaviour],
    windows: dict[str, int],
    text: TextSettings,
    progress: Progress | None = None,
    scales: Mapping[str, Sequence[int]] | None = None,
    grain: int = 1,
) -> None:
    """Create ``account_index``, ``raw_traces`` (behaviour, aid, key, ts, post_id: what
    each behaviour's ``traces_sql`` gives) and ``windows`` (source, behaviour, w, part,
    near: each raw behaviour at its window and its longer scales, with the share of a
    neighbouring bucket within the window for times given to ``grain`` seconds,
    ``neighbour_share``), the input of ``link_steps.TRACE_STEPS``."""
    con.execute(
        "CREATE OR REPLACE TABLE account_index AS SELECT account_id, "
        "CAST(row_number() OVER (ORDER BY account_id) - 1 AS INTEGER) AS aid "
        "FROM (SELECT DISTINCT account_id FROM posts)"
    )
    con.execute(
        "CREATE OR REPLACE TABLE raw_traces (behaviour VARCHAR, aid INTEGER, key VARCHAR, "
        "ts BIGINT, post_id VARCHAR)"
    )
    for b in behaviours:
        if progress:
            progress(f"traces: {b.name}")
        if b.prepare is not None:
            b.prepare(con, text)
        name = "$b || ':' || split_part(t.key, ':', 1)" if b.per_kind else "$b"
        con.execute(
            f"INSERT INTO raw_traces SELECT {name}, ai.aid, t.key, t.ts, t.post_id "
            f"FROM ({b.traces_sql()}) t JOIN account_index ai ON t.account_id = ai.account_id "
            "WHERE t.key IS NOT NULL",
            {"b": b.name},
        )
    # one row per trace behaviour: each name in the raw traces (each kind of a per-kind
    # behaviour) at the behaviour's window and at each of its longer scales
    names = [str(r[0]) for r in con.execute("SELECT DISTINCT behaviour FROM raw_traces").fetchall()]
    names = sorted(set(names) | {b.name for b in behaviours})
    rows: list[tuple[str, str, int]] = []
    for source in names:
        own = int(windows[base_name(source)])
        extra = (scales or {}).get(base_name(source), ())
        for w in sorted({own, *(int(x) for x in extra if int(x) > own)}):
            rows.append((source, scaled_name(source, w, own), w))
    # each trace behaviour is a part of its own for the pair work (``link_steps.pair_count_steps``)
    store_table(
        con,
        "windows",
        pa.table(
            {
                "source": [r[0] for r in rows],
                "behaviour": [r[1] for r in rows],
                "w": pa.array([r[2] for r in rows], type=pa.int64()),
                "part": pa.array(range(len(rows)), type=pa.int64()),
                "near": pa.array([neighbour_share(r[2], grain) for r in rows], pa.float64()),
            }
        ),
    )


def neighbour_share(window: int, grain: int) -> float:
    """The share of a neighbouring bucket's traces within ``window`` seconds of a trace,
    for times given to ``grain`` seconds (``resolution``), uniform within buckets.

    Continuous times (to the second, read as finer): a half. On a grid of m = window /
    grain points per bucket, a trace at point x of its bucket and one at point y of the
    next are within the window when y <= x, for (m + 1) / (2m) of the pairs: all of them
    where the window is the grain. Post times to the minute with a 60 s window (the
    takedown archives) counted half the coincidences the pair join counts: at 224 days
    and ~0.5M posts, fans reposting a star within minutes had 54,143 significant links
    against 24,715 with the same times to the second, and pulled a hashtag ring's
    members into their crowds (RESULTS.md)."""
    if grain <= 1:
        return 0.5
    m = max(1, int(window) // int(grain))
    return (m + 1) / (2 * m)


def behaviour_parts(con: duckdb.DuckDBPyConnection) -> int:
    """How many parts the pair work is split into: one per trace behaviour (``windows``)."""
    return max(1, fetch_int(con, "SELECT max(part) + 1 FROM windows"))


def _hot_caps(
    con: duckdb.DuckDBPyConnection, settings: LinkSettings, stats: LinkStats
) -> dict[str, int]:
    """Per behaviour, the largest per-(key, bucket) count of pairable traces that keeps the
    pair work within ``pairs_per_trace`` times the number of traces; 0 means no cap is
    needed."""
    caps: dict[str, int] = {}
    hist = con.execute("SELECT behaviour, c, groups FROM pairable_sizes").fetchall()
    by_b: dict[str, list[tuple[int, int]]] = {}
    for b, c, k in hist:
        by_b.setdefault(str(b), []).append((int(c), int(k)))
    totals = {
        str(b): float(n)
        for b, n in con.execute("SELECT behaviour, t FROM behaviour_totals").fetchall()
    }
    for b, rows in by_b.items():
        c = np.array([r[0] for r in rows], dtype=np.float64)
        k = np.array([r[1] for r in rows], dtype=np.float64)
        # the budget counts every trace of the behaviour, pairable or not
        budget = max(settings.pairs_per_trace * totals.get(b, 0.0), settings.min_pair_budget)

        def work(cap: float, c: np.ndarray = c, k: np.ndarray = k) -> float:
            m = np.minimum(c, cap)
            # pairs inside a bucket plus pairs with the next one (about the same size)
            return float((k * m * m * 1.5).sum())

        if work(float(c.max())) <= budget:
            caps[b] = 0
            continue
        lo, hi = settings.min_hot_cap, int(c.max())
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if work(mid) <= budget:
                lo = mid
            else:
                hi = mid - 1
        caps[b] = lo
    stats.hot_cap = {b: c for b, c in caps.items() if c}
    return caps


def _store_caps(con: duckdb.DuckDBPyConnection, caps: dict[str, int]) -> None:
    store_table(
        con,
        "caps",
        pa.table({"behaviour": list(caps), "cap": pa.array(list(caps.values()), type=pa.int64())}),
    )


def _sampled_out(con: duckdb.DuckDBPyConnection, stats: LinkStats) -> None:
    for b, n in con.execute("SELECT behaviour, n FROM sampled_out ORDER BY behaviour").fetchall():
        stats.traces_sampled_out[str(b)] = int(n)


#: The linker's tables that no step after it reads, dropped once the pairs are read: at
#: 10M posts the engine still held 4.4 GB of tables in the findings stage (the pairable
#: traces, the pair counts and their chance among them), 2.6 GB of them spilled to disk.
SPENT_TABLES = (
    "key_ids",
    "key_buckets",
    "behaviour_totals",
    "pairable",
    "pairable_buckets",
    "pairable_sizes",
    "caps",
    "sampled_out",
    "pair_counts",
    "pair_chance",
)


def links_from_traces(
    con: duckdb.DuckDBPyConnection,
    settings: LinkSettings,
    progress: Progress | None = None,
    runner: Runner | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, LinkStats]:
    """Return (links per behaviour, links per pair, stats) from the ``traces`` table.

    Per-behaviour rows carry shared, expected, z, p; pair rows carry the combined p-value,
    its Benjamini-Hochberg q-value, the fused weight and ``significant``.
    """
    stats = LinkStats()
    run = runner or duckdb_runner(con)
    if progress:
        progress("links: chance model")
    run_steps(run, CHANCE_STEPS)
    run_steps(run, pairable_steps(settings.min_shared))
    caps = _hot_caps(con, settings, stats)
    _store_caps(con, caps)
    if progress:
        progress("links: windowed co-occurrence")
    parts = behaviour_parts(con)
    run_steps(run, pair_steps(settings.min_shared, parts))
    for name in part_tables(parts):  # on an engine elsewhere they were never copied here
        con.execute(f"DROP TABLE IF EXISTS {name}")
    _sampled_out(con, stats)
    stats.accounts_active = fetch_int(con, "SELECT count(DISTINCT aid) FROM activity")
    n_behaviours = max(1, fetch_int(con, "SELECT count(DISTINCT behaviour) FROM activity"))
    n = stats.accounts_active
    stats.pairs_tested = n * (n - 1) / 2.0

    scale_w = {
        str(b): int(w) for b, w in con.execute("SELECT behaviour, w FROM windows").fetchall()
    }
    if progress:
        progress("links: significance")
    per = _behaviour_significance(con.execute("SELECT * FROM pair_chance").df())
    for name in SPENT_TABLES:  # no later step reads them: the engine's memory is freed
        con.execute(f"DROP TABLE IF EXISTS {name}")
    per = _best_scale(per, scale_w)
    pairs = _fdr(_fuse_pairs(con, per), n_behaviours, stats.pairs_tested, settings.alpha)
    stats.candidate_links = len(pairs)
    stats.significant_links = int(pairs["significant"].sum()) if len(pairs) else 0
    return per, pairs, stats


_CHANCE_COLUMNS = ("shared", "act_a", "act_b", "slots_a", "slots_b", "total")


def _chance(
    shared: np.ndarray,
    act_a: np.ndarray,
    act_b: np.ndarray,
    slots_a: np.ndarray,
    slots_b: np.ndarray,
    total: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The chance model of one behaviour: (expected coincidences, log10 p-value of the
    coincidences seen), lambda = max(S_a a_b, S_b a_a) / T (module docstring)."""
    lam = np.maximum(slots_a * act_b, slots_b * act_a) / np.maximum(total, 1.0)
    lam = np.maximum(lam, 1e-12)
    return lam, log10_tail(shared, lam)


def log10_tail(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """log10 P(X >= k) for X ~ Poisson(lam): sf(k - 1), in log space to keep tiny
    p-values apart, floored at 1e-300 so that files and JSON never hold -inf."""
    return np.maximum(poisson.logsf(k - 1, lam) / math.log(10), -300.0)


def _bonferroni(log_p: np.ndarray, n_behaviours: int) -> np.ndarray:
    """A pair's log10 p-value from its smallest behaviour p-value, times the number of
    trace behaviours tested (they overlap: Bonferroni, capped at 1)."""
    return np.minimum(log_p + math.log10(n_behaviours), 0.0)


def _behaviour_significance(per: pd.DataFrame) -> pd.DataFrame:
    if per.empty:
        for col in ("expected", "z", "log10_p"):
            per[col] = pd.Series(dtype="float64")
        return per
    values = {c: per[c].to_numpy(dtype=np.float64) for c in _CHANCE_COLUMNS}
    lam, log_p = _chance(**values)
    per["expected"] = lam
    per["z"] = (values["shared"] - lam) / np.sqrt(lam)
    per["log10_p"] = log_p
    return per.drop(columns=["act_a", "act_b", "slots_a", "slots_b", "total"])


def _best_scale(per: pd.DataFrame, windows: dict[str, int]) -> pd.DataFrame:
    """Per pair and behaviour family, the row of its most significant time scale (the
    shortest on a tie): the scales of one behaviour test the same traces, so a pair's
    evidence is counted once, at the scale that shows it best, and the pair-level
    Bonferroni factor counts every scale tested."""
    if per.empty:
        return per
    codes, names = pd.factorize(per["behaviour"].astype(str))
    fam_of = [family(str(n)) for n in names]
    if len(set(fam_of)) == len(fam_of):
        return per  # one scale per behaviour: nothing to choose
    fam_codes, _ = pd.factorize(pd.Series(fam_of), sort=True)  # families in name order
    fam = np.asarray(fam_codes)[codes]
    w = np.array([windows.get(str(n), 0) for n in names], dtype=np.int64)[codes]
    # integer keys and one stable lexsort: a sort on strings took seconds per call at 1M
    groups = (per["a"].to_numpy(), per["b"].to_numpy(), fam)
    order = (tie_key(per["log10_p"].to_numpy()), w)
    return per.iloc[first_rows(groups, order)].reset_index(drop=True)


def tie_key(log_p: np.ndarray) -> np.ndarray:
    """log10 p-values rounded to 1e-9, to order rows by (``first_rows``): values that
    differ only in the last bits of the engine's parallel sums are a tie, which the next
    key breaks the same way on every run. Two runs of the same code at 2M posts showed a
    target of the group-level test by different behaviours, its expected leads differing
    in the last bit (RESULTS.md)."""
    return np.round(np.asarray(log_p, dtype=np.float64), 9)


def first_rows(groups: Sequence[np.ndarray], order: Sequence[np.ndarray]) -> np.ndarray:
    """Positions of each group's first row, the groups (rows equal in every array of
    ``groups``) in ascending order of their keys, each row first by ``order`` (ties in
    the order they came): what sorting a frame by the groups' and the order's columns
    and keeping the first row of each group gives, in stable NumPy sorts of integer and
    float arrays (pandas' sort on a string column took seconds per call at 1M posts):
    integer groups as one code (``_group_code``) sorted after the order, or else one
    ``np.lexsort`` over every key."""
    code = _group_code(groups)
    if code is None:
        keys = (*reversed(tuple(order)), *reversed(tuple(groups)))  # lexsort: last key first
        perm = np.lexsort(keys)
        starts = np.zeros(len(perm), dtype=bool)
        starts[:1] = True
        for g in groups:
            g = np.asarray(g)[perm]
            starts[1:] |= g[1:] != g[:-1]
        return perm[starts]
    # the groups as one integer: the rows sorted by the order, then stably by the group,
    # are lexsort's rows in two passes instead of one per key (at 10M posts the calls
    # took 8 s)
    perm = np.lexsort(tuple(reversed(tuple(order)))) if len(order) else np.arange(len(code))
    perm = perm[np.argsort(code[perm], kind="stable")]
    sorted_code = code[perm]
    starts = np.ones(len(perm), dtype=bool)
    starts[1:] = sorted_code[1:] != sorted_code[:-1]
    return perm[starts]


def _group_code(groups: Sequence[np.ndarray]) -> np.ndarray | None:
    """Each row's groups as one int64 in the groups' lexicographic order (mixed radix
    over each array's range), or None where an array is not of integers or the ranges'
    product does not fit."""
    arrays = [np.asarray(g) for g in groups]
    if not arrays or any(g.dtype.kind not in "iub" for g in arrays):
        return None
    n = len(arrays[0])
    code = np.zeros(n, dtype=np.int64)
    if n == 0:
        return code
    total = 1
    for g in arrays:
        lo, hi = int(g.min()), int(g.max())
        span = hi - lo + 1
        total *= span
        if total >= 1 << 62 or hi >= 1 << 62:  # uint64 beyond int64 included
            return None
        code = code * span + (g.astype(np.int64) - lo)
    return code


def _fuse_pairs(con: duckdb.DuckDBPyConnection, per: pd.DataFrame) -> pd.DataFrame:
    """One row per account pair from its per-behaviour rows (sums, smallest p-value)."""
    con.register("_per", pa.Table.from_pandas(per, preserve_index=False))
    pairs = con.execute(
        "SELECT a, b, sum(shared) AS shared, sum(keys) AS keys, sum(weight) AS weight, "
        "  min(log10_p) AS log10_p, min(first_ts) AS first_ts, max(last_ts) AS last_ts, "
        "  string_agg(behaviour, ',' ORDER BY behaviour) AS behaviours "
        "FROM _per GROUP BY a, b ORDER BY a, b"
    ).df()
    con.unregister("_per")
    return pairs


def _fdr(pairs: pd.DataFrame, n_behaviours: int, m: float, alpha: float) -> pd.DataFrame:
    """Add log10_q (Benjamini-Hochberg over ``m`` hypotheses) and ``significant``; the
    pair p-value is the smallest behaviour p-value times ``n_behaviours`` (Bonferroni)."""
    pairs = pairs.copy()
    log_p = _bonferroni(pairs["log10_p"].to_numpy(dtype=np.float64), n_behaviours)
    pairs["log10_p"] = log_p
    log_q = bh_log_q(log_p, m)
    pairs["log10_q"] = log_q
    pairs["significant"] = log_q <= math.log10(alpha)
    return pairs


def bh_log_q(log_p: np.ndarray, m: float) -> np.ndarray:
    """Benjamini-Hochberg log10 q-values of the log10 p-values ``log_p`` among ``m``
    hypotheses (``m`` may exceed ``len(log_p)``: the untested ones have p = 1)."""
    log_m = math.log10(max(m, 1.0))
    return fdr_log_q(log_p, lambda log_t: log_t + log_m)


def fdr_log_q(log_p: np.ndarray, log_spent: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """log10 q-values of the log10 p-values ``log_p``, where ``log_spent`` maps log10 t to
    log10 of the false discoveries expected when every hypothesis with p <= t is
    rejected (log10 t + log10 m for Benjamini-Hochberg's m hypotheses); capped at 1."""
    # q_(r) = min over s >= r of spent(p_(s)) / s, with p sorted ascending.
    order = np.argsort(log_p, kind="stable")
    ranks = np.arange(1, len(order) + 1, dtype=np.float64)
    raw = log_spent(log_p[order]) - np.log10(ranks)
    q_sorted = np.minimum.accumulate(raw[::-1])[::-1]
    log_q = np.empty_like(q_sorted)
    log_q[order] = np.minimum(q_sorted, 0.0)
    return log_q
