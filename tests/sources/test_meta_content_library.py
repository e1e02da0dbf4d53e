"""Meta Content Library exports of Facebook posts, on fixtures written from Meta's data
dictionary: flat CSVs in the short and the expanded dotted names, and JSON Lines of
nested results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import detect_format

from ..conftest import run_cli


def _post(i: int, owner: str, created: str, text: str, **more: object) -> dict[str, object]:
    return {
        "id": f"9{i:05d}",
        "creation_time": created,
        "modified_time": created,
        "text": text,
        "lang": "en",
        "statistics.reaction_count": 4,
        "statistics.share_count": 1,
        "post_owner.type": "page",
        "post_owner.id": owner,
        "post_owner.name": f"Page {owner} <script>x</script>",
        "shared_post_id": more.get("shared", ""),
        "link_attachment_fields.link": more.get("link", ""),
        "link_attachment_fields.name": "a card",
    }


ROWS = [
    _post(
        0,
        "101",
        "2024-05-01T10:00:00+0000",
        "read #vote https://a.example/x",
        link="https://l.example/1",
    ),
    _post(1, "102", "2024-05-01T12:30:00+0200", "shared", shared="900000"),
    _post(2, "103", "2024-05-01T11:00:00", "plain, no link"),
]


def _expanded(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The same rows with the dictionary's expanded owner names (post_owner.data.id)."""
    return [
        {(k.replace("post_owner.", "post_owner.data.") if k.startswith("post_owner.") else k): v
         for k, v in row.items()}
        for row in rows
    ]  # fmt: skip


def _nested(row: dict[str, object], wrapped: bool = False) -> dict[str, object]:
    owner = {"id": row["post_owner.id"], "name": row["post_owner.name"], "type": "page"}
    return {
        "id": row["id"],
        "creation_time": row["creation_time"],
        "text": row["text"],
        "lang": row["lang"],
        "post_owner": {"data": owner} if wrapped else owner,
        "shared_post_id": row["shared_post_id"] or None,
        "link_attachment_fields": {"link": row["link_attachment_fields.link"] or None},
    }


@pytest.mark.parametrize("form", ["short", "expanded", "nested", "nested-data"])
def test_an_export_is_recognised_and_read(tmp_path: Path, form: str) -> None:
    if form.startswith("nested"):
        path = tmp_path / "mcl.jsonl"
        lines = [json.dumps(_nested(r, form == "nested-data")) + "\n" for r in ROWS]
        path.write_text("".join(lines), encoding="utf-8")
    else:
        path = tmp_path / "mcl.csv"
        pd.DataFrame(ROWS if form == "short" else _expanded(ROWS)).to_csv(path, index=False)
        columns = ROWS[0] if form == "short" else _expanded(ROWS)[0]
        assert detect_format({c: "VARCHAR" for c in columns}) == "meta-content-library"
    data = cibscan.read(str(path))
    posts = data.posts_df().set_index("post_id")
    first = posts.loc["900000"]
    assert first["account_id"] == "101" and first["kind"] == "post"
    assert str(first["created_at"]) == "2024-05-01 10:00:00"
    assert sorted(first["urls"]) == ["https://a.example/x", "https://l.example/1"]
    assert list(first["hashtags"]) == ["vote"]
    assert first["client"] == "facebook page"
    reshare = posts.loc["900001"]
    assert reshare["kind"] == "repost" and reshare["parent_post_id"] == "900000"
    assert str(reshare["created_at"]) == "2024-05-01 10:30:00"  # 12:30 at +02:00
    assert list(posts.loc["900002", "urls"]) == []
    names = data.accounts_df().set_index("account_id")["display_name"]
    assert names["101"] == "Page 101 <script>x</script>"  # kept as data, escaped when shown


def test_a_row_without_an_owner_names_the_row_and_field(tmp_path: Path) -> None:
    rows = [dict(ROWS[0]), dict(ROWS[1])]
    rows[1]["post_owner.id"] = ""
    path = tmp_path / "mcl.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"row 2.*post_owner\.id"):
        cibscan.read(str(path))


def test_a_reshare_ring_of_pages_is_found_from_the_cli(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = []
    n = 0
    t0 = pd.Timestamp("2024-05-01")
    for day in range(10):
        for page in range(200):
            n += 1
            t = t0 + pd.Timedelta(days=day, seconds=int(rng.integers(0, 86400)))
            rows.append(_post(n, f"p{page}", t.isoformat(), f"news {rng.integers(10**6)}",
                              shared=f"s{rng.integers(0, 300)}"))  # fmt: skip
        for task in range(3):
            start = t0 + pd.Timedelta(days=day, seconds=int(rng.integers(0, 80000)))
            for member in range(8):
                n += 1
                t = start + pd.Timedelta(seconds=int(rng.integers(0, 30)))
                rows.append(
                    _post(n, f"ring{member}", t.isoformat(), "", shared=f"push{day}-{task}")
                )
    path = tmp_path / "mcl.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "results"
    run = run_cli("detect", str(path), "--out", str(out), "--flag", "coordinated", "-q")
    assert run.returncode == 0, run.stderr
    accounts = pd.read_parquet(out / "accounts.parquet").set_index("account_id")
    ring = accounts.loc[[f"ring{m}" for m in range(8)], "campaign"]
    assert ring.notna().all() and ring.nunique() == 1
    others = accounts.drop(ring.index)["campaign"].dropna()
    assert (others != ring.iloc[0]).all()


def test_a_file_named_in_this_layout_without_an_owner_says_what_is_missing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "posts.csv"
    pd.DataFrame([{"id": "1", "creation_time": "2024-05-01", "text": "x"}]).to_csv(
        path, index=False
    )
    run = run_cli(
        "detect", str(path), "--format", "meta-content-library", "--out", str(tmp_path / "r")
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "missing column(s) post_owner.id" in run.stderr
