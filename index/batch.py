"""The eval harness's batch contract (../shared/eval/README.md): JSONL articles in, answers out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from .article import Article
from .search import Answer, Index, Turn

TOP_K = 5


class BatchError(ValueError):
    """A malformed input line; the message names the line."""


def answer_article(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Answer every question of one input record.

    Args:
        record: ``{"article_id", "article_text", "questions": [{"qid", "question", "history"}]}``.

    Returns:
        One output dict per question: ``{"qid", "passages": [{"text", "start", "end"}],
        "declined", "confidence"}``.
    """
    text = record.get("article_text") or ""
    index = Index([Article(title=str(record.get("article_id", "")), text=text)])
    outputs = []
    for question in record.get("questions") or []:
        history = [
            Turn(str(t.get("question", "")), str(t.get("answer", ""))) for t in question.get("history") or []
        ]
        answer = index.search(str(question.get("question") or ""), history, k=TOP_K)
        outputs.append({"qid": question["qid"], **_answer_fields(answer)})
    return outputs


def _answer_fields(answer: Answer) -> dict[str, Any]:
    return {
        "passages": [
            {"text": hit.passage.text, "start": hit.passage.start, "end": hit.passage.end}
            for hit in answer.hits
        ],
        "declined": answer.declined,
        "confidence": round(answer.confidence, 4),
    }


def read_records(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BatchError(f"line {number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("questions", []), list):
            raise BatchError(f"line {number}: expected an object with a list of questions")
        if any(not isinstance(q, dict) or "qid" not in q for q in record.get("questions", [])):
            raise BatchError(f"line {number}: every question needs a qid")
        yield record


def run_batch(source: TextIO, sink: TextIO) -> int:
    """Answer every record of ``source`` into ``sink``; returns the number of questions."""
    count = 0
    for record in read_records(source):
        for output in answer_article(record):
            sink.write(json.dumps(output, ensure_ascii=False) + "\n")
            count += 1
    return count
