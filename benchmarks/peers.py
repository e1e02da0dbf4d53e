"""cibscan against coordination-network-toolkit on the same simulated platform, same run.

    pip install -e '.[bench]'
    python benchmarks/peers.py --posts 100000 --posts 1000000 [--seed 7]

For each size: generate (or reuse) ``bench-data/sim-N-SEED``, then, each in a fresh
process timed from outside with its peak memory:

- ``cibscan``: read + detect + save, default settings (all behaviours);
- ``cibscan-3``: only the three behaviours the toolkit also has (corepost 60 s,
  copypaste 1 h, colink 1 h);
- ``toolkit``: preprocess into its SQLite file, then co_retweet (60 s), co_tweet (1 h)
  and co_link (1 h), the same windows (its CLI default is 1 s). Empty URL lists are
  passed as empty lists: through its CSV path they would become a shared link "".

The toolkit outputs weighted edges, not verdicts. An account counts as flagged when it
has an edge of weight >= k in any of the three networks; the table shows k = 2 (cibscan's
``min_shared``) and the k that gives the toolkit its best F1 in hindsight (an oracle
choice no user could make, so the comparison favours the toolkit). Precision and recall
are account-level against ``labels.csv`` via ``cibscan.evaluate``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _common import platform, timed

WINDOWS = {"co_retweet": 60, "co_tweet": 3600, "co_link": 3600}


# -- the child processes -----------------------------------------------------------------
def child_cibscan(folder: str, out: str, behaviours: str) -> None:
    import cibscan

    config = cibscan.DetectConfig(
        behaviours=tuple(behaviours.split(",")) if behaviours else cibscan.DetectConfig().behaviours
    )
    cibscan.detect(cibscan.read(os.path.join(folder, "posts.parquet")), config).save(out)


def child_toolkit(folder: str, db: str) -> None:
    from coordination_network_toolkit.compute_networks import (
        compute_co_link_network,
        compute_co_retweet_parallel,
        compute_co_tweet_network,
    )
    from coordination_network_toolkit.preprocess import preprocess_data

    import cibscan

    if os.path.exists(db):
        os.remove(db)
    data = cibscan.read(os.path.join(folder, "posts.parquet"))
    rows = data.con.execute(
        "SELECT post_id, account_id, account_id, "
        "CASE WHEN kind = 'repost' THEN parent_post_id END, "
        "CASE WHEN kind = 'reply' THEN parent_post_id END, coalesce(text, ''), "
        "epoch(created_at), urls FROM posts"
    ).fetchall()
    preprocess_data(db, ((*r[:7], list(r[7] or [])) for r in rows))
    del rows
    compute_co_retweet_parallel(db, WINDOWS["co_retweet"], n_threads=2)
    compute_co_tweet_network(db, WINDOWS["co_tweet"], n_threads=2)
    compute_co_link_network(db, WINDOWS["co_link"], n_threads=2)


def _toolkit_accounts(db: str) -> dict[str, int]:
    """Each account's strongest edge weight over the three networks."""
    import sqlite3

    con = sqlite3.connect(db)
    best: dict[str, int] = {}
    for table in ("co_retweet_network", "co_tweet_network", "co_link_network"):
        for a, b, w in con.execute(f"SELECT user_1, user_2, weight FROM {table}"):
            if a == b:
                continue
            for u in (a, b):
                if w > best.get(u, 0):
                    best[u] = int(w)
    con.close()
    return best


def _score_toolkit(folder: Path, db: str) -> dict[str, object]:
    import numpy as np
    import pandas as pd

    from cibscan.evaluate import average_precision, read_labels

    labels = read_labels(str(folder / "labels.csv"))
    best = _toolkit_accounts(db)
    weight = labels["account_id"].map(best).fillna(0).to_numpy()
    y = labels["positive"].to_numpy(dtype=bool)
    hard = ~y & ~labels["role"].isin(["organic"]).to_numpy()
    rows = []
    for k in (1, 2, 3, 5, 8, 13, 21, 34):
        flag = weight >= k
        tp, fp = int((flag & y).sum()), int((flag & ~y).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / int(y.sum())
        rows.append(
            {
                "k": k,
                "precision": round(p, 4),
                "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                "hard_negatives_flagged": round(float(flag[hard].mean()), 4),
            }
        )
    table = pd.DataFrame(rows)
    return {
        "at_k2": table[table["k"] == 2].iloc[0].to_dict(),
        "best": table.loc[table["f1"].idxmax()].to_dict(),
        "pr_auc": round(float(average_precision(y, np.asarray(weight, dtype=float)) or 0), 4),
    }


def _score_cibscan(folder: Path, out: str) -> dict[str, object]:
    import cibscan
    from cibscan.evaluate import evaluate, read_labels

    r = evaluate(cibscan.load(out), read_labels(str(folder / "labels.csv")))
    return {**r["accounts"], "hard_negatives_flagged": r["hard_negatives"]["share_flagged"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, action="append", default=[])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "cibscan":
            child_cibscan(rest[0], rest[1], rest[2] if len(rest) > 2 else "")
        else:
            child_toolkit(*rest)
        return 0
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    results = []
    for n in args.posts or [100_000]:
        folder = platform(n, args.seed)
        out = str(folder / "peer-cibscan")
        out3 = str(folder / "peer-cibscan-3")
        db = str(folder / "peer-toolkit.db")
        row: dict[str, object] = {"posts": n}
        row["cibscan"] = {
            **timed([*me, "cibscan", str(folder), out]),
            **_score_cibscan(folder, out),
        }
        row["cibscan-3"] = {
            **timed([*me, "cibscan", str(folder), out3, "corepost,copypaste,colink"]),
            **_score_cibscan(folder, out3),
        }
        row["toolkit"] = {**timed([*me, "toolkit", str(folder), db]), **_score_toolkit(folder, db)}
        results.append(row)
        print(json.dumps(row, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
