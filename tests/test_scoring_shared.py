"""Windows, paragraphs and quotes scored from one set of sentence postings give rank-bm25's own
results over each unit's tokens: same top-k, same scores to the last bit, ties included."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Plus

from index import Article, Index
from index.scoring import K1, SMALL_LIBRARY, B, RankBM25Scorer, sentence_scorers
from index.scoring.blocks import FINE
from index.scoring.postings import Postings
from index.scoring.units import Runs
from tests.test_scoring_pruning import forced

# Every test here runs both ways a big library is searched (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("search_way")

# Both ways: term vectors for a small library, postings (with common terms' counts and block
# bounds: small_library=0 makes any library large) for a large one.
WAYS = pytest.mark.parametrize("small_library", [SMALL_LIBRARY, 0], ids=["term vectors", "postings"])


@st.composite
def libraries(draw):
    """Paragraphs of sentences (Zipf-like terms, some sentences empty), windows of up to three
    sentences as the Index cuts them, and quotes that widen each window, never going back."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    terms = [f"t{rank}" for rank in range(draw(st.integers(2, 30)))]
    weights = [1 / (rank + 1) ** draw(st.floats(0.5, 2.0)) for rank in range(len(terms))]
    paragraphs = [
        [rng.choices(terms, weights, k=rng.choice([0, *range(1, 9)])) for _ in range(rng.randint(1, 7))]
        for _ in range(rng.randint(1, 40))
    ]
    paragraph_of, windows, quotes = [], [], []
    for number, sentences in enumerate(paragraphs):
        covered, quote = -1, (0, 0)
        for first in range(len(sentences)):
            end = min(first + rng.randint(1, 3), len(sentences))
            if end - 1 <= covered:
                continue  # inside the window before it, as paragraph_passages leaves it out
            covered = end - 1
            wide = (max(0, first - rng.randint(0, 2)), min(len(sentences), end + rng.randint(0, 2)))
            quote = (max(quote[0], wide[0]), max(quote[1], wide[1]))
            paragraph_of.append(number)
            windows.append((first, end))
            quotes.append(quote)
    return paragraphs, paragraph_of, windows, quotes


def unit_terms(paragraphs, paragraph_of, spans):
    return [
        [term for sentence in paragraphs[p][first:end] for term in sentence]
        for p, (first, end) in zip(paragraph_of, spans, strict=True)
    ]


@WAYS
@settings(max_examples=150, deadline=None)
@given(library=libraries(), data=st.data(), k=st.integers(1, 12))
def test_each_kind_of_unit_ranks_and_scores_as_rank_bm25_over_its_own_tokens(small_library, library, data, k):
    paragraphs, paragraph_of, windows, quotes = library
    corpora = [
        unit_terms(paragraphs, paragraph_of, windows),
        [[term for sentence in paragraph for term in sentence] for paragraph in paragraphs],
        unit_terms(paragraphs, paragraph_of, quotes),
    ]
    known = sorted({term for paragraph in corpora[1] for term in paragraph}) or ["t0"]
    question = data.draw(st.lists(st.sampled_from([*known, "unknown"]), min_size=1, max_size=6))
    scorers = sentence_scorers(paragraphs, paragraph_of, windows, quotes, small_library=small_library)
    for fast, corpus in zip(scorers, corpora, strict=True):
        reference = RankBM25Scorer(corpus)
        assert len(fast) == len(reference)
        assert fast.top(question, k) == reference.top(question, k)
        everyone = list(range(len(corpus)))
        assert fast.score(question, everyone[::-1] + everyone[:3]) == reference.score(
            question, everyone[::-1] + everyone[:3]
        )
        assert all(fast.idf(term) == reference.idf(term) for term in [*known, "unknown"])


@WAYS
def test_a_library_of_empty_sentences_has_its_units_and_ranks_none(small_library):
    # Found by the test above: rank-bm25 cannot be built on it, but its units are still there.
    scorers = sentence_scorers(
        [[[], []]], [0, 0], [(0, 1), (1, 2)], [(0, 1), (1, 2)], small_library=small_library
    )
    for fast, units in zip(scorers, [2, 1, 2], strict=True):  # windows, the paragraph, quotes
        assert len(fast) == len(RankBM25Scorer([[]] * units)) == units
        assert fast.top(["t0"], 3) == [] and fast.score(["t0"], [0]) == [0.0]


@settings(max_examples=100, deadline=None)
@given(library=libraries(), data=st.data(), k=st.integers(1, 8))
def test_pruning_forced_over_shared_postings(library, data, k):
    """Every candidate set through MaxScore's partial scores and block bounds, learning the
    k-th best from as few units as possible (and the compiled search's MaxScore step over
    every rarer term)."""
    paragraphs, paragraph_of, windows, quotes = library
    corpus = unit_terms(paragraphs, paragraph_of, quotes)
    known = sorted({term for terms in corpus for term in terms}) or ["t0"]
    question = data.draw(st.lists(st.sampled_from(known), min_size=1, max_size=5))
    with forced(0, 1, 0, 1, (0, 1, 1)):
        _, _, fast = sentence_scorers(paragraphs, paragraph_of, windows, quotes, small_library=0)
        assert fast.top(question, k) == RankBM25Scorer(corpus).top(question, k)


