"""The fixed sets of values a verdict can take, kept as data in the findings tables.

Words for people ("operation (no account metadata to test)") are built from these only by
the outputs, the report and the CLI; nothing matches statuses by prefix.
"""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    """Why an account is listed in the findings, if it is."""

    CAMPAIGN = "campaign"  #: a member of an operation: flagged
    #: a member of a campaign nothing could be tested of: listed, flagged only on request
    COORDINATED = "coordinated"
    CROWD = "crowd"  #: a member of an authentic-looking crowd: kept for review, not flagged
    REVIEW = "review"  #: a strong trait and no campaign: listed for review, not flagged
    NONE = "none"  #: not listed


class CampaignStatus(StrEnum):
    """What a campaign's assessment concluded."""

    OPERATION = "operation"  #: coordinated and inauthentic by a tested marker: flagged
    CROWD = "crowd"  #: an authentic-looking crowd: kept with its evidence, not flagged
    #: coordinated beyond chance, but nothing about its members could be tested (no
    #: profile columns) and no marker of its posts was significant: kept with its
    #: evidence, its members flagged only on request (``DetectConfig.flag``)
    COORDINATED = "coordinated"


class Assessment(StrEnum):
    """How a campaign's status was reached."""

    TESTED = "tested"  #: its members' markers were tested against the population
    #: its members tested on the markers of an operation it is linked to (a small campaign
    #: cut from a large operation: ``detect._assess_families``)
    FAMILY = "family"
    NO_METADATA = "no_metadata"  #: no profile columns to test: neither cleared nor convicted
    OFF = "off"  #: assessment turned off (data made only of operation accounts)


#: Account statuses that list an account in the findings.
LISTED = tuple(
    s.value
    for s in (
        AccountStatus.CAMPAIGN,
        AccountStatus.COORDINATED,
        AccountStatus.CROWD,
        AccountStatus.REVIEW,
    )
)

#: What ``DetectConfig.flag`` may be: flag the members of operations only (the default),
#: or of every coordinated campaign that was not cleared as a crowd.
FLAG_CHOICES = ("operation", "coordinated")


def campaign_words(status: str, assessment: str) -> str:
    """A campaign's verdict in words, for people."""
    if status == CampaignStatus.CROWD:
        return "authentic-looking crowd"
    if status == CampaignStatus.COORDINATED:
        return "coordinated, unassessed (no account metadata to test)"
    if assessment == Assessment.NO_METADATA:  # findings saved before format 7
        return "operation (no account metadata to test)"
    if assessment == Assessment.OFF:
        return "operation (assessment off)"
    if assessment == Assessment.FAMILY:
        return "operation (with its family: linked to an operation whose markers it carries)"
    return "operation"


def account_words(status: str, campaign: object) -> str:
    """Where an account stands, in words, for people: "operation 4", "crowd 7"."""
    if status == AccountStatus.CAMPAIGN:
        return f"operation {campaign}"
    if status == AccountStatus.COORDINATED:
        return f"coordinated campaign {campaign}, unassessed"
    if status == AccountStatus.CROWD:
        return f"crowd {campaign}"
    if status == AccountStatus.REVIEW:
        return "listed for review"
    return "in no campaign"
