"""The linker's relational steps as one ordered list of SQL statements.

Each step creates one named table from earlier ones. The text is DuckDB's dialect kept to
what Spark SQL also has (joins, GROUP BY, window frames, FLOOR/CAST, ln, arg_min, min of a
struct), so a ``Runner`` for another engine can run the very same list: ``engine_spark``
transpiles it with sqlglot, and ``tests/test_engines.py`` checks both engines give
identical links.
Settings enter as integers formatted here, never data values.
"""

from __future__ import annotations

from collections.abc import Callable

#: A runner creates table ``name`` from ``sql`` in its engine.
Runner = Callable[[str, str], None]

#: Per raw trace behaviour (``raw_traces.behaviour``, a ``windows.source``) and key: its
#: raw traces. Most keys have one: a text posted once, a post replied to once (at 2M
#: posts, 45% of the traces of every scale). Such a key can be in no pair and no
#: campaign's episode; its trace is counted in its account's activity (``SOLO_TRACES``)
#: and never stored, joined or grouped again.
RAW_KEYS = """
SELECT behaviour, key, count(*) AS c FROM raw_traces GROUP BY behaviour, key
"""

#: The keys with two raw traces or more, each with an integer id (``kid``), unique within
#: its raw behaviour and so within each of its scales: every later step joins and groups
#: on the id instead of the key's text (a link, a text's hash), and only the findings read
#: the text back (``keys``). Numbered in the order of the text, per behaviour.
KEY_IDS = """
SELECT behaviour, key,
       CAST(row_number() OVER (PARTITION BY behaviour ORDER BY key) AS BIGINT) AS kid
FROM raw_keys WHERE c >= 2
"""

#: Traces once per (behaviour, key, account, time bucket), bucket = floor(ts / window),
#: with the earliest time and its post (the smallest post id when several share that
#: second, so the evidence is the same on every run and engine): the smallest (time, post)
#: of the group, in one aggregation (at 2M posts 2.2-2.3 s against 3.3-3.4 s for the
#: smallest post per second and then the earliest second, the same rows). Each raw trace
#: is traced at every time scale of its behaviour (``windows``: source name, scaled name,
#: w). Only keys with two raw traces or more (``KEY_IDS``).
TRACES = """
SELECT behaviour, kid, aid, bucket, first.t AS ts, first.p AS post_id
FROM (SELECT behaviour, kid, aid, bucket, min(struct_pack(t := ts, p := post_id)) AS first
      FROM (SELECT w.behaviour, k.kid, r.aid, r.ts, r.post_id,
                   CAST(FLOOR(r.ts / w.w) AS BIGINT) AS bucket
            FROM raw_traces r JOIN key_ids k ON k.behaviour = r.behaviour AND k.key = r.key
            JOIN windows w ON r.behaviour = w.source) t
      GROUP BY behaviour, kid, aid, bucket) g
"""

#: Per trace behaviour and account, its traces on keys with one raw trace (``RAW_KEYS``):
#: one trace at every scale, with no other trace of its key anywhere, so no slot, no
#: pair and no episode; they count in the account's activity and exposure only.
#: At 2M posts, splitting them off took the trace and chance steps from 11.3 s to 4.6 s.
SOLO_TRACES = """
SELECT w.behaviour, r.aid, count(*) AS n
FROM raw_traces r JOIN raw_keys k ON k.behaviour = r.behaviour AND k.key = r.key
JOIN windows w ON r.behaviour = w.source
WHERE k.c = 1
GROUP BY w.behaviour, r.aid
"""

#: Per trace behaviour, its traces, the solo ones included: what the summary reports, read
#: on the driver instead of the traces themselves.
TRACE_COUNTS = """
SELECT behaviour, CAST(sum(n) AS BIGINT) AS n
FROM (SELECT behaviour, count(*) AS n FROM traces GROUP BY behaviour
      UNION ALL
      SELECT behaviour, sum(n) AS n FROM solo_traces GROUP BY behaviour) c
GROUP BY behaviour
"""

