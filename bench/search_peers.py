"""The project's BM25 scorer beside bm25s (numba backend) and tantivy, in one process.

    pip install -e '.[bench]'        # bm25s, numba, tantivy: benchmark extras only
    python bench/search_peers.py --passages 100000
    python bench/search_peers.py --passages 1000000

"project" is the scorer as installed with numba (the ``fast`` extra: a big library's search is
one compiled call), "project-numpy" the same scorer without it (the default install). Every
engine gets the same pre-tokenized passages and questions (bench/search_latency.py's
corpus: Zipf-distributed terms, 12–40 per passage) and returns the top 5 of one question at a
time. Builds start from token lists (tantivy's from the tokens joined by spaces, split again by
its whitespace tokenizer). Questions are asked in turns — each engine once, in a shuffled
order (the one after another finds the shared code warm), then the next question — so a burst
of load on the machine falls on all engines alike, and each question is asked ``--repeat``
times, its latency being its fastest ask. The figures to quote
are the ratios, read from one run. A peer that is not installed is reported as such and
skipped; the project's part always runs.

``--evict-mb N`` reads an N MB buffer before every ask, pushing the engines' code and data out
of the CPU caches, as a bot's other work does between two questions (8 MB: a quarter of the
L3 cache of the machine docs/performance.md's figures come from).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import corpus_and_questions

from index.scoring import DELTA, K1, B, SparseBM25Scorer, sparse

TOP = 5


def project(corpus: list[list[str]]) -> Callable[[list[str]], object]:
    """The project as installed: with numba (the ``fast`` extra), a big library's search is
    one compiled call."""
    scorer = SparseBM25Scorer(corpus)
    return lambda question: scorer.top(question, TOP)


def project_numpy(corpus: list[list[str]]) -> Callable[[list[str]], object]:
    """The project without numba: its default install."""
    scorer = SparseBM25Scorer(corpus)

    def search(question: list[str]) -> object:
        with patch.object(sparse, "COMPILED", False):
            return scorer.top(question, TOP)

    return search


def bm25s_numba(corpus: list[list[str]]) -> Callable[[list[str]], object]:
    import bm25s

    retriever = bm25s.BM25(k1=K1, b=B, delta=DELTA, method="bm25+", backend="numba")
    retriever.index(corpus, show_progress=False)
    return lambda question: retriever.retrieve([question], k=TOP, show_progress=False, n_threads=0)


def tantivy_in_ram(corpus: list[list[str]]) -> Callable[[list[str]], object]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema)  # no path: in memory
    writer = index.writer()
    for terms in corpus:
        writer.add_document(tantivy.Document(body=" ".join(terms)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(question: list[str]) -> object:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", term)) for term in question]
        )
        return searcher.search(query, TOP, count=False).hits

    return search


ENGINES = {
    "project": (project, None),
    "project-numpy": (project_numpy, ("numba",)),
    "bm25s-numba": (bm25s_numba, ("bm25s", "numba")),
    "tantivy": (tantivy_in_ram, ("tantivy",)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="asks per question; its latency is the fastest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--evict-mb", type=int, default=0, help="MB read before each ask (default 0: none)")
    args = parser.parse_args()
    if args.evict_mb < 0:
        parser.error("--evict-mb must be 0 or more")
    evict = np.ones(args.evict_mb << 20, dtype=np.uint8)
    corpus, questions = corpus_and_questions(args.passages, args.questions, args.seed)
    print(
        f"corpus: {args.passages:,} passages, {sum(map(len, corpus)):,} terms; {len(questions)} questions"
        + (f"; {args.evict_mb} MB read before each ask" if args.evict_mb else "")
    )

    if importlib.util.find_spec("numba") is not None:
        # Loading numba (0.2–0.3 s) is a cost of the process, not of any engine's build.
        import numba  # noqa: F401

    searches: dict[str, Callable[[list[str]], object]] = {}
    builds: dict[str, float] = {}
    for name, (build, modules) in ENGINES.items():
        missing = [m for m in modules or () if importlib.util.find_spec(m) is None]
        if missing:
            print(f"{name}: not installed ({', '.join(missing)} missing: pip install -e '.[bench]'), skipped")
            continue
        gc.collect()
        started = time.perf_counter()
        searches[name] = build(corpus)
        builds[name] = time.perf_counter() - started
        searches[name](questions[0])  # warm up (numba compiles on its first call)

    shuffled = random.Random(args.seed).sample  # sample(x, len(x)): a shuffled copy
    latencies: dict[str, list[float]] = {name: [] for name in searches}
    for question in questions:
        fastest = dict.fromkeys(searches, float("inf"))
        for _ in range(args.repeat):
            for name in shuffled(list(searches), len(searches)):
                search = searches[name]
                evict.sum()  # nothing when --evict-mb is 0
                started = time.perf_counter()
                search(question)
                fastest[name] = min(fastest[name], (time.perf_counter() - started) * 1000)
        for name, ms in fastest.items():
            latencies[name].append(ms)

    print("\n| passages | engine | build s | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|")
    for name, values in latencies.items():
        p50, p99 = np.percentile(values, 50), np.percentile(values, 99)
        print(
            f"| {args.passages:,} | {name} | {builds[name]:.2f} | {p50:.3f} | {p99:.3f} | {max(values):.3f} |"
        )
    ours = latencies["project"]
    for name, values in latencies.items():
        if name != "project":
            print(
                f"project/{name}: build {builds['project'] / builds[name]:.2f}, "
                f"p50 {np.percentile(ours, 50) / np.percentile(values, 50):.2f}, "
                f"p99 {np.percentile(ours, 99) / np.percentile(values, 99):.2f}"
            )


if __name__ == "__main__":
    main()
