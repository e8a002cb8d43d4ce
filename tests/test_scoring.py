"""BM25 on tiny corpora: a passage that matches always scores above zero and above one that does not."""

import pytest

from index import Article, Index, default_article
from index.scoring import RankBM25Scorer, SparseBM25Scorer


@pytest.fixture(params=[RankBM25Scorer, SparseBM25Scorer], ids=["rank-bm25", "sparse"])
def make(request):
    """Every scorer behind the Scorer interface: the reference, and the one Index uses."""
    return request.param


# Tiny corpora where every query term is in half or more of the passages: BM25Okapi's idf is
# ≤ 0 there, and a matching passage would score ≤ 0.
TINY = [
    (
        [["putin", "war"], ["putin", "speech"], ["putin", "war", "speech"]],
        ["putin"],
        {0, 1, 2},
    ),
    (
        [["putin", "war"], ["putin", "speech"], ["kherson"]],
        ["putin"],
        {0, 1},
    ),
    (
        [["a"], ["a"]],
        ["a"],
        {0, 1},
    ),
    (
        [["a", "b"], ["c"], ["a"], []],
        ["a", "b", "zzz"],
        {0, 2},
    ),
    (
        [["only"]],
        ["only"],
        {0},
    ),
]


@pytest.mark.parametrize(("corpus", "query", "matching"), TINY)
def test_matching_passages_score_above_zero_and_others_are_left_out(make, corpus, query, matching):
    scorer = make(corpus)
    top = scorer.top(query, k=10)
    assert {hit.index for hit in top} == matching
    assert all(hit.score > 0 for hit in top)
    scores = [hit.score for hit in top]
    assert scores == sorted(scores, reverse=True)


def test_more_matching_terms_rank_higher(make):
    corpus = [["putin", "filler"], ["putin", "reservists"], ["filler", "filler"]]
    top = make(corpus).top(["putin", "reservists"], k=3)
    assert [hit.index for hit in top] == [1, 0]
    assert top[0].score > top[1].score > 0


def test_ties_go_to_the_earlier_passage(make):
    corpus = [["x", "a"], ["y", "a"], ["z", "a"]]
    assert [hit.index for hit in make(corpus).top(["a"], k=3)] == [0, 1, 2]


@pytest.mark.parametrize("k", [1, 2])
def test_top_k(make, k):
    corpus = [["a"], ["a", "b"], ["a", "b", "c"]]
    assert len(make(corpus).top(["a"], k=k)) == k


@pytest.mark.parametrize(
    ("corpus", "query", "k"),
    [
        ([], ["a"], 5),
        ([[], []], ["a"], 5),
        ([["a"]], [], 5),
        ([["a"]], ["b"], 5),
        ([["a"]], ["a"], 0),
        ([["a"]], ["a"], -1),
    ],
    ids=["empty corpus", "passages without terms", "empty query", "unknown term", "k=0", "k<0"],
)
def test_nothing_to_rank(make, corpus, query, k):
    scorer = make(corpus)
    assert scorer.top(query, k) == []


def test_score_and_idf(make):
    scorer = make([["a", "b"], ["a"], ["c"]])
    scores = scorer.score(["b"], [1, 0])
    assert len(scores) == 2 and scores[1] > scores[0]
    assert scorer.score(["b"], []) == []
    assert scorer.idf("a") > 0 and scorer.idf("c") > scorer.idf("a")
    assert scorer.idf("never") == 0
    empty = make([])
    assert empty.idf("a") == 0
    assert list(empty.score(["a"], [0, 1])) == [0.0, 0.0]


@pytest.mark.parametrize(
    "question",
    [
        "Zelensky",
        "Russian",
        "Ukraine Zelensky Russia Putin",
        "how many reservists?",
        "what did Zelensky say?",
    ],
)
def test_hits_for_common_terms_score_above_zero_on_the_seed_article(question):
    answer = Index([default_article()]).search(question, k=50)
    assert answer.hits
    assert all(hit.score > 0 for hit in answer.hits)


def test_passage_matching_only_a_term_found_everywhere_still_outranks_nothing():
    text = "Putin spoke.\n\nPutin left.\n\nPutin returned.\n\nThe rain fell."
    answer = Index([Article(title="t", text=text)]).search("Putin", k=10)
    assert {hit.passage.text for hit in answer.hits} == {"Putin spoke.", "Putin left.", "Putin returned."}
    assert all(hit.score > 0 for hit in answer.hits)