#: From ``raw_traces`` (behaviour, aid, key, ts, post_id) and ``windows`` to ``traces``
#: (behaviour, kid, aid, bucket, ts, post_id), ``solo_traces`` (behaviour, aid, n), the
#: key ids and ``trace_counts`` (behaviour, n).
TRACE_STEPS: tuple[tuple[str, str], ...] = (
    ("raw_keys", RAW_KEYS),
    ("key_ids", KEY_IDS),
    ("traces", TRACES),
    ("solo_traces", SOLO_TRACES),
    ("trace_counts", TRACE_COUNTS),
)

#: Per (key, bucket): traces, and co-occurrence slots: the other traces expected within
#: the window of one of them: all of its bucket, and of each neighbouring bucket the share
#: ``near`` of ``windows`` (a half where times are continuous; where they are given to a
#: grain, the share of grid points of the next bucket within the window,
#: ``link.neighbour_share``: all of it when the window is the grain).
KEY_BUCKETS = """
SELECT kb.behaviour, kb.kid, kb.bucket, kb.c,
       (kb.c - 1) + w.near * (sum(kb.c) OVER (PARTITION BY kb.behaviour, kb.kid
                                ORDER BY kb.bucket
                                RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) - kb.c) AS slots
FROM (SELECT behaviour, kid, bucket, count(*) AS c FROM traces
      GROUP BY behaviour, kid, bucket) kb
JOIN windows w ON w.behaviour = kb.behaviour
"""

#: Per key of each trace behaviour: its accounts (``n``), its id and its text, which only
#: the findings read. The keys' ids are integers (``KEY_IDS``): at 2M posts, pairing on
#: the text took 62 s where the id took 37 s (the same counts).
KEYS = """
SELECT k.behaviour, ki.key, k.n, k.kid
FROM (SELECT behaviour, kid, count(DISTINCT aid) AS n FROM traces GROUP BY behaviour, kid) k
JOIN windows w ON w.behaviour = k.behaviour
JOIN key_ids ki ON ki.behaviour = w.source AND ki.kid = k.kid
"""

#: Per behaviour and account: its traces (``a``, the solo ones included) and the
#: co-occurrence slots of all of them (``s``; a solo trace has none).
ACTIVITY = """
SELECT behaviour, aid, CAST(sum(a) AS BIGINT) AS a, sum(s) AS s
FROM (SELECT t.behaviour, t.aid, count(*) AS a, sum(kb.slots) AS s
      FROM traces t JOIN key_buckets kb
        ON t.behaviour = kb.behaviour AND t.kid = kb.kid AND t.bucket = kb.bucket
      GROUP BY t.behaviour, t.aid
      UNION ALL
      SELECT behaviour, aid, n AS a, CAST(0 AS DOUBLE) AS s FROM solo_traces) x
GROUP BY behaviour, aid
"""

BEHAVIOUR_TOTALS = """
SELECT behaviour, sum(a) AS t, count(*) AS accounts FROM activity GROUP BY behaviour
"""

#: The traces that can be on a candidate link: those of accounts with at least
#: ``min_shared`` traces in the behaviour (an account that used it once can share at
#: most one episode with anybody, and a pair below ``min_shared`` episodes is never
#: significant) that have another trace within the window (``slots > 0``). Dropping the
#: rest loses no link and no evidence; the chance model still counts every trace.
#: Without this filter, the sampled pass on the grown generator at 10M posts made 174M
#: pair rows for 3.7M pairs that met twice or more.
PAIRABLE = """
SELECT t.behaviour, k.kid, t.aid, t.bucket, t.ts, t.post_id,
       greatest(ln(bt.accounts * 1.0 / k.n), 0.0) AS weight
FROM traces t
JOIN activity a ON a.behaviour = t.behaviour AND a.aid = t.aid
JOIN key_buckets kb ON t.behaviour = kb.behaviour AND t.kid = kb.kid AND t.bucket = kb.bucket
JOIN keys k ON k.behaviour = t.behaviour AND k.kid = t.kid
JOIN behaviour_totals bt ON bt.behaviour = t.behaviour
WHERE a.a >= {min_shared} AND kb.slots > 0
"""

#: Pairable traces per (key, bucket): the group sizes that pair work and sampling see.
PAIRABLE_BUCKETS = """
SELECT behaviour, kid, bucket, count(*) AS c FROM pairable GROUP BY behaviour, kid, bucket
"""