@settings(max_examples=100, deadline=None)
@given(library=libraries())
def test_the_bounds_of_each_term_hold_for_every_unit(library):
    """A term's bound, and a common term's bound in each fine block, are never below its
    tf-part in a unit: the pruning they drive can never drop a unit of the top k."""
    paragraphs, paragraph_of, windows, quotes = library
    corpora = [
        unit_terms(paragraphs, paragraph_of, windows),
        [[term for sentence in paragraph for term in sentence] for paragraph in paragraphs],
        unit_terms(paragraphs, paragraph_of, quotes),
    ]
    for fast, corpus in zip(
        sentence_scorers(paragraphs, paragraph_of, windows, quotes, 0), corpora, strict=True
    ):
        if not any(corpus):
            continue
        bm25 = BM25Plus(corpus, k1=K1, b=B)
        for term, index in fast._vocabulary.items():
            row = fast._blocks.rows.get(index)
            for unit, frequencies in enumerate(bm25.doc_freqs):
                count = frequencies.get(term, 0)
                part = count * (K1 + 1) / (K1 * (1 - B + B * bm25.doc_len[unit] / bm25.avgdl) + count)
                assert part <= fast._max_level[index] * fast._step
                if row is not None:
                    assert part <= fast._blocks.fine[row][unit // FINE] * fast._blocks.step


def test_a_large_library_of_shared_sentences_ranks_as_rank_bm25():
    """Thousands of sentences: common terms get counts per sentence, summed over each unit."""
    rng = random.Random(5)
    terms = [f"t{rank}" for rank in range(400)]
    weights = [1 / (rank + 1) for rank in range(len(terms))]
    paragraphs = [[rng.choices(terms, weights, k=rng.randint(1, 12)) for _ in range(5)] for _ in range(600)]
    paragraph_of = [p for p in range(len(paragraphs)) for _ in range(4)]
    windows = [(first, first + 2) for _ in paragraphs for first in range(4)]
    quotes = [(max(0, first - 1), min(5, first + 3)) for _ in paragraphs for first in range(4)]
    scorers = sentence_scorers(paragraphs, paragraph_of, windows, quotes)
    assert scorers[0]._blocks.rows  # the common terms' path is the one tested
    for fast, spans in ((scorers[0], windows), (scorers[2], quotes)):
        reference = RankBM25Scorer(unit_terms(paragraphs, paragraph_of, spans))
        for _ in range(25):
            question = rng.sample(terms[:40], 2) + rng.sample(terms, rng.randint(0, 2))
            assert fast.top(question, 5) == reference.top(question, 5)


def test_a_large_library_whose_first_sentence_is_in_no_unit():
    """Its first term is in no unit (its idf is none): building and ranking do not trip on it."""
    paragraphs = [[["zzz"], ["a", "b"], ["b", "c"]]] + [[[f"t{n % 50}", "b"], ["c"]] for n in range(1200)]
    paragraph_of = list(range(len(paragraphs)))
    windows = [(1, 3)] + [(0, 2)] * (len(paragraphs) - 1)
    fast = sentence_scorers(paragraphs, paragraph_of, windows, windows, small_library=0)[0]
    reference = RankBM25Scorer(unit_terms(paragraphs, paragraph_of, windows))
    for question in (["b", "zzz"], ["zzz"], ["t3", "c"]):
        assert fast.top(question, 5) == reference.top(question, 5)


def test_units_must_be_runs_in_order():
    postings = Postings([["a"], ["b"], ["a", "b"]], dense_from=SMALL_LIBRARY)
    for first, end in (([0, 2], [2, 1]), ([1, 0], [2, 3]), ([0], [4]), ([2], [1])):
        with pytest.raises(ValueError, match="runs of pieces"):
            Runs(postings, first, end)


def test_an_index_scores_its_windows_paragraphs_and_quotes_as_rank_bm25():
    text = (
        "Kherson was retaken in November. The city had been occupied since March. Residents "
        "celebrated in the main square.\n\nPower and water were cut. Engineers worked for weeks to "
        "restore them. The bridge over the Dnipro was destroyed.\n\nOfficials said the city would be "
        "rebuilt. Aid arrived from abroad. Schools reopened in the spring."
    )
    index = Index([Article(title="Kherson", text=text)])
    windows = [index.window_terms(i) for i in range(len(index.passages))]
    paragraphs = [[term for sentence in sentences for term in sentence] for sentences in index.sentence_terms]
    quotes = [
        [term for sentence in index.sentence_terms[p][first:last] for term in sentence]
        for p, (first, last) in zip(index.paragraph_index, index._quotes.tolist(), strict=True)
    ]
    for fast, corpus in (
        (index.scorer, windows),
        (index.paragraph_scorer, paragraphs),
        (index.quote_scorer, quotes),
    ):
        reference = RankBM25Scorer(corpus)
        for question in (["kherson"], ["citi", "rebuilt"], ["power", "water", "bridg"]):
            assert fast.top(question, 5) == reference.top(question, 5)
            assert fast.score(question, list(range(len(corpus)))) == reference.score(
                question, list(range(len(corpus)))
            )
