"""What chat indexes cost in memory, measured (bot.library.index_bytes) against the process's RSS.

    python bench/index_cache.py

For each size, a fresh process builds several indexes of made-up libraries and prints the
growth of its resident memory beside the sum of the indexes' measured bytes (without their
texts, which exist before the indexes are built). RSS also keeps what the allocator held on
to from building (temporary lists freed but not given back). The index cache
(INDEX_CACHE_BYTES) is budgeted with the measured bytes.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.library import index_bytes  # noqa: E402
from index import Article, Index, default_article  # noqa: E402
from tests.test_library_cache import wordy  # noqa: E402

SIZES = ((1_000_000, 4), (100_000, 20), (10_000, 100))  # (characters a library, libraries)


def rss_bytes() -> int:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) * 1024


def main() -> None:
    if len(sys.argv) == 3:
        measure(int(sys.argv[1]), int(sys.argv[2]))
        return
    for chars, count in SIZES:  # each in a process of its own: freed memory is reused, not returned
        subprocess.run([sys.executable, __file__, str(chars), str(count)], check=True)


def measure(chars: int, count: int) -> None:
    Index([default_article()])  # tables every index shares, loaded once
    Index([Article("Warm-up", wordy(400_000, 999))])  # and for big ones numba's search (fast extra)
    libraries = [Article(f"Library {n}", wordy(chars, n)) for n in range(count)]
    gc.collect()
    before = rss_bytes()
    indexes = [Index([article]) for article in libraries]
    gc.collect()
    grown = rss_bytes() - before
    measured = sum(index_bytes(index) - sys.getsizeof(index.articles[0].text) for index in indexes)
    print(
        f"{count} indexes of {chars:,} characters: RSS +{grown / 1e6:.1f} MB, "
        f"measured {measured / 1e6:.1f} MB, measured/RSS {measured / grown:.2f}"
    )


if __name__ == "__main__":
    main()
