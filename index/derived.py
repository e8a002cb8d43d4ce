"""English derivations a stemmer keeps apart ("inventor"/"invent", "French"/"France"), from WordNet.

The table ``data/derived.tsv.gz`` is built from WordNet 3.0 by ``data/build_derived.py`` (run by
developers; WordNet itself is not needed at run time). It maps a term, as
:func:`index.tokens.tokenize` makes it, to the terms WordNet relates to it as a derivationally
related form or a pertainym. Loaded once, on first use (~14,000 terms, ~0.1 s).
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

TABLE = "data/derived.tsv.gz"


@cache
def _table() -> dict[str, tuple[str, ...]]:
    data = resources.files("index").joinpath(TABLE).read_bytes()
    table: dict[str, tuple[str, ...]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        term, _, others = line.partition("\t")
        table[term] = tuple(others.split())
    return table


def derived(term: str) -> tuple[str, ...]:
    """The English terms WordNet derives from ``term`` or ``term`` from them (``()`` if none)."""
    return _table().get(term, ())