#: Per behaviour, how many (key, bucket) groups hold ``c`` pairable traces: the histogram
#: the hot-key caps are chosen from (``link._hot_caps``), a few hundred rows.
PAIRABLE_SIZES = """
SELECT behaviour, c, count(*) AS groups FROM pairable_buckets GROUP BY behaviour, c
"""

#: Each pairable trace carries its key's weight, log(N / n_key) (``_PAIR_COUNTS``), so that
#: counting the pairs joins nothing: the keys are joined to the 12M traces paired at 10M
#: posts, not to the 166M episodes they make.
#:
#: Traces to pair: every pairable trace, except in (key, bucket) groups above the
#: behaviour's cap, which keep ``cap`` of them: the accounts with the smallest hash of
#: their id. The hash is the account's alone (bottom-k, as in MinHash), so the sample is
#: coordinated: an account kept in one hot group is kept in every hot group where it is
#: among the ``cap`` smallest, and the episodes two kept accounts share are all counted.
#: A campaign large enough to make its own groups hot keeps a core whose pairs are
#: complete, for the group-level test (``expand.py``) to grow from; a sample drawn afresh
#: in each group (a hash of account and time) kept each pair in a fraction of its
#: episodes, too few to be significant.
JOIN_TRACES = """
SELECT t.behaviour, t.kid, t.aid, t.bucket, t.ts, t.post_id, t.weight FROM pairable t
JOIN pairable_buckets kb
  ON t.behaviour = kb.behaviour AND t.kid = kb.kid AND t.bucket = kb.bucket
JOIN caps cp ON t.behaviour = cp.behaviour
WHERE cp.cap = 0 OR kb.c <= cp.cap
UNION ALL
SELECT behaviour, kid, aid, bucket, ts, post_id, weight FROM (
  SELECT t.behaviour, t.kid, t.aid, t.bucket, t.ts, t.post_id, t.weight, cp.cap,
         row_number() OVER (
    PARTITION BY t.behaviour, t.kid, t.bucket
    ORDER BY (t.aid * 2654435761) % 4294967291, t.aid) AS rk
  FROM pairable t JOIN pairable_buckets kb ON t.behaviour = kb.behaviour
    AND t.kid = kb.kid AND t.bucket = kb.bucket
  JOIN caps cp ON t.behaviour = cp.behaviour WHERE cp.cap > 0 AND kb.c > cp.cap
) sampled WHERE rk <= cap
"""

#: Per behaviour, the pairable traces that hot-key sampling left out of the pair join
#: (the summary's ``traces_left_out_of_pairing``; none where nothing was sampled).
SAMPLED_OUT = """
SELECT t.behaviour, t.n - coalesce(j.n, 0) AS n
FROM (SELECT behaviour, count(*) AS n FROM pairable GROUP BY behaviour) t
LEFT JOIN (SELECT behaviour, count(*) AS n FROM join_traces GROUP BY behaviour) j
  ON t.behaviour = j.behaviour
WHERE t.n - coalesce(j.n, 0) > 0
"""


def _trace_pairs(x: str, y: str) -> str:
    """Pairs of traces of one key within the window, from tables ``x`` and ``y`` (the same
    table for the whole pair work): equi-join on the key and on the same or the next time
    bucket (each unordered pair of buckets once), then the exact time test. One row per
    pair of traces: the episode (the earlier bucket), the two accounts, times and posts
    and the key's weight ``w``; a pair (a, b) may meet in one episode up to three times (both in
    the bucket, or either in the next one)."""
    return f"""
    SELECT x.behaviour, x.kid, x.bucket AS episode, x.aid AS xa, y.aid AS ya,
           x.ts AS xt, y.ts AS yt, x.post_id AS xp, y.post_id AS yp, x.weight AS w
    FROM {x} x
    JOIN (SELECT j.behaviour, j.kid, j.aid, j.ts, j.post_id, j.bucket - o.o AS near, o.o AS o
          FROM {y} j
          CROSS JOIN (SELECT 0 AS o UNION ALL SELECT 1 AS o) o) y
      ON x.behaviour = y.behaviour AND x.kid = y.kid AND x.bucket = y.near
    JOIN windows w ON x.behaviour = w.behaviour
    WHERE ((y.o = 0 AND x.aid < y.aid) OR (y.o = 1 AND x.aid <> y.aid))
      AND abs(x.ts - y.ts) <= w.w
"""


