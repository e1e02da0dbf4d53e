"""Report and dashboard in real headless Chromium (Debian's package, driven by Playwright).

Each test fails on any JavaScript error or console error, and checks that none of the
hostile payloads in the data ran (they would set ``window.__pwned``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cibscan.dashboard import create_app, serve_in_thread
from cibscan.findings import Findings
from cibscan.report import write_report
from cibscan.web import chromium

from .conftest import IMG, SCRIPT

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if chromium.executable() is None:
    pytest.skip(
        "no Chromium: install Debian's chromium package (.ci/run does) or set CIBSCAN_CHROMIUM",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = chromium.launch(p)
        yield b
        b.close()


@contextmanager
def watched_page(browser: Any) -> Iterator[Any]:
    """A page that collects JavaScript errors; the block fails if there were any."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    yield page
    assert page.evaluate("window.__pwned") is None, "a payload from the data ran"
    page.close()
    assert errors == []


def _hostile_campaign(page: Any) -> Any:
    return page.locator("#campaigns li", has_text="operation").filter(
        has=page.locator(".snippet", has_text="<script>")
    )


def test_report_click_campaign_then_account(
    browser: Any, hostile_findings: Findings, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    write_report(hostile_findings, str(path))
    with watched_page(browser) as page:
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]")
        assert page.evaluate("window.cibscan.net.graph.order") > 0  # the network was drawn
        assert page.locator("#detail h2", has_text="What was analysed").is_visible()
        times = page.locator("#detail tr", has_text="Post times given to").locator("td")
        assert times.inner_text() == "the second"
        _hostile_campaign(page).first.locator("a").click()
        page.wait_for_selector("#detail section.campaign")
        assert page.locator("#detail .timeline svg rect").count() > 0
        assert page.locator("#detail .heatmap").count() == 2
        # the payloads are on the page as visible text, not as elements
        assert page.locator("#detail .post", has_text=SCRIPT).count() > 0
        assert page.locator("#detail img, #detail script").count() == 0
        page.locator("#detail section.campaign table.grid").last.locator("tbody a").first.click()
        page.wait_for_selector("#detail section.account")
        assert page.locator("#detail .bio", has_text=SCRIPT).is_visible()
        # search the network for an account and land on its page
        page.fill("#search", "op_copypaste")
        page.press("#search", "Enter")
        page.wait_for_url("**#/account/op_copypaste*")


def test_dashboard_review_decision_survives_a_restart(
    browser: Any, hostile_findings: Findings, hostile_results: Path, tmp_path: Path
) -> None:
    import shutil

    folder = shutil.copytree(hostile_results, tmp_path / "results")
    app = create_app(hostile_findings, str(folder))
    with serve_in_thread(app) as url, watched_page(browser) as page:
        page.goto(url + "/")
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#campaigns .badge.crowd").count() > 0  # a cleared crowd is listed
        page.select_option("#filters select[name=status]", "operation")
        sync_api.expect(page.locator("#campaigns .badge.crowd")).to_have_count(0)
        _hostile_campaign(page).first.locator("a").click()
        page.wait_for_selector("#detail section.campaign")
        account_link = page.locator("#detail section.campaign table.grid").last.locator("tbody a")
        account = account_link.first.text_content()
        account_link.first.click()
        page.wait_for_selector("#detail section.account")
        assert page.locator("#detail table.history tbody tr").count() > 0  # full history
        page.fill("#reviewer", "Ana Analyst")
        page.dispatch_event("#reviewer", "change")
        page.fill("#detail .review textarea", "<img src=x onerror=\"window.__pwned='note'\">")
        page.click("#detail .review button[data-decision=confirmed]")
        page.wait_for_selector("#detail .review-state .badge.confirmed")
        hash_ = page.evaluate("location.hash")
    restarted = create_app(hostile_findings, str(folder))  # a new server on the same folder
    with serve_in_thread(restarted) as url, watched_page(browser) as page:
        page.goto(url + "/" + hash_)
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_selector("#detail section.account")
        state = page.locator("#detail .review-state").text_content()
        assert "confirmed" in state and "Ana Analyst" in state
        assert "<img src=x" in page.locator("#detail .review .history").text_content()
        assert account in page.locator("#detail h2").text_content()


def test_report_shows_an_evidence_row_s_languages_and_similarity_as_text(
    browser: Any, hostile_findings: Findings, tmp_path: Path
) -> None:
    # a paraphrase's similarity and each post's language beside it; the language is the
    # export's field, written by whoever wrote the post, so a payload there stays text
    findings = copy.copy(hostile_findings)
    ev = hostile_findings.evidence.copy()
    ev["similarity"] = ev["similarity"].astype("float64")
    account = str(ev.loc[0, "account_a"])
    mine = (ev["account_a"] == account) | (ev["account_b"] == account)
    ev.loc[mine, "similarity"] = 0.873
    ev.loc[mine, ["language_a", "language_b"]] = IMG
    findings.evidence = ev
    path = tmp_path / "report.html"
    write_report(findings, str(path))
    with watched_page(browser) as page:
        page.goto(path.as_uri() + "#/account/" + quote(account, safe=""))
        page.wait_for_selector("#detail section.account")
        rows = page.locator("#detail table.evidence tbody tr")
        assert rows.count() > 0
        assert rows.locator("td", has_text="similarity 0.87").count() == rows.count()
        assert rows.locator("span", has_text=IMG).count() == 2 * rows.count()
        assert page.locator("#detail img").count() == 0
