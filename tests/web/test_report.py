"""The report: one self-contained file whose data can never become markup."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cibscan import view
from cibscan.findings import Findings
from cibscan.report import render_report, write_report
from cibscan.web import SCRIPTS, json_for_script, render_page

from ..conftest import run_cli
from .conftest import CLOSE, FORMULA, HOSTILE, IMG, SCRIPT

_DATA = re.compile(r'<script type="application/json" id="cibscan-data">(.*?)</script>', re.S)


def _embedded(html: str) -> object:
    match = _DATA.search(html)
    assert match is not None
    return json.loads(match.group(1))


@given(st.text())
def test_json_for_script_round_trips_any_text_without_markup_characters(text: str) -> None:
    out = json_for_script({"t": text, "l": [text]})
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(out) == {"t": text, "l": [text]}


def test_hostile_text_reaches_the_report_only_as_escaped_json(hostile_findings: Findings) -> None:
    html = render_report(hostile_findings)
    # only the page's own elements: one data block and the three shipped scripts
    assert html.count("<script") == 1 + len(SCRIPTS)
    for payload in (SCRIPT, IMG, CLOSE):
        assert payload not in html
    assert "__pwned" not in _DATA.sub("", html)  # outside the data block: nowhere
    data = _embedded(html)
    text = json.dumps(data, ensure_ascii=False)
    for payload in HOSTILE:
        assert json.dumps(payload, ensure_ascii=False)[1:-1] in text, payload  # intact as data
    assert json.dumps(FORMULA)[1:-1] in text  # not defused: the browser shows it as typed


def test_report_is_self_contained_and_says_what_was_analysed(hostile_findings: Findings) -> None:
    html = render_page("report", view.report_data(hostile_findings, "Test report"))
    assert not re.search(r'\b(src|href)="(https?:)?//', html)  # nothing fetched from anywhere
    assert "connect-src 'none'" in html and "'unsafe-inline'" not in html
    data = _embedded(html)
    assert isinstance(data, dict)
    overview = data["overview"]
    assert overview["title"] == "Test report"
    assert overview["posts"] == hostile_findings.summary["input"]["posts"]
    assert overview["files"] == ["posts.csv"]  # names only, not the analyst's folders
    assert overview["settings"]["windows"]["corepost"] == "60 s"  # as detect prints them
    assert overview["settings"]["post_times_to"] == "the second"
    assert overview["settings"]["windows_raised_from"] == {}
    ids = {c["id"] for c in data["campaigns"]}
    assert ids == set(hostile_findings.campaigns["campaign"])
    assert set(data["campaign_details"]) == {str(i) for i in ids}
    placed = set(
        hostile_findings.accounts.loc[hostile_findings.accounts["campaign"].notna(), "account_id"]
    )
    assert placed <= set(data["accounts"])
    assert placed <= {n[0] for n in data["graph"]["nodes"]}


def test_campaigns_are_ranked_operations_first(hostile_findings: Findings) -> None:
    ranked = view.campaign_list(hostile_findings)
    flags = [c["operation"] for c in ranked]
    assert flags == sorted(flags, reverse=True)
    assert [c["rank"] for c in ranked] == list(range(1, len(ranked) + 1))


def test_campaign_detail_has_timeline_rhythm_and_evidence(hostile_findings: Findings) -> None:
    camp = int(hostile_findings.campaigns["campaign"].iloc[0])
    detail = view.campaign_detail(hostile_findings, camp)
    assert detail is not None
    ids = {m["account_id"] for m in detail["members"]}
    posts = hostile_findings.posts_of(ids)
    counted = sum(c for band in detail["timeline"]["bands"] for _, c in band["counts"])
    assert counted == len(posts)  # every member post is in the timeline, once
    assert sum(detail["hour_of_week"]) == len(posts)
    assert len(detail["population_hour_of_week"]) == 168
    assert detail["evidence"], "a campaign without evidence rows"
    for row in detail["evidence"]:
        assert row["account_a"] in ids and row["account_b"] in ids
    assert view.campaign_detail(hostile_findings, 10_000) is None


def test_graph_places_every_node_once_and_edges_join_known_nodes(
    hostile_findings: Findings,
) -> None:
    g = view.graph(hostile_findings)
    ids = [n[0] for n in g["nodes"]]
    assert len(ids) == len(set(ids))
    assert all(0 <= a < len(ids) and 0 <= b < len(ids) for a, b, _ in g["edges"])
    assert len(g["edges"]) + g["edges_left_out"] == len(hostile_findings.links)
    small = view.graph(hostile_findings, max_edges=5)
    assert len(small["edges"]) == 5 and small["edges_left_out"] == len(hostile_findings.links) - 5


def test_older_findings_without_posts_still_make_a_report(
    hostile_findings: Findings, tmp_path: Path
) -> None:
    old = Findings(
        **{
            name: getattr(hostile_findings, name)
            for name in (
                "accounts",
                "campaigns",
                "links",
                "link_behaviours",
                "evidence",
                "amplified_posts",
            )
        },
        summary=hostile_findings.summary,
    )
    old.save(str(tmp_path))
    (tmp_path / "posts.parquet").unlink()
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary["format_version"] = 2
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    loaded = Findings.load(str(tmp_path))
    assert loaded.posts.num_rows == 0
    size = write_report(loaded, str(tmp_path / "r.html"))
    data = _embedded((tmp_path / "r.html").read_text())
    assert size > 0 and isinstance(data, dict)
    first = next(iter(data["campaign_details"].values()))
    assert first["timeline"] is None
    member = first["members"][0]["account_id"]
    account = view.account_detail(loaded, member)  # the dashboard's account page
    assert account is not None and account["history"] == [] and not account["posts_saved"]


def test_cli_report_writes_the_file_and_a_bad_folder_is_one_line(
    hostile_results: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nested" / "report.html"
    done = run_cli("report", str(hostile_results), "-o", str(out), "--title", "<b>t</b>")
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 100_000
    assert "<b>t</b>" not in out.read_text()  # the title is data too
    bad = run_cli("report", str(tmp_path / "missing"), "-o", str(out))
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "summary.json" in bad.stderr


def test_the_overview_says_how_finely_post_times_are_given_and_what_was_raised(
    hostile_findings: Findings,
) -> None:
    days = copy.copy(hostile_findings)
    days.summary = copy.deepcopy(hostile_findings.summary)
    days.summary["input"]["time_step_seconds"] = 86_400
    days.summary["settings"]["windows_raised_from"] = {"corepost": 60, "cohashtag": 600}
    settings = view.overview(days)["settings"]
    assert settings["post_times_to"] == "the day"
    assert settings["windows_raised_from"] == {"corepost": "60 s", "cohashtag": "10 min"}
