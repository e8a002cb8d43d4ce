"""Ask a news article a question and get its own words back, cited; or see its key sentences.

Without --article, the built-in article (a Newsweek report) is used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from .article import Article, default_article
from .batch import BatchError, run_batch
from .citation import Citation
from .reader import ArticleError, read_article
from .search import Answer, Hit, Index

BATCH_HELP = """\
Answer every question of a JSONL file: one article per input line, one answer per question on
output (the contract is docs/batch-format.md in the project's repository). The output file is
written only when every line was read and answered."""


class CommandError(Exception):
    """A failure already phrased for the command line."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except ArticleError as error:
        return _fail(f"{args.article}: {error.reason}" if args.article else error.reason)
    except BatchError as error:
        return _fail(f"{args.input}: {error}")
    except CommandError as error:
        return _fail(str(error))
    except BrokenPipeError:  # the reader went away (| head): nothing more to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        return _fail(_file_problem(error))
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_program_name(), description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{ask,summary,batch}")

    ask = commands.add_parser("ask", help="answer a question with the article's best passages")
    ask.add_argument("question")
    _add_article(ask)
    ask.add_argument("-k", type=_positive, default=3, metavar="N", help="show up to N passages (default 3)")
    ask.add_argument("--json", action="store_true", help="print machine-readable JSON")
    ask.set_defaults(run=_ask)

    summary = commands.add_parser("summary", help="the article's title, byline and key sentences")
    _add_article(summary)
    summary.add_argument("--json", action="store_true", help="print machine-readable JSON")
    summary.set_defaults(run=_summary)

    batch = commands.add_parser(
        "batch", help="answer a JSONL file of questions (the eval harness's contract)", description=BATCH_HELP
    )
    batch.add_argument("--input", required=True, metavar="IN.jsonl")
    batch.add_argument("--output", required=True, metavar="OUT.jsonl")
    batch.set_defaults(run=_batch, article=None)
    return parser


def _program_name() -> str:
    """``article-qa`` when run as the console script, ``python -m index`` otherwise."""
    name = Path(sys.argv[0]).name
    return "python -m index" if name in ("__main__.py", "-c", "") else name


def _add_article(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--article", metavar="FILE", help="a .txt, .md, .html or .pdf article (default: the built-in one)"
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _file_problem(error: OSError) -> str:
    name = error.filename
    if isinstance(error, FileNotFoundError):
        return f"no such file: {name}"
    if isinstance(error, IsADirectoryError):
        return f"{name} is a directory, not a file"
    if isinstance(error, PermissionError):
        return f"permission denied: {name}"
    problem = (error.strerror or str(error)).lower()
    return f"{name}: {problem}" if name else problem


def _article(args: argparse.Namespace) -> Article:
    return read_article(args.article) if args.article else default_article()


def _ask(args: argparse.Namespace) -> int:
    answer = Index([_article(args)]).search(args.question, k=args.k)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return 0
    print(answer_text(answer, bold=sys.stdout.isatty()))
    if not answer.declined and len(answer.hits) < args.k:
        shown = len(answer.hits)
        relate = (
            "1 passage of the article relates" if shown == 1 else f"{shown} passages of the article relate"
        )
        print(f"(-k {args.k}: only {relate} to the question)")
    return 0


def _summary(args: argparse.Namespace) -> int:
    article = _article(args)
    answer = Index([article]).summary(article)
    if args.json:
        print(json.dumps(summary_json(article, answer), ensure_ascii=False, indent=2))
    else:
        print(summary_text(article, answer))
    return 0


def _batch(args: argparse.Namespace) -> int:
    # The input is opened first (a missing one leaves no output behind) and read as bytes, so
    # that a line that is not UTF-8 is reported by its number.
    with open(args.input, "rb") as source, _replacing(Path(args.output)) as sink:
        count = run_batch(source, sink)
    print(f"answered {count} question{'s' * (count != 1)}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A file that takes ``path``'s place only once everything was written to it; on failure
    neither an empty nor a partial file is left, and an earlier output stays as it was."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        # /dev/stdout, a named pipe, a link the user keeps: written through, as it goes
        with path.open("w", encoding="utf-8") as sink:
            yield sink
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # beside it: os.replace stays on one disk
    try:
        sink = temporary.open("x", encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {path}: {(error.strerror or str(error)).lower()}") from None
    try:
        with sink:
            yield sink
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _where(citation: Citation) -> str:
    """``¶6, sentences 1–2`` or ``¶1, sentence 1``."""
    plural = "s" if citation.first_sentence != citation.last_sentence else ""
    return f"¶{citation.paragraph}, sentence{plural} {citation.sentences}"


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit as the JSON of ``ask`` and ``summary``: the passage, its highlights and citation."""
    citation = hit.citation
    return {
        "text": hit.passage.text,
        "start": hit.passage.start,
        "end": hit.passage.end,
        "score": round(hit.score, 4),
        "highlights": [
            {"start": s, "end": e, "text": hit.passage.article.text[s:e]} for s, e in hit.highlights
        ],
        "citation": {
            "title": citation.title,
            "source": citation.source_name,
            "url": citation.source_url,
            "paragraph": citation.paragraph,
            "sentences": [citation.first_sentence, citation.last_sentence],
            "start": citation.start,
            "end": citation.end,
            "link": citation.link,
        },
    }


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "declined": answer.declined,
        "confidence": round(answer.confidence, 4),
        "hits": [hit_json(hit) for hit in answer.hits],
    }


def summary_json(article: Article, answer: Answer) -> dict[str, Any]:
    return {
        "title": article.title,
        "author": article.author,
        "published": article.published,
        "source": article.source_name,
        "url": article.source_url,
        "hits": [hit_json(hit) for hit in answer.hits],
    }


def answer_text(answer: Answer, bold: bool = False) -> str:
    """The answer for a terminal: passages with highlights marked, each with its citation."""
    lines = []
    if answer.declined:
        lines.append("The article does not seem to answer that.")
        if answer.hits:
            lines.append("Closest passage, which may not answer it:")
    for number, hit in enumerate(answer.hits[: 1 if answer.declined else None], start=1):
        citation = hit.citation
        source = f" — {citation.source_name}" if citation.source_name else ""
        lines.append(f"[{number}] {_where(citation)} · {citation.title}{source}")
        lines += _quoted(hit, bold)
    return "\n".join(lines)


def summary_text(article: Article, answer: Answer) -> str:
    """The article's title, what is known of where it comes from, and its key sentences."""
    byline = [
        article.source_name,
        f"by {article.author}" if article.author else None,
        article.published,
        article.source_url,
    ]
    lines = [article.title]
    if known := " · ".join(part for part in byline if part):
        lines.append(known)
    lines.append("")
    for number, hit in enumerate(answer.hits, start=1):
        lines.append(f"[{number}] {_where(hit.citation)}")
        lines += _quoted(hit, bold=False)
    return "\n".join(lines)


def _quoted(hit: Hit, bold: bool) -> list[str]:
    """The passage indented, its highlights marked, and the link to the exact quote if any."""
    open_mark, close_mark = ("\033[1m", "\033[0m") if bold else ("**", "**")
    passage, text = hit.passage, hit.passage.article.text
    marked, cursor = [], passage.start
    for start, end in hit.highlights:
        marked += [text[cursor:start], open_mark, text[start:end], close_mark]
        cursor = end
    marked.append(text[cursor : passage.end])
    lines = ["    " + "".join(marked).replace("\n", "\n    ")]
    if hit.citation.link:
        lines.append(f"    {hit.citation.link}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
