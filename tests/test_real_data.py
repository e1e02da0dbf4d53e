"""Checks on the team's real data in ../shared/data; skipped, with the reason, elsewhere."""

from __future__ import annotations

import cibscan

from .conftest import shared_file


def test_russian_coortweet_sample_chance_correction() -> None:
    data = cibscan.read(str(shared_file("coortweet_russian_coord_tweets.csv.gz")))
    # Within one minute no pair co-shares more than 4 objects among 45M possible pairs:
    # chance explains it, so nothing may be called coordinated.
    assert cibscan.detect(data, window="1m").summary["counts"]["campaigns"] == 0
    findings = cibscan.detect(data, window="10min")
    assert len(findings.campaigns) >= 1
    ev = findings.evidence
    assert len(ev) > 0 and (ev["gap_seconds"] <= 600).all()
    flagged = set(findings.accounts.loc[findings.accounts["flagged"], "account_id"])
    assert flagged <= set(ev["account_a"]).union(ev["account_b"])
