"""The eval adapter in-process: records in, one answer per qid out, bad lines named."""

import io
import json

import pytest

from index import default_article
from index.batch import BatchError, answer_article, read_records, run_batch

GOOD = {"article_id": "a", "article_text": "The moon base has 42 residents.", "questions": [{"qid": "1"}]}


def lines_of(*records) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


@pytest.mark.parametrize(
    ("lines", "line", "words"),
    [
        (lines_of(GOOD, "{not json"), 2, "not JSON"),
        (lines_of("[1, 2]"), 1, "object"),
        (lines_of('"text"'), 1, "object"),
        (lines_of("null"), 1, "object"),
        (lines_of({"article_text": "x", "questions": "q"}), 1, "questions"),
        (lines_of({"article_text": "x", "questions": None}), 1, "questions"),
        (lines_of(GOOD, "", {"article_text": "x", "questions": [{"question": "?"}]}), 3, "qid"),
        (lines_of({"article_text": "x", "questions": ["q"]}), 1, "qid"),
        (lines_of({"article_text": 42, "questions": []}), 1, "article_text"),
        (lines_of({"article_text": ["x"], "questions": []}), 1, "article_text"),
        (lines_of({"article_text": "x", "questions": [{"qid": "1", "history": "q"}]}), 1, "history"),
        (lines_of({"article_text": "x", "questions": [{"qid": "1", "history": ["q"]}]}), 1, "history"),
        (["[" * 100_000], 1, "not JSON"),
        ([json.dumps(GOOD).encode(), b"\xff\xfe garbage"], 2, "UTF-8"),
    ],
)
def test_malformed_lines_are_named(lines, line, words):
    with pytest.raises(BatchError) as error:
        list(read_records(lines))
    message = str(error.value)
    assert message.startswith(f"line {line}: ")
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["", "   ", "\n"],
        [b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n"],  # a UTF-8 BOM on the first line
        [json.dumps(GOOD) + "\r\n"],
        [json.dumps({**GOOD, "article_text": None})],
        [json.dumps({"article_id": "a", "article_text": "x"})],  # no questions at all
    ],
)
def test_acceptable_lines(lines):
    for record in read_records(lines):
        assert isinstance(record, dict)


def test_every_qid_once_with_the_contract_fields():
    record = {
        "article_id": "newsweek",
        "article_text": default_article().text,
        "questions": [
            {"qid": "q1", "question": "how many reservists?", "history": []},
            {"qid": "q2", "question": "who won the world cup in 2018?"},
            {"qid": "q3", "question": "what did he say people were calling?",
             "history": [{"question": "who is Andriy Yusov?", "answer": "…"}]},
            {"qid": "q4", "question": None},
            {"qid": "q5", "question": 42, "history": None},
        ],
    }  # fmt: skip
    outputs = answer_article(record)
    assert [o["qid"] for o in outputs] == ["q1", "q2", "q3", "q4", "q5"]
    for output in outputs:
        assert set(output) == {"qid", "passages", "declined", "confidence"}
        assert isinstance(output["declined"], bool)
        assert isinstance(output["confidence"], float)
        for passage in output["passages"]:
            assert record["article_text"][passage["start"] : passage["end"]] == passage["text"]
    q1, q2, q3, q4, _ = outputs
    assert "300,000 reservists" in q1["passages"][0]["text"] and not q1["declined"]
    assert q2["declined"]
    assert "hotline" in q3["passages"][0]["text"]
    assert q4["declined"]


@pytest.mark.parametrize("text", ["", " \n\n\t ", None])
def test_an_empty_article_declines_everything(text):
    record = {"article_id": "e", "article_text": text, "questions": [{"qid": "1", "question": "anything?"}]}
    assert answer_article(record) == [{"qid": "1", "passages": [], "declined": True, "confidence": 0.0}]


def test_run_batch_reads_text_or_bytes():
    records = [GOOD, {**GOOD, "questions": [{"qid": "2", "question": "how many residents?"}]}]
    text_source = io.StringIO("".join(json.dumps(r) + "\n" for r in records))
    byte_source = io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())
    outputs = []
    for source in (text_source, byte_source):
        sink = io.StringIO()
        assert run_batch(source, sink) == 2
        outputs.append(sink.getvalue())
    assert outputs[0] == outputs[1]
    second = json.loads(outputs[0].splitlines()[1])
    assert second["qid"] == "2" and "42 residents" in second["passages"][0]["text"]


def test_a_lone_surrogate_survives_as_an_escape():
    text = "Hello \ud800 world. Bye."
    record = {"article_id": "a", "article_text": text, "questions": [{"qid": "1", "question": "hello world"}]}
    sink = io.StringIO()
    run_batch([json.dumps(record)], sink)
    line = sink.getvalue()
    line.encode("utf-8")  # writable as UTF-8
    passage = json.loads(line)["passages"][0]
    assert text[passage["start"] : passage["end"]] == passage["text"]


def test_output_keeps_unicode_readable():
    text = "Київ is the capital. 🎉 Celebrations followed."
    record = {
        "article_id": "a",
        "article_text": text,
        "questions": [{"qid": "1", "question": "Київ capital"}],
    }
    sink = io.StringIO()
    run_batch([json.dumps(record)], sink)
    assert "Київ" in sink.getvalue()
    passage = json.loads(sink.getvalue())["passages"][0]
    assert text[passage["start"] : passage["end"]] == passage["text"]
