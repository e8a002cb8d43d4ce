"""A reading that never ends, for tests of the ingestion lane (a small module: the lane's child
process imports it to run it)."""

from __future__ import annotations

import time

from bot.reading import Prepared, Source, prepare


def slow_prepare(source: Source) -> Prepared:
    """``prepare``, but pasted text starting "Slow" reads for a minute (the lane's deadline ends it)."""
    if str(source.data).startswith("Slow"):
        time.sleep(60)
    return prepare(source)
