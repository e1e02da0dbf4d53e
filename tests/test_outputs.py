"""Hostile text never escapes: CSV formulas are defused, GEXF is well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from cibscan.findings import Findings
from cibscan.outputs.gexf import write_gexf
from cibscan.outputs.tables import defuse_cell, write_csv

HOSTILE = [
    '=HYPERLINK("http://evil")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "\"&<>'",
    "normal",
]


def test_formula_cells_are_defused(tmp_path: Path) -> None:
    write_csv(pd.DataFrame({"text": HOSTILE, "n": range(len(HOSTILE))}), str(tmp_path / "x.csv"))
    back = pd.read_csv(tmp_path / "x.csv")
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in back["text"])
    assert back["text"].iloc[-1] == "normal" and defuse_cell(5) == 5


def test_gexf_escapes_names(tmp_path: Path) -> None:
    accounts = pd.DataFrame(
        {
            "account_id": ["a<1>", 'b"&'],
            "handle": ["<script>", "x&y"],
            "flagged": [True, True],
            "campaign": pd.array([1, 1], dtype="Int64"),
            "score": [1.0, 0.99],
        }
    )
    links = pd.DataFrame(
        {
            "account_a": ["a<1>"],
            "account_b": ['b"&'],
            "behaviours": ["corepost"],
            "shared": [3],
            "weight": [2.0],
            "log10_q": [-5.0],
        }
    )
    empty = pd.DataFrame()
    write_gexf(Findings(accounts, empty, links, empty, empty), str(tmp_path / "g.gexf"))
    root = ET.parse(tmp_path / "g.gexf").getroot()
    labels = {n.get("label") for n in root.iter("{http://gexf.net/1.3}node")}
    assert labels == {"<script>", "x&y"}


def test_control_characters_are_escaped_not_dropped_everywhere(tmp_path: Path) -> None:
    from cibscan.cli import _plain

    nasty = ["nul\x00here", "\x1b[2J\x1b]0;owned\x07", "c1 \x9b control", "fine"]
    accounts = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "handle": nasty,
            "flagged": True,
            "campaign": pd.array([1] * 4, dtype="Int64"),
            "score": 1.0,
        }
    )
    links = pd.DataFrame(
        {
            "account_a": ["a", "b"],
            "account_b": ["c", "d"],
            "behaviours": ["corepost", "copypaste"],
            "shared": [3, 3],
            "weight": [2.0, 2.0],
            "log10_q": [-5.0, -5.0],
        }
    )
    empty = pd.DataFrame()
    write_gexf(Findings(accounts, empty, links, empty, empty), str(tmp_path / "g.gexf"))
    root = ET.parse(tmp_path / "g.gexf").getroot()  # well-formed XML
    labels = {n.get("label") for n in root.iter("{http://gexf.net/1.3}node")}
    assert labels == {"nul\\x00here", "\\x1b[2J\\x1b]0;owned\\x07", "c1 \\x9b control", "fine"}
    write_csv(accounts[["account_id", "handle"]].iloc[:2], str(tmp_path / "a.csv"))
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x00" not in text and "\\x1b[2J" in text and "nul\\x00" in text
    shown = _plain(nasty[1])
    assert "\x1b" not in shown and "\x07" not in shown and "owned" in shown
