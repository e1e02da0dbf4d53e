"""The dashboard's JSON API, its review store and its guards."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cibscan.dashboard import LOOPBACK, MAX_BODY, access_token, create_app
from cibscan.findings import Findings
from cibscan.review import MAX_NOTE, ReviewError, ReviewStore

from .conftest import FORMULA, SCRIPT

LOCAL = "http://127.0.0.1"


@pytest.fixture
def folder(hostile_results: Path, tmp_path: Path) -> Path:
    """A private copy of the findings, so decisions of one test stay out of the others."""
    return Path(shutil.copytree(hostile_results, tmp_path / "results"))


@pytest.fixture
def client(hostile_findings: Findings, folder: Path) -> TestClient:
    return TestClient(create_app(hostile_findings, str(folder)), base_url=LOCAL)


def _operation(client: TestClient) -> dict:  # type: ignore[type-arg]
    """The operation that posts the hostile texts."""
    return next(
        c
        for c in client.get("/api/campaigns").json()
        if c["operation"] and any(SCRIPT in t["label"] for t in c["top_texts"])
    )


def _decide(
    client: TestClient,
    kind: str,
    target: object,
    decision: str,
    note: str = "",
    reviewer: str = "ana",
) -> None:
    body = {"kind": kind, "target": str(target), "decision": decision, "note": note,
            "reviewer": reviewer}  # fmt: skip
    response = client.post("/api/reviews", json=body)
    assert response.status_code == 201, response.text


def test_every_view_has_a_documented_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/overview",
        "/api/campaigns",
        "/api/campaigns/{campaign}",
        "/api/accounts",
        "/api/accounts/{account_id}",
        "/api/graph",
        "/api/reviews",
        "/api/export/confirmed.csv",
        "/api/export/confirmed.json",
    ):
        assert path in schema["paths"], path
    page = client.get("/")
    assert page.status_code == 200 and 'data-mode="dashboard"' in page.text
    assert "<script type=" not in page.text  # the dashboard page carries no data block


def test_filters_keep_only_matching_campaigns(client: TestClient) -> None:
    every = client.get("/api/campaigns").json()
    assert every
    ops = client.get("/api/campaigns", params={"status": "operation"}).json()
    assert ops and all(c["operation"] for c in ops)
    crowd = client.get("/api/campaigns", params={"status": "crowd"}).json()
    unassessed = client.get("/api/campaigns", params={"status": "coordinated"}).json()
    assert all(c["status"] == "crowd" for c in crowd)
    assert all(c["status"] == "coordinated" for c in unassessed)
    assert len(ops) + len(crowd) + len(unassessed) == len(every)
    behaviour = every[0]["behaviours"][0]["name"]
    by_b = client.get("/api/campaigns", params={"behaviour": behaviour}).json()
    assert by_b and all(behaviour in {b["name"] for b in c["behaviours"]} for c in by_b)
    assert client.get("/api/campaigns", params={"language": "xx"}).json() == []
    assert client.get("/api/campaigns", params={"since": "2100-01-01"}).json() == []
    assert client.get("/api/campaigns", params={"until": "1990-01-01"}).json() == []
    assert client.get("/api/campaigns", params={"min_score": 2}).status_code == 422


def test_account_page_has_full_history_and_hostile_text_as_data(
    client: TestClient, hostile_findings: Findings
) -> None:
    camp = _operation(client)
    detail = client.get(f"/api/campaigns/{camp['id']}").json()
    member = detail["members"][0]["account_id"]
    account = client.get(f"/api/accounts/{member}").json()
    assert account["history_total"] == len(hostile_findings.posts_of([member])) > 0
    assert any(SCRIPT in (p["text"] or "") for p in account["history"])
    # the links whose posts are in its evidence, of all its links
    ev = hostile_findings.evidence
    mine = ev[(ev["account_a"] == member) | (ev["account_b"] == member)]
    partners = set(mine["account_a"]) | set(mine["account_b"])
    assert account["evidence_links"] == len(partners - {member}) > 0
    assert account["evidence_links"] <= account["links_total"]
    assert client.get("/api/accounts/nobody-here").status_code == 404
    found = client.get("/api/accounts", params={"query": member.upper()}).json()
    assert member in {a["account_id"] for a in found["items"]}


def test_graph_chunks_deliver_every_node_and_edge_exactly_once(
    client: TestClient, hostile_findings: Findings
) -> None:
    nodes, edges, offset = [], [], 0
    while True:
        chunk = client.get("/api/graph", params={"offset": offset, "limit": 37}).json()
        nodes += [n[0] for n in chunk["nodes"]]
        edges += [(a, b) for a, b, _ in chunk["edges"]]
        assert all(a in nodes and b in nodes for a, b, _ in chunk["edges"])  # known ends
        if chunk["done"]:
            break
        offset = chunk["next_offset"]
    assert len(nodes) == len(set(nodes)) == chunk["total"]
    links = hostile_findings.links
    assert sorted(edges) == sorted(zip(links["account_a"], links["account_b"], strict=True))


def test_decisions_survive_a_restart_and_keep_their_history(
    hostile_findings: Findings, folder: Path
) -> None:
    first = TestClient(create_app(hostile_findings, str(folder)), base_url=LOCAL)
    camp = _operation(first)
    _decide(first, "campaign", camp["id"], "needs-review", "check the schedule")
    _decide(first, "campaign", camp["id"], "confirmed", "same texts, office hours")
    again = TestClient(create_app(hostile_findings, str(folder)), base_url=LOCAL)
    current = again.get("/api/reviews").json()
    assert [(r["target"], r["decision"], r["reviewer"]) for r in current] == [
        (str(camp["id"]), "confirmed", "ana")
    ]
    history = again.get(f"/api/reviews/campaign/{camp['id']}").json()
    assert [r["decision"] for r in history] == ["confirmed", "needs-review"]


def test_bad_decisions_are_refused(client: TestClient) -> None:
    good = {"kind": "account", "target": "x", "decision": "confirmed", "reviewer": "ana"}
    assert client.post("/api/reviews", json=good).status_code == 404  # unknown account
    camp = _operation(client)
    base = good | {"kind": "campaign", "target": str(camp["id"])}
    assert client.post("/api/reviews", json=base | {"decision": "maybe"}).status_code == 422
    assert client.post("/api/reviews", json=base | {"reviewer": ""}).status_code == 422
    assert client.post("/api/reviews", json=base | {"note": "x" * 20_000}).status_code == 422
    assert client.get("/api/reviews").json() == []


def test_export_lists_confirmed_accounts_with_evidence_and_defused_cells(
    client: TestClient, hostile_findings: Findings
) -> None:
    camp = _operation(client)
    members = client.get(f"/api/campaigns/{camp['id']}").json()["members"]
    dismissed = members[1]["account_id"]
    _decide(client, "campaign", camp["id"], "confirmed", note="-1+1", reviewer="@ana")
    _decide(client, "account", dismissed, "dismissed", reviewer="bo")
    exported = client.get("/api/export/confirmed.json").json()
    ids = {a["account_id"] for a in exported["accounts"]}
    assert ids == {m["account_id"] for m in members} - {dismissed}
    assert all(
        a["evidence"] and a["confirmed_on"] == f"campaign {camp['id']}"
        for a in exported["accounts"]
    )
    response = client.get("/api/export/confirmed.csv")
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["account_id"] for r in rows} == ids
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    formula = [r for r in rows if r["display_name"].endswith(FORMULA)]
    if formula:  # the account whose name is a formula, when it belongs to this campaign
        assert formula[0]["display_name"] == "'" + FORMULA
    assert rows[0]["note"] == "'-1+1" and rows[0]["reviewer"] == "'@ana"


def test_token_is_required_everywhere_when_set(hostile_findings: Findings, folder: Path) -> None:
    app = create_app(hostile_findings, str(folder), token="s3cret", hosts=None)
    client = TestClient(app, base_url="http://10.0.0.5")
    for path in ("/", "/api/overview", "/openapi.json", "/api/export/confirmed.csv"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, params={"token": "wrong"}).status_code == 401, path
        assert client.get(path, headers={"X-Cibscan-Token": "s3cret"}).status_code == 200
    assert client.get("/api/overview", params={"token": "s3cret"}).status_code == 200


def test_loopback_server_refuses_other_hosts_and_forged_posts(client: TestClient) -> None:
    assert client.get("/api/overview", headers={"Host": "evil.example"}).status_code == 400
    camp = _operation(client)
    body = json.dumps(
        {"kind": "campaign", "target": str(camp["id"]), "decision": "confirmed", "reviewer": "x"}
    )
    plain = client.post("/api/reviews", content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    forged = client.post(
        "/api/reviews",
        content=body,
        headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    assert client.get("/api/reviews").json() == []


def test_access_token_rules() -> None:
    assert all(access_token(h, None) is None for h in LOOPBACK)
    generated = access_token("0.0.0.0", None)
    assert generated and len(generated) >= 24 and generated != access_token("0.0.0.0", None)
    assert access_token("0.0.0.0", "mine") == "mine"


def test_review_store_checks_its_input(tmp_path: Path) -> None:
    store = ReviewStore(str(tmp_path))
    with pytest.raises(ReviewError):
        store.record("campaign", "1", "confirmed", "", "   ")
    with pytest.raises(ReviewError):
        store.record("post", "1", "confirmed", "", "ana")
    store.record("account", "a", "dismissed", "", "ana")
    store.record("account", "b", "confirmed", "", "ana")
    store.record("account", "a", "confirmed", "changed my mind", "bo")
    assert [(r["target"], r["decision"]) for r in store.latest()] == [
        ("b", "confirmed"),
        ("a", "confirmed"),
    ]


def test_decisions_on_what_a_rerun_no_longer_finds_are_shown_apart_and_never_exported(
    hostile_findings: Findings, folder: Path
) -> None:
    client = TestClient(create_app(hostile_findings, str(folder)), base_url=LOCAL)
    op = _operation(client)
    _decide(client, "campaign", op["id"], "confirmed")
    assert len(client.get("/api/export/confirmed.json").json()["accounts"]) == op["size"]
    # the same folder after a re-run that found that campaign with other members
    store = ReviewStore(str(folder))
    (made,) = store.latest()
    assert made["subject"] and made["run_id"] == hostile_findings.summary["run_id"]
    regrouped = hostile_findings.campaigns.assign(
        members_hash=hostile_findings.campaigns["members_hash"] + "-other"
    )
    rerun = Findings(**{**hostile_findings.__dict__, "campaigns": regrouped})
    client = TestClient(create_app(rerun, str(folder)), base_url=LOCAL)
    assert client.get("/api/reviews").json() == []
    (earlier,) = client.get("/api/reviews-earlier").json()
    assert earlier["earlier_run"] and earlier["target"] == str(op["id"])
    assert client.get("/api/export/confirmed.json").json()["accounts"] == []
    assert client.get(f"/api/reviews/campaign/{op['id']}").json() == []


def test_bodies_are_bounded_and_refused_values_never_echoed(client: TestClient) -> None:
    op = _operation(client)
    huge = "x" * (MAX_BODY + 1)
    body = {"kind": "campaign", "target": str(op["id"]), "decision": "confirmed",
            "note": huge, "reviewer": "ana"}  # fmt: skip
    refused = client.post("/api/reviews", json=body)
    assert refused.status_code == 413 and huge not in refused.text and len(refused.text) < 200
    long_note = {**body, "note": "y" * (MAX_NOTE + 1)}
    refused = client.post("/api/reviews", json=long_note)
    assert refused.status_code == 422 and "yyyy" not in refused.text
    assert refused.json()["detail"][0]["field"] == "note"
    fields = {**body, "note": "LONE"}
    raw = json.dumps(fields).replace('"LONE"', '"\\ud800"')
    lone = client.post("/api/reviews", content=raw, headers={"content-type": "application/json"})
    assert lone.status_code == 422 and lone.json()["detail"][0]["field"] == "note"
    nan = raw.replace('"\\ud800"', "NaN")
    bad = client.post("/api/reviews", content=nan, headers={"content-type": "application/json"})
    assert bad.status_code == 422
    assert client.get("/api/reviews").json() == []


def test_reviewer_tokens_guard_loopback_and_name_the_reviewer(
    hostile_findings: Findings, folder: Path, tmp_path: Path
) -> None:
    from cibscan.dashboard import read_reviewers
    from cibscan.errors import InputError

    tokens = tmp_path / "reviewers.txt"
    tokens.write_text("# token name\n" + "a" * 20 + " Ana Lima\n" + "b" * 20 + " Bo\n")
    named = read_reviewers(str(tokens))
    assert set(named.values()) == {"Ana Lima", "Bo"}
    app = create_app(hostile_findings, str(folder), reviewers=named)
    client = TestClient(app, base_url=LOCAL)
    assert client.get("/api/overview").status_code == 401  # loopback is no user boundary
    bo = {"X-Cibscan-Token": "b" * 20}
    op = next(c for c in client.get("/api/campaigns", headers=bo).json() if c["operation"])
    body = {"kind": "campaign", "target": str(op["id"]), "decision": "dismissed", "note": "",
            "reviewer": "Ana Lima"}  # fmt: skip
    made = client.post("/api/reviews", json=body, headers=bo)
    assert made.status_code == 201 and made.json()["reviewer"] == "Bo"
    (short := tmp_path / "short.txt").write_text("abc Ana\n")
    with pytest.raises(InputError, match="row 1"):
        read_reviewers(str(short))


def test_a_retried_decision_is_recorded_once(client: TestClient) -> None:
    op = _operation(client)
    body = {"kind": "campaign", "target": str(op["id"]), "decision": "confirmed", "note": "",
            "reviewer": "ana", "request_id": "retry-0123456789"}  # fmt: skip
    first = client.post("/api/reviews", json=body)
    again = client.post("/api/reviews", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(f"/api/reviews/campaign/{op['id']}").json()) == 1
