"""cibscan: find coordinated inauthentic behaviour in social media exports.

>>> import cibscan
>>> data = cibscan.read("posts.parquet")            # doctest: +SKIP
>>> findings = cibscan.detect(data, window="1m")    # doctest: +SKIP
>>> findings.save("results/")                       # doctest: +SKIP
"""

from __future__ import annotations

from .behaviours import BEHAVIOURS, TextSettings
from .cluster import ClusterSettings
from .dataset import Dataset
from .detect import DetectConfig, detect
from .engine import EngineSettings
from .errors import CibscanError, ConfigError, FindingsError, InputError
from .findings import Findings
from .link import LinkSettings
from .sources import read

__version__ = "0.1.0"


def load(folder: str) -> Findings:
    """Read findings saved by :meth:`Findings.save`."""
    return Findings.load(folder)


__all__ = [
    "BEHAVIOURS",
    "CibscanError",
    "ClusterSettings",
    "ConfigError",
    "Dataset",
    "DetectConfig",
    "EngineSettings",
    "Findings",
    "FindingsError",
    "InputError",
    "LinkSettings",
    "TextSettings",
    "__version__",
    "detect",
    "load",
    "read",
]
