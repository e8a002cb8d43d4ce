"""English word vectors, for meaning that shares no words: "price" near "cost", "aired" near
"broadcast".

The table ``data/vectors.npz`` is built from WordLlama's model and wordfreq's word list by
``data/build_vectors.py`` (run by developers; neither is needed at run time). It maps a
lower-case English word to a vector. Loaded once, on first use (30,000 words × 64 dimensions,
~0.05 s, 7 MB).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np

from .tokens import STOPWORDS, english_base

TABLE = "data/vectors.npz"
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


class Table(NamedTuple):
    rows: dict[str, int]  # word → its row of the arrays
    directions: np.ndarray  # int8, as stored (kept so: a quarter of the memory of float32)
    to_unit: np.ndarray  # float32, what scales each row of ``directions`` to length 1
    norms: np.ndarray  # float32, the vectors' lengths


@cache
def table() -> Table:
    """The table shipped with the package."""
    return load(resources.files("index").joinpath(TABLE).read_bytes())


def load(data: bytes) -> Table:
    """A table from the bytes ``build_vectors`` writes."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        words = arrays["words"].tobytes().decode("utf-8").split("\n")
        directions = arrays["vectors"]
        norms = arrays["norms"]
    to_unit = (1 / np.linalg.norm(directions.astype(np.float32), axis=1)).astype(np.float32)
    return Table({word: row for row, word in enumerate(words)}, directions, to_unit, norms)


class Words(NamedTuple):
    """The words of a text that the table has, in order: the rows of all of them, and the
    words that are not stop words with their rows."""

    every: list[int]
    content: list[str]
    content_rows: list[int]


def words(text: str) -> Words:
    rows = table().rows
    found = [row_word for word in _WORD.findall(text.lower()) if (row_word := _in_table(word, rows))]
    content = [word for word in found if word not in STOPWORDS]
    return Words([rows[w] for w in found], content, [rows[w] for w in content])


def _in_table(word: str, rows: dict[str, int]) -> str | None:
    """``word``, or the base standing in for a form of it the table lacks ("referendums" and
    "referenda" → "referendum"), when the table has it: it holds the 30,000 most frequent
    words, and a rarer word's plural is rarer still."""
    if word in rows:
        return word
    return next((base for base in _bases(word) if base in rows), None)


def _bases(word: str) -> Iterator[str]:
    """What ``word`` may be a form of: an irregular form's base, else its singular."""
    if (base := english_base(word)) != word:
        yield base
    if word.endswith("ies"):
        yield word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        yield word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        yield word[:-1]


def units(rows: list[int] | np.ndarray) -> np.ndarray:
    """The table's vectors at ``rows``, each scaled to length 1 (float32)."""
    vectors, at = table(), np.asarray(rows, dtype=np.intp)
    return vectors.directions[at] * vectors.to_unit[at, None]


def mean(rows: list[int]) -> np.ndarray:
    """The unit vector along the sum of the table's vectors at ``rows`` (zero for none)."""
    vectors, at = table(), np.asarray(rows, dtype=np.intp)
    total = (vectors.norms[at] * vectors.to_unit[at]) @ vectors.directions[at]
    return total / (np.linalg.norm(total) or 1.0)


class Sentences(NamedTuple):
    """What the table says about a run of sentences."""

    words: np.ndarray  # unit vectors (float32) of their content words, sentence after sentence
    counts: np.ndarray  # how many of those each sentence has
    starts: np.ndarray  # where the words of each sentence that has any begin (for reduceat)
    means: np.ndarray  # each sentence's unit mean vector, of all its words (float32)


def sentences(texts: list[str]) -> Sentences:
    """What the table says about each of ``texts``."""
    found = [words(text) for text in texts]
    rows = [row for f in found for row in f.content_rows]
    counts = np.array([len(f.content_rows) for f in found], dtype=np.intp)
    means = np.zeros((len(found), table().directions.shape[1]), dtype=np.float32)
    for sentence, f in enumerate(found):
        means[sentence] = mean(f.every)
    return _sentences(units(rows), counts, means)


def joined(parts: list[Sentences]) -> Sentences:
    """The sentences of ``parts``, one after the other."""
    return _sentences(
        np.concatenate([p.words for p in parts]),
        np.concatenate([p.counts for p in parts]),
        np.concatenate([p.means for p in parts]),
    )


def _sentences(word_vectors: np.ndarray, counts: np.ndarray, means: np.ndarray) -> Sentences:
    return Sentences(word_vectors, counts, (np.cumsum(counts) - counts)[counts > 0], means)


def closest(words_: list[str], text: str) -> dict[str, float]:
    """Each of ``words_`` that the table has → its best cosine with a content word of ``text``
    (words of the text it lacks are left out; none when the text has no content word)."""
    rows = table().rows
    known = {
        word: row_word
        for word in dict.fromkeys(w.lower() for w in words_)
        if (row_word := _in_table(word, rows))
    }
    found = words(text)
    if not known or not found.content_rows:
        return {}
    similarity = units([rows[word] for word in known.values()]) @ units(found.content_rows).T
    return dict(zip(known, similarity.max(axis=1).tolist(), strict=True))
