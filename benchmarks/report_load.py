"""Size of the report and its load time in headless Chromium, against the demo in one run.

    python benchmarks/report_load.py RESULTS_FOLDER [RESULTS_FOLDER ...] [--runs 3]

For each findings folder: the time and peak memory of ``cibscan report`` (a child
process), the HTML size, and the time from navigation until the page says it is ready
(data parsed, campaign list and detail drawn, the whole network loaded into WebGL), the
median of ``--runs`` fresh pages. The baseline is the 50,000-post simulated platform
(seed 7), measured in the same run. Needs Chromium and Playwright (see README).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from _common import timed
from playwright.sync_api import sync_playwright

import cibscan
from cibscan.simulate import SimConfig, generate, write
from cibscan.web import chromium


def baseline_folder() -> str:
    work = tempfile.mkdtemp(prefix="cibscan-report-baseline-")
    posts, labels = generate(SimConfig(posts=50_000, seed=7))
    findings = cibscan.detect(cibscan.read(write(posts, labels, work)))
    findings.save(os.path.join(work, "results"))
    return os.path.join(work, "results")


def load_seconds(browser: object, path: str, runs: int) -> tuple[float, dict[str, int]]:
    times = []
    counts: dict[str, int] = {}
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(f"file://{os.path.abspath(path)}")
        page.wait_for_selector("body[data-ready=true]", timeout=300_000)
        times.append(time.perf_counter() - start)
        counts = {
            "nodes": page.evaluate("window.cibscan.net.graph.order"),
            "edges": page.evaluate("window.cibscan.net.graph.size"),
        }
        if errors:
            raise SystemExit(f"{path}: JavaScript errors: {errors}")
        page.close()
    return statistics.median(times), counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    folders = [("simulated 50k (baseline)", baseline_folder())]
    folders += [(os.path.basename(os.path.normpath(f)), f) for f in args.folders]
    with sync_playwright() as p:
        browser = chromium.launch(p)
        for name, folder in folders:
            html = os.path.join(tempfile.mkdtemp(), "report.html")
            made = timed(["cibscan", "report", folder, "-o", html])
            seconds, counts = load_seconds(browser, html, args.runs)
            rows.append(
                {
                    "findings": name,
                    "report_wall_s": made["wall_s"],
                    "report_peak_gb": made["peak_gb"],
                    "size_mb": round(os.path.getsize(html) / 1e6, 2),
                    "load_s": round(seconds, 2),
                    **counts,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        browser.close()
    base = rows[0]
    for row in rows[1:]:
        print(
            f"{row['findings']}: {row['size_mb'] / base['size_mb']:.1f}x the size, "
            f"{row['load_s'] / base['load_s']:.1f}x the load time of the baseline"
        )


if __name__ == "__main__":
    main()
