"""A small simulated platform whose operation writes hostile markup everywhere.

The copy-paste operation's texts, display names and bios carry ``<script>``, ``<img
onerror>``, ``javascript:`` URLs, HTML entities and spreadsheet formulas; every test of
the report and the dashboard runs on its findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cibscan
from cibscan.simulate import SimConfig, generate, write

SCRIPT = "<script>window.__pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.__pwned = 'img'\">"
JS_URL = "javascript:window.__pwned=1"
ENTITIES = "&lt;b&gt;not bold&lt;/b&gt; &amp; &#60;i&#62;"
CLOSE = "</script><script>window.__pwned = 'close'</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE = (SCRIPT, IMG, JS_URL, ENTITIES, CLOSE)


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    posts, labels = generate(SimConfig(posts=20_000, seed=11))
    op = posts["userid"].str.startswith("op_copypaste")
    posts.loc[op, "tweet_text"] = posts.loc[op, "tweet_text"] + " " + " ".join(HOSTILE)
    posts.loc[op, "user_display_name"] = IMG
    posts.loc[op, "user_profile_description"] = SCRIPT + " " + ENTITIES
    first = posts.loc[op, "userid"].iloc[0]
    posts.loc[posts["userid"] == first, "user_display_name"] = FORMULA
    links = posts["userid"].str.startswith("op_link")
    shared = links & (posts["urls"] != "[]")
    posts.loc[shared, "urls"] = posts.loc[shared, "urls"].str.replace("]", f", '{JS_URL}']")
    path = write(posts, labels, str(folder))
    findings = cibscan.detect(cibscan.read(path))
    results = folder / "results"
    findings.save(str(results))
    return results


@pytest.fixture(scope="session")
def hostile_findings(hostile_results: Path) -> cibscan.Findings:
    return cibscan.Findings.load(str(hostile_results))
