"""How many events a second ``cibscan watch`` sustains on this machine.

    python benchmarks/watch_throughput.py --posts 1000000 --seed 7 [--hours 24] [--every 300]

A generated platform (``bench-data/sim-N-SEED``) is written once as a Jetstream recording
(posts, replies and reposts as ``app.bsky.feed.post``/``repost`` create events, its times
squeezed into ``--hours`` so that the whole recording is one rolling window). Then, in one
process:

- baseline: ``json.loads`` of every line, the least any reader of the stream pays;
- ingest: the watcher reads the recording from a file in batches of 20,000 lines (the
  readers, the duplicate check and the segment writes, committed after each batch), with
  no detection;
- one detection run on the window, as the watcher runs it every ``--every`` seconds.

The sustained rate is what ingest keeps up with when a detection run takes its share of
every ``--every`` seconds: ingest rate x (every - detection) / every.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
from _common import DATA, platform

from cibscan.detect import DetectConfig
from cibscan.watch import FileSource, Watcher, WatchSettings


def recording(n: int, seed: int, hours: int) -> Path:
    """The platform as Jetstream events, one a line, times squeezed into ``hours``."""
    folder = platform(n, seed)
    path = DATA / f"jetstream-{n}-{seed}-{hours}h.jsonl"
    marker = path.with_suffix(".source")
    stamp = (folder / "platform.json").read_text()
    if path.exists() and marker.exists() and marker.read_text() == stamp:
        return path
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        "WITH p AS (SELECT *, epoch_us(CAST(tweet_time AS TIMESTAMP)) AS us "
        f"FROM read_parquet('{folder / 'posts.parquet'}')), "
        "r AS (SELECT min(us) AS lo, max(us) - min(us) + 1 AS span FROM p) "
        "SELECT tweetid, userid, "
        "lo + CAST((us - lo) * (CAST($len AS DOUBLE) / span) AS BIGINT) AS t, "
        "tweet_text, tweet_language, is_retweet, retweet_tweetid, retweet_userid, "
        "in_reply_to_tweetid, in_reply_to_userid, hashtags, urls "
        "FROM p, r ORDER BY t, tweetid",
        {"len": hours * 3600 * 1_000_000},
    ).fetchall()

    def uri(user: str, post: str) -> str:
        return f"at://did:plc:{user}/app.bsky.feed.post/{post}"

    with open(path, "w", encoding="utf-8") as out:
        for tid, user, t, text, lang, rt, rt_id, rt_user, re_id, re_user, tags, urls in rows:
            if rt:
                collection = "app.bsky.feed.repost"
                record: dict[str, object] = {"subject": {"uri": uri(rt_user, rt_id), "cid": "c"}}
            else:
                collection = "app.bsky.feed.post"
                facets = [
                    {"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}
                    for tag in json.loads(tags.replace("'", '"') or "[]")
                ] + [
                    {"features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]}
                    for link in json.loads(urls.replace("'", '"') or "[]")
                ]
                record = {"text": text or "", "langs": [lang] if lang else [], "facets": facets}
                if re_id:
                    parent = {"uri": uri(re_user, re_id), "cid": "c"}
                    record["reply"] = {"parent": parent, "root": parent}
            event = {
                "did": f"did:plc:{user}",
                "time_us": t,
                "kind": "commit",
                "commit": {
                    "operation": "create",
                    "collection": collection,
                    "rkey": tid,
                    "record": {"$type": collection, **record},
                },
            }
            out.write(json.dumps(event, ensure_ascii=False) + "\n")
    marker.write_text(stamp)
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--every", type=float, default=300.0)
    args = parser.parse_args()
    path = recording(args.posts, args.seed, args.hours)
    size = path.stat().st_size

    start = time.perf_counter()
    lines = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            json.loads(line)
            lines += 1
    baseline = time.perf_counter() - start

    live = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    try:
        settings = WatchSettings(window=args.hours * 3600 + 3600, every=1e12, batch=20_000)
        watcher = Watcher(str(live), settings, DetectConfig(), say=lambda _: None)
        source = FileSource(str(path), follow=False)
        watcher.state.source = source.label()
        start = time.perf_counter()
        for line in source.lines():
            if line is not None:
                watcher.buffer.append(line)
            if len(watcher.buffer) >= settings.batch:
                watcher.flush(source.position())
        watcher.flush(source.position())
        ingest = time.perf_counter() - start
        rss_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        start = time.perf_counter()
        findings = watcher.cycle(source.position())
        detection = time.perf_counter() - start
        assert findings is not None
        on_disk = sum(p.stat().st_size for p in (live / "segments").iterdir())
    finally:
        shutil.rmtree(live, ignore_errors=True)
    rate = lines / ingest
    share = max(args.every - detection, 0.0) / args.every
    print(f"recording: {lines:,} events ({size / 1e6:,.0f} MB) over {args.hours} h")
    print(f"baseline json.loads: {baseline:.1f} s, {lines / baseline:,.0f} events/s")
    print(
        f"ingest: {ingest:.1f} s, {rate:,.0f} events/s ({ingest / baseline:.1f}x the baseline), "
        f"{watcher.state.posts:,} posts kept in {len(watcher.state.segments)} segments "
        f"({on_disk / 1e6:,.0f} MB), peak RSS {rss_ingest:.2f} GB"
    )
    print(
        f"detection on the window ({findings.summary['input']['posts']:,} posts): "
        f"{detection:.1f} s, {len(findings.campaigns):,} campaigns; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB"
    )
    print(
        f"sustained with a run every {args.every:g} s: {rate * share:,.0f} events/s "
        f"(the stream itself: {lines / (args.hours * 3600):,.1f} events/s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
