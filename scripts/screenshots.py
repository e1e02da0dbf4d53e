"""Screenshots of the report and the dashboard on the simulated demo platform, for docs/.

    python scripts/screenshots.py [--out docs]

Needs Chromium (Debian's ``chromium`` package) and Playwright (``pip install -e '.[dev]'``);
Debian's fonts-noto-cjk and fonts-noto-color-emoji draw the Chinese texts and emoji.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from playwright.sync_api import sync_playwright

import cibscan
from cibscan.dashboard import create_app, serve_in_thread
from cibscan.report import write_report
from cibscan.simulate import SimConfig, generate, write
from cibscan.traits.assess import SCHEDULE_MARKER
from cibscan.web import chromium

VIEWPORT = {"width": 1440, "height": 900}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="cibscan-shots-")
    posts, labels = generate(SimConfig(posts=50_000, seed=7))
    path = write(posts, labels, work)
    findings = cibscan.detect(cibscan.read(path))
    results = os.path.join(work, "results")
    findings.save(results)
    report = os.path.join(work, "report.html")
    write_report(findings, report, title="Simulated platform, 50,000 posts (seed 7)")
    # the campaign with the office-hours schedule shows most at a glance
    markers = findings.campaign_markers
    office = markers[(markers["marker"] == SCHEDULE_MARKER) & markers["significant"]]
    campaign = int(office["campaign"].iloc[0])
    with sync_playwright() as p:
        browser = chromium.launch(p)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"file://{report}#/campaign/{campaign}")
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_timeout(600)  # let the camera animation settle before the picture
        page.screenshot(path=os.path.join(args.out, "report.png"))
        page.locator("#detail h3", has_text="Timeline").evaluate("el => el.scrollIntoView()")
        page.screenshot(path=os.path.join(args.out, "report-timeline.png"))
        with serve_in_thread(create_app(findings, results)) as url:
            page = browser.new_page(viewport=VIEWPORT)
            member = findings.accounts.loc[
                findings.accounts["campaign"] == campaign, "account_id"
            ].iloc[0]
            page.goto(f"{url}/#/account/{member}")
            page.wait_for_selector("body[data-ready=true]")
            page.fill("#reviewer", "A. Analyst")
            page.dispatch_event("#reviewer", "change")
            page.fill("#detail .review textarea", "Same texts, weekday office hours in UTC+8.")
            page.click("#detail .review button[data-decision=confirmed]")
            page.wait_for_selector("#detail .review-state .badge.confirmed")
            page.select_option("#filters select[name=status]", "operation")
            page.wait_for_timeout(600)
            page.screenshot(path=os.path.join(args.out, "dashboard.png"))
        browser.close()
    print(f"screenshots in {args.out}/ (work files in {work})")


if __name__ == "__main__":
    main()
