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


def read_records(lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    """The input records, checked against the contract (lines may be undecoded bytes).

    Raises:
        BatchError: a line that is not UTF-8, not JSON, or not a record the contract allows.
    """
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise BatchError(f"line {number}: not UTF-8 text") from None
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BatchError(f"line {number}: not JSON ({error.msg})") from None
        except RecursionError:
            raise BatchError(f"line {number}: not JSON (nested too deeply)") from None
        if problem := _record_problem(record):
            raise BatchError(f"line {number}: {problem}")
        yield record


def _record_problem(record: Any) -> str | None:
    """What makes ``record`` unusable, or None when it follows the contract."""
    if not isinstance(record, dict) or not isinstance(record.get("questions", []), list):
        return "expected an object with a list of questions"
    if not isinstance(record.get("article_text") or "", str):
        return "article_text must be a string"
    for question in record.get("questions", []):
        if not isinstance(question, dict) or "qid" not in question:
            return "every question needs a qid"
        history = question.get("history") or []
        if not isinstance(history, list) or not all(isinstance(turn, dict) for turn in history):
            return f"question {question['qid']}: history must be a list of objects"
    return None


def run_batch(source: Iterable[str | bytes], sink: TextIO) -> int:
    """Answer every record of ``source`` into ``sink``; returns the number of questions."""
    count = 0
    for record in read_records(source):
        for output in answer_article(record):
            line = json.dumps(output, ensure_ascii=False)
            if not _encodable(line):  # a lone surrogate (from "\ud800" in the input) survives only escaped
                line = json.dumps(output)
            sink.write(line + "\n")
            count += 1
    return count


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