def _part_pairs(traces: str, part: int, where: str) -> str:
    """``_trace_pairs`` within the traces of part ``part`` (``pair_traces_p{part}``: one
    trace behaviour, no post columns), keeping the pairs of traces that pass ``where``
    (on the two traces' flags ``x.repeats``, ``x.adjacent``, ``y.repeats``,
    ``y.adjacent``): one row per pair of traces with the pair (a < b), the key, the
    episode, the earlier and later of the two times (``f``, ``l``) and the key's
    weight ``w``."""
    return f"""
    SELECT x.kid, x.bucket AS episode, least(x.aid, y.aid) AS a, greatest(x.aid, y.aid) AS b,
           least(x.ts, y.ts) AS f, greatest(x.ts, y.ts) AS l, x.weight AS w
    FROM {traces} x
    JOIN (SELECT j.kid, j.aid, j.ts, j.repeats, j.adjacent, j.bucket - o.o AS near, o.o AS o
          FROM {traces} j
          CROSS JOIN (SELECT 0 AS o UNION ALL SELECT 1 AS o) o) y
      ON x.kid = y.kid AND x.bucket = y.near
    JOIN windows w ON w.part = {int(part)}
    WHERE ((y.o = 0 AND x.aid < y.aid) OR (y.o = 1 AND x.aid <> y.aid))
      AND abs(x.ts - y.ts) <= w.w AND ({where})
"""


#: Per pair and behaviour: episodes shared, distinct keys, and a weight where each
#: episode counts log(N / n_key): a key used by 2 of 10,000 accounts weighs 8.5, one used
#: by 5,000 of them 0.7. Counted straight from the join of the traces, per episode, then
#: per key, then per pair, so the episodes are never stored: at 2M posts that took 19 s
#: against 62 s for storing the 34M episodes (with their keys' text) and counting them;
#: the evidence re-derives the episodes of the significant pairs alone
#: (``evidence_steps``). Pairs below ``min_shared`` episodes are never significant after
#: the FDR step over all pairs, so they are dropped here. ``{pairs}`` is the pair join of
#: the whole of ``join_traces`` (``pair_count_steps`` with one part).
_PAIR_COUNTS = """
SELECT behaviour, a, b, sum(n) AS shared, count(*) AS keys, sum(w) AS weight,
       min(f) AS first_ts, max(l) AS last_ts
FROM (SELECT behaviour, a, b, kid, count(*) AS n, sum(w) AS w, min(f) AS f, max(l) AS l
      FROM (SELECT behaviour, least(xa, ya) AS a, greatest(xa, ya) AS b, kid, episode,
                   min(w) AS w, min(least(xt, yt)) AS f, max(greatest(xt, yt)) AS l
            FROM ({pairs}) p
            GROUP BY behaviour, least(xa, ya), greatest(xa, ya), kid, episode) e
      GROUP BY behaviour, a, b, kid) k
GROUP BY behaviour, a, b
HAVING sum(n) >= {min_shared}
"""


