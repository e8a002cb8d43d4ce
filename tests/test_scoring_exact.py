"""The production scorer returns rank-bm25's own results: same top-k, same scores, ties included."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.scoring import SMALL_LIBRARY, RankBM25Scorer, SparseBM25Scorer

# Every test here runs both ways a big library is searched (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("search_way")

TERMS = [f"w{i}" for i in range(12)]
documents = st.lists(st.lists(st.sampled_from(TERMS), max_size=10), min_size=1, max_size=30)
questions = st.lists(st.sampled_from([*TERMS, "unknown"]), max_size=6)
# Both of the scorer's ways: term vectors for a small library, postings for a large one
# (small_library=0 makes any library "large").
WAYS = pytest.mark.parametrize("small_library", [SMALL_LIBRARY, 0], ids=["term vectors", "postings"])


@WAYS
@settings(max_examples=300, deadline=None)
@given(corpus=documents, question=questions, k=st.integers(1, 8))
def test_top_k_and_scores_are_rank_bm25s_to_the_last_bit(small_library, corpus, question, k):
    reference, fast = RankBM25Scorer(corpus), SparseBM25Scorer(corpus, small_library=small_library)
    assert fast.top(question, k) == reference.top(question, k)
    everyone = list(range(len(corpus)))
    assert fast.score(question, everyone) == reference.score(question, everyone)
    repeated = everyone[::-1] + everyone + everyone[:3]  # any order, with repeats
    assert fast.score(question, repeated) == reference.score(question, repeated)
    assert all(fast.idf(t) == reference.idf(t) for t in [*TERMS, "unknown"])


@WAYS
@pytest.mark.parametrize("seed", range(5))
def test_ties_between_identical_passages_are_broken_by_position_in_both(small_library, seed):
    rng = random.Random(seed)
    base = [[rng.choice(TERMS) for _ in range(rng.randint(1, 8))] for _ in range(20)]
    corpus = base + [list(base[3])] * 6 + [[]] * 4  # six copies tie with passage 3; empty passages
    rng.shuffle(corpus)
    question = list(base[3][:3])
    reference, fast = RankBM25Scorer(corpus), SparseBM25Scorer(corpus, small_library=small_library)
    assert fast.top(question, 10) == reference.top(question, 10)


@pytest.mark.parametrize(
    "corpus",
    [[], [[]], [[], []], [["a"]], [["a"], []], [["a"]] + [[]] * 40],
    ids=["no passages", "one empty", "all empty", "one term", "one empty of two", "no common term"],
)
@WAYS
def test_degenerate_corpora(small_library, corpus):
    fast, reference = SparseBM25Scorer(corpus, small_library=small_library), RankBM25Scorer(corpus)
    assert fast.top(["a"], 5) == reference.top(["a"], 5)
    assert fast.top([], 5) == [] and fast.top(["a"], 0) == []
    assert fast.score(["a"], list(range(len(corpus)))) == reference.score(["a"], list(range(len(corpus))))


def test_matching_passages_never_score_zero_or_less_even_when_a_term_is_everywhere():
    corpus = [["zelensky", "said"], ["zelensky", "putin"], ["zelensky"], ["other"]]
    hits = SparseBM25Scorer(corpus).top(["zelensky"], 5)
    assert [h.index for h in hits] == [2, 0, 1]
    assert all(h.score > 0 for h in hits)
