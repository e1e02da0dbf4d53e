"""TikTok Research API pulls, on fixtures written from the API's documentation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import tiktok


def _video(vid: int, user: str, t: int, text: str = "dance", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "id": vid,
        "username": user,
        "create_time": t,
        "region_code": "US",
        "video_description": text,
        "hashtag_names": extra.pop("hashtag_names", []),
        "music_id": extra.pop("music_id", 700),
        "like_count": 3,
        **extra,
    }


VIDEOS = {
    "data": {
        "videos": [
            _video(1, "alice", 1714557600, "news #hk https://x.example/a", hashtag_names=["hk"]),
            _video(2, "bob", 1714557660, "", music_id=None, effect_ids=["0", "55"]),
        ],
        "cursor": 2,
        "has_more": False,
        "search_id": "s",
    },
    "error": {"code": "ok", "message": "", "log_id": "l"},
}
COMMENTS = {
    "data": {"comments": [{"id": 9, "video_id": 1, "text": "wow", "create_time": 1714557700}]},
    "error": {"code": "ok"},
}


def _write(tmp_path: Path, name: str, pages: list[object], lines: bool = False) -> str:
    path = tmp_path / name
    body = "\n".join(json.dumps(p) for p in pages) if lines else json.dumps(pages[0], indent=1)
    path.write_text(body + "\n", encoding="utf-8")
    return str(path)


def test_videos_with_their_sound_and_effects_and_comments_counted_apart(tmp_path: Path) -> None:
    path = _write(tmp_path, "videos.jsonl", [VIDEOS, COMMENTS], lines=True)
    assert tiktok.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    first = posts.loc["video:1"]
    assert first["account_id"] == "alice" and first["text"] == "news #hk https://x.example/a"
    assert [t.lower() for t in first["hashtags"]] == ["hk"]  # listed once
    assert list(first["urls"]) == ["https://x.example/a"]
    assert list(first["objects"]) == ["music:700"]
    assert list(posts.loc["video:2", "objects"]) == ["effect:55"]  # "0" is no effect
    assert str(first["created_at"]) == "2024-05-01 10:00:00"
    assert data.report.skipped[tiktok.COMMENTS] == 1


def test_a_bad_video_names_the_file_line_and_field(tmp_path: Path) -> None:
    broken = {"data": {"videos": [_video(3, "", 1714557600)]}}
    path = _write(tmp_path, "v.jsonl", [VIDEOS, broken], lines=True)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "v.jsonl" in str(err.value) and "2" in str(err.value)
    assert "username" in str(err.value)
    assert cibscan.read(path, on_bad_rows="skip").n_posts == 2
    assert tiktok.looks_like(_write(tmp_path, "one.json", [VIDEOS]))  # one response
    assert not tiktok.looks_like(_write(tmp_path, "o.json", [{"data": []}]))


def test_accounts_pushing_one_sound_together_are_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    start = 1714557600
    videos = []
    n = 0
    for day in range(10):
        for person in range(300):
            n += 1
            t = start + day * 86400 + int(rng.integers(0, 86400))
            videos.append(_video(n, f"user{person}", t, music_id=int(rng.integers(0, 500))))
        for k in range(3):
            t0 = start + day * 86400 + int(rng.integers(0, 80000))
            for member in range(8):
                n += 1
                t = t0 + int(rng.integers(0, 600))
                videos.append(_video(n, f"ring{member}", t, music_id=9000 + day * 3 + k))
    page = {"data": {"videos": videos, "has_more": False}}
    findings = cibscan.detect(cibscan.read(_write(tmp_path, "pull.json", [page])))
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"ring{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()
    assert "coobject:music" in set(findings.campaign_behaviours["behaviour"])
