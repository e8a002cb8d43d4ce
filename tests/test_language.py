"""Guessing an article's language from its function words, and using it for matching."""

import pytest

from index import Article, Index
from index.language import guess_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The cat is on the mat and it was happy with the dog in the garden.", "en"),
        ("Der Hund ist nicht in der Küche und die Katze ist auch nicht mit den Kindern da.", "de"),
        ("Le chat est sur la table et les enfants sont dans le jardin pour la fête.", "fr"),
        ("El perro y la casa de los niños que es para una fiesta con las flores.", "es"),
        ("Il gatto che di per una del non sono della casa con gli amici.", "it"),
        ("O cão e a casa do menino que é para uma festa em não com os amigos.", "pt"),
        ("De hond en het huis van een man is dat niet op te zijn met voor.", "nl"),
        ("Он сказал, что это не так и в городе был для него дом с садом.", "ru"),
        ("Він сказав, що це не так і в місті був для нього дім та сад до літа.", "uk"),
    ],
)
def test_guess(text, language):
    assert guess_language(text) == language


@pytest.mark.parametrize(
    "text", ["", "   ", "12345 !!!", "hello world", "🎉🎉🎉", "\x00", "Zelensky Putin Kyiv"]
)
def test_too_little_to_tell_gives_the_default(text):
    assert guess_language(text) == "en"
    assert guess_language(text, default="xx") == "xx"


def test_long_text_is_fast_and_still_guessed():
    text = "Der Hund ist nicht in der Küche. " * 300_000
    assert guess_language(text) == "de"


def test_an_article_is_matched_in_its_own_language():
    text = "Die Häuser der Stadt sind alt.\n\nDer Fluss fließt durch die Stadt."
    index = Index([Article(title="Stadt", text=text, language="de")])
    answer = index.search("Wie alt ist das Haus?")
    assert answer.hits
    assert answer.hits[0].passage.text == "Die Häuser der Stadt sind alt."


def test_a_language_without_stemmer_matches_word_forms():
    text = "Київ є столицею України.\n\nДніпро тече через місто."
    index = Index([Article(title="Київ", text=text, language="uk")])
    answer = index.search("Що є столицею?")
    assert answer.hits and "столицею" in answer.hits[0].passage.text


def test_a_mixed_library_matches_each_language():
    english = Article(title="Moon", text="The moon base has forty residents.", language="en")
    german = Article(title="Mond", text="Die Mondbasis hat vierzig Bewohner.", language="de")
    index = Index([english, german])
    assert index.search("Bewohner").hits[0].passage.article == german
    assert index.search("residents").hits[0].passage.article == english
