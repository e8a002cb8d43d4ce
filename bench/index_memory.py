"""Bytes per passage of a whole ``Index``, and of its three BM25 scorers, on a real library.

    python bench/index_memory.py                       # the eval's dev articles (../shared/eval)
    python bench/index_memory.py --repeat 3            # the same articles three times over

An Index ranks windows and also scores each window's paragraph and quote, so it keeps three
scorers over overlapping text. Reported: the scorers' arrays (numpy ``nbytes``, an array the
scorers share counted once; Python lists of floats at 32 bytes an item) beside those of one
scorer built over the windows' own tokens, and what tracemalloc sees the Index build keep.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import Article, Index  # noqa: E402

EVAL = Path(os.environ.get("EVAL_DATA", ROOT.parent / "shared" / "eval" / "data" / "dev"))


def array_bytes(*things: object) -> int:
    """The arrays the given objects keep (attributes, and theirs), each array counted once, and
    their lists of floats."""
    total, seen = 0, set()
    stack = list(things)
    while stack:
        thing = stack.pop()
        if id(thing) in seen:
            continue
        seen.add(id(thing))
        for value in vars(thing).values():
            if isinstance(value, np.ndarray) and id(value) not in seen:
                seen.add(id(value))
                total += value.nbytes
            elif isinstance(value, list) and value and isinstance(value[0], float):
                total += 32 * len(value)
            elif hasattr(value, "__dict__") and not isinstance(value, type):
                stack.append(value)
    return total


def articles(repeat: int) -> list[Article]:
    texts = []
    for name in ("squad11", "quac"):
        with gzip.open(EVAL / f"{name}.jsonl.gz", "rt") as lines:
            texts += [json.loads(line)["text"] for line in lines]
    return [Article(title=f"{n}-{i}", text=text) for n in range(repeat) for i, text in enumerate(texts)]


def warm_up() -> None:
    """Builds a big library of made-up words (none of the eval's), so that what every index
    shares once per process — numba's compiled search, with the fast extra — is loaded."""
    rng = random.Random(0)
    words = ["".join(rng.choices("qxzjvk", k=rng.randint(4, 9))) for _ in range(3000)]
    sentences = [" ".join(rng.choices(words, k=12)).capitalize() + "." for _ in range(3000)]
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    Index([Article(title="warm-up", text="\n\n".join(paragraphs))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    library = articles(args.repeat)
    # numba and the compiled search (with the fast extra) are loaded once per process, not kept
    # per library: loaded before tracemalloc looks, by a library of made-up words.
    warm_up()
    tracemalloc.start()
    started = time.perf_counter()
    index = Index(library)
    build_s = time.perf_counter() - started
    kept, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    passages = len(index.passages)
    scorers = {"windows": index.scorer, "paragraphs": index.paragraph_scorer, "quotes": index.quote_scorer}
    print(f"{len(library)} articles, {passages:,} passages (windows); Index built in {build_s:.1f} s")
    started = time.perf_counter()
    alone = type(index.scorer)([index.window_terms(i) for i in range(len(index.passages))])
    alone_s = time.perf_counter() - started
    one = array_bytes(alone)
    print(
        f"one scorer over the windows' own tokens: {one / passages:.0f} bytes per passage ({alone_s:.2f} s)"
    )
    for name, scorer in scorers.items():
        own = array_bytes(scorer) / passages
        print(f"  the Index's {name}: {len(scorer):,} units, {own:.0f} bytes per passage")
    three = array_bytes(*scorers.values())  # what they share counted once
    print(
        f"the Index's three scorers: {three / passages:.0f} bytes per passage ({three / one:.2f}× one scorer)"
    )
    print(f"whole Index (tracemalloc): {kept / passages:.0f} bytes per passage")


if __name__ == "__main__":
    main()