#: The pair counts of one trace behaviour, part ``{part}`` of ``windows``, from its
#: traces alone (``pair_traces_p{part}``), with the same rows as ``_PAIR_COUNTS`` gives
#: for the behaviour, without counting every pair of traces in a (pair, key, episode)
#: group and then in a (pair, key) group. Which groupings a pair of traces needs
#: follows from the two traces' flags (``_PART_TRACES``):
#:
#: - ``{single}``: neither account left another trace of the key in the part. The pair
#:   of traces is then the pair's only one on that key: one episode and one key, counted
#:   straight into the pair's row.
#: - ``{once}``: one of them did, in no neighbouring bucket of either trace. A (pair,
#:   key, episode) group holds two pairs of traces only when one of the accounts left
#:   the key in both of the episode's buckets (a in both: (a, b) and (b, a') share the
#:   episode; b in both: (a, b) and (a, b')), so each such pair of traces is an episode
#:   of its own, and only the (pair, key) grouping is needed, for the key count.
#: - ``{twice}``: the rest, counted as ``_PAIR_COUNTS`` counts them (every pair of traces
#:   in a group of two or more is here: each involves a trace with a neighbour).
#:
#: A (pair, key) is in one of the first and the other two, never both: whether an
#: account repeats a key is the same for all its traces of it. At 2M posts the 20 parts
#: took 8.2 s in detect against 14.3 s when every pair of traces went through both
#: groupings, with the same rows (RESULTS.md, "Pair counts grouped only where a pair of
#: traces can repeat"); ``tests/test_link.py`` checks the rows against the definition.
_PART_COUNTS = """
SELECT pw.behaviour, c.a, c.b, c.shared, c.keys, c.weight, c.first_ts, c.last_ts
FROM (
  SELECT a, b, sum(n) AS shared, sum(k) AS keys, sum(w) AS weight,
         min(f) AS first_ts, max(l) AS last_ts
  FROM (
    SELECT a, b, count(*) AS n, count(*) AS k, sum(w) AS w, min(f) AS f, max(l) AS l
    FROM ({single}) p0 GROUP BY a, b
    UNION ALL
    SELECT a, b, sum(n) AS n, count(*) AS k, sum(n * w) AS w, min(f) AS f, max(l) AS l
    FROM (SELECT a, b, kid, count(*) AS n, min(w) AS w, min(f) AS f, max(l) AS l
          FROM (SELECT a, b, kid, w, f, l FROM ({once}) p1
                UNION ALL
                SELECT a, b, kid, min(w) AS w, min(f) AS f, max(l) AS l FROM ({twice}) p2
                GROUP BY a, b, kid, episode) e
          GROUP BY a, b, kid) k
    GROUP BY a, b) u
  GROUP BY a, b
  HAVING sum(n) >= {min_shared}
) c
JOIN windows pw ON pw.part = {part}
"""

#: Where a pair of traces goes in ``_PART_COUNTS``, by the two traces' flags.
_SINGLE = "NOT x.repeats AND NOT y.repeats"
_ONCE = "(x.repeats OR y.repeats) AND NOT x.adjacent AND NOT y.adjacent"
_TWICE = "x.adjacent OR y.adjacent"

#: The traces of part ``{part}`` (one trace behaviour) that the pair work pairs, each
#: flagged: ``repeats``, its account left the key more than once in the part (in other
#: buckets); ``adjacent``, one of them in the bucket before or after this one.
_PART_TRACES = """
SELECT kid, aid, bucket, ts, weight,
       count(*) OVER (PARTITION BY kid, aid) > 1 AS repeats,
       coalesce(bucket - lag(bucket) OVER (PARTITION BY kid, aid ORDER BY bucket) = 1, false)
       OR coalesce(lead(bucket) OVER (PARTITION BY kid, aid ORDER BY bucket) - bucket = 1,
                   false) AS adjacent
FROM (SELECT j.kid, j.aid, j.bucket, j.ts, j.weight FROM join_traces j
      JOIN windows pw ON pw.behaviour = j.behaviour WHERE pw.part = {part}) t
"""


#: The linker's and the evidence's tables that only later steps read: an engine that runs
#: the steps elsewhere keeps them there (``engine_spark.SparkEngine``), and nothing on
#: the driver may read them.
INTERMEDIATE_TABLES = (
    "raw_keys",
    "key_ids",
    "traces",
    "solo_traces",
    "key_buckets",
    "pairable",
    "pairable_buckets",
    "join_traces",
    "pair_counts",
    "sig_accounts",
    "sig_traces",
    "evidence_cut",
    "evidence_early",
    "evidence_short",
    "evidence_late",
)


#: The pair work's tables of each part, ``{name}_p{part}`` (``part_tables``).
_PART_NAMES = ("pair_traces", "pair_counts")


def intermediate(name: str) -> bool:
    """Whether table ``name`` is one of the linker's or the evidence's that only later
    steps read (``INTERMEDIATE_TABLES``, and the pair work's part tables)."""
    stem, _, part = name.rpartition("_p")
    return name in INTERMEDIATE_TABLES or (stem in _PART_NAMES and part.isdigit())


def part_tables(parts: int) -> tuple[str, ...]:
    """The tables ``pair_count_steps`` makes on the way to ``pair_counts`` (none for
    ``parts`` 1), for the caller to drop."""
    if parts <= 1:
        return ()
    return tuple(f"{name}_p{i}" for i in range(int(parts)) for name in _PART_NAMES)


