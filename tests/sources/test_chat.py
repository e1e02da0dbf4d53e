from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources.chat import parse


def _write(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_all_three_line_styles_continuations_and_direct_messages(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "2024-05-01 meeting_saved_chat.txt",
        [
            "10:02:13 From Jane Doe to Everyone: hello all",
            "10:02:20 From Li Wei to Jane Doe(Direct Message): traitor",
            "10:03:01 From  Sam : first line",
            "\tsecond line",
            "10:04:00 From Ana to Everyone:",
            "\tmessage on the next line",
        ],
    )
    frame = parse(path, 1000)
    assert list(frame["account_id"]) == ["Jane Doe", "Li Wei", "Sam", "Ana"]
    assert str(frame["created_at"].iloc[0]) == "2024-05-01 10:02:13"
    assert frame["kind"].tolist() == ["post", "reply", "post", "post"]
    assert frame["parent_account_id"].iloc[1] == "Jane Doe"
    assert frame["text"].iloc[2] == "first line\nsecond line"
    assert frame["text"].iloc[3] == "message on the next line"


def test_midnight_rolls_over_and_a_file_without_a_date_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "20240501.txt",
        ["23:59:50 From A to Everyone: x", "00:00:10 From B to Everyone: y"],
    )
    frame = parse(path, 1000)
    assert str(frame["created_at"].iloc[1]) == "2024-05-02 00:00:10"
    nodate = _write(tmp_path, "chat.txt", ["10:00:00 From A to Everyone: x"])
    with pytest.raises(InputError, match="no date"):
        parse(nodate, 1000)


def test_a_line_that_is_not_chat_names_its_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "2024-05-01.txt", ["garbage first", "10:00:00 From A to Everyone: x"])
    with pytest.raises(InputError, match="row 1"):
        parse(path, 1000)


def test_a_flood_into_a_call_is_a_campaign_and_the_participants_are_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    lines: list[tuple[int, str]] = []
    people = [f"Participant {i}" for i in range(60)]
    words = "budget school road park housing water library bus tax safety".split()
    for k in range(500):  # an ordinary conversation over two hours
        t = int(rng.integers(0, 7200))
        lines.append(
            (
                t,
                f"From {people[int(rng.integers(0, 60))]} to Everyone: "
                f"{' '.join(rng.choice(words, 6))} {k}",
            )
        )
    trolls = [f"troll{i}" for i in range(10)]
    threats = ["we know where you live", "traitor you will pay", "shut up or else"]
    for wave in range(8):  # eight waves, each of one threat within a minute
        t0 = 300 + wave * 400
        for name in trolls:
            if rng.random() < 0.8:
                t = t0 + int(rng.integers(0, 50))
                lines.append((t, f"From {name} to Everyone: {threats[wave % 3]}"))
    lines.sort()
    text = [f"{10 + t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d} {body}" for t, body in lines]
    path = _write(tmp_path, "2024-05-01_townhall.txt", text)
    # a call's chat has no profiles to test its members by: flagged on request
    findings = cibscan.detect(cibscan.read(path), window="1m", flag="coordinated")
    flagged = set(findings.accounts.loc[findings.accounts["flagged"], "account_id"])
    assert flagged and flagged <= set(trolls)
    # the flood is ranked above every participant, flagged or not
    score = findings.accounts.set_index("account_id")["score"]
    assert score[trolls].min() > score[people].max()
