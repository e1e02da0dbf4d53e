"""The floors pyproject.toml promises are the versions CI's lowest job installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_lowest_versions_ci_tests_are_pyprojects_floors() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def floors_of(specs: list[str], strict: bool) -> dict[str, str]:
        out = {}
        for spec in specs:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", spec)
            assert match or not strict, f"{spec}: every dependency has one floor: name>=version"
            if match:
                out[match[1].lower()] = match[2]
        return out

    floors = floors_of(project["dependencies"], strict=True)
    dev = floors_of(project["optional-dependencies"]["dev"], strict=False)
    pinned = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pinned[name.strip().lower()] = version.strip()
    # the development tools the suite needs at their floors where an older runtime
    # dependency needs them so (httpx for the lowest starlette's test client)
    for name in set(pinned) - set(floors):
        assert name in dev, f"{name} is pinned in lowest.txt but is no dependency"
        floors[name] = dev[name]

    def norm(v: str) -> tuple[int, ...]:
        parts = [int(x) for x in v.split(".")]
        return tuple(parts + [0] * (3 - len(parts)))

    assert pinned.keys() == floors.keys()
    for name, floor in floors.items():
        assert norm(pinned[name]) == norm(floor), name
