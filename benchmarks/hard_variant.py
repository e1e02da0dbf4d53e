"""Quality on a harder generated platform: a long period, low participation, much camouflage.

    python benchmarks/hard_variant.py --posts 200000 [--seed 7] [--days 224]
        [--participation 0.15] [--camouflage 20] [--base-src /tmp/before/src]

The grown generator at its defaults (21 days, each member in 30% of the tasks, five
camouflage posts) is where cibscan's figures are near 1.0; operations that run for
months, whose members each join a minority of the tasks and hide in many ordinary posts,
are where pairwise evidence thins out and campaigns come out in fragments. The platform
is made once (``_common.platform`` with ``grown``, ``grown_participation``,
``camouflage_posts`` and ``brigade_amplifiers``), then ``cibscan detect`` and ``cibscan
evaluate`` run in fresh processes; with ``--base-src``, the same is run first with that
source tree on PYTHONPATH (a ``git worktree`` of the base revision's ``src``), so both
rows are on the same platform. Each run then asks ``cibscan target`` who attacks each
of the three dissidents, with its findings, and scores the brigades' members against
the accounts labelled ``harasser`` that replied to or mentioned that dissident.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _common import platform

#: The generator's dissidents, whom its brigade harasses.
DISSIDENTS = ("free_voice_hk", "uyghur_rights", "exile_journalist")


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    return env


def _targets(folder: Path, out: str, src: str | None) -> list[str]:
    """``cibscan target`` on each dissident with the findings in ``out``: its brigades'
    members against the accounts labelled ``harasser`` that replied to or mentioned it."""
    import duckdb
    import pandas as pd

    posts = str(folder / "posts.parquet")
    labels = pd.read_csv(folder / "labels.csv", dtype=str)
    role = dict(zip(labels["userid"], labels["role"], strict=True))
    aimed = duckdb.sql(
        "SELECT CAST(userid AS VARCHAR) AS a, CAST(in_reply_to_userid AS VARCHAR) AS r, "
        "CAST(user_mentions AS VARCHAR) AS m FROM read_parquet($path)",
        params={"path": posts},
    ).df()
    lines = []
    for who in DISSIDENTS:
        done = subprocess.run(
            [sys.executable, "-m", "cibscan.cli", "target", who, posts, "--results", out, "--json"],
            env=_env(src),
            check=True,
            capture_output=True,
            text=True,
        )
        report = json.loads(done.stdout)
        listed = {str(m["account_id"]) for m in report["members"]}
        ids = {who, *report["target_ids"]}
        at = aimed[aimed["r"].isin(ids) | aimed["m"].str.contains(who, regex=False, na=False)]
        truth = {a for a in at["a"] if role.get(a) == "harasser"}
        right = len(listed & truth)
        lines.append(
            f"  target {who}: {len(report['brigades'])} brigades, {len(listed)} members, "
            f"precision {right / max(len(listed), 1):.3f}, recall {right / max(len(truth), 1):.3f} "
            f"of {len(truth)} harassers"
        )
    return lines


def _run(folder: Path, out: str, src: str | None) -> dict:
    env = _env(src)
    cli = [sys.executable, "-m", "cibscan.cli"]
    subprocess.run(
        [*cli, "detect", str(folder / "posts.parquet"), "--out", out, "-q"], env=env, check=True
    )
    done = subprocess.run(
        [*cli, "evaluate", out, "--labels", str(folder / "labels.csv"), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=224)
    parser.add_argument("--participation", type=float, default=0.15)
    parser.add_argument("--camouflage", type=int, default=20)
    parser.add_argument(
        "--creation-dates",
        choices=("day", "minute"),
        default="minute",
        help="account creation dates as dates (as the Twitter archives give them) or to the "
        "minute (the generator's default)",
    )
    parser.add_argument(
        "--post-times",
        choices=("minute", "second"),
        default="second",
        help="post times to the minute (as the Twitter archives give them) or to the second "
        "(the generator's default)",
    )
    parser.add_argument("--data", default="bench-data")
    parser.add_argument("--base-src", help="a base revision's src folder, run first")
    args = parser.parse_args()
    folder = platform(
        args.posts,
        args.seed,
        Path(args.data),
        days=args.days,
        grown=True,
        grown_participation=args.participation,  # type: ignore[arg-type]
        camouflage_posts=args.camouflage,
        brigade_amplifiers=1,
        **({"creation_dates_to_the_day": True} if args.creation_dates == "day" else {}),
        **({"post_times_to_the_minute": True} if args.post_times == "minute" else {}),
    )
    runs = [("base", args.base_src)] if args.base_src else []
    runs.append(("this tree", None))
    for name, src in runs:
        out = str(folder / f"results-{name.replace(' ', '-')}")
        got = _run(folder, out, src)
        acc, hard = got["accounts"], got["hard_negatives"]
        print(
            f"{name}: precision {acc['precision']}, recall {acc['recall']}, F1 {acc['f1']}, "
            f"hard negatives flagged {hard['flagged']} of {hard['accounts']}"
        )
        for label, row in sorted(got["per_label"].items()):
            print(f"  {label}: {row['flagged']} of {row['accounts']} ({row['share_flagged']})")
        flagged = {
            k: v["flagged"] for k, v in got["negatives_flagged_by_role"].items() if v["flagged"]
        }
        print(f"  negatives flagged by role: {flagged or 'none'}", flush=True)
        print("\n".join(_targets(folder, out, src)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
