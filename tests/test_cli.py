"""The command line through a subprocess, as a user or the eval harness runs it."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from index import default_article
from tests.test_reader import HTML, PDF_LINES, make_pdf


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "index", *map(str, args)], capture_output=True, text=True, timeout=60
    )


Key = TypeVar("Key")


def run_all(invocations: dict[Key, tuple[str | Path, ...]]) -> dict[Key, subprocess.CompletedProcess[str]]:
    """Run a table's command lines a few at a time (each one mostly waits on its imports)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run, *args) for key, args in invocations.items()}
        return {key: future.result() for key, future in futures.items()}


def assert_clean_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2 and one line ``error: …`` on stderr; no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word.lower() in lines[0].lower()


# --- ask ---------------------------------------------------------------------------------------


def test_ask_json_points_into_the_article():
    result = run("ask", "how many reservists?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["question"] == "how many reservists?"
    assert answer["declined"] is False
    assert isinstance(answer["confidence"], float)
    assert 1 <= len(answer["hits"]) <= 3
    text = default_article().text
    for hit in answer["hits"]:
        assert text[hit["start"] : hit["end"]] == hit["text"]
        for mark in hit["highlights"]:
            assert text[mark["start"] : mark["end"]] == mark["text"]
        citation = hit["citation"]
        assert (citation["start"], citation["end"]) == (hit["start"], hit["end"])
        assert citation["title"] == default_article().title
        assert citation["source"] == "Newsweek"
    assert "300,000" in answer["hits"][0]["text"]


@pytest.mark.parametrize("k", ["1", "2"])
def test_ask_k(k):
    result = run("ask", "Zelensky Russia war", "-k", k, "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["hits"]) == int(k)


def test_ask_text_output_marks_highlights_and_cites():
    result = run("ask", "how many reservists?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[1] ¶")
    assert "**300,000**" in result.stdout
    assert default_article().title in result.stdout


def test_ask_declined_says_so():
    result = run("ask", "who won the world cup in 2018?")
    assert result.returncode == 0, result.stderr
    assert "does not seem to answer" in result.stdout


ARTICLE_FILES = [
    ("moon.txt", b"Moon Base\n\nThe moon base has 42 residents. They grow potatoes.", "Moon Base"),
    ("moon.md", b"# Moon Base\n\nThe moon base has **42 residents**. They grow potatoes.", "Moon Base"),
    ("moon.html", HTML, "Moon Base Report"),
    ("moon.pdf", make_pdf(PDF_LINES), "Moon Base Report"),
]


@pytest.fixture(scope="module")
def article_file_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("articles")
    for name, data, _ in ARTICLE_FILES:
        (folder / name).write_bytes(data)
    return run_all(
        {
            name: ("ask", "how many residents?", "--article", folder / name, "--json")
            for name, *_ in ARTICLE_FILES
        }
    )


@pytest.mark.parametrize(("name", "title"), [(name, title) for name, _, title in ARTICLE_FILES])
def test_ask_an_article_file(article_file_runs, name, title):
    result = article_file_runs[name]
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert not answer["declined"]
    assert "42" in answer["hits"][0]["text"]
    assert answer["hits"][0]["citation"]["title"] == title


BAD_FILES = [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n\t \r\n", "empty"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary"),
    ("big.txt", b"All work and no play makes Jack a dull boy. " * 240_000, "too long"),
    ("broken.pdf", b"%PDF-1.4 broken", "PDF"),
    ("empty.pdf", b"", "empty"),
]


@pytest.fixture(scope="module")
def bad_file_runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("bad")
    for name, data, _ in BAD_FILES:
        (folder / name).write_bytes(data)
    paths = {name: folder / name for name, *_ in BAD_FILES} | {
        "missing": folder / "missing.txt",
        "directory": folder,
    }
    return run_all({name: ("ask", "anything?", "--article", path) for name, path in paths.items()})


@pytest.mark.parametrize(("name", "message"), [(name, message) for name, _, message in BAD_FILES])
def test_ask_bad_file_is_one_line_error(bad_file_runs, name, message):
    result = bad_file_runs[name]
    assert_clean_error(result, message)
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["missing", "directory"])
def test_ask_unreadable_path_is_one_line_error(bad_file_runs, name):
    assert_clean_error(bad_file_runs[name])


