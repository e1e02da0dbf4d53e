"""Bluesky Jetstream events and profiles, on fixtures written from the documented layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import bluesky

T0 = 1714557600_000000  # 2024-05-01 10:00 UTC, in microseconds
ALICE, BOB, CAROL = "did:plc:alice", "did:plc:bob", "did:plc:carol"


def _event(did: str, t: int, collection: str, rkey: str, record: dict, **commit: object) -> dict:  # type: ignore[type-arg]
    return {
        "did": did,
        "time_us": t,
        "kind": "commit",
        "commit": {
            "rev": "x",
            "operation": commit.pop("operation", "create"),
            "collection": collection,
            "rkey": rkey,
            "record": {"$type": collection, "createdAt": "2020-01-01T00:00:00Z", **record},
            "cid": "bafy",
        },
    }


POST = _event(
    ALICE,
    T0,
    bluesky.POST,
    "p1",
    {
        "text": "read this #hk @bob <script>x</script>",
        "langs": ["en"],
        "facets": [
            {"features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://a.example"}]},
            {"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "hk"}]},
            {"features": [{"$type": "app.bsky.richtext.facet#mention", "did": BOB}]},
        ],
        "embed": {
            "$type": "app.bsky.embed.external",
            "external": {"uri": "https://news.example/x", "title": "t", "description": ""},
        },
    },
)
PARENT = f"at://{ALICE}/app.bsky.feed.post/p1"
REPLY = _event(
    BOB,
    T0 + 60_000000,
    bluesky.POST,
    "p2",
    {"text": "no", "reply": {"parent": {"uri": PARENT, "cid": "c"}, "root": {"uri": PARENT}}},
)
QUOTE = _event(
    CAROL,
    T0 + 90_000000,
    bluesky.POST,
    "p3",
    {
        "text": "look",
        "embed": {
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"$type": "app.bsky.embed.record", "record": {"uri": PARENT, "cid": "c"}},
            "media": {"$type": "app.bsky.embed.images", "images": []},
        },
    },
)
REPOST = _event(BOB, T0 + 120_000000, bluesky.REPOST, "r1", {"subject": {"uri": PARENT}})
LIKE = _event(CAROL, T0 + 130_000000, "app.bsky.feed.like", "l1", {"subject": {"uri": PARENT}})
DELETE = _event(ALICE, T0 + 140_000000, bluesky.POST, "p1", {}, operation="delete")
IDENTITY = {"did": ALICE, "time_us": T0, "kind": "identity", "identity": {}}
PROFILE = {
    "did": ALICE,
    "handle": "alice.bsky.social",
    "displayName": "Alice <b>",
    "description": "writer",
    "followersCount": 42,
    "followsCount": 7,
    "createdAt": "2023-04-01T00:00:00.000Z",
}


def _write(tmp_path: Path, name: str, rows: list[object], raw: tuple[str, ...] = ()) -> str:
    path = tmp_path / name
    path.write_text("\n".join([*(json.dumps(r) for r in rows), *raw]) + "\n", encoding="utf-8")
    return str(path)


def test_posts_replies_quotes_reposts_and_what_is_not_a_post(tmp_path: Path) -> None:
    rows = [POST, REPLY, QUOTE, REPOST, LIKE, DELETE, IDENTITY]
    path = _write(tmp_path, "jetstream.jsonl", rows)
    profiles = _write(tmp_path, "profiles.jsonl", [PROFILE])
    assert bluesky.looks_like(path) and bluesky.looks_like(profiles)
    data = cibscan.read([path, profiles])
    posts = data.posts_df().set_index("post_id")
    first = posts.loc[PARENT]
    assert first["account_id"] == ALICE and first["language"] == "en"
    assert str(first["created_at"]) == "2024-05-01 10:00:00"  # the relay's time
    assert list(first["urls"]) == ["https://a.example", "https://news.example/x"]
    assert [t.lower() for t in first["hashtags"]] == ["hk"] and list(first["mentions"]) == [BOB]
    assert first["text"] == "read this #hk @bob <script>x</script>"
    for rkey, kind in (("p2", "reply"), ("p3", "quote")):
        row = posts.loc[next(i for i in posts.index if i.endswith(rkey))]
        assert (row["kind"], row["parent_post_id"], row["parent_account_id"]) == (
            kind,
            PARENT,
            ALICE,
        )
    repost = posts.loc[f"at://{BOB}/app.bsky.feed.repost/r1"]
    assert (repost["kind"], repost["parent_post_id"]) == ("repost", PARENT)
    skipped = data.report.skipped
    assert skipped["not a post: Bluesky app.bsky.feed.like creates"] == 1
    assert skipped["not a post: Bluesky app.bsky.feed.post deletes"] == 1
    assert skipped["not a post: Bluesky identity events"] == 1
    account = data.accounts_df().set_index("account_id").loc[ALICE]
    assert account["handle"] == "alice.bsky.social" and account["followers"] == 42


def test_a_bad_line_names_the_file_line_and_field(tmp_path: Path) -> None:
    late = dict(REPLY, time_us="soon")
    path = _write(tmp_path, "bad.jsonl", [POST, late])
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "bad.jsonl" in str(err.value) and "2" in str(err.value)
    assert "time_us" in str(err.value)
    data = cibscan.read(_write(tmp_path, "b.jsonl", [POST], raw=("{x",)), on_bad_rows="skip")
    assert data.n_posts == 1 and data.report.skipped["not a JSON object"] == 1
    assert not bluesky.looks_like(_write(tmp_path, "o.jsonl", [{"id": "1"}]))


def test_a_repost_ring_on_the_firehose_is_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows: list[object] = []
    n = 0
    targets = [f"at://did:plc:src{i}/app.bsky.feed.post/s{i}" for i in range(40)]
    for day in range(10):
        for person in range(300):
            for _ in range(2):
                n += 1
                t = T0 + (day * 86400 + int(rng.integers(0, 86400))) * 1_000000
                subject = {"uri": targets[int(rng.integers(0, 40))]}
                rows.append(
                    _event(f"did:plc:p{person}", t, bluesky.REPOST, f"r{n}", {"subject": subject})
                )
        for k in range(3):
            t0 = day * 86400 + int(rng.integers(0, 80000))
            pushed = {"uri": f"at://did:plc:state/app.bsky.feed.post/{day}-{k}"}
            for member in range(8):
                n += 1
                t = T0 + (t0 + int(rng.integers(0, 20))) * 1_000000
                rows.append(
                    _event(f"did:plc:ring{member}", t, bluesky.REPOST, f"r{n}", {"subject": pushed})
                )
    findings = cibscan.detect(cibscan.read(_write(tmp_path, "fire.jsonl", rows)))
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"did:plc:ring{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()
