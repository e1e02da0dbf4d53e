from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cibscan.errors import InputError
from cibscan.evaluate import (
    LabelSpec,
    average_precision,
    evaluate,
    nmi,
    pr_curve,
    purity,
    read_labels,
    reliability,
)
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


def test_reliability_bins_hold_every_account_with_its_mean_score_and_share() -> None:
    y = np.array([0, 0, 1, 1, 1, 0], dtype=bool)
    score = np.array([0.02, 0.08, 0.95, 1.0, 0.55, 0.51])
    r = reliability(y, score)
    bins = {b["low"]: b for b in r["bins"]}
    assert len(r["bins"]) == 10 and sum(b["accounts"] for b in r["bins"]) == 6
    assert bins[0.0]["accounts"] == 2 and bins[0.0]["share_positive"] == 0.0
    assert bins[0.0]["mean_score"] == pytest.approx(0.05)
    assert bins[0.5]["accounts"] == 2 and bins[0.5]["share_positive"] == 0.5
    assert bins[0.9]["accounts"] == 2 and bins[0.9]["mean_score"] == pytest.approx(0.975)
    assert bins[0.3]["accounts"] == 0 and bins[0.3]["mean_score"] is None
    # |0.05 - 0| * 2 + |0.53 - 0.5| * 2 + |0.975 - 1| * 2, over 6
    assert r["ece"] == pytest.approx((0.1 + 0.06 + 0.05) / 6, abs=1e-4)
    # scores that are the labels themselves are calibrated
    assert reliability(y, y.astype(float))["ece"] == 0.0


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=80))
def test_reliability_drops_no_account_and_its_error_is_a_share(
    rows: list[tuple[bool, float]],
) -> None:
    y = np.array([r[0] for r in rows], dtype=bool)
    score = np.array([r[1] for r in rows])
    r = reliability(y, score)
    assert sum(b["accounts"] for b in r["bins"]) == len(rows)
    assert sum(b["positives"] for b in r["bins"]) == int(y.sum())
    assert 0.0 <= r["ece"] <= 1.0
    curve = pr_curve(y, score)
    if y.any():
        assert curve[-1]["recall"] == 1.0 and curve[-1]["precision"] == round(y.mean(), 4)
        recalls = [c["recall"] for c in curve]
        assert recalls == sorted(recalls) and len(curve) <= 200
    else:
        assert curve == []


def test_the_precision_recall_curve_has_one_point_per_threshold() -> None:
    y = np.array([1, 1, 0, 1, 0], dtype=bool)
    curve = pr_curve(y, np.array([0.9, 0.9, 0.8, 0.3, 0.1]))
    assert [(c["threshold"], c["precision"], c["recall"]) for c in curve] == [
        (0.9, 1.0, round(2 / 3, 4)),
        (0.8, round(2 / 3, 4), round(2 / 3, 4)),
        (0.3, 0.75, 1.0),
        (0.1, 0.6, 1.0),
    ]


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


def test_evaluate_command_writes_the_reliability_diagram_as_svg(
    saved: Path, tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    plot = tmp_path / "eval.svg"
    run = run_cli(
        "evaluate", str(saved / "results"), "--labels", str(saved / "labels.csv"),
        "--plot", str(plot),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "calibration error" in run.stdout and str(plot.name) in run.stdout
    root = ET.parse(plot).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f".//{ns}polyline")
    assert len(lines) == 2  # the bins' mean scores against their shares, and the PR curve
    assert len(lines[1].get("points", "").split()) > 2
    titles = [t.text for t in root.iter(f"{ns}text")]
    assert "Precision-recall" in titles and any((t or "").startswith("Reliability") for t in titles)


def test_evaluate_command_with_an_unwritable_plot_exits_2_with_one_line(
    saved: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "no-such-folder" / "eval.svg"
    run = run_cli(
        "evaluate", str(saved / "results"), "--labels", str(saved / "labels.csv"),
        "--plot", str(plot),
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "eval.svg" in run.stderr
