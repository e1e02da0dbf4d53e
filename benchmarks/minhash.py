"""MinHash signatures: cibscan's vectorised NumPy code against datasketch, same texts.

    python benchmarks/minhash.py [--texts 20000]

Both compute 16-permutation MinHash over character 3-grams; datasketch builds one Python
object per text, cibscan hashes all texts' 3-grams at once.
"""

from __future__ import annotations

import argparse
import random
import time

from cibscan.behaviours._minhash import signatures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(1)
    words = "people city news today government vote market school weather team game".split()
    texts = [" ".join(rng.choice(words) for _ in range(10)) for _ in range(args.texts)]
    try:
        from datasketch import MinHash
    except ImportError:
        raise SystemExit("pip install datasketch to compare") from None
    t0 = time.perf_counter()
    for s in texts:
        m = MinHash(num_perm=16)
        m.update_batch([s[i : i + 3].encode() for i in range(len(s) - 2)])
    theirs = (time.perf_counter() - t0) / len(texts) * 1e6
    t0 = time.perf_counter()
    signatures(texts)
    ours = (time.perf_counter() - t0) / len(texts) * 1e6
    ratio = theirs / ours
    print(f"datasketch {theirs:.1f} µs/text; cibscan {ours:.1f} µs/text; ratio {ratio:.0f}x")


if __name__ == "__main__":
    main()
