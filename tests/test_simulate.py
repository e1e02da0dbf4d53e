from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cibscan.simulate import DAY, HARD_NEGATIVE_ROLES, OP_ROLES, START, SimConfig, generate, write


def _times(posts: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(posts["tweet_time"])


def test_labels_cover_every_account_and_every_group_is_present() -> None:
    posts, labels = generate(
        SimConfig(
            posts=8_000,
            seed=1,
            brigade_amplifiers=5,
            paraphrase_members=6,
            news_discussants=30,
            bought_boosters=5,
        )
    )
    assert set(posts["userid"]) <= set(labels["userid"])
    assert labels["userid"].is_unique
    ops = set(labels.loc[labels["label"] != "organic", "label"])
    assert ops == set(OP_ROLES)
    roles = set(labels["role"])
    assert set(HARD_NEGATIVE_ROLES) <= roles
    assert {"suspended", "ban_evader", "news_outlet", "state_media", "diplomat"} <= roles
    # every labelled account but a few quiet organic ones has posts
    silent = set(labels["userid"]) - set(posts["userid"])
    assert silent <= set(
        labels.loc[labels["role"].isin(["organic", "greeter", "fan", "protester"]), "userid"]
    )


def test_same_seed_same_platform_other_seed_other_platform() -> None:
    a, la = generate(SimConfig(posts=3_000, seed=5))
    b, lb = generate(SimConfig(posts=3_000, seed=5))
    c, _ = generate(SimConfig(posts=3_000, seed=6))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(la, lb)
    assert not a["tweet_text"].equals(c["tweet_text"])


def test_archive_grains_change_those_columns_alone() -> None:
    fine, _ = generate(SimConfig(posts=3_000, seed=5))
    coarse, _ = generate(
        SimConfig(
            posts=3_000, seed=5, creation_dates_to_the_day=True, post_times_to_the_minute=True
        )
    )
    assert (coarse["account_creation_date"].str.len() == 10).all()  # 2013-08-06
    assert (coarse["account_creation_date"] == fine["account_creation_date"].str[:10]).all()
    assert (coarse["tweet_time"].str.len() == 16).all()  # 2019-08-15 14:23
    assert (coarse["tweet_time"] == fine["tweet_time"].str[:16]).all()
    others = [c for c in fine.columns if c not in ("account_creation_date", "tweet_time")]
    pd.testing.assert_frame_equal(coarse[others], fine[others])


def test_size_is_close_to_what_was_asked_and_ids_are_unique() -> None:
    posts, _ = generate(SimConfig(posts=20_000, seed=2))
    assert 19_000 <= len(posts) <= 21_000
    assert posts["tweetid"].is_unique


def test_copy_paste_network_keeps_beijing_office_hours_and_was_created_in_batches() -> None:
    posts, labels = generate(SimConfig(posts=20_000, seed=3))
    ids = labels.loc[labels["label"] == "op_copypaste", "userid"]
    mine = posts[posts["userid"].isin(ids)]
    local = _times(mine) + pd.Timedelta(hours=8)
    assert (local.dt.day_of_week < 5).all()
    assert local.dt.hour.isin([9, 10, 11, 14, 15, 16, 17]).all()  # lunch dip: no 12, 13
    created = pd.to_datetime(mine.drop_duplicates("userid")["account_creation_date"])
    assert created.dt.floor("D").nunique() <= 3


def test_ban_evaders_replace_suspended_accounts_after_the_suspension() -> None:
    config = SimConfig(posts=20_000, seed=4)
    posts, labels = generate(config)
    cut = pd.Timestamp(START + config.days // 2 * DAY, unit="s")
    times = _times(posts)
    old = posts["userid"].isin(labels.loc[labels["role"] == "suspended", "userid"])
    new = posts["userid"].isin(labels.loc[labels["role"] == "ban_evader", "userid"])
    assert old.any() and new.any()
    assert (times[old] < cut).all() and (times[new] > cut).all()
    created = pd.to_datetime(posts.loc[new, "account_creation_date"])
    assert (created >= cut).all() and (created < cut + pd.Timedelta(hours=3)).all()
    # look-alike handles: each replacement differs from a suspended handle by one edit
    old_h = set(posts.loc[old, "user_screen_name"])
    new_h = set(posts.loc[new, "user_screen_name"])
    assert not old_h & new_h
    assert all(any(_one_edit(h, o) for o in old_h) for h in new_h)


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) == 1 and long.startswith(short)


def test_loudspeakers_post_far_more_than_organic_accounts_with_few_followers() -> None:
    posts, labels = generate(SimConfig(posts=20_000, seed=5))
    per = posts.groupby("userid").agg(n=("tweetid", "size"), followers=("follower_count", "max"))
    per = per.join(labels.set_index("userid"))
    loud = per[per["role"] == "loudspeaker"]
    organic = per[per["role"] == "organic"]
    assert loud["n"].min() > 10 * organic["n"].median()
    assert (loud["followers"] < 20).all()


def test_write_produces_the_files_an_investigation_starts_from(tmp_path: Path) -> None:
    posts, labels = generate(SimConfig(posts=3_000, seed=6))
    path = write(posts, labels, str(tmp_path), fmt="parquet")
    assert path.endswith("posts.parquet")
    suspended = (tmp_path / "suspended.txt").read_text().split()
    assert set(suspended) == set(labels.loc[labels["role"] == "suspended", "userid"])
    watch = (tmp_path / "watch.txt").read_text().split()
    assert "xinhua_news" in watch and "mfa_spokesperson" in watch
    back = pd.read_csv(tmp_path / "labels.csv")
    assert np.array_equal(back["userid"].to_numpy(), labels["userid"].to_numpy())


def test_the_grown_platform_keeps_operations_a_fixed_share_and_slow() -> None:
    shares = []
    for n in (60_000, 240_000):
        posts, labels = generate(SimConfig(posts=n, seed=3, grown=True))
        accounts = labels[labels["userid"].isin(set(posts["userid"]))]
        shares.append((accounts["label"] != "organic").mean())
    assert abs(shares[0] - shares[1]) < 0.2 * shares[0]  # not shrinking with sqrt(size)
    easy, easy_labels = generate(SimConfig(posts=240_000, seed=3, grown=False))
    easy_share = (
        easy_labels[easy_labels["userid"].isin(set(easy["userid"]))]["label"] != "organic"
    ).mean()
    assert easy_share < 0.7 * shares[1]
    # amplifiers repost minutes to hours after the original, and the next morning
    ids = set(labels.loc[labels["label"] == "op_amplify", "userid"])
    rt = posts[posts["userid"].isin(ids) & (posts["is_retweet"] == "True")]
    t = _times(posts).set_axis(posts["tweetid"])
    delay = (_times(rt).to_numpy() - t.reindex(rt["retweet_tweetid"]).to_numpy()) / np.timedelta64(
        1, "s"
    )
    assert (delay < 120).mean() > 0.2 and (delay > 3600).mean() > 0.2
