"""Mastodon statuses as the API returns them, on fixtures written from its documentation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import mastodon


def _account(acct: str, host: str, **extra: object) -> dict[str, object]:
    user = acct.split("@")[0]
    return {
        "id": f"{user}-{host}",
        "username": user,
        "acct": acct,
        "display_name": user.title(),
        "note": "",
        "url": f"https://{host}/@{user}",
        "created_at": "2022-11-01T00:00:00.000Z",
        "followers_count": 10,
        "following_count": 20,
        **extra,
    }


ALICE = _account(
    "alice",
    "social.example",
    note='<p>Writer &amp; <a href="https://x.example" rel="nofollow">site</a></p>',
)
OTHER_ALICE = _account("alice@other.example", "other.example", followers_count=3)
BOB = _account("bob", "social.example")

ORIGINAL = {
    "id": "1",
    "uri": "https://social.example/users/alice/statuses/1",
    "created_at": "2024-05-01T10:00:00.000Z",
    "content": (
        '<p>Read <a href="https://news.example/a">this</a> '
        '<a href="https://social.example/tags/hk" class="mention hashtag">#<span>hk</span></a>'
        '</p><p><span class="h-card"><a href="https://social.example/@bob" class="u-url '
        'mention">@<span>bob</span></a></span> &lt;script&gt;x&lt;/script&gt;</p>'
    ),
    "account": ALICE,
    "language": "en",
    "tags": [{"name": "hk", "url": "https://social.example/tags/hk"}],
    "mentions": [{"id": "bob-social.example", "acct": "bob", "url": "https://social.example/@bob"}],
    "card": {"url": "https://news.example/a", "title": "A"},
    "reblog": None,
    "in_reply_to_id": None,
    "in_reply_to_account_id": None,
}
BOOST = {
    "id": "2",
    "uri": "https://other.example/users/alice/statuses/2/activity",
    "created_at": "2024-05-01T10:01:00Z",
    "content": "",
    "account": OTHER_ALICE,
    "reblog": ORIGINAL,
    "tags": [],
    "mentions": [],
}
REPLY = {
    "id": "3",
    "created_at": "2024-05-01T10:02:00+00:00",
    "content": "<p>@alice thanks</p>",
    "account": BOB,
    "in_reply_to_id": "1",
    "in_reply_to_account_id": "alice-social.example",
    "mentions": [
        {"id": "alice-social.example", "acct": "alice", "url": "https://social.example/@alice"}
    ],
    "card": None,
}


def _write(tmp_path: Path, name: str, statuses: list[object], lines: bool = False) -> str:
    path = tmp_path / name
    if lines:
        path.write_text("\n".join(json.dumps(s) for s in statuses) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(statuses, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_statuses_boosts_replies_html_and_instances(tmp_path: Path) -> None:
    path = _write(tmp_path, "timeline.json", [ORIGINAL, BOOST, REPLY])
    assert mastodon.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("account_id")
    first = posts.loc["alice@social.example"]
    assert first["kind"] == "post"
    # markup gone, its text and line breaks kept, escaped text stays text
    assert first["text"] == "Read this #hk\n@bob <script>x</script>"
    assert list(first["urls"]) == ["https://news.example/a"]  # the card and the link, once
    assert [t.lower() for t in first["hashtags"]] == ["hk"]
    assert list(first["mentions"]) == ["bob@social.example"]
    boost = posts.loc["alice@other.example"]  # the other instance's alice: another account
    assert boost["kind"] == "repost"
    assert boost["parent_post_id"] == ORIGINAL["uri"]
    assert boost["parent_account_id"] == "alice@social.example"
    assert boost["text"] == first["text"]  # a boost carries what it boosts
    reply = posts.loc["bob@social.example"]
    assert (reply["kind"], reply["parent_post_id"], reply["parent_account_id"]) == (
        "reply",
        "1",
        "alice@social.example",  # the same account as the author of status 1
    )
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["alice@social.example", "bio"] == "Writer & site"
    assert accounts.loc["alice@other.example", "followers"] == 3
    assert str(accounts.loc["bob@social.example", "created_at"]) == "2022-11-01 00:00:00"


def test_json_lines_read_the_same_as_an_array(tmp_path: Path) -> None:
    array = cibscan.read(_write(tmp_path, "a.json", [ORIGINAL, BOOST, REPLY])).posts_df()
    lines = cibscan.read(_write(tmp_path, "a.jsonl", [ORIGINAL, BOOST, REPLY], lines=True))
    pd.testing.assert_frame_equal(
        array.sort_values("post_id").reset_index(drop=True),
        lines.posts_df().sort_values("post_id").reset_index(drop=True),
    )


def test_a_bad_status_names_the_file_position_and_field(tmp_path: Path) -> None:
    late = dict(REPLY, id="4", created_at="tomorrow")
    path = _write(tmp_path, "bad.json", [ORIGINAL, late])
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "bad.json" in str(err.value) and "2" in str(err.value)
    assert "created_at" in str(err.value)
    path = _write(tmp_path, "odd.json", [ORIGINAL, {"id": "9"}])
    with pytest.raises(InputError, match="not a Mastodon status"):
        cibscan.read(path, format="mastodon")
    data = cibscan.read(path, format="mastodon", on_bad_rows="skip")  # counted, not lost
    assert data.n_posts == 1 and sum(data.report.skipped.values()) == 1


def test_other_json_is_not_taken_for_it(tmp_path: Path) -> None:
    assert not mastodon.looks_like(_write(tmp_path, "x.json", [{"id": "1", "text": "t"}]))
    assert not mastodon.looks_like(_write(tmp_path, "y.jsonl", [{"post_id": "1"}], lines=True))


def test_a_planted_boost_ring_is_found(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    start = pd.Timestamp("2024-05-01")
    sources = [dict(ORIGINAL, id=f"s{i}", uri=f"https://social.example/s/{i}") for i in range(40)]
    statuses: list[object] = []
    n = 0

    def boost(who: dict[str, object], of: dict[str, object], t: pd.Timestamp) -> None:
        nonlocal n
        n += 1
        statuses.append(
            {
                "id": f"b{n}",
                "uri": f"https://x.example/b/{n}",
                "created_at": t.isoformat() + "Z",
                "content": "",
                "account": who,
                "reblog": of,
            }
        )

    people = [_account(f"p{i}", "social.example") for i in range(300)]
    ring = [_account(f"ring{i}", "ring.example") for i in range(8)]
    for day in range(10):
        for person in people:
            for _ in range(2):
                t = start + pd.Timedelta(days=day, seconds=int(rng.integers(0, 86400)))
                boost(person, sources[int(rng.integers(0, 40))], t)
        for k in range(3):
            pushed = dict(ORIGINAL, id=f"push{day}{k}", uri=f"https://state.example/{day}/{k}")
            t0 = start + pd.Timedelta(days=day, seconds=int(rng.integers(0, 80000)))
            for member in ring:
                boost(member, pushed, t0 + pd.Timedelta(seconds=int(rng.integers(0, 20))))
    findings = cibscan.detect(cibscan.read(_write(tmp_path, "pull.json", statuses)))
    camp = findings.accounts.set_index("account_id")["campaign"]
    members = camp[[f"ring{i}@ring.example" for i in range(8)]]
    assert members.notna().all() and members.nunique() == 1
    assert (camp.drop(members.index).dropna() != members.iloc[0]).all()
