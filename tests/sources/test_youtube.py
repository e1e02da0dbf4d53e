"""YouTube Data API comment pulls, on fixtures written from the API's documentation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import youtube


def _comment(cid: str, channel: str | None, at: str, text: str, **extra: object) -> dict:  # type: ignore[type-arg]
    snippet: dict[str, object] = {
        "authorDisplayName": f"@{channel or 'gone'}",
        "textOriginal": text,
        "textDisplay": text,
        "publishedAt": at,
        "videoId": "vid1",
        "likeCount": 0,
        **extra,
    }
    if channel is not None:
        snippet["authorChannelId"] = {"value": channel}
    return {"kind": "youtube#comment", "id": cid, "snippet": snippet}


THREADS = {
    "kind": "youtube#commentThreadListResponse",
    "items": [
        {
            "kind": "youtube#commentThread",
            "id": "t1",
            "snippet": {
                "channelId": "UCowner",
                "videoId": "vid1",
                "topLevelComment": _comment(
                    "c1", "UCa", "2024-05-01T10:00:00Z", "see https://x.example/a #hk @bob"
                ),
                "totalReplyCount": 2,
            },
            "replies": {
                "comments": [
                    _comment("c1.r1", "UCb", "2024-05-01T10:05:00Z", "no", parentId="c1"),
                    # an empty author channel, as many pulls have: still read
                    _comment("c1.r2", None, "2024-05-01T10:06:00Z", "<b>hi</b>", parentId="c1"),
                ]
            },
        },
        {  # a thread with no replies object at all
            "kind": "youtube#commentThread",
            "id": "t2",
            "snippet": {
                "channelId": "UCowner",
                "videoId": "vid1",
                "topLevelComment": _comment("c2", "UCb", "2024-05-01T11:00:00Z", "ok"),
            },
        },
    ],
}


def _write(tmp_path: Path, name: str, pages: list[object], lines: bool = False) -> str:
    path = tmp_path / name
    body = "\n".join(json.dumps(p) for p in pages) if lines else json.dumps(pages[0], indent=2)
    path.write_text(body + "\n", encoding="utf-8")
    return str(path)


def test_threads_replies_and_empty_author_channels(tmp_path: Path) -> None:
    path = _write(tmp_path, "threads.json", [THREADS])
    assert youtube.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    top = posts.loc["c1"]
    assert (top["kind"], top["parent_post_id"], top["parent_account_id"]) == (
        "reply",
        "video:vid1",
        "UCowner",
    )
    assert list(top["urls"]) == ["https://x.example/a"] and list(top["mentions"]) == ["bob"]
    assert [t.lower() for t in top["hashtags"]] == ["hk"]
    reply = posts.loc["c1.r1"]
    assert (reply["parent_post_id"], reply["parent_account_id"]) == ("c1", "UCa")
    assert posts.loc["c1.r2", "account_id"] == "@gone"  # its name, not dropped
    assert posts.loc["c1.r2", "text"] == "<b>hi</b>"  # textOriginal, as data
    assert set(posts.index) == {"c1", "c1.r1", "c1.r2", "c2"}
    names = data.accounts_df().set_index("account_id")["display_name"]
    assert names["UCa"] == "@UCa"


def test_pages_as_json_lines_and_bad_comments(tmp_path: Path) -> None:
    page2 = {"kind": "youtube#commentListResponse", "items": [_comment("c9", "UCz", "x", "t")]}
    path = _write(tmp_path, "pages.jsonl", [THREADS, page2], lines=True)
    assert youtube.looks_like(path)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "pages.jsonl" in str(err.value) and "2" in str(err.value)
    assert "publishedAt" in str(err.value)
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.n_posts == 4 and sum(data.report.skipped.values()) == 1
    assert not youtube.looks_like(_write(tmp_path, "o.json", [{"items": []}]))


def test_a_comment_brigade_under_one_channel_s_videos_is_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    start = np.datetime64("2024-05-01T00:00:00")
    items = []
    n = 0
    for video in range(30):
        posted = int(video * 28800)
        for person in rng.choice(400, 25, replace=False):
            n += 1
            t = start + np.timedelta64(posted + int(rng.exponential(20000)), "s")
            items.append(
                _comment(f"c{n}", f"UCp{person}", f"{t}Z", f"nice video {n}", videoId=f"v{video}")
            )
        if video % 2 == 0:  # the brigade piles on every other video within minutes
            for member in range(8):
                n += 1
                t = start + np.timedelta64(posted + 600 + int(rng.integers(0, 240)), "s")
                items.append(
                    _comment(f"c{n}", f"UCring{member}", f"{t}Z", f"liar {n}", videoId=f"v{video}")
                )
    page = {"kind": "youtube#commentListResponse", "items": items}
    findings = cibscan.detect(cibscan.read(_write(tmp_path, "comments.json", [page])))
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"UCring{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()
