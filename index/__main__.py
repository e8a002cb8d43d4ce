"""Command line: ``python -m index ask "question"`` and ``python -m index batch`` (the eval adapter)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .article import default_article
from .batch import BatchError, run_batch
from .reader import ArticleError, read_article
from .search import Answer, Index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question from an article (default: the built-in one)")
    ask.add_argument("question")
    ask.add_argument("--article", metavar="FILE", help="a .txt, .md, .html or .pdf article to ask instead")
    ask.add_argument("-k", type=int, default=3, metavar="N", help="how many passages to show (default 3)")
    ask.add_argument("--json", action="store_true", help="print machine-readable JSON")
    batch = commands.add_parser("batch", help="the eval harness contract: JSONL articles in, answers out")
    batch.add_argument("--input", required=True, metavar="IN.jsonl")
    batch.add_argument("--output", required=True, metavar="OUT.jsonl")
    args = parser.parse_args(argv)
    try:
        if args.command == "ask":
            return _ask(args)
        return _batch(args)
    except (ArticleError, BatchError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _ask(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise ArticleError("-k must be at least 1")
    article = read_article(args.article) if args.article else default_article()
    answer = Index([article]).search(args.question, k=args.k)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print(answer_text(answer, bold=sys.stdout.isatty()))
    return 0


def _batch(args: argparse.Namespace) -> int:
    # The input is read as bytes so that a line that is not UTF-8 is reported by its number.
    with open(args.input, "rb") as source, open(args.output, "w", encoding="utf-8") as sink:
        count = run_batch(source, sink)
    print(f"answered {count} questions", file=sys.stderr)
    return 0


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "declined": answer.declined,
        "confidence": round(answer.confidence, 4),
        "hits": [
            {
                "text": hit.passage.text,
                "start": hit.passage.start,
                "end": hit.passage.end,
                "score": round(hit.score, 4),
                "highlights": [
                    {"start": s, "end": e, "text": hit.passage.article.text[s:e]} for s, e in hit.highlights
                ],
                "citation": {
                    "title": hit.citation.title,
                    "source": hit.citation.source_name,
                    "url": hit.citation.source_url,
                    "paragraph": hit.citation.paragraph,
                    "sentences": [hit.citation.first_sentence, hit.citation.last_sentence],
                    "start": hit.citation.start,
                    "end": hit.citation.end,
                    "link": hit.citation.link,
                },
            }
            for hit in answer.hits
        ],
    }


def answer_text(answer: Answer, bold: bool = False) -> str:
    """The answer for a terminal: passages with highlights marked, each with its citation."""
    open_mark, close_mark = ("\033[1m", "\033[0m") if bold else ("**", "**")
    lines = []
    if answer.declined:
        lines.append("The article does not seem to answer that.")
        if answer.hits:
            lines.append("Closest passage, which may not answer it:")
    for number, hit in enumerate(answer.hits[: 1 if answer.declined else None], start=1):
        passage, text = hit.passage, hit.passage.article.text
        marked, cursor = [], passage.start
        for start, end in hit.highlights:
            marked += [text[cursor:start], open_mark, text[start:end], close_mark]
            cursor = end
        marked.append(text[cursor : passage.end])
        citation = hit.citation
        source = f" — {citation.source_name}" if citation.source_name else ""
        lines.append(
            f"[{number}] ¶{citation.paragraph}, sentences {citation.sentences} · {citation.title}{source}"
        )
        lines.append("    " + "".join(marked).replace("\n", "\n    "))
        if citation.link:
            lines.append(f"    {citation.link}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
