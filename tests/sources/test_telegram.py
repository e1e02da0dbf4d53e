"""Telegram Desktop exports, on fixtures written from the export's documented layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import telegram


def _message(mid: int, who: str, t: int, text: object = "hi", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "id": mid,
        "type": "message",
        "date": "2024-05-01T18:00:00",
        "date_unixtime": str(t),
        "from": who.title(),
        "from_id": who,
        "text": text,
        **extra,
    }


CHAT = {
    "name": "Townhall <b>group</b>",
    "type": "private_supergroup",
    "id": 77,
    "messages": [
        _message(
            1,
            "user1",
            1714557600,
            [
                "read ",
                {"type": "link", "text": "https://news.example/a"},
                " and ",
                {"type": "text_link", "text": "this", "href": "https://site.example/b"},
                " ",
                {"type": "hashtag", "text": "#hk"},
                " ",
                {"type": "mention", "text": "@bob"},
                {"type": "bold", "text": " <script>x</script>"},
            ],
        ),
        _message(2, "user2", 1714557660, "traitor", forwarded_from="State Channel"),
        _message(3, "user3", 1714557670, "traitor", forwarded_from="State Channel"),
        _message(4, "user3", 1714557700, "no", reply_to_message_id=1),
        {"id": 5, "type": "service", "date": "2024-05-01T18:02:00", "actor": "Bob"},
        {
            "id": 6,
            "type": "message",
            "date": "2024-05-01T18:03:00",
            "from": "Dana",
            "from_id": "user4",
            "text": "",
        },
    ],
}


def _write(tmp_path: Path, name: str, export: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return str(path)


def test_a_chat_with_entities_forwards_replies_and_service_messages(tmp_path: Path) -> None:
    path = _write(tmp_path, "result.json", CHAT)
    assert telegram.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    first = posts.loc["77:1"]
    assert first["text"] == "read https://news.example/a and this #hk @bob <script>x</script>"
    assert list(first["urls"]) == ["https://news.example/a", "https://site.example/b"]
    assert [h.lower() for h in first["hashtags"]] == ["hk"]
    assert list(first["mentions"]) == ["bob"]
    assert str(first["created_at"]) == "2024-05-01 10:00:00"  # the unix time, UTC
    # two forwards of one message from one channel are reposts of one post
    assert posts.loc["77:2", "kind"] == posts.loc["77:3", "kind"] == "repost"
    assert posts.loc["77:2", "parent_post_id"] == posts.loc["77:3", "parent_post_id"]
    assert posts.loc["77:2", "parent_account_id"] == "State Channel"
    reply = posts.loc["77:4"]
    assert (reply["kind"], reply["parent_post_id"], reply["parent_account_id"]) == (
        "reply",
        "77:1",
        "user1",
    )
    assert str(posts.loc["77:6", "created_at"]) == "2024-05-01 18:03:00"  # date alone
    assert "77:5" not in posts.index
    assert data.report.skipped[telegram.SERVICE] == 1  # counted, never silently dropped


def test_a_full_export_reads_every_chat_and_keeps_their_ids_apart(tmp_path: Path) -> None:
    other = dict(CHAT, id=78, messages=[_message(1, "user9", 1714557600)])
    path = _write(tmp_path, "result.json", {"about": "x", "chats": {"list": [CHAT, other]}})
    assert telegram.looks_like(path)
    posts = cibscan.read(path).posts_df()
    assert {"77:1", "78:1"} <= set(posts["post_id"])


def test_a_bad_message_names_the_file_message_and_field(tmp_path: Path) -> None:
    broken = dict(CHAT, messages=[*CHAT["messages"], {"id": 9, "type": "message", "text": "x"}])  # type: ignore[list-item]
    path = _write(tmp_path, "result.json", broken)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "result.json" in str(err.value) and "message 9" in str(err.value)
    assert "from_id" in str(err.value)
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.n_posts == 5 and sum(data.report.skipped.values()) == 2  # + the service one
    assert not telegram.looks_like(_write(tmp_path, "other.json", {"rows": []}))


def test_a_forwarding_flood_is_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    start = 1714557600
    messages = []
    mid = 0
    for day in range(10):
        for person in range(200):
            for _ in range(2):
                mid += 1
                t = start + day * 86400 + int(rng.integers(0, 86400))
                messages.append(_message(mid, f"user{person}", t, f"chat {mid}"))
            # people forward too: one of the day's 20 news items, at their own time
            mid += 1
            t = start + day * 86400 + int(rng.integers(0, 86400))
            item = f"news {day}-{int(rng.integers(0, 20))}"
            messages.append(_message(mid, f"user{person}", t, item, forwarded_from="News"))
        for k in range(3):
            t0 = start + day * 86400 + int(rng.integers(0, 80000))
            for member in range(8):
                mid += 1
                t = t0 + int(rng.integers(0, 30))
                messages.append(
                    _message(mid, f"troll{member}", t, f"post {day}-{k}", forwarded_from="Bureau")
                )
    messages.sort(key=lambda m: int(m["date_unixtime"]))
    path = _write(tmp_path, "result.json", dict(CHAT, messages=messages))
    findings = cibscan.detect(cibscan.read(path))
    camp = findings.accounts.set_index("account_id")["campaign"]
    trolls = camp[[f"troll{m}" for m in range(8)]]
    assert trolls.notna().all() and trolls.nunique() == 1
    assert (camp.drop(trolls.index).dropna() != trolls.iloc[0]).all()
