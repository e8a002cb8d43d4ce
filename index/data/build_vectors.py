"""Build ``vectors.npz``: a vector for each of the most frequent English words, so that the
ranking can tell that "price" is close to "cost" and "aired" to "broadcast".

Run by developers, never at run time (the index loads only the table it writes)::

    pip install wordllama wordfreq      # their data files; not dependencies of the project
    python -m index.data.build_vectors

The vectors come from WordLlama's ``l2_supercat`` model: a context-free embedding of each
LLaMA-2 tokenizer token, trained so that the mean of a text's token vectors is a sentence
embedding. A word's vector is the mean of its tokens' vectors, cut to the model's first
DIMENSIONS dimensions (it is trained so that its leading dimensions work on their own) and
quantized to int8. The words are wordfreq's WORDS most frequent English words made of letters,
and the tokenizer's stop words. Licenses: ``vectors.LICENSE``.

The table holds three arrays: ``words``, lower-case, as UTF-8 joined by newlines; ``vectors``,
one int8 row per word, its direction; and ``norms``, each vector's length.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import zipfile

import numpy as np

from index.tokens import ENGLISH_STOPWORDS

DIMENSIONS = 64  # measured on the eval's dev split: 64 dimensions rank as well as all 256
WORDS = 30_000  # rank as well as 40,000 or every word of the articles (README, "Quality")
MODEL = "l2_supercat"


def wordllama_files() -> tuple[str, str]:
    """The installed WordLlama package's weights and tokenizer files (found without importing
    the package, whose import configures the root logger)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("wordllama is not installed: pip install wordllama")
    root = next(iter(spec.submodule_search_locations))
    return (
        os.path.join(root, "weights", f"{MODEL}_256.safetensors"),
        os.path.join(root, "tokenizers", f"{MODEL}_tokenizer_config.json"),
    )


def word_vectors(words: list[str], weights: str, tokenizer_file: str) -> dict[str, np.ndarray]:
    """Each word → the mean of its WordLlama token vectors."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    embedding = load_file(weights)["embedding.weight"].astype(np.float32)[:, :DIMENSIONS]
    tokenizer = Tokenizer.from_file(tokenizer_file)
    tokenizer.no_padding()
    return {
        word: embedding[tokenizer.encode(word, add_special_tokens=False).ids].mean(axis=0) for word in words
    }


def vocabulary() -> list[str]:
    from wordfreq import top_n_list

    frequent = [word for word in top_n_list("en", 2 * WORDS) if word.isalpha()][:WORDS]
    return sorted(set(frequent) | ENGLISH_STOPWORDS)


def write_table(vectors: dict[str, np.ndarray], path: str) -> None:
    words = sorted(vectors)
    matrix = np.array([vectors[w] for w in words], dtype=np.float32)
    quantized = np.round(matrix / np.abs(matrix).max(axis=1, keepdims=True) * 127).astype(np.int8)
    arrays = {
        "words": np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
        "vectors": quantized,
        "norms": np.linalg.norm(matrix, axis=1).astype(np.float32),
    }
    # Written by hand rather than with np.savez_compressed so that entries carry no timestamp:
    # the same input gives the same bytes.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy"), buffer.getvalue(), zipfile.ZIP_DEFLATED, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "vectors.npz"))
    args = parser.parse_args()
    vectors = word_vectors(vocabulary(), *wordllama_files())
    write_table(vectors, args.out)
    print(f"{args.out}: {len(vectors)} words × {DIMENSIONS}, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
