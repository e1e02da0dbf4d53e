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

#: Traces once per (behaviour, key, account, time bucket), bucket = floor(ts / window),
#: with the earliest time and its post (the smallest post id when several share that
#: second, so the evidence is the same on every run and engine). Each raw trace is
#: traced at every time scale of its behaviour (``windows``: source name, scaled name, w).
TRACES = """
SELECT behaviour, key, aid, bucket, min(ts) AS ts, arg_min(post_id, ts) AS post_id
FROM (SELECT w.behaviour, r.key, r.aid, r.ts, min(r.post_id) AS post_id,
             CAST(FLOOR(r.ts / w.w) AS BIGINT) AS bucket
      FROM raw_traces r JOIN windows w ON r.behaviour = w.source
      GROUP BY w.behaviour, r.key, r.aid, r.ts, w.w) t
GROUP BY behaviour, key, aid, bucket
"""

#: Per (key, bucket): traces, and co-occurrence slots: the other traces expected within
#: the window of one of them (all of its bucket, half of each neighbouring bucket).
KEY_BUCKETS = """
SELECT behaviour, key, bucket, c,
       (c - 1) + 0.5 * (sum(c) OVER (PARTITION BY behaviour, key ORDER BY bucket
                        RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) - c) AS slots
FROM (SELECT behaviour, key, bucket, count(*) AS c FROM traces
      GROUP BY behaviour, key, bucket) kb
"""

KEYS = """
SELECT behaviour, key, count(DISTINCT aid) AS n FROM traces GROUP BY behaviour, key
"""

ACTIVITY = """
SELECT t.behaviour, t.aid, count(*) AS a, sum(kb.slots) AS s
FROM traces t JOIN key_buckets kb
  ON t.behaviour = kb.behaviour AND t.key = kb.key AND t.bucket = kb.bucket
GROUP BY t.behaviour, t.aid
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
SELECT t.behaviour, t.key, t.aid, t.bucket, t.ts,
       greatest(ln(bt.accounts * 1.0 / k.n), 0.0) AS weight
FROM traces t
JOIN activity a ON a.behaviour = t.behaviour AND a.aid = t.aid
JOIN key_buckets kb ON t.behaviour = kb.behaviour AND t.key = kb.key AND t.bucket = kb.bucket
JOIN keys k ON k.behaviour = t.behaviour AND k.key = t.key
JOIN behaviour_totals bt ON bt.behaviour = t.behaviour
WHERE a.a >= {min_shared} AND kb.slots > 0
"""

#: Pairable traces per (key, bucket): the group sizes that pair work and sampling see.
PAIRABLE_BUCKETS = """
SELECT behaviour, key, bucket, count(*) AS c FROM pairable GROUP BY behaviour, key, bucket
"""

#: Each pairable trace carries its key's weight, log(N / n_key) (``PAIR_COUNTS``), so that
#: counting the pairs joins nothing: the keys are joined to the 12M traces paired at 10M
#: posts, not to the 166M episodes they make.
#:
#: Traces to pair: every pairable trace, except in (key, bucket) groups above the
#: behaviour's cap, which keep ``cap`` of them: the accounts with the smallest hash of
#: their id. The hash is the account's alone (bottom-k, as in MinHash), so the sample is
#: coordinated: an account kept in one hot group is kept in every hot group where it is
#: among the ``cap`` smallest, and the episodes two kept accounts share are all counted.
#: A campaign large enough to make its own groups hot keeps a core whose pairs are
#: complete, for the snowball rounds and the group-level test to grow from; a sample
#: drawn afresh in each group (a hash of account and time) kept each pair in a fraction
#: of its episodes, too few to be significant.
JOIN_TRACES = """
SELECT t.behaviour, t.key, t.aid, t.bucket, t.ts, t.weight FROM pairable t
JOIN pairable_buckets kb
  ON t.behaviour = kb.behaviour AND t.key = kb.key AND t.bucket = kb.bucket
JOIN caps cp ON t.behaviour = cp.behaviour
WHERE cp.cap = 0 OR kb.c <= cp.cap
UNION ALL
SELECT behaviour, key, aid, bucket, ts, weight FROM (
  SELECT t.behaviour, t.key, t.aid, t.bucket, t.ts, t.weight, cp.cap, row_number() OVER (
    PARTITION BY t.behaviour, t.key, t.bucket
    ORDER BY (t.aid * 2654435761) % 4294967291, t.aid) AS rk
  FROM pairable t JOIN pairable_buckets kb ON t.behaviour = kb.behaviour
    AND t.key = kb.key AND t.bucket = kb.bucket
  JOIN caps cp ON t.behaviour = cp.behaviour WHERE cp.cap > 0 AND kb.c > cp.cap
) sampled WHERE rk <= cap
"""


