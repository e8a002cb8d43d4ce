"""Reading a PDF in a child process, so that it is bounded in time and memory whatever it holds.

pypdf is pure Python. A 10 KB PDF whose pages repeat a text operator a hundred thousand times
takes it minutes to read, and its decompression limits still allow 75 MB per stream. In a
thread of the bot that would hold a CPU (and the GIL) for as long as it takes; in a child the
bot kills it at the deadline, and the kernel caps its memory.

``python -m bot.isolated FILENAME URL`` reads the document from stdin and writes JSON: the
article, or the error to show.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys

from index import Article, ArticleError, parse_document

READ_SECONDS = 20.0  # a 300-page PDF takes pypdf about 10 s
MEMORY_BYTES = 1024**3  # address space of the child: pypdf needs a few hundred MB at most
TOO_LONG = "That PDF took too long to read: it is far too long or too complex for me."
FAILED = "That PDF is too big or too complex for me to read."


async def read_isolated(data: bytes, filename: str, url: str | None = None) -> Article:
    """``parse_document(data, filename, url)`` in a child process, killed after READ_SECONDS.

    Raises:
        ArticleError: the document's own error, or that it took too long or too much memory.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        filename,
        url or "",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,  # pypdf's warnings about repairs: not for anyone
    )
    try:
        async with asyncio.timeout(READ_SECONDS):
            output, _ = await process.communicate(data)
    except TimeoutError:
        raise ArticleError(TOO_LONG) from None
    finally:
        if process.returncode is None:  # timed out, or the handler was cancelled
            process.kill()
            await process.wait()
    return _result(output, process.returncode)


def _result(output: bytes, returncode: int | None) -> Article:
    try:
        result = json.loads(output) if returncode == 0 else {}
    except ValueError:
        result = {}
    if "article" in result:
        return Article(**result["article"])
    raise ArticleError(result.get("error") or FAILED)  # no answer: killed for its memory


def main(argv: list[str]) -> int:
    _limit_memory()
    filename, url = argv[1], argv[2] or None
    try:
        article = parse_document(sys.stdin.buffer.read(), filename, url)
    except ArticleError as error:
        result: dict = {"error": str(error)}
    except MemoryError:
        result = {"error": FAILED}
    else:
        result = {"article": dataclasses.asdict(article)}
    sys.stdout.write(json.dumps(result))
    return 0


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on Windows: the deadline still holds
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
