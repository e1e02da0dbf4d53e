"""Reading speed of the Twitter layouts, on the same posts written three ways.

    python benchmarks/read_layouts.py [--posts 200000] [--seed 7]

The generated platform's posts (the takedown-archive CSV layout, the baseline) are
written again as X API v1.1 JSON Lines (one tweet object a line, read in Python) and as
a flat v1.1 CSV (read by DuckDB), then each is read by ``cibscan.read`` in this process,
twice, the faster run kept. Prints seconds, posts per second and the ratio to the
archive CSV, and checks that the three give the same kinds and parents.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import platform


def _v1_time(stamp: pd.Series) -> pd.Series:
    return pd.to_datetime(stamp).dt.strftime("%a %b %d %H:%M:%S +0000 %Y")


def _write(frame: pd.DataFrame, folder: Path) -> dict[str, Path]:
    io_csv = folder / "archive.csv"
    frame.to_csv(io_csv, index=False)
    when = _v1_time(frame["tweet_time"])
    created = _v1_time(frame["account_creation_date"])

    def ids(col: str) -> list[str | None]:
        return [None if pd.isna(v) else str(v) for v in frame[col]]

    retweet, retweeter = ids("retweet_tweetid"), ids("retweet_userid")
    reply, replied = ids("in_reply_to_tweetid"), ids("in_reply_to_userid")
    flat = pd.DataFrame(
        {
            "id": frame["tweetid"],
            "user_id": frame["userid"],
            "text": frame["tweet_text"],
            "source": frame["tweet_client_name"],
            "created_at": when,
            "in_reply_to_status_id": [v or "0" for v in reply],
            "in_reply_to_user_id": [v or "0" for v in replied],
            "retweeted_status_id": [v or "0" for v in retweet],
            "retweeted_status_user_id": [v or "0" for v in retweeter],
            "lang": frame["tweet_language"],
        }
    )
    flat_csv = folder / "tweets.csv"
    flat.to_csv(flat_csv, index=False)
    jsonl = folder / "tweets.jsonl"
    with open(jsonl, "w", encoding="utf-8") as out:
        for i, row in enumerate(frame.itertuples(index=False)):
            tweet: dict[str, object] = {
                "created_at": when.iat[i],
                "id_str": row.tweetid,
                "text": row.tweet_text,
                "lang": row.tweet_language,
                "source": f'<a href="https://x.example">{row.tweet_client_name}</a>',
                "user": {
                    "id_str": row.userid,
                    "screen_name": row.user_screen_name,
                    "name": row.user_display_name,
                    "created_at": created.iat[i],
                    "followers_count": row.follower_count,
                    "friends_count": row.following_count,
                },
                "entities": {"urls": [], "hashtags": [], "user_mentions": []},
            }
            if retweet[i] is not None:
                tweet["retweeted_status"] = {"id_str": retweet[i], "user": {"id_str": retweeter[i]}}
            elif reply[i] is not None:
                tweet["in_reply_to_status_id_str"] = reply[i]
                tweet["in_reply_to_user_id_str"] = replied[i]
            out.write(json.dumps(tweet, ensure_ascii=False) + "\n")
    return {"takedown archive CSV": io_csv, "v1.1 flat CSV": flat_csv, "v1.1 JSON Lines": jsonl}


def main() -> None:
    import cibscan

    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    source = platform(1_000_000, args.seed) / "posts.parquet"
    frame = pd.read_parquet(source).head(args.posts)
    with tempfile.TemporaryDirectory() as tmp:
        paths = _write(frame, Path(tmp))
        base = None
        kinds = {}
        cols = ["kind", "parent_post_id", "parent_account_id"]
        for name, path in paths.items():
            best = float("inf")
            for _ in range(2):
                t0 = time.perf_counter()
                data = cibscan.read(str(path))
                best = min(best, time.perf_counter() - t0)
            posts = data.posts_df()
            kinds[name] = posts.set_index("post_id")[cols].sort_index()
            base = base or best
            print(
                f"{name:22s} {best:6.2f} s  {len(posts) / best:10,.0f} posts/s  "
                f"x{best / base:.2f}  ({path.stat().st_size / 1e6:.0f} MB)"
            )
        first = next(iter(kinds.values()))
        for name, got in kinds.items():
            same = got.fillna("").equals(first.fillna(""))
            print(f"{name}: the same kinds, parents and parent accounts as the archive: {same}")


if __name__ == "__main__":
    main()