def _episodes(raw: str) -> str:
    """One row per pair (a < b), key and episode from ``raw`` pairs of traces (``xa, ya,
    xt, yt`` with behaviour, key, episode and the key's weight ``w``), with the two times
    of its first coincidence (smallest a-time, then smallest b-time: the same on every
    run and engine)."""
    return (
        "\nSELECT behaviour, a, b, key, episode, first_pair.ta AS ts_a, first_pair.tb AS ts_b,"
        "\n       first_ts, last_ts, weight"
        "\nFROM ("
        "\n  SELECT behaviour, least(xa, ya) AS a, greatest(xa, ya) AS b, key, episode,"
        "\n         min(struct_pack(ta := CASE WHEN xa < ya THEN xt ELSE yt END,"
        "\n                         tb := CASE WHEN xa < ya THEN yt ELSE xt END)) AS first_pair,"
        "\n         min(least(xt, yt)) AS first_ts, max(greatest(xt, yt)) AS last_ts,"
        "\n         min(w) AS weight"
        f"\n  FROM ({raw}  ) p"
        "\n  GROUP BY behaviour, least(xa, ya), greatest(xa, ya), key, episode"
        "\n) g\n"
    )


#: Pairs of traces of one key within the window: equi-join on the key and on the same or
#: the next time bucket (each unordered pair of buckets once), then the exact time test.
#: One row per pair (a < b) and episode (key x earlier bucket), with the two times of its
#: first coincidence (smallest a-time, then smallest b-time: the same on every run).
PAIR_KEYS = _episodes("""
    SELECT x.behaviour, x.key, x.bucket AS episode, x.aid AS xa, y.aid AS ya,
           x.ts AS xt, y.ts AS yt, x.weight AS w
    FROM join_traces x
    JOIN (SELECT j.behaviour, j.key, j.aid, j.ts, j.bucket - o.o AS near, o.o AS o
          FROM join_traces j
          CROSS JOIN (SELECT 0 AS o UNION ALL SELECT 1 AS o) o) y
      ON x.behaviour = y.behaviour AND x.key = y.key AND x.bucket = y.near
    JOIN windows w ON x.behaviour = w.behaviour
    WHERE ((y.o = 0 AND x.aid < y.aid) OR (y.o = 1 AND x.aid <> y.aid))
      AND abs(x.ts - y.ts) <= w.w
""")

#: Traces of hot (key, bucket) groups, those sampled out of ``join_traces`` included, of
#: the accounts in ``suspects`` (accounts on a significant link, per behaviour) that were
#: not followed in an earlier round: the seeds of one snowball round.
SEED_TRACES = """
SELECT t.behaviour, t.key, t.aid, t.bucket, t.ts, t.weight FROM pairable t
JOIN pairable_buckets kb ON t.behaviour = kb.behaviour AND t.key = kb.key AND t.bucket = kb.bucket
JOIN caps cp ON t.behaviour = cp.behaviour
JOIN suspects s ON s.behaviour = t.behaviour AND s.aid = t.aid
WHERE cp.cap > 0 AND kb.c > cp.cap AND kb.c <= cp.follow_max
"""


def seed_table(r: int) -> str:
    """The table of snowball round ``r``'s seed traces (``SEED_TRACES``)."""
    return f"seed_traces_{int(r)}"


