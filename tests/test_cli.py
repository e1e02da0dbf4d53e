from __future__ import annotations

import json
from pathlib import Path

from .conftest import run_cli


def test_demo_end_to_end(tmp_path: Path) -> None:
    run = run_cli(
        "demo", "--out", str(tmp_path / "d"), "--posts", "8000", env={"COLUMNS": "120", "PATH": ""}
    )
    assert run.returncode == 0, run.stderr
    assert "planted operations: found" in run.stdout
    summary = json.loads((tmp_path / "d" / "results" / "summary.json").read_text())
    assert summary["counts"]["campaigns"] >= 3
    assert (tmp_path / "d" / "labels.csv").exists()


def test_bad_window_exits_2_with_one_line(tmp_path: Path) -> None:
    run = run_cli("detect", "x.csv", "--window", "soon")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "window" in run.stderr


def test_bad_scale_exits_2_with_one_line(tmp_path: Path) -> None:
    run = run_cli("detect", "x.csv", "--scales", "1h,later")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "'later'" in run.stderr


def test_bad_flag_exits_2_with_one_line(tmp_path: Path) -> None:
    run = run_cli("detect", "x.csv", "--flag", "everyone")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "'everyone'" in run.stderr


def test_bad_evidence_links_exits_2_with_one_line(tmp_path: Path) -> None:
    run = run_cli("detect", "x.csv", "--evidence-links", "-1")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "-1" in run.stderr


def test_bad_engine_settings_exit_2_with_one_line(tmp_path: Path) -> None:
    for args, named in (
        (("--engine", "postgres"), "'postgres'"),
        (("--spark-master", "local[2]"), "--engine spark"),
        (("--engine", "spark", "--spark-conf", "spark.driver.memory"), "key=value"),
    ):
        run = run_cli("detect", "x.csv", *args)
        assert run.returncode == 2 and run.stderr.count("\n") == 1, (args, run.stderr)
        assert named in run.stderr, (args, run.stderr)


def test_scales_none_tests_each_behaviour_at_its_window_only(tmp_path: Path) -> None:
    from cibscan.simulate import SimConfig, generate, write

    posts, labels = generate(SimConfig(posts=6_000, seed=2))
    write(posts, labels, str(tmp_path))
    out = {}
    for scales in ("none", "1h,1d"):
        run = run_cli(
            "detect",
            str(tmp_path / "posts.csv"),
            "-q",
            "--out",
            str(tmp_path / scales),
            "--scales",
            scales,
        )
        assert run.returncode == 0, run.stderr
        out[scales] = json.loads((tmp_path / scales / "summary.json").read_text())
    assert not any("@" in b for b in out["none"]["counts"]["traces"])
    assert {"corepost@1h", "corepost@1d"} <= set(out["1h,1d"]["counts"]["traces"])
    # copypaste's own window is 1 h: only the day is added
    assert out["1h,1d"]["settings"]["scales_seconds"]["copypaste"] == [86400]


def test_post_times_given_to_the_day_raise_the_windows_and_say_so(tmp_path: Path) -> None:
    import pandas as pd

    from cibscan.simulate import SimConfig, generate, write

    posts, labels = generate(SimConfig(posts=6_000, seed=2))
    write(posts, labels, str(tmp_path))
    table = pd.read_csv(tmp_path / "posts.csv", dtype=str, keep_default_na=False)
    table["tweet_time"] = table["tweet_time"].str[:10]  # dates only
    table.to_csv(tmp_path / "days.csv", index=False)
    run = run_cli("detect", str(tmp_path / "days.csv"), "--out", str(tmp_path / "r"))
    assert run.returncode == 0, run.stderr
    said = " ".join(run.stdout.split())
    assert "post times are given to the day: the windows of" in said
    assert "office hours) and clockwork posting were not tested" in said
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["input"]["time_step_seconds"] == 86_400
    assert set(summary["settings"]["windows_seconds"].values()) == {86_400}
    assert summary["settings"]["windows_raised_from"]["corepost"] == 60


def test_evidence_links_zero_keeps_the_evidence_of_every_link(tmp_path: Path) -> None:
    import pandas as pd

    from cibscan.simulate import SimConfig, generate, write

    posts, labels = generate(SimConfig(posts=6_000, seed=2))
    write(posts, labels, str(tmp_path))
    run = run_cli(
        "detect", str(tmp_path / "posts.csv"), "-q", "--out", str(tmp_path / "r"),
        "--evidence-links", "0",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["settings"]["link"]["evidence_links_per_account"] == 0
    links = pd.read_parquet(tmp_path / "r" / "links.parquet")
    evidence = pd.read_parquet(tmp_path / "r" / "evidence.parquet")
    assert len(links) > 0 and summary["counts"]["links_with_evidence"] == len(links)
    pairs = set(zip(evidence["account_a"], evidence["account_b"], strict=True))
    assert pairs == set(zip(links["account_a"], links["account_b"], strict=True))


def test_detect_with_a_suspension_list_names_the_accounts_that_came_back(tmp_path: Path) -> None:
    import pandas as pd

    from cibscan.simulate import SimConfig, generate, write

    posts, labels = generate(SimConfig(posts=20_000, seed=12))
    write(posts, labels, str(tmp_path))
    run = run_cli(
        "detect",
        str(tmp_path / "posts.csv"),
        "-q",
        "--out",
        str(tmp_path / "r"),
        "--suspended",
        str(tmp_path / "suspended.txt"),
    )
    assert run.returncode == 0, run.stderr
    accounts = pd.read_parquet(tmp_path / "r" / "accounts.parquet")
    evaders = set(labels.loc[labels["role"] == "ban_evader", "userid"])
    suspended = set(labels.loc[labels["role"] == "suspended", "userid"])
    named = accounts[accounts["evades"].notna()]
    assert set(named["account_id"]) <= evaders
    assert len(named) >= 0.5 * len(evaders)
    assert set(named["evades"]) <= suspended


def test_detect_with_an_unreadable_list_exits_2_naming_it(tmp_path: Path) -> None:
    run = run_cli("detect", "x.csv", "--watch", str(tmp_path / "missing.txt"))
    assert run.returncode == 2 and "missing.txt" in run.stderr and run.stderr.count("\n") == 1
