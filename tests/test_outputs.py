"""Hostile text never escapes: CSV formulas are defused, GEXF is well-formed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cibscan.findings import Findings
from cibscan.outputs.gexf import write_gexf
from cibscan.outputs.tables import defuse_cell, defuse_frame, write_csv, write_parquet

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


_CELLS = st.one_of(
    st.none(),
    st.sampled_from([*HOSTILE, "ok\x07bell", "line\nbreak", "中文", ""]),
    st.text(max_size=8),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(_CELLS, _CELLS, st.integers(-5, 5)), min_size=1, max_size=40),
    st.integers(1, 9),
    st.booleans(),
)
def test_tables_written_slice_by_slice_are_those_written_whole(
    tmp_path_factory, rows: list[tuple[object, object, int]], at_a_time: int, numbers: bool
) -> None:  # type: ignore[no-untyped-def]
    """CSV slices defused one at a time give the bytes of the whole frame defused at once,
    and Parquet slices the same frame and metadata back: hostile cells in some slices
    only, a column with nothing in some slices, numbers; an object column of numbers is
    written whole."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    frame = pd.DataFrame(
        {
            "text": [r[0] for r in rows],
            "other": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "empty": [None] * len(rows),
        }
    )
    if numbers:  # numbers in an object column, as pandas keeps them from Python lists
        frame["numbers"] = pd.Series([abs(r[2]) for r in rows], dtype=object)
    folder = tmp_path_factory.mktemp("csv")
    whole, sliced = folder / "whole.csv", folder / "sliced.csv"
    pacsv.write_csv(pa.Table.from_pandas(defuse_frame(frame), preserve_index=False), whole)
    write_csv(frame, str(sliced), rows=at_a_time)
    assert sliced.read_bytes() == whole.read_bytes()
    # Parquet slice by slice: read back, the frame a single write gives, and its metadata
    whole, sliced = folder / "whole.parquet", folder / "sliced.parquet"
    frame.to_parquet(whole, index=False)
    write_parquet(frame, str(sliced), rows=at_a_time)
    pd.testing.assert_frame_equal(pd.read_parquet(sliced), pd.read_parquet(whole))
    assert pq.read_schema(sliced).equals(pq.read_schema(whole), check_metadata=True)


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
