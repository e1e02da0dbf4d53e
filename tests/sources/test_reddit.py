"""Reddit dumps of submissions and comments, on fixtures written from the dump layout."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import reddit

SUBMISSION = {
    "id": "abc",
    "author": "alice",
    "created_utc": 1714557600,
    "subreddit": "hongkong",
    "title": "Big <b>news</b>",
    "selftext": "",
    "url": "https://front-site.example/story?id=1",
    "domain": "front-site.example",
    "is_self": False,
}
SELF_POST = {
    "id": "def",
    "author": "bob",
    "created_utc": "1714557700",
    "subreddit": "hongkong",
    "title": "Ask",
    "selftext": "see https://docs.example/x.",
    "is_self": True,
}
COMMENT = {
    "id": "c1",
    "author": "carol",
    "created_utc": 1714557800.0,
    "subreddit": "hongkong",
    "body": "agreed",
    "link_id": "t3_abc",
    "parent_id": "t3_abc",
}
GONE = [
    dict(COMMENT, id="c2", author="[deleted]", body="[deleted]"),
    dict(COMMENT, id="c3", author="[removed]"),
]


def _write(tmp_path: Path, name: str, rows: list[object], raw: tuple[str, ...] = ()) -> str:
    body = "\n".join([*(json.dumps(r) for r in rows), *raw]) + "\n"
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(body)
    else:
        path.write_text(body, encoding="utf-8")
    return str(path)


def test_submissions_comments_and_deleted_authors(tmp_path: Path) -> None:
    path = _write(tmp_path, "RS_RC.ndjson.gz", [SUBMISSION, SELF_POST, COMMENT, *GONE])
    assert reddit.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    assert set(posts.index) == {"t3_abc", "t3_def", "t1_c1"}
    assert posts.loc["t3_abc", "text"] == "Big <b>news</b>"  # kept as data
    assert list(posts.loc["t3_abc", "urls"]) == ["https://front-site.example/story?id=1"]
    assert list(posts.loc["t3_def", "urls"]) == ["https://docs.example/x"]
    assert posts.loc["t3_def", "text"] == "Ask\nsee https://docs.example/x."
    reply = posts.loc["t1_c1"]
    assert (reply["kind"], reply["parent_post_id"], reply["parent_account_id"]) == (
        "reply",
        "t3_abc",
        "alice",
    )
    assert str(reply["created_at"]) == "2024-05-01 10:03:20"
    # two deleted authors are not one account: counted apart, never pooled
    assert "[deleted]" not in set(posts["account_id"])
    assert data.report.skipped[reddit.DELETED] == 2


def test_a_bad_line_names_the_file_line_and_field(tmp_path: Path) -> None:
    late = dict(COMMENT, id="c9", created_utc="yesterday")
    path = _write(tmp_path, "RC.jsonl", [COMMENT, late])
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "RC.jsonl" in str(err.value) and "2" in str(err.value)
    assert "created_utc" in str(err.value)
    path = _write(tmp_path, "RC2.jsonl", [COMMENT], raw=("{oops",))
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.n_posts == 1 and data.report.skipped["not a JSON object"] == 1
    assert not reddit.looks_like(_write(tmp_path, "x.jsonl", [{"id": "1", "text": "t"}]))


def test_the_same_titles_and_front_site_hours_apart_are_found(tmp_path: Path) -> None:
    # slow coordination: 8 accounts post the same headline to a front site's story, each
    # within a few hours, 12 times; 300 people post their own links at their own times
    rng = np.random.default_rng(9)
    start = 1714557600
    rows: list[object] = []
    n = 0
    for day in range(12):
        for person in range(300):
            n += 1
            t = start + day * 86400 + int(rng.integers(0, 86400))
            site = f"site{int(rng.integers(0, 400))}.example"
            rows.append(
                dict(
                    SUBMISSION,
                    id=f"p{n}",
                    author=f"person{person}",
                    created_utc=t,
                    title=f"my post {n}",
                    url=f"https://{site}/{n}",
                )
            )
        t0 = start + day * 86400 + int(rng.integers(0, 40000))
        for member in range(8):
            n += 1
            rows.append(
                dict(
                    SUBMISSION,
                    id=f"r{n}",
                    author=f"ring{member}",
                    created_utc=t0 + int(rng.integers(0, 4 * 3600)),
                    title=f"SHOCKING: what they hide about story {day}",
                    url=f"https://front-site.example/story?id={day}&ref={member}",
                )
            )
    findings = cibscan.detect(cibscan.read(_write(tmp_path, "RS.jsonl", rows)))
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"ring{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()
