from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibscan.errors import InputError
from cibscan.evaluate import LabelSpec, average_precision, evaluate, nmi, purity, read_labels
from cibscan.findings import Findings

from .conftest import run_cli


def _findings(rows: list[tuple[str, bool, int | None, float]]) -> Findings:
    accounts = pd.DataFrame(rows, columns=["account_id", "flagged", "campaign", "score"])
    accounts["campaign"] = accounts["campaign"].astype("Int64")
    empty = pd.DataFrame()
    return Findings(accounts, empty, empty, empty, empty, summary={})


def _labels(tmp_path: Path, text: str, name: str = "labels.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_account_metrics_on_a_hand_made_case(tmp_path: Path) -> None:
    findings = _findings(
        [
            ("a", True, 1, 0.99),  # op1, found
            ("b", True, 1, 0.99),  # op1, found
            ("c", False, None, 0.2),  # op2, missed
            ("d", True, 2, 0.98),  # protester: a false positive
            ("e", False, None, 0.0),  # organic
            ("x", False, None, 0.0),  # unlabelled
        ]
    )
    labels = read_labels(
        _labels(
            tmp_path,
            "userid,label,role\na,op1,operation\nb,op1,operation\nc,op2,operation\n"
            "d,organic,protester\ne,organic,organic\nz,op2,operation\n",
        )
    )
    r = evaluate(findings, labels)
    assert r["coverage"] == {
        "labelled_accounts": 6,
        "labelled_in_data": 5,
        "labelled_not_in_data": 1,
        "unlabelled_in_data": 1,
        "positives": 3,
        "negatives": 2,
    }
    acc = r["accounts"]
    assert (acc["true_positives"], acc["false_positives"], acc["false_negatives"]) == (2, 1, 1)
    assert acc["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert acc["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert acc["f1"] == pytest.approx(2 / 3, abs=1e-4)
    # ranking a, b (0.99), d (0.98), c (0.2): AP = 2/3 * 1 + 1/3 * 3/4
    assert acc["pr_auc"] == pytest.approx(2 / 3 + 0.25, abs=1e-4)
    assert r["per_label"]["op2"] == {"accounts": 1, "flagged": 0, "share_flagged": 0.0}
    assert r["hard_negatives"] == {"accounts": 1, "flagged": 1, "share_flagged": 1.0}
    assert r["campaigns"]["purity"] == 1.0


def test_binary_labels_one_row_per_post_reduce_to_accounts(tmp_path: Path) -> None:
    path = _labels(tmp_path, "user_screen_name,label_io\na,1\na,1\nb,0\nb,0\n", "posts.csv")
    labels = read_labels(path, LabelSpec(id_column="user_screen_name", label_column="label_io"))
    assert labels.set_index("account_id")["positive"].to_dict() == {"a": True, "b": False}


def test_an_account_with_two_labels_is_an_error_naming_it(tmp_path: Path) -> None:
    path = _labels(tmp_path, "userid,label\na,op1\na,organic\n")
    with pytest.raises(InputError, match=r"account 'a' has more than one label"):
        read_labels(path)


def test_a_missing_column_names_the_file_and_the_option(tmp_path: Path) -> None:
    path = _labels(tmp_path, "id,label\na,op1\n")
    with pytest.raises(InputError) as info:
        read_labels(path)
    assert path in str(info.value) and "--id-column" in str(info.value)
    assert "'userid'" in str(info.value)


def test_average_precision_of_a_perfect_and_a_useless_ranking() -> None:
    y = np.array([1, 1, 0, 0], dtype=bool)
    assert average_precision(y, np.array([0.9, 0.8, 0.1, 0.0])) == pytest.approx(1.0)
    # all tied: precision is the base rate at the only threshold
    assert average_precision(y, np.zeros(4)) == pytest.approx(0.5)
    assert average_precision(np.zeros(3, dtype=bool), np.zeros(3)) is None


def test_purity_and_nmi_of_known_partitions() -> None:
    a = pd.Series([1, 1, 2, 2])
    assert purity(a, pd.Series(["x", "x", "y", "y"])) == 1.0
    assert nmi(a, pd.Series(["x", "x", "y", "y"])) == pytest.approx(1.0)
    assert nmi(a, pd.Series(["x", "y", "x", "y"])) == pytest.approx(0.0, abs=1e-12)
    assert purity(pd.Series([1, 1, 1, 1]), pd.Series(["x", "x", "x", "y"])) == 0.75


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=60))
def test_nmi_is_symmetric_and_between_0_and_1(pairs: list[tuple[int, int]]) -> None:
    a = pd.Series([p[0] for p in pairs])
    b = pd.Series([p[1] for p in pairs])
    v = nmi(a, b)
    assert v is not None and -1e-9 <= v <= 1 + 1e-9
    assert v == pytest.approx(nmi(b, a))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulated platform, detected and saved, with its labels.csv."""
    import cibscan
    from cibscan.simulate import SimConfig, generate, write

    folder = tmp_path_factory.mktemp("sim")
    posts, labels = generate(SimConfig(posts=12_000, seed=9))
    path = write(posts, labels, str(folder))
    cibscan.detect(cibscan.read(path)).save(str(folder / "results"))
    return folder


def test_evaluate_command_prints_json_that_matches_the_library(saved: Path) -> None:
    run = run_cli(
        "evaluate", str(saved / "results"), "--labels", str(saved / "labels.csv"), "--json"
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    import cibscan

    expected = evaluate(
        cibscan.load(str(saved / "results")), read_labels(str(saved / "labels.csv"))
    )
    assert result == json.loads(json.dumps(expected))
    assert result["accounts"]["recall"] > 0.5
    assert (
        "op_copypaste" in result["per_label"] and "protester" in result["negatives_flagged_by_role"]
    )


def test_evaluate_command_prints_tables_for_people(saved: Path) -> None:
    run = run_cli("evaluate", str(saved / "results"), "--labels", str(saved / "labels.csv"))
    assert run.returncode == 0, run.stderr
    assert "precision" in run.stdout and "op_brigade" in run.stdout and "NMI" in run.stdout


def test_evaluate_command_with_a_wrong_column_exits_2_with_one_line(saved: Path) -> None:
    run = run_cli(
        "evaluate",
        str(saved / "results"),
        "--labels",
        str(saved / "labels.csv"),
        "--label-column",
        "category",
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "category" in run.stderr


def test_simulate_command_writes_a_platform(tmp_path: Path) -> None:
    run = run_cli("simulate", "--posts", "2000", "--seed", "3", "--out", str(tmp_path / "s"), "-q")
    assert run.returncode == 0, run.stderr
    posts = pd.read_csv(tmp_path / "s" / "posts.csv")
    labels = pd.read_csv(tmp_path / "s" / "labels.csv")
    assert set(posts["userid"]) <= set(labels["userid"])
    assert (tmp_path / "s" / "suspended.txt").read_text().strip()
