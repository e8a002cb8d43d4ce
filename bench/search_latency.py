"""Search latency: the project's BM25 scorer against plain rank-bm25, on the same corpus.

    python bench/search_latency.py --passages 100000

Passages are generated English-like text: terms drawn from a Zipf distribution over a
large vocabulary (as in real text, a few terms are everywhere and most are rare), 12–40
terms each after stop-word removal, the size of the project's passages. Questions are 2–4
terms taken from a random passage plus, now and then, a term from elsewhere. Both engines
get the same pre-tokenized passages and questions; the project's top-5 (index.scoring.
SparseBM25Scorer.top) is compared with rank-bm25's BM25Plus scores ranked the same way
(score, then position), and timed against rank-bm25's own get_top_n.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rank_bm25 import BM25Plus

from index.scoring import DELTA, K1, B, SparseBM25Scorer

VOCABULARY = 200_000


def corpus_and_questions(passages: int, questions: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(12, 41, size=passages)
    ids = rng.zipf(1.15, size=int(lengths.sum())) % VOCABULARY
    words = [f"t{i}" for i in range(VOCABULARY)]
    corpus, start = [], 0
    for length in lengths:
        corpus.append([words[i] for i in ids[start : start + length]])
        start += length
    picker = random.Random(seed)
    asked = []
    for _ in range(questions):
        source = corpus[picker.randrange(passages)]
        question = picker.sample(source, min(len(source), picker.randint(2, 4)))
        if picker.random() < 0.3:
            question.append(words[int(rng.zipf(1.15)) % VOCABULARY])
        asked.append(question)
    return corpus, asked


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_top(bm25: BM25Plus, question: list[str], k: int) -> list[tuple[int, float]]:
    """rank-bm25's scores, ranked like the project's: matching passages, score then position."""
    scores = bm25.get_scores(question)
    matching = np.flatnonzero([any(t in doc for t in question) for doc in bm25.doc_freqs])
    order = matching[np.lexsort((matching, -scores[matching]))][:k]
    return [(int(i), float(scores[i])) for i in order]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument(
        "--reference-questions",
        type=int,
        default=None,
        help="how many questions also go through rank-bm25 (default: all; 30 from 100k passages)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    corpus, questions = corpus_and_questions(args.passages, args.questions, args.seed)
    print(f"corpus: {args.passages:,} passages, {sum(map(len, corpus)):,} terms; {len(questions)} questions")

    gc.collect()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    scorer = SparseBM25Scorer(corpus)
    build_s = time.perf_counter() - started
    rss_scorer = peak_rss_mb()
    latencies = []
    results = []
    for question in questions:
        started = time.perf_counter()
        results.append(scorer.top(question, 5))
        latencies.append((time.perf_counter() - started) * 1000)
    print(
        f"project: build {build_s:.2f} s, peak RSS +{rss_scorer - rss_before:.0f} MB; "
        f"search p50 {percentile(latencies, 50):.3f} ms, p99 {percentile(latencies, 99):.3f} ms"
    )

    reference_count = args.reference_questions or (len(questions) if args.passages < 100_000 else 30)
    started = time.perf_counter()
    bm25 = BM25Plus(corpus, k1=K1, b=B, delta=DELTA)
    reference_build_s = time.perf_counter() - started
    rss_reference = peak_rss_mb()
    documents = list(range(len(corpus)))
    reference_latencies, identical = [], 0
    for question, ours in zip(questions[:reference_count], results, strict=False):
        started = time.perf_counter()
        bm25.get_top_n(question, documents, n=5)
        reference_latencies.append((time.perf_counter() - started) * 1000)
        identical += [(s.index, s.score) for s in ours] == reference_top(bm25, question, 5)
    reference_p50 = statistics.median(reference_latencies)
    print(
        f"rank-bm25: build {reference_build_s:.2f} s, peak RSS +{rss_reference - rss_scorer:.0f} MB more; "
        f"get_top_n p50 {reference_p50:.3f} ms over {reference_count} questions"
    )
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(
        f"passages={args.passages} p50_ms={p50:.3f} p99_ms={p99:.3f} rank_bm25_p50_ms={reference_p50:.3f} "
        f"speedup={reference_p50 / p50:.1f} top5_identical={identical / reference_count:.3f}"
    )


if __name__ == "__main__":
    main()
