"""Bad input: one clear line naming file, row and field; nothing dropped silently."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError

GOOD = "post_id,account_id,created_at,text\n1,a,2021-01-01 10:00,hello\n2,b,2021-01-01 10:01,hi\n"


def _write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_missing_required_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "post_id,text\n1,hello\n")
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "p.csv" in str(err.value) and "account_id" in str(err.value)


def test_unparsable_time_names_row_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD + "3,c,2021-13-45 99:00,bad\n")
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert err.value.row == 3 and err.value.field == "created_at"
    assert "2021-13-45" in str(err.value)


def test_skip_mode_counts_every_skipped_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD + "3,c,not a time,bad\n4,,2021-01-01,no account\n")
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.n_posts == 2
    assert data.report.skipped == {"unparsable time": 1, "missing account id": 1}
    assert data.report.rows_read == data.report.posts_loaded + sum(data.report.skipped.values())


def test_wrong_delimiter_is_explained(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD.replace(",", ";"))
    with pytest.raises(InputError, match="delimiter"):
        cibscan.read(path, delimiter="|")


def test_semicolon_file_is_sniffed(tmp_path: Path) -> None:
    assert cibscan.read(_write(tmp_path, "p.csv", GOOD.replace(",", ";"))).n_posts == 2


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        cibscan.read(_write(tmp_path, "p.csv", ""))


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no rows"):
        cibscan.read(_write(tmp_path, "p.csv", "post_id,account_id,created_at\n"))


def test_truncated_gzip(tmp_path: Path) -> None:
    whole = gzip.compress((GOOD * 2000).encode())
    with pytest.raises(InputError, match="truncated"):
        cibscan.read(_write(tmp_path, "p.csv.gz", whole[: len(whole) // 2]))


def test_invalid_utf8_suggests_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD.encode() + b"3,c,2021-01-01,caf\xe9\n")
    with pytest.raises(InputError, match="UTF-8"):
        cibscan.read(path)
    assert cibscan.read(path, encoding="latin-1").n_posts == 3


def test_huge_text_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD + "3,c,2021-01-01," + "x" * 1_000_000 + "\n")
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert err.value.row == 3 and err.value.field == "text"
    assert cibscan.read(path, max_text_chars=2_000_000).n_posts == 3


def test_repeated_post_ids_are_counted(tmp_path: Path) -> None:
    data = cibscan.read(_write(tmp_path, "p.csv", GOOD + "1,a,2021-01-01 10:00,hello\n"))
    assert data.n_posts == 2
    assert data.report.skipped == {"repeated row (exact copy of another)": 1}


def test_cli_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD + "3,c,yesterday,bad\n")
    run = subprocess.run(
        [sys.executable, "-m", "cibscan.cli", "detect", path, "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "row 3" in lines[0] and "created_at" in lines[0]
    assert "Traceback" not in run.stderr


def test_missing_file_via_cli(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cibscan.cli", "detect", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "no such file" in run.stderr


def test_frames_roundtrip_preserves_every_post() -> None:
    posts = pd.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "a"],
            "created_at": pd.to_datetime(["2021-01-01", "2021-01-02"]),
        }
    )
    data = cibscan.Dataset.from_frames(posts)
    assert data.n_posts == 2 and data.n_accounts == 1


def test_zstd_and_gzip_are_read_transparently(tmp_path: Path) -> None:
    import duckdb

    from cibscan.sources._sql import sql_str

    plain = _write(tmp_path, "p.csv", GOOD)
    con = duckdb.connect()
    for name, codec in (("p.csv.zst", "zstd"), ("p.csv.gz", "gzip")):
        target = str(tmp_path / name)
        # COPY ... TO takes no parameter on every DuckDB version allowed: a quoted literal
        con.execute(
            f"COPY (SELECT * FROM read_csv({sql_str(plain)}, all_varchar = true)) "
            f"TO {sql_str(target)} (FORMAT csv, HEADER, COMPRESSION {codec})"
        )
        assert cibscan.read(target).n_posts == 2


def test_huge_text_cell_via_cli_names_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD + "3,c,2021-01-01," + "x" * 100_000 + "\n")
    cmd = [sys.executable, "-m", "cibscan.cli", "detect", path, "--out", str(tmp_path / "r"), "-q"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    assert run.returncode == 2 and "--max-text-chars" in run.stderr
    run = subprocess.run([*cmd, "--max-text-chars", "200000"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_header_naming_a_column_twice_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.csv",
        "post_id,account_id,created_at,account_id,text\n1,a,2021-01-01 10:00,b,hi\n",
    )
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert err.value.field == "account_id" and err.value.row == 1
    assert "twice" in str(err.value)


def test_a_column_really_named_like_a_renamed_repeat_is_read(tmp_path: Path) -> None:
    header = "post_id,account_id,account_id_1,created_at\n"
    path = _write(tmp_path, "p.csv", header + "1,a,x,2021-01-01\n")
    data = cibscan.read(path)
    assert data.con.execute("SELECT account_id FROM posts").fetchall() == [("a",)]


def test_every_error_is_one_bounded_line_even_for_a_file_without_line_breaks(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "p.csv", "x" * 3_000_000)
    run = subprocess.run(
        [sys.executable, "-m", "cibscan.cli", "detect", path, "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert len(run.stderr) < 1000 and "\n" not in run.stderr.strip(), run.stderr[:300]
    assert "p.csv" in run.stderr and "more characters" in run.stderr


def test_long_format_rows_of_one_post_are_one_post_with_all_its_objects(tmp_path: Path) -> None:
    rows = (
        "account_id,post_id,url_id,hashtag_id,domain_id,phash_id,timestamp\n"
        "a,1,u1,,d1,,1629589836\n"
        "a,1,,h1,,p1,1629589836\n"  # the same post, other objects
        "a,1,u1,,d1,,1629589836\n"  # an exact repeat
        "b,2,u2,,,,1629589900\n"
        "c,2,u2,,,,1629589999\n"  # the same post id, another author: a conflict
    )
    data = cibscan.read(_write(tmp_path, "long.csv", rows))
    posts = data.con.execute(
        "SELECT post_id, account_id, urls, hashtags, objects FROM posts ORDER BY post_id"
    ).fetchall()
    assert posts == [
        ("1", "a", [], ["h1"], ["domain:d1", "image:p1", "url:u1"]),
        ("2", "b", [], [], ["url:u2"]),
    ]
    report = data.report
    assert report.skipped == {
        "repeated row (exact copy of another)": 1,
        "repeated post id with other author, time or text (earliest kept)": 1,
    }
    assert report.rows_merged == 1
    assert report.rows_read == report.posts_loaded + report.rows_merged + sum(
        report.skipped.values()
    )


def test_over_long_profile_fields_and_lists_are_cut_and_counted(tmp_path: Path) -> None:
    from cibscan.dataset import Dataset
    from cibscan.schema import MAX_FIELD_CHARS, MAX_LIST_ITEMS

    posts = pd.DataFrame(
        {
            "post_id": [str(i) for i in range(40)],
            "account_id": [f"a{i % 4}" for i in range(40)],
            "created_at": pd.date_range("2024-01-01", periods=40, freq="min"),
            "text": "hi",
            "hashtags": [["x" * 5000, *(["t"] * 1000)]] * 40,
        }
    )
    # a 1 MB handle once made impersonation matching quadratic (minutes for one account)
    accounts = pd.DataFrame({"account_id": ["a0"], "handle": ["h" * 1_000_000], "bio": ["b"]})
    data = Dataset.from_frames(posts, accounts)
    assert data.report.cut == {"hashtags": 40, "handle": 1}
    handle = data.con.execute("SELECT handle FROM accounts WHERE account_id = 'a0'").fetchone()
    assert handle == ("h" * MAX_FIELD_CHARS["handle"],)
    tags = data.con.execute("SELECT max(len(hashtags)), max(length(hashtags[1])) FROM posts")
    assert tags.fetchone() == (MAX_LIST_ITEMS, MAX_FIELD_CHARS["hashtags"])
    findings = cibscan.detect(data)
    assert findings.summary["input"]["cut"] == {"hashtags": 40, "handle": 1}
    assert findings.accounts["handle"].str.len().max() == MAX_FIELD_CHARS["handle"]


def test_a_memory_limit_that_is_no_amount_or_too_small_is_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", GOOD * 1)
    for limit, words in (("abc", "not an amount of memory"), ("1KB", "memory")):
        run = subprocess.run(
            [sys.executable, "-m", "cibscan.cli", "detect", path, "--out",
             str(tmp_path / "r"), "--memory-limit", limit, "-q"],
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert run.returncode == 2 and words in run.stderr, run.stderr[-300:]
        assert "Traceback" not in run.stderr and "\n" not in run.stderr.strip()


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("OutOfMemoryException", "ran out of memory"),
        ("IOException", "ran out of disk space"),
    ],
)
def test_an_engine_out_of_memory_or_disk_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: str, words: str
) -> None:
    import duckdb

    from cibscan import cli

    def fail() -> None:
        message = 'Could not write file "/tmp/x.tmp": No space left on device'
        raise getattr(duckdb, error)(message)

    monkeypatch.setattr(cli, "app", fail)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]


def test_other_engine_io_errors_are_not_called_a_full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    from cibscan import cli

    def fail() -> None:
        raise duckdb.IOException("Cannot open file: permission denied")

    monkeypatch.setattr(cli, "app", fail)
    with pytest.raises(duckdb.IOException):
        cli.main()


def _parquet_posts(tmp_path: Path, n: int, **columns: object) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    times = pd.Timestamp("2021-01-01") + pd.to_timedelta(pd.RangeIndex(n) % 500, unit="min")
    frame = pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(n)],
            "account_id": [f"a{i % 97}" for i in range(n)],
            "created_at": times.strftime("%Y-%m-%d %H:%M"),
            "text": "hello",
            **columns,
        }
    )
    path = tmp_path / "posts.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=4096)
    return str(path)


def test_a_parquet_file_s_bad_row_is_named_by_its_number_and_its_posts_keep_the_file_order(
    tmp_path: Path,
) -> None:
    # the row numbers come from Parquet's reader, and the staged rows may come out of
    # order (DuckDB swapped the halves of a 2M-row file): the posts are inserted in it
    n = 120_000
    path = _parquet_posts(tmp_path, n)
    data = cibscan.read(path)
    order = [r[0] for r in data.con.execute("SELECT post_id FROM posts").fetchall()]
    assert order == [f"p{i}" for i in range(n)]
    frame = pd.read_parquet(path)
    frame.loc[100_000, "created_at"] = "not a time"
    frame.to_parquet(path, index=False)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert err.value.row == 100_001 and err.value.field == "created_at"


def test_a_parquet_column_named_like_the_reader_s_row_number_is_read(tmp_path: Path) -> None:
    path = _parquet_posts(tmp_path, 10, file_row_number=list(range(10, 20)))
    assert cibscan.read(path).n_posts == 10


def test_an_account_s_attributes_are_those_of_its_latest_post_the_last_of_ties(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "p.csv",
        "post_id,account_id,created_at,text,followers\n"
        "1,a,2021-01-01 10:00,x,5\n"
        "2,a,2021-01-01 10:02,x,7\n"
        "3,a,2021-01-01 10:02,x,9\n"
        "4,a,2021-01-01 10:01,x,11\n",
    )
    parquet = str(tmp_path / "p.parquet")
    pd.read_csv(path, dtype=str).to_parquet(parquet, index=False)
    for name in (path, parquet):
        accounts = cibscan.read(name).accounts_df()
        assert accounts.loc[accounts["account_id"] == "a", "followers"].tolist() == [9], name


def test_a_folder_reads_as_the_files_under_it_in_name_order(tmp_path: Path) -> None:
    # as Spark and Hive write a table: part files, a partition subfolder, bookkeeping
    folder = tmp_path / "table"
    (folder / "day=2").mkdir(parents=True)
    pd.DataFrame(
        {"post_id": ["3", "4"], "account_id": ["c", "a"], "created_at": ["2021-01-02"] * 2}
    ).to_parquet(folder / "day=2" / "part-0.parquet")
    pd.DataFrame(
        {"post_id": ["1", "2"], "account_id": ["a", "b"], "created_at": ["2021-01-01"] * 2}
    ).to_parquet(folder / "part-0.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".part-0.parquet.crc").write_bytes(b"\x00")
    data = cibscan.read(str(folder))
    posts = data.con.execute("SELECT post_id FROM posts ORDER BY post_id").fetchall()
    assert [p[0] for p in posts] == ["1", "2", "3", "4"]
    assert [Path(f).name for f in data.report.files] == ["part-0.parquet", "part-0.parquet"]
    assert data.report.files[0].endswith("day=2/part-0.parquet")  # "day=2" < "part-0"


def test_a_file_in_a_folder_that_cibscan_does_not_read_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder, "posts.csv", GOOD)
    _write(folder, "README.md", "about this export")
    with pytest.raises(InputError) as err:
        cibscan.read(str(folder))
    assert "README.md" in str(err.value) and "not a file cibscan reads" in str(err.value)
    empty = tmp_path / "empty"
    (empty / "_temporary").mkdir(parents=True)
    with pytest.raises(InputError, match="holds no"):
        cibscan.read(str(empty))
