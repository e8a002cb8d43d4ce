"""The pruning paths of the production scorer never change a result: MaxScore's partial scores,
the block-max bounds of common terms, ties at the k-th score, blocks cut anywhere."""

import contextlib
import random
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.scoring import RankBM25Scorer, SparseBM25Scorer, postings, select, sparse
from index.scoring.blocks import COARSE, FINE

# Every test here runs both ways a big library is searched (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("search_way")


def skewed_corpus(rng: random.Random, size: int, vocabulary: int, skew: float) -> list[list[str]]:
    """Zipf-like passages: a few terms in most passages (common terms), most in few."""
    weights = [1 / (rank + 1) ** skew for rank in range(vocabulary)]
    terms = [f"t{rank}" for rank in range(vocabulary)]
    return [rng.choices(terms, weights, k=rng.randint(0, 12)) for _ in range(size)]


@st.composite
def libraries(draw, max_size: int = 3 * COARSE + 7):
    rng = random.Random(draw(st.integers(0, 2**32)))
    size = draw(st.integers(1, max_size))
    corpus = skewed_corpus(rng, size, draw(st.integers(2, 40)), draw(st.floats(0.5, 2.0)))
    if draw(st.booleans()):  # identical passages: ties at the k-th score
        copies = rng.sample(range(size), min(size, 3))
        corpus += [list(corpus[i]) for i in copies for _ in range(rng.randint(1, 6))]
        rng.shuffle(corpus)
    return corpus


@st.composite
def questions(draw, corpus: list[list[str]]):
    known = sorted({t for passage in corpus for t in passage}) or ["t0"]
    return draw(st.lists(st.sampled_from([*known, "unknown"]), min_size=1, max_size=6))


# _EXACT = 0 sends every candidate set through MaxScore's partial scores; _FEW = 1 learns the
# k-th best from as few passages as possible, so that the bounds prune as much as they may.
# _HEAVY = 0 bounds the passages of every term that is not common one by one in the block search
# (in libraries this small, all of them are otherwise bounded block by block). _SAMPLED = 1 picks
# the blocks and passages to score first from a sample even among a few; _MAXSCORE_ROUNDS = 1
# hands every question to the block search after its first term. The compiled search's tuning
# (compiled.TUNING) likewise: its MaxScore step over all the rarer terms or none, one block to
# learn from, and a sample always.
PATHS = pytest.mark.parametrize(
    ("exact", "few", "heavy", "sampled", "tuning"),
    [
        (sparse._EXACT, sparse._FEW, sparse._HEAVY, select._SAMPLED, None),
        (0, 1, sparse._HEAVY, 1, (0, 1, 1)),
        (0, 1, 0, 1, (2**40, 1, 1)),
    ],
    ids=["as shipped", "pruning forced", "rarer terms one by one"],
)


def forced(exact: int, few: int, heavy: int, sampled: int, tuning: tuple | None) -> contextlib.ExitStack:
    """The scorer's pruning set as given, both ways (the compiled one when numba is installed)."""
    stack = contextlib.ExitStack()
    if heavy == 0:  # the rarer terms bounded one by one, in the block search from the start
        stack.enter_context(patch.object(sparse, "_MAXSCORE_ROUNDS", 1))
    stack.enter_context(patch.object(sparse, "_EXACT", exact))
    stack.enter_context(patch.object(sparse, "_FEW", few))
    stack.enter_context(patch.object(sparse, "_HEAVY", heavy))
    stack.enter_context(patch.object(select, "_SAMPLED", sampled))
    if tuning is not None and sparse.COMPILED:
        from index.scoring import compiled

        stack.enter_context(patch.object(compiled, "TUNING", tuning))
    return stack


@PATHS
@settings(max_examples=200, deadline=None)
@given(data=st.data(), k=st.integers(1, 40))
def test_top_k_is_rank_bm25s_on_skewed_libraries(exact, few, heavy, sampled, tuning, data, k):
    corpus = data.draw(libraries())
    question = data.draw(questions(corpus))
    with forced(exact, few, heavy, sampled, tuning):
        fast = SparseBM25Scorer(corpus, small_library=0)
        assert fast.top(question, k) == RankBM25Scorer(corpus).top(question, k)


@PATHS
@settings(max_examples=100, deadline=None)
@given(data=st.data(), k=st.integers(1, 12))
def test_questions_of_common_terms_only(exact, few, heavy, sampled, tuning, data, k):
    corpus = data.draw(libraries())
    scorer = SparseBM25Scorer(corpus, small_library=0)
    terms = {t for passage in corpus for t in passage}
    common = [t for t in terms if postings.COMMON * _df(corpus, t) >= len(corpus)]
    if not common:
        return
    question = data.draw(st.lists(st.sampled_from(sorted(common)), min_size=1, max_size=5))
    with forced(exact, few, heavy, sampled, tuning):
        assert scorer.top(question, k) == RankBM25Scorer(corpus).top(question, k)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(0, 6), min_size=1, max_size=3000),
    m=st.integers(0, 120),
    sampled=st.sampled_from([1, 4, select._SAMPLED]),
)
def test_about_the_top_holds_the_m_largest_values(values, m, sampled):
    # Few distinct values: many tie at any line, as block bounds made of a few levels do.
    array = np.array(values, dtype=np.float32)
    with patch.object(select, "_SAMPLED", sampled):
        chosen = select.about_top(array, m)
    assert np.all(np.diff(chosen) > 0)  # ascending, each once
    assert min(m, len(array)) <= len(chosen) <= max(4 * m, min(m, len(array)))
    largest = np.sort(array)[::-1][:m]
    assert np.array_equal(np.sort(array[chosen])[::-1][:m], largest)