def _seed_pair_keys(r: int) -> str:
    """Every pair of a seed trace of round ``r`` with any pairable trace of its key within
    the window (the same or a neighbouring bucket, the seed on either side), in the shape
    of ``pair_keys``: sampling never hides a partner of an account already on a
    significant link. Each pair of two seed traces is made once: by the earlier round, or
    within a round by the smaller account id (the later round, or the other seed, would
    only make it again; in a campaign's own groups most partners are seeds)."""
    seeds = "\n          UNION ALL ".join(
        f"SELECT behaviour, key, aid, bucket, {i} AS r FROM {seed_table(i)}"
        for i in range(1, r + 1)
    )
    return _episodes(f"""
    SELECT x.behaviour, x.key, least(x.bucket, y.bucket) AS episode, x.aid AS xa,
           y.aid AS ya, x.ts AS xt, y.ts AS yt, x.weight AS w
    FROM {seed_table(r)} x
    JOIN (SELECT t.behaviour, t.key, t.aid, t.ts, t.bucket, t.bucket + o.o AS near,
                 sr.r AS seed_round
          FROM pairable t
          LEFT JOIN ({seeds}) sr
            ON sr.behaviour = t.behaviour AND sr.key = t.key AND sr.aid = t.aid
           AND sr.bucket = t.bucket
          CROSS JOIN (SELECT -1 AS o UNION ALL SELECT 0 AS o UNION ALL SELECT 1 AS o) o) y
      ON x.behaviour = y.behaviour AND x.key = y.key AND x.bucket = y.near
    JOIN windows w ON x.behaviour = w.behaviour
    WHERE x.aid <> y.aid AND abs(x.ts - y.ts) <= w.w
      AND (y.seed_round IS NULL OR (y.seed_round = {int(r)} AND x.aid < y.aid))
""")


def round_table(r: int) -> str:
    """The table of the episodes snowball round ``r`` found (round 0: the sampled pass)."""
    return "pair_keys" if r == 0 else f"pair_keys_{int(r)}"


def _fresh_pair_keys(r: int) -> str:
    """The episodes of ``seed_pair_keys`` that no earlier round holds, each (pair, key,
    episode) once: an anti-join against each earlier table, so no table is ever copied
    (copying every episode each round filled 70 GB of spill at 10M posts)."""
    joins = "".join(
        f"\nLEFT JOIN {round_table(i)} p{i} ON p{i}.behaviour = s.behaviour AND p{i}.a = s.a"
        f" AND p{i}.b = s.b AND p{i}.key = s.key AND p{i}.episode = s.episode"
        for i in range(r)
    )
    where = " AND ".join(f"p{i}.a IS NULL" for i in range(r))
    return (
        "\nSELECT s.behaviour, s.a, s.b, s.key, s.episode, s.ts_a, s.ts_b, s.first_ts,"
        f" s.last_ts, s.weight\nFROM seed_pair_keys s{joins}\nWHERE {where}\n"
    )


#: The pairs a snowball round added episodes to: only these are counted again.
TOUCHED = """
SELECT DISTINCT behaviour, a, b FROM {fresh}
"""


def _episodes_of(tables: list[str], pairs: str | None) -> str:
    """Every episode in ``tables`` (of the pairs in table ``pairs`` only, when given)."""
    parts = []
    for t in tables:
        if pairs is None:
            parts.append(f"SELECT behaviour, a, b, key, first_ts, last_ts, weight FROM {t}")
        else:
            parts.append(
                f"SELECT e.behaviour, e.a, e.b, e.key, e.first_ts, e.last_ts, e.weight FROM {t} e "
                f"JOIN {pairs} tp ON tp.behaviour = e.behaviour AND tp.a = e.a AND tp.b = e.b"
            )
    return "\n  UNION ALL\n  ".join(parts)


#: Per pair and behaviour: episodes shared, distinct keys, and a weight where each
#: episode counts log(N / n_key): a key used by 2 of 10,000 accounts weighs 8.5, one used
#: by 5,000 of them 0.7. Pairs below ``min_shared`` episodes are never significant after
#: the FDR step over all pairs, so they are dropped here. Two plain aggregations, per
#: key and then per pair, with the weights the traces carry: at 10M posts (166M
#: episodes) 101 s, against 134 s with a join to the keys and a count of distinct keys.
PAIR_COUNTS = """
SELECT behaviour, a, b, sum(n) AS shared, count(*) AS keys, sum(w) AS weight,
       min(f) AS first_ts, max(l) AS last_ts
FROM (SELECT pk.behaviour, pk.a, pk.b, pk.key, count(*) AS n, sum(pk.weight) AS w,
             min(pk.first_ts) AS f, max(pk.last_ts) AS l
      FROM ({episodes}) pk
      GROUP BY pk.behaviour, pk.a, pk.b, pk.key) pk
GROUP BY behaviour, a, b
HAVING sum(n) >= {min_shared}
"""

