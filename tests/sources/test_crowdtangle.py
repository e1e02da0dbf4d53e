"""CrowdTangle historical-data CSV exports, on a fixture from the export's columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import detect_format


def _row(i: int, page: str, created: str, message: str, link: str = "") -> dict[str, object]:
    return {
        "Page Name": f"{page.title()} <b>News</b>",
        "User Name": page,
        "Facebook Id": f"10{i % 3}",
        "Page Category": "MEDIA_NEWS_COMPANY",
        "Page Description": "we report",
        "Page Created": "2012-03-04 05:06:07 EST",
        "Likes at Posting": 1000,
        "Followers at Posting": 1200,
        "Post Created": created,
        "Post Created Date": created[:10],
        "Type": "Link",
        "Total Interactions": 3,
        "URL": f"https://www.facebook.com/{page}/posts/{i}",
        "Message": message,
        "Link": link,
        "Final Link": "",
    }


ROWS = [
    _row(
        0,
        "alpha",
        "2021-09-01 12:00:00 EDT",
        "read #vote https://a.example/x",
        "https://l.example/1",
    ),
    _row(1, "beta", "2021-09-01 18:30:00 CEST", "same story", "https://l.example/1"),
    _row(2, "gamma", "2021-09-01 16:00:00", "no zone: UTC"),
]


def test_a_crowdtangle_export_is_recognised_and_read_in_its_zones(tmp_path: Path) -> None:
    path = tmp_path / "ct.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    assert detect_format({c: "VARCHAR" for c in ROWS[0]}) == "crowdtangle"
    data = cibscan.read(str(path))
    posts = data.posts_df().set_index("post_id")
    first = posts.loc["https://www.facebook.com/alpha/posts/0"]
    assert first["account_id"] == "100" and first["kind"] == "post"
    assert str(first["created_at"]) == "2021-09-01 16:00:00"  # 12:00 EDT
    assert str(posts.loc["https://www.facebook.com/beta/posts/1", "created_at"]) == (
        "2021-09-01 16:30:00"  # 18:30 CEST
    )
    assert str(posts.loc["https://www.facebook.com/gamma/posts/2", "created_at"]) == (
        "2021-09-01 16:00:00"
    )
    assert list(first["urls"]) == ["https://a.example/x", "https://l.example/1"]  # sorted
    assert list(first["hashtags"]) == ["vote"]
    account = data.accounts_df().set_index("account_id").loc["100"]
    assert account["handle"] == "alpha" and account["display_name"] == "Alpha <b>News</b>"
    assert str(account["created_at"]) == "2012-03-04 10:06:07"  # EST


def test_an_unknown_zone_is_a_bad_row_not_a_guess(tmp_path: Path) -> None:
    rows = [*ROWS, _row(3, "delta", "2021-09-01 12:00:00 XYZT", "where?")]
    path = tmp_path / "ct.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        cibscan.read(str(path))
    assert "Post Created" in str(err.value) and "XYZT" in str(err.value)
    assert cibscan.read(str(path), on_bad_rows="skip").n_posts == 3