def pair_count_steps(min_shared: int, parts: int = 1) -> tuple[tuple[str, str], ...]:
    """The steps making ``pair_counts`` over ``parts`` parts of the trace behaviours: each
    part's traces and counts tables of their own (``part_tables``), then ``pair_counts``
    as the counts' UNION ALL; a single step for ``parts`` 1.

    Every grouping of the pair work has the trace behaviour among its keys, so counting
    each part of the behaviours alone gives the same rows; but each part's hash tables
    are a fraction of the whole (at 2M posts, 36.7M pair rows into 35.0M groups of
    (pair, key, episode)). At 10M posts the pair counts took 122.9 s in one aggregation
    and 89.0 s part by part, on the same tables; one statement with a UNION ALL of the
    parts took 133.5 s (RESULTS.md), so the parts are tables of their own. Each part
    groups a pair of traces only as far as it can repeat (``_PART_COUNTS``); the one
    step for ``parts`` 1 groups every pair of traces twice, as the definition reads."""
    if parts <= 1:
        pairs = _trace_pairs("join_traces", "join_traces")
        return (("pair_counts", _PAIR_COUNTS.format(pairs=pairs, min_shared=int(min_shared))),)
    steps: list[tuple[str, str]] = []
    for i in range(int(parts)):
        steps.append((f"pair_traces_p{i}", _PART_TRACES.format(part=i)))
        traces = f"pair_traces_p{i}"
        count = _PART_COUNTS.format(
            single=_part_pairs(traces, i, _SINGLE),
            once=_part_pairs(traces, i, _ONCE),
            twice=_part_pairs(traces, i, _TWICE),
            part=i,
            min_shared=int(min_shared),
        )
        steps.append((f"pair_counts_p{i}", count))
    union = "\nUNION ALL\n".join(f"SELECT * FROM pair_counts_p{i}" for i in range(int(parts)))
    return (*steps, ("pair_counts", union))


#: Each candidate link with the activity and slots of both accounts, for the chance model.
PAIR_CHANCE = """
SELECT pc.behaviour, pc.a, pc.b, pc.shared, pc.keys, pc.weight, pc.first_ts, pc.last_ts,
       aa.a AS act_a, aa.s AS slots_a, ab.a AS act_b, ab.s AS slots_b, bt.t AS total
FROM pair_counts pc
JOIN activity aa ON pc.behaviour = aa.behaviour AND pc.a = aa.aid
JOIN activity ab ON pc.behaviour = ab.behaviour AND pc.b = ab.aid
JOIN behaviour_totals bt ON pc.behaviour = bt.behaviour
"""

#: The evidence of the significant links (``sig_links``: behaviour, a, b, shared,
#: first_ts, last_ts, from the pair counts), re-derived from the paired traces of their
#: accounts alone: a small part of the active ones, so this join is a small part of the
#: counting's. Nothing stores every episode: at 2M posts over 224 days the significant
#: links of dense crowds (fans reposting a star daily) meet in 130M episodes, which took
#: 140 s to store and 250 s more to read back for the findings' summaries (RESULTS.md).
#: What the findings need is smaller: each account's keys (``evidence_uses``) and the
#: first episodes of each link (``evidence_firsts``).
SIG_ACCOUNTS = """
SELECT DISTINCT behaviour, aid FROM (SELECT behaviour, a AS aid FROM sig_links
                                     UNION ALL SELECT behaviour, b AS aid FROM sig_links) s
"""

SIG_TRACES = """
SELECT j.behaviour, j.kid, j.aid, j.bucket, j.ts, j.post_id, j.weight FROM join_traces j
JOIN sig_accounts s ON s.behaviour = j.behaviour AND s.aid = j.aid
"""