#: ``pair_counts`` after a snowball round: the pairs it did not touch as they were, the
#: touched ones as counted again over every round's episodes (``touched_counts``). A
#: touched pair's new count holds its old episodes too, so it is never below the old one:
#: keeping each pair's newest row is the same as replacing the touched pairs (and, unlike
#: an anti-join against ``touched``, Spark 4 plans it: that tripped its planner).
MERGED_PAIR_COUNTS = """
SELECT behaviour, a, b, shared, keys, weight, first_ts, last_ts FROM (
  SELECT *, row_number() OVER (PARTITION BY behaviour, a, b ORDER BY src DESC) AS rk
  FROM (SELECT behaviour, a, b, shared, keys, weight, first_ts, last_ts, 0 AS src
        FROM pair_counts
        UNION ALL
        SELECT behaviour, a, b, shared, keys, weight, first_ts, last_ts, 1 AS src
        FROM touched_counts) u
) r
WHERE rk = 1
"""

#: Each candidate link with the activity and slots of both accounts, for the chance model.
PAIR_CHANCE = """
SELECT pc.behaviour, pc.a, pc.b, pc.shared, pc.keys, pc.weight, pc.first_ts, pc.last_ts,
       aa.a AS act_a, aa.s AS slots_a, ab.a AS act_b, ab.s AS slots_b, bt.t AS total
FROM pair_counts pc
JOIN activity aa ON pc.behaviour = aa.behaviour AND pc.a = aa.aid
JOIN activity ab ON pc.behaviour = ab.behaviour AND pc.b = ab.aid
JOIN behaviour_totals bt ON pc.behaviour = bt.behaviour
"""

CHANCE_STEPS: tuple[tuple[str, str], ...] = (
    ("key_buckets", KEY_BUCKETS),
    ("keys", KEYS),
    ("activity", ACTIVITY),
    ("behaviour_totals", BEHAVIOUR_TOTALS),
)


def pairable_steps(min_shared: int) -> tuple[tuple[str, str], ...]:
    """The traces pair work may use (after ``CHANCE_STEPS``), and their group sizes."""
    return (
        ("pairable", PAIRABLE.format(min_shared=int(min_shared))),
        ("pairable_buckets", PAIRABLE_BUCKETS),
    )


def pair_steps(min_shared: int) -> tuple[tuple[str, str], ...]:
    """The steps after the hot-key caps are known, ending in ``pair_chance``."""
    return (
        ("join_traces", JOIN_TRACES),
        ("pair_keys", PAIR_KEYS),
        (
            "pair_counts",
            PAIR_COUNTS.format(
                min_shared=int(min_shared), episodes=_episodes_of(["pair_keys"], None)
            ),
        ),
        ("pair_chance", PAIR_CHANCE),
    )


def snowball_steps(min_shared: int, r: int = 1) -> tuple[tuple[str, str], ...]:
    """Snowball round ``r`` (1, 2...), from ``suspects`` and ``caps`` to a new
    ``pair_chance``: its new episodes go to their own table (``round_table(r)``) and only
    the pairs they touch are counted again, so a round never copies or regroups what the
    earlier rounds found."""
    if r < 1:
        raise ValueError("snowball rounds count from 1")
    tables = [round_table(i) for i in range(r + 1)]
    return (
        (seed_table(r), SEED_TRACES),
        ("seed_pair_keys", _seed_pair_keys(r)),
        (round_table(r), _fresh_pair_keys(r)),
        ("touched", TOUCHED.format(fresh=round_table(r))),
        (
            "touched_counts",
            PAIR_COUNTS.format(
                min_shared=int(min_shared), episodes=_episodes_of(tables, "touched")
            ),
        ),
        ("pair_counts", MERGED_PAIR_COUNTS),
        ("pair_chance", PAIR_CHANCE),
    )


def run_steps(runner: Runner, steps: tuple[tuple[str, str], ...]) -> None:
    """Run each step in order."""
    for name, sql in steps:
        runner(name, sql)