def _df(corpus: list[list[str]], term: str) -> int:
    return sum(term in passage for passage in corpus)


@pytest.mark.parametrize("size", [FINE - 1, FINE, FINE + 1, COARSE - 1, COARSE, COARSE + 1, 2 * COARSE + 3])
def test_libraries_cut_anywhere_across_blocks(size):
    rng = random.Random(size)
    corpus = skewed_corpus(rng, size, 8, 1.0)
    fast, reference = SparseBM25Scorer(corpus, small_library=0), RankBM25Scorer(corpus)
    for question in (["t0"], ["t0", "t1"], ["t1", "t1", "t2", "t7"], ["t7"]):
        for k in (1, 3, size):
            assert fast.top(question, k) == reference.top(question, k)


def test_a_question_of_hundreds_of_words_ranks_as_rank_bm25s():
    # MaxScore hands such a question to the block search after a few terms.
    rng = random.Random(6)
    corpus = skewed_corpus(rng, 5_000, 2_000, 1.1)
    fast, reference = SparseBM25Scorer(corpus), RankBM25Scorer(corpus)
    words = sorted({term for passage in corpus for term in passage})
    for size in (9, 40, 300):
        question = rng.sample(words, min(size, len(words)))
        assert fast.top(question, 30) == reference.top(question, 30)


def test_a_k_past_the_library_asks_for_every_match():
    # k is no size to allocate: 10**12 asks for every passage that matches.
    corpus = skewed_corpus(random.Random(4), 3_000, 300, 1.1)
    fast, reference = SparseBM25Scorer(corpus), RankBM25Scorer(corpus)
    for question in (["t0", "t5"], ["t299"], ["t1"] * 3):
        assert fast.top(question, 10**12) == reference.top(question, 10**12)


def test_counts_past_a_byte_rank_as_rank_bm25s():
    # A word repeated 300 times in a passage: counts are kept in 16 bits, and the compiled
    # search is compiled for them too.
    rng = random.Random(3)
    corpus = skewed_corpus(rng, 3 * COARSE + 5, 8, 1.0)
    corpus[7] = ["t0"] * 300 + ["t1"]
    corpus[20] = ["t3"] * 260
    fast, reference = SparseBM25Scorer(corpus, small_library=0), RankBM25Scorer(corpus)
    assert fast._units.postings.counts.dtype.itemsize == 2
    for question in (["t0"], ["t0", "t1"], ["t3", "t5"], ["t3", "t0", "t7"]):
        for k in (1, 3, 10):
            assert fast.top(question, k) == reference.top(question, k)


def test_tie_straddling_the_kth_score_keeps_the_earliest_passages():
    # 40 identical passages tie; the 5 best are the first five of them, as in rank-bm25.
    corpus = [["a", "b"]] * 40 + [["a"] * 3 + ["c"]] * 70 + [["b", "c", "d"]] * 90
    random.Random(1).shuffle(corpus)
    fast, reference = SparseBM25Scorer(corpus, small_library=0), RankBM25Scorer(corpus)
    for question in (["a", "b"], ["a"], ["b", "c"], ["a", "b", "c", "d"]):
        for k in (1, 5, 39, 40, 41, 150):
            assert fast.top(question, k) == reference.top(question, k)


@pytest.mark.parametrize("seed", range(3))
def test_a_large_library_ranks_as_scoring_every_passage_would(seed):
    """Tens of thousands of passages: common terms get their counts and block bounds, and every
    question's top k equals the ranking of every passage's exact score."""
    rng = random.Random(seed)
    corpus = skewed_corpus(rng, 20_000 + seed * 777, 3_000, 1.1)
    scorer = SparseBM25Scorer(corpus)
    assert scorer._blocks.rows  # the large-library path is the one tested
    for _ in range(40):
        source = corpus[rng.randrange(len(corpus))] or ["t0"]
        question = rng.sample(source, min(len(source), rng.randint(1, 4)))
        question += rng.choices(["t0", "t1", "t2", "t3"], k=rng.randint(0, 2))
        k = rng.choice([1, 5, 30])
        expected = _ranked(scorer, corpus, question, k)
        assert [(hit.index, hit.score) for hit in scorer.top(question, k)] == expected


def _ranked(
    scorer: SparseBM25Scorer, corpus: list[list[str]], question: list[str], k: int
) -> list[tuple[int, float]]:
    """Every passage sharing a term with the question, scored exactly and ranked."""
    scores = scorer.score(question, list(range(len(corpus))))
    asked = set(question)
    matching = [i for i, passage in enumerate(corpus) if asked.intersection(passage)]
    return sorted(((i, scores[i]) for i in matching), key=lambda hit: (-hit[1], hit[0]))[:k]


def test_without_a_usable_numba_a_big_library_is_searched_with_numpy(caplog):
    """numba that cannot be imported, or cannot cache its compiled search (no writable place):
    one warning, and numpy's search, with the same results."""
    corpus = skewed_corpus(random.Random(8), 3_000, 300, 1.1)
    broken = RuntimeError("cannot cache function 'top': no locator available")
    with (
        patch.object(sparse, "COMPILED", True),
        patch.object(sparse, "_compiled_module", None),
        patch.object(sparse.importlib, "import_module", side_effect=broken),
    ):
        fast = SparseBM25Scorer(corpus)
        assert not sparse.COMPILED
        assert fast.top(["t0", "t7"], 5) == RankBM25Scorer(corpus).top(["t0", "t7"], 5)
    assert "numba unusable, searching with numpy" in caplog.text