def _sig_pairs(links: str, extra: str = "") -> str:
    """Every coincidence of the links in table ``links`` (behaviour, a, b, ...): one row
    per pair of their traces within the window with the link, the key id, the episode,
    a's and b's time and post (ta, tb, pa, pb), and the link's columns in ``extra``."""
    return f"""
    SELECT p.behaviour, s.a, s.b, p.kid, p.episode{extra},
           CASE WHEN p.xa < p.ya THEN p.xt ELSE p.yt END AS ta,
           CASE WHEN p.xa < p.ya THEN p.yt ELSE p.xt END AS tb,
           CASE WHEN p.xa < p.ya THEN p.xp ELSE p.yp END AS pa,
           CASE WHEN p.xa < p.ya THEN p.yp ELSE p.xp END AS pb
    FROM ({_trace_pairs("sig_traces", "sig_traces")}) p
    JOIN {links} s ON s.behaviour = p.behaviour
      AND s.a = least(p.xa, p.ya) AND s.b = greatest(p.xa, p.ya)
"""


#: Each significant link with the campaign both its accounts are in (NULL otherwise).
_LINK_CAMPAIGNS = (
    "(SELECT l.behaviour, l.a, l.b, "
    "CASE WHEN ma.campaign = mb.campaign THEN ma.campaign END AS campaign "
    "FROM sig_links l LEFT JOIN members ma ON ma.aid = l.a LEFT JOIN members mb ON mb.aid = l.b)"
)

#: Per (behaviour, account, key, campaign): what the account shared on the key with its
#: significant partners (first and last time, its smallest post), ``campaign`` that of a
#: partner in its own campaign (``members``: aid, campaign) and NULL for a partner
#: outside it. Read for each account's keys and delays and for each campaign's keys and
#: span; as many rows as the significant accounts' traces at most (4.0M for 130M
#: episodes at 224 days). Both sides of each coincidence from one pass of the join; the
#: campaign is found per link, not per coincidence (on the 224-day platform at 3.5M posts,
#: 24.2 s -> 21.4 s for the same 4.0M rows from 130M coincidences).
EVIDENCE_USES = f"""
SELECT u.behaviour, u.aid, k.key, u.campaign, u.first_ts, u.last_ts, u.post_id
FROM (
  SELECT c.behaviour, CASE WHEN o.side = 0 THEN c.a ELSE c.b END AS aid, c.kid, c.campaign,
         min(CASE WHEN o.side = 0 THEN c.ta ELSE c.tb END) AS first_ts,
         max(CASE WHEN o.side = 0 THEN c.ta ELSE c.tb END) AS last_ts,
         min(CASE WHEN o.side = 0 THEN c.pa ELSE c.pb END) AS post_id
  FROM ({_sig_pairs(_LINK_CAMPAIGNS, ", s.campaign")}) c
  CROSS JOIN (SELECT 0 AS side UNION ALL SELECT 1 AS side) o
  GROUP BY c.behaviour, CASE WHEN o.side = 0 THEN c.a ELSE c.b END, c.kid, c.campaign
) u
JOIN keys k ON k.behaviour = u.behaviour AND k.kid = u.kid
"""

#: Each link's cut (of the links whose episodes are kept, ``evidence_links``, a subset of
#: ``sig_links``): the time by which its first ``{n}`` episodes would have started were
#: its ``shared`` episodes spread evenly from ``first_ts`` to ``last_ts``, times
#: ``{spread}`` for the unevenly spread; every episode for links of ``{n}`` or fewer. A
#: guess that only saves work: a link that falls short of ``{n}`` is done again whole.
_EVIDENCE_CUT = """
SELECT behaviour, a, b, shared,
       CASE WHEN shared <= {n} THEN last_ts
            ELSE CAST(FLOOR(first_ts + (last_ts - first_ts) * ({spread} * {n} / shared)) AS BIGINT)
       END AS cut
FROM evidence_links
"""


def _episodes(links: str, where: str, extra: str = "") -> str:
    """The episodes of the links in ``links`` whose coincidences pass ``where``, each
    with its first coincidence: the smallest (earlier of the two times, a's time, b's
    time, a's post, b's post), the same on every run and engine. An episode's first
    coincidence starts it, so filtering on the earlier time before grouping keeps every
    episode that starts before the cut whole."""
    return f"""
SELECT behaviour, a, b, kid, episode,
       min(struct_pack(t := least(ta, tb), ta := ta, tb := tb, pa := pa, pb := pb)) AS first
FROM ({_sig_pairs(links, extra)}) q
WHERE {where}
GROUP BY behaviour, a, b, kid, episode
"""


_EVIDENCE_EARLY = _episodes("evidence_cut", "least(q.ta, q.tb) <= q.cut", ", s.cut")

