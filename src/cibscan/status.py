"""The fixed sets of values a verdict can take, kept as data in the findings tables.

Words for people ("operation (no account metadata to test)") are built from these only by
the outputs, the report and the CLI; nothing matches statuses by prefix.
"""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    """Why an account is listed in the findings, if it is."""

    CAMPAIGN = "campaign"  #: a member of an operation: flagged
    CROWD = "crowd"  #: a member of an authentic-looking crowd: kept for review, not flagged
    REVIEW = "review"  #: a strong trait and no campaign: listed for review, not flagged
    NONE = "none"  #: not listed


class CampaignStatus(StrEnum):
    """What a campaign's assessment concluded."""

    OPERATION = "operation"  #: its members are flagged
    CROWD = "crowd"  #: an authentic-looking crowd: kept with its evidence, not flagged


class Assessment(StrEnum):
    """How a campaign's status was reached."""

    TESTED = "tested"  #: its members' markers were tested against the population
    NO_METADATA = "no_metadata"  #: no profile columns to test: it cannot be cleared
    OFF = "off"  #: assessment turned off (data made only of operation accounts)


#: Account statuses that list an account in the findings.
LISTED = tuple(s.value for s in (AccountStatus.CAMPAIGN, AccountStatus.CROWD, AccountStatus.REVIEW))


def campaign_words(status: str, assessment: str) -> str:
    """A campaign's verdict in words, for people."""
    if status == CampaignStatus.CROWD:
        return "authentic-looking crowd"
    if assessment == Assessment.NO_METADATA:
        return "operation (no account metadata to test)"
    if assessment == Assessment.OFF:
        return "operation (assessment off)"
    return "operation"
