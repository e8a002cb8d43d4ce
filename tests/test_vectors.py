"""Word vectors (index/vectors.py): the shipped table, its format, and their part in ranking."""

import numpy as np
import pytest

import index.search
from index import Article, Index, default_article
from index.data.build_vectors import DIMENSIONS, write_table
from index.tokens import ENGLISH_STOPWORDS
from index.vectors import load, mean, sentences, table, units, words


def cosine(a: str, b: str) -> float:
    rows = table().rows
    first, second = units([rows[a], rows[b]])
    return float(first @ second)


def test_the_shipped_table_has_unit_vectors_for_common_words_and_stop_words():
    vectors = table()
    assert vectors.directions.shape == (len(vectors.rows), DIMENSIONS)
    assert len(vectors.rows) > 30_000
    assert np.allclose(np.linalg.norm(units(range(len(vectors.rows))), axis=1), 1.0, atol=1e-5)
    assert (vectors.norms > 0).all()
    assert {"price", "broadcast", "soldiers", "ukraine"} <= vectors.rows.keys()
    assert vectors.rows.keys() >= ENGLISH_STOPWORDS


@pytest.mark.parametrize(
    ("word", "near", "far"),
    [("cost", "price", "banana"), ("killed", "died", "painted"), ("television", "broadcast", "potato")],
)
def test_related_words_lie_closer_than_unrelated_ones(word, near, far):
    assert cosine(word, near) > cosine(word, far) + 0.2


def test_words_finds_the_rows_of_known_words_and_leaves_out_stop_words_from_content():
    found = words("WHAT did the zzyzx tickets cost?")
    rows = table().rows
    assert found.content == ["tickets", "cost"]
    assert found.content_rows == [rows["tickets"], rows["cost"]]
    assert found.every == [rows[w] for w in ("what", "did", "the", "tickets", "cost")]
    assert words("") == ([], [], [])
    assert not np.linalg.norm(mean([]))  # nothing to average: a zero vector, not NaN


@pytest.mark.parametrize(
    ("word", "base"),
    [
        ("referendums", "referendum"),
        ("referenda", "referendum"),
        ("annexations", "annexation"),
        ("retaken", "retake"),
    ],
)
def test_a_form_the_table_lacks_stands_for_its_base(word, base):
    rows = table().rows
    assert word not in rows and base in rows
    assert words(f"the {word}").content == [base]
    assert words("zzyzxs").content == []  # no base either


def test_the_table_format_round_trips_and_is_written_the_same_way_twice(tmp_path):
    vectors = {"cost": np.array([3.0, 4.0]), "price": np.array([-1.0, 0.5])}
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    write_table(vectors, str(first))
    write_table(vectors, str(second))
    assert first.read_bytes() == second.read_bytes()
    loaded = load(first.read_bytes())
    assert loaded.rows == {"cost": 0, "price": 1}
    assert np.allclose(loaded.norms, [5.0, np.hypot(1.0, 0.5)])
    assert np.allclose(loaded.directions[0] * loaded.to_unit[0], [0.6, 0.8], atol=0.01)


TICKETS = (
    "The tickets for the museum were designed by a painter from the town.\n\n"
    "The tickets for the museum cost twelve dollars for adults."
)


def test_meaning_decides_between_passages_sharing_the_question_words():
    index = Index([Article(title="Museum", text=TICKETS)])
    answer = index.search("What is the price of the museum tickets?")
    assert "twelve dollars" in answer.hits[0].passage.text


def test_without_the_vectors_the_earlier_passage_would_win(monkeypatch):
    """The test above can fail: BM25 alone ranks the two passages the other way round."""
    monkeypatch.setattr(index.search, "SENTENCE_MEANING_WEIGHT", 0.0)
    monkeypatch.setattr(index.search, "WORD_MEANING_WEIGHT", 0.0)
    answer = Index([Article(title="Museum", text=TICKETS)]).search("What is the price of the museum tickets?")
    assert "painter" in answer.hits[0].passage.text


@pytest.mark.parametrize(
    "question",
    ["how many reservists?", "who is Andriy Yusov?", "What is the price of the museum tickets?", "why?"],
)
def test_a_big_library_ranks_as_a_small_one(monkeypatch, question):
    """A library over LIBRARY_VECTORS sentences works its sentence vectors out a paragraph at
    a time, as questions reach them, instead of all at once: the ranking is the same."""
    articles = [default_article(), Article(title="Museum", text=TICKETS)]
    small = Index(articles)
    monkeypatch.setattr(index.search, "LIBRARY_VECTORS", 0)
    big = Index(articles)
    assert small._library_sentences is not None and big._library_sentences is None
    expected, found = small.search(question).hits, big.search(question).hits
    assert [hit.passage for hit in found] == [hit.passage for hit in expected]
    assert [hit.score for hit in found] == pytest.approx([hit.score for hit in expected])


def test_sentences_keep_each_sentence_s_words_and_mean():
    found = sentences(["The tickets cost twelve dollars.", "Of the.", "", "Museum tickets!"])
    assert found.counts.tolist() == [4, 0, 0, 2]
    assert found.starts.tolist() == [0, 4]  # sentences without words have no start
    assert found.words.shape == (6, DIMENSIONS)
    assert np.allclose(
        found.words, units([table().rows[w] for w in "tickets cost twelve dollars museum tickets".split()])
    )
    assert np.allclose(np.linalg.norm(found.means, axis=1), [1, 1, 0, 1], atol=1e-5)
    assert sentences([]).means.shape == (0, DIMENSIONS)


def test_articles_in_other_languages_are_ranked_without_english_vectors():
    text = "Die Karten für das Museum kosten zwölf Euro.\n\nDas Museum zeigt Bilder aus Italien."
    index = Index([Article(title="Museum", text=text, language="de")])
    answer = index.search("Was kosten die Karten?")
    assert "zwölf Euro" in answer.hits[0].passage.text


@pytest.mark.parametrize("question", ["the of and", "zzyzx qqq", "", "?", "1879"])
def test_questions_without_content_word_vectors_are_ranked_by_words_alone(question):
    index = Index([Article(title="Museum", text=TICKETS)])
    index.search(question)  # no error; nothing for the vectors to add