#: The links whose episodes before their cut are fewer than ``{n}`` and than all of theirs.
_EVIDENCE_SHORT = """
SELECT c.behaviour, c.a, c.b FROM evidence_cut c
LEFT JOIN (SELECT behaviour, a, b, count(*) AS n FROM evidence_early
           GROUP BY behaviour, a, b) e
  ON e.behaviour = c.behaviour AND e.a = c.a AND e.b = c.b
WHERE coalesce(e.n, 0) < least({n}, c.shared)
"""

_EVIDENCE_LATE = _episodes("evidence_short", "1 = 1")

#: The first ``{n}`` episodes of each link (earliest first, then by key), with the key's
#: text: (behaviour, a, b, key, episode, ts_a, post_a, ts_b, post_b, rk).
_EVIDENCE_FIRSTS = """
SELECT behaviour, a, b, key, episode, ts_a, post_a, ts_b, post_b, rk FROM (
  SELECT e.behaviour, e.a, e.b, k.key, e.episode, e.first.ta AS ts_a, e.first.pa AS post_a,
         e.first.tb AS ts_b, e.first.pb AS post_b,
         row_number() OVER (PARTITION BY e.behaviour, e.a, e.b
           ORDER BY e.first.t, k.key, e.first.ta, e.first.tb, e.first.pa, e.first.pb) AS rk
  FROM (SELECT y.* FROM evidence_early y
        LEFT JOIN evidence_short s ON s.behaviour = y.behaviour AND s.a = y.a AND s.b = y.b
        WHERE s.a IS NULL
        UNION ALL SELECT * FROM evidence_late) e
  JOIN keys k ON k.behaviour = e.behaviour AND k.kid = e.kid
) r WHERE rk <= {n}
"""


def evidence_steps(per_link: int, spread: float = 3.0) -> tuple[tuple[str, str], ...]:
    """From ``sig_links``, ``evidence_links`` and ``members`` to ``evidence_uses`` (from
    every significant link) and ``evidence_firsts`` (the first ``per_link`` episodes of
    each link of ``evidence_links``), through the tables between;
    ``spread`` sets each link's cut (``_EVIDENCE_CUT``), which changes the work and
    never the rows."""
    n = int(per_link)
    return (
        ("sig_accounts", SIG_ACCOUNTS),
        ("sig_traces", SIG_TRACES),
        ("evidence_uses", EVIDENCE_USES),
        ("evidence_cut", _EVIDENCE_CUT.format(n=n, spread=float(spread))),
        ("evidence_early", _EVIDENCE_EARLY),
        ("evidence_short", _EVIDENCE_SHORT.format(n=n)),
        ("evidence_late", _EVIDENCE_LATE),
        ("evidence_firsts", _EVIDENCE_FIRSTS.format(n=n)),
    )


CHANCE_STEPS: tuple[tuple[str, str], ...] = (
    ("key_buckets", KEY_BUCKETS),
    ("keys", KEYS),
    ("activity", ACTIVITY),
    ("behaviour_totals", BEHAVIOUR_TOTALS),
)


def pairable_steps(min_shared: int) -> tuple[tuple[str, str], ...]:
    """The traces pair work may use (after ``CHANCE_STEPS``), their group sizes and the
    histogram of those sizes."""
    return (
        ("pairable", PAIRABLE.format(min_shared=int(min_shared))),
        ("pairable_buckets", PAIRABLE_BUCKETS),
        ("pairable_sizes", PAIRABLE_SIZES),
    )


def pair_steps(min_shared: int, parts: int = 1) -> tuple[tuple[str, str], ...]:
    """The steps after the hot-key caps are known, ending in ``pair_chance``; the pair
    counts are made part by part over ``parts`` parts of the trace behaviours
    (``pair_count_steps``; 1: in one)."""
    return (
        ("join_traces", JOIN_TRACES),
        ("sampled_out", SAMPLED_OUT),
        *pair_count_steps(min_shared, parts),
        ("pair_chance", PAIR_CHANCE),
    )


def run_steps(runner: Runner, steps: tuple[tuple[str, str], ...]) -> None:
    """Run each step in order."""
    for name, sql in steps:
        runner(name, sql)