def test_ask_k_below_one_is_an_error():
    assert_clean_error(run("ask", "anything?", "-k", "0"), "-k")


# --- batch: the eval harness contract ----------------------------------------------------------

MOON_TEXT = "The moon base has 42 residents.\n\nThey grow potatoes in a greenhouse under the regolith."


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_batch_answers_every_question_once_against_the_contract(tmp_path):
    seed = default_article().text
    records = [
        {
            "article_id": "newsweek",
            "article_text": seed,
            "questions": [
                {"qid": "q1", "question": "how many reservists?", "history": []},
                {"qid": "q2", "question": "who won the world cup in 2018?", "history": []},
                {
                    "qid": "q3",
                    "question": "what did he say people were calling?",
                    "history": [{"question": "who is Andriy Yusov?", "answer": ""}],
                },
                {"qid": "q4", "question": "", "history": []},
            ],
        },
        {
            "article_id": "moon",
            "article_text": MOON_TEXT,
            "questions": [{"qid": "m1", "question": "how many residents? 🎉", "history": []}],
        },
        {"article_id": "empty", "article_text": "", "questions": [{"qid": "e1", "question": "anything?"}]},
        {
            "article_id": "blank",
            "article_text": " \n\n ",
            "questions": [{"qid": "b1", "question": "anything?"}],
        },
        {"article_id": "none", "article_text": MOON_TEXT, "questions": []},
    ]
    texts = {q["qid"]: r["article_text"] for r in records for q in r["questions"]}
    output = tmp_path / "out.jsonl"
    result = run("batch", "--input", write_jsonl(tmp_path / "in.jsonl", records), "--output", output)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["qid"] for line in lines) == sorted(texts)
    by_qid = {line["qid"]: line for line in lines}
    for qid, line in by_qid.items():
        assert isinstance(line["declined"], bool)
        assert isinstance(line["confidence"], float) and 0.0 <= line["confidence"] <= 1.0
        assert isinstance(line["passages"], list)
        for passage in line["passages"]:
            assert isinstance(passage["start"], int) and isinstance(passage["end"], int)
            assert texts[qid][passage["start"] : passage["end"]] == passage["text"]

    assert "300,000 reservists" in by_qid["q1"]["passages"][0]["text"] and not by_qid["q1"]["declined"]
    assert by_qid["q2"]["declined"]
    assert "hotline" in by_qid["q3"]["passages"][0]["text"]
    assert by_qid["q4"]["declined"]
    assert "42 residents" in by_qid["m1"]["passages"][0]["text"]
    for qid in ("e1", "b1"):
        assert by_qid[qid] == {"qid": qid, "passages": [], "declined": True, "confidence": 0.0}


GOOD = json.dumps({"article_id": "a", "article_text": "Text.", "questions": [{"qid": "1", "question": "x"}]})
NO_QID = json.dumps({"article_text": "x", "questions": [{"question": "no qid"}]})

# Each kind of fault is tested in test_batch.py; here, that the command line reports it.
MALFORMED = [
    (f"{GOOD}\n{{not json\n".encode(), 2, "JSON"),
    (f"{GOOD}\n\n{NO_QID}\n".encode(), 3, "qid"),
    (f"{GOOD}\n".encode() + b"\xff\xfe\x00garbage\x89\n", 2, "UTF-8"),
]


@pytest.fixture(scope="module")
def malformed_runs(tmp_path_factory) -> dict[int, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("malformed")
    invocations: dict[int, tuple[str | Path, ...]] = {}
    for number, (data, _, _) in enumerate(MALFORMED):
        (folder / f"{number}.jsonl").write_bytes(data)
        invocations[number] = (
            "batch",
            "--input",
            folder / f"{number}.jsonl",
            "--output",
            folder / f"{number}.out",
        )
    invocations[-1] = ("batch", "--input", folder / "missing.jsonl", "--output", folder / "missing.out")
    return run_all(invocations)


@pytest.mark.parametrize(
    ("number", "line", "word"), [(i, line, word) for i, (_, line, word) in enumerate(MALFORMED)]
)
def test_batch_malformed_input_names_the_line(malformed_runs, number, line, word):
    assert_clean_error(malformed_runs[number], f"line {line}", word)


def test_batch_missing_input_file(malformed_runs):
    assert_clean_error(malformed_runs[-1])
