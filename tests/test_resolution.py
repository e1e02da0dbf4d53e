"""How finely times are given: the grain read from a column, and what detect does with it."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from cibscan.resolution import GRID_SHARE, MIN_VALUES, STEPS, at_step, column_step, grid_step

GRAINS = st.sampled_from([*STEPS, 1])


def _on_grid(values: np.ndarray, step: int) -> bool:
    """Whether at least GRID_SHARE of ``values`` share one phase of ``step``."""
    return bool(np.bincount(values % step).max() >= GRID_SHARE * len(values))


@given(
    grain=GRAINS,
    phase=st.integers(0, 86_399),
    ticks=st.lists(st.integers(0, 10**6), min_size=MIN_VALUES, max_size=200),
)
@example(grain=60, phase=0, ticks=[1440 * k for k in range(MIN_VALUES)])
def test_a_grid_is_read_at_its_step_or_coarser_when_every_value_happens_to_fit(
    grain: int, phase: int, ticks: list[int]
) -> None:
    values = phase + grain * np.asarray(ticks, dtype=np.int64)
    found = grid_step(values)
    # never finer than the grain the values were made on
    assert found >= grain or grain == 1
    # and the values do lie on the grid read
    assert found == 1 or _on_grid(values, found)
    # no coarser grid they lie on is passed over
    assert all(not _on_grid(values, s) for s in STEPS if s > found)


def test_times_to_the_second_are_read_to_the_second_and_too_few_say_nothing() -> None:
    rng = np.random.default_rng(1)
    assert grid_step(rng.integers(0, 10**9, 5_000)) == 1
    assert grid_step(np.full(MIN_VALUES - 1, 86_400 * 3)) == 1
    assert grid_step(np.full(MIN_VALUES, 86_400 * 3)) == 86_400


def test_local_dates_are_days_and_a_minority_of_seconds_does_not_hide_them() -> None:
    rng = np.random.default_rng(2)
    days = 86_400 * rng.integers(15_000, 20_000, 300) - 8 * 3600  # midnight at UTC+8
    assert grid_step(days) == 86_400
    seconds = rng.integers(15_000 * 86_400, 20_000 * 86_400, 250)
    assert grid_step(np.concatenate([days, seconds])) == 86_400  # 300 of 550 on the grid
    assert grid_step(np.concatenate([days[:200], seconds])) == 1  # 200 of 450


@given(
    grains=st.lists(GRAINS, min_size=1, max_size=3),
    # up to 2024 at a day's grain: pandas 2's nanosecond times end in 2262
    ticks=st.lists(st.integers(0, 20_000), min_size=0, max_size=120),
    nulls=st.integers(0, 5),
)
@example(grains=[86_400], ticks=[20_000] * 30, nulls=0)
def test_sql_reads_the_grain_that_numpy_reads(
    grains: list[int], ticks: list[int], nulls: int
) -> None:
    values = np.asarray(
        [
            grains[i % len(grains)] * t + (i % 7 if grains[i % len(grains)] == 1 else 0)
            for i, t in enumerate(ticks)
        ],
        dtype=np.int64,
    )
    con = duckdb.connect()
    frame = pd.DataFrame(
        {"ts": pd.to_datetime(np.concatenate([values, np.zeros(0, np.int64)]), unit="s")}
    )
    con.register("frame", frame)
    con.execute("CREATE TABLE t AS SELECT ts FROM frame")
    for _ in range(nulls):
        con.execute("INSERT INTO t VALUES (NULL)")
    assert column_step(con, "t", "ts") == grid_step(values)


@given(
    windows=st.dictionaries(
        st.sampled_from(["corepost", "copypaste", "cohashtag"]),
        st.sampled_from([60, 600, 3600, 86_400]),
        min_size=1,
    ),
    scales=st.lists(st.sampled_from([3600, 86_400, 7 * 86_400]), max_size=3, unique=True),
    grain=GRAINS,
)
def test_windows_finer_than_the_times_are_raised_and_their_scales_kept_only_if_longer(
    windows: dict[str, int], scales: list[int], grain: int
) -> None:
    asked_scales = {b: tuple(sorted(s for s in scales if s > w)) for b, w in windows.items()}
    new, kept, raised = at_step(windows, asked_scales, grain)
    assert set(new) == set(windows) == set(kept)
    for b, w in windows.items():
        assert new[b] == max(w, grain)
        assert (b in raised) == (w < grain)
        assert raised.get(b, w) == w
        # every scale longer than the window kept, none dropped otherwise
        assert kept[b] == tuple(s for s in asked_scales[b] if s > new[b])
