"""The command line through a subprocess, as a user or the eval harness runs it."""

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from index import default_article
from tests.test_reader import HTML, PDF_LINES, make_pdf

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_SCRIPT = Path(sys.executable).parent / "article-qa"  # installed by pip install -e .
CITATION_LINE = re.compile(r"\[\d+\] ¶\d+, (sentence \d+|sentences \d+–\d+)( · .+)?")


def run(
    *args: str | Path, program: tuple[str, ...] = (sys.executable, "-m", "index")
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*program, *map(str, args)], capture_output=True, text=True, timeout=60)


Key = TypeVar("Key")


def run_all(invocations: dict[Key, tuple[str | Path, ...]]) -> dict[Key, subprocess.CompletedProcess[str]]:
    """Run a table's command lines a few at a time (each one mostly waits on its imports)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(run, *args) for key, args in invocations.items()}
        return {key: future.result() for key, future in futures.items()}


def assert_clean_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2 and one line ``error: …`` on stderr, in a command line's voice; no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert not re.search(r"\b(I|I'm|That|Errno)\b", lines[0]), "the bot's voice, or a raw errno"
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
    ("moon-pdf.txt", make_pdf(PDF_LINES), "Moon Base Report"),  # read as what it is, not by its name
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


EXPECTED = ".txt, .md, .html or .pdf"
BAD_FILES = [  # (file name, content, the error after "error: PATH: ")
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n\t \r\n", "empty file"),
    (
        "photo.txt",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        f"a PNG image, not an article; expected {EXPECTED}",
    ),
    ("zeros.txt", bytes(4096), "binary data, not text"),
    (
        "big.txt",
        b"All work and no play makes Jack a dull boy. " * 240_000,
        "too long for one article: 10,559,999",
    ),
    ("broken.pdf", b"%PDF-1.4 broken", "damaged PDF, or not a PDF"),
    ("empty.pdf", b"", "empty file"),
    ("notes.docx", b"Notes", f"unsupported file type .docx; expected {EXPECTED}"),
    ("huge.txt", None, "too large: 50.0 MB (the limit is 20 MB)"),  # refused from its size, unread
]


@pytest.fixture(scope="module")
def bad_file_runs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    folder = tmp_path_factory.mktemp("bad")
    for name, data, _ in BAD_FILES:
        with (folder / name).open("wb") as file:
            file.write(data) if data is not None else file.truncate(50 * 1024 * 1024)  # sparse
    paths = {name: folder / name for name, *_ in BAD_FILES} | {
        "missing": folder / "missing.txt",
        "directory": folder,
    }
    runs = run_all({name: ("ask", "anything?", "--article", path) for name, path in paths.items()})
    return {name: (paths[name], result) for name, result in runs.items()}


@pytest.mark.parametrize(("name", "reason"), [(name, reason) for name, _, reason in BAD_FILES])
def test_ask_bad_file_is_one_line_error_naming_the_file(bad_file_runs, name, reason):
    path, result = bad_file_runs[name]
    assert_clean_error(result)
    assert result.stderr.startswith(f"error: {path}: {reason}")
    assert result.stdout == ""


def test_ask_missing_file(bad_file_runs):
    path, result = bad_file_runs["missing"]
    assert_clean_error(result)
    assert result.stderr == f"error: no such file: {path}\n"


def test_ask_directory(bad_file_runs):
    path, result = bad_file_runs["directory"]
    assert_clean_error(result)
    assert result.stderr == f"error: {path} is a directory, not a file\n"


@pytest.mark.parametrize(
    ("k", "problem"), [("0", "must be at least 1, not 0"), ("three", "expected a whole number, not 'three'")]
)
def test_ask_k_not_a_count_is_a_usage_error(k, problem):
    result = run("ask", "anything?", "-k", k)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: python -m index ask")
    assert result.stderr.endswith(f"error: argument -k: {problem}\n")


def test_ask_k_shows_n_passages_or_says_why_not():
    many, few = run_all(
        {
            "many": ("ask", "Zelensky Russia war", "-k", "3"),
            "few": ("ask", "how many reservists?", "-k", "20"),
        }
    ).values()
    assert [line[:4] for line in many.stdout.splitlines() if line.startswith("[")] == ["[1] ", "[2] ", "[3] "]
    assert "only" not in many.stdout
    assert [line[:4] for line in few.stdout.splitlines() if line.startswith("[")] == ["[1] "]
    assert few.stdout.endswith("(-k 20: only 1 passage of the article relates to the question)\n")


def test_citations_say_sentence_or_sentences():
    answer, summary = run_all(
        {"ask": ("ask", "Zelensky Russia war", "-k", "5"), "summary": ("summary",)}
    ).values()
    cited = [line for line in (answer.stdout + summary.stdout).splitlines() if line.startswith("[")]
    assert len(cited) >= 8
    for line in cited:
        assert CITATION_LINE.fullmatch(line), line
    assert any("sentence 1" in line for line in cited)


# --- summary -----------------------------------------------------------------------------------


def test_summary_of_the_built_in_article():
    result = run("summary")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [default_article().title, "Newsweek", ""]
    assert [line[:4] for line in lines if line.startswith("[")] == ["[1] ", "[2] ", "[3] "]
    assert "Zelensky" in lines[4]


def test_summary_json_points_into_the_article(tmp_path):
    pdf = Path(__file__).parent / "fixtures" / "pdf" / "harbor-bridge.pdf"
    text_run, json_run = run_all(
        {"text": ("summary", "--article", pdf), "json": ("summary", "--article", pdf, "--json")}
    ).values()
    assert text_run.returncode == 0 and json_run.returncode == 0, (text_run.stderr, json_run.stderr)
    assert text_run.stdout.splitlines()[:2] == [
        "Harbor Bridge Reopens After Two-Year Repair",
        "by Thomas Reed",
    ]
    summary = json.loads(json_run.stdout)
    assert summary["title"] == "Harbor Bridge Reopens After Two-Year Repair"
    assert summary["author"] == "Thomas Reed"
    assert {"published", "source", "url"} <= summary.keys()
    assert 1 <= len(summary["hits"]) <= 3
    for hit in summary["hits"]:
        assert hit["citation"]["title"] == summary["title"]
        assert hit["citation"]["sentences"][0] == hit["citation"]["sentences"][1]  # a key sentence
        assert hit["text"] in text_run.stdout


def test_summary_of_a_bad_file_is_one_line_error(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(64))
    result = run("summary", "--article", path)
    assert_clean_error(result)
    assert result.stderr.startswith(f"error: {path}: a ZIP archive")


# --- the program's name ------------------------------------------------------------------------


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="article-qa is installed by pip install -e .")
def test_the_console_script_names_itself():
    result = run("--help", program=(str(CONSOLE_SCRIPT),))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: article-qa ")
    answer = run("ask", "how many reservists?", program=(str(CONSOLE_SCRIPT),))
    assert "**300,000**" in answer.stdout


def test_python_m_index_names_itself():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m index ")
    for command in ("ask", "summary", "batch"):
        assert command in result.stdout


def test_batch_help_points_to_the_contract_inside_the_project():
    result = run("batch", "--help")
    assert result.returncode == 0, result.stderr
    assert "docs/batch-format.md" in " ".join(result.stdout.split())
    assert (ROOT / "docs" / "batch-format.md").is_file()


def test_a_reader_that_goes_away_is_no_error():
    """``article-qa … | head -1``: the pipe closes early, and nothing is said about it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "index", "summary"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # type: ignore[union-attr]
    _, stderr = process.communicate(timeout=60)
    assert stderr == b""


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
def malformed_runs(tmp_path_factory) -> dict[int, tuple[subprocess.CompletedProcess[str], Path]]:
    folder = tmp_path_factory.mktemp("malformed")
    invocations: dict[int, tuple[str | Path, ...]] = {}
    outputs: dict[int, Path] = {}
    for number, (data, _, _) in enumerate(MALFORMED):
        (folder / f"{number}.jsonl").write_bytes(data)
        outputs[number] = folder / f"{number}.out"
        invocations[number] = ("batch", "--input", folder / f"{number}.jsonl", "--output", outputs[number])
    outputs[-1] = folder / "missing.out"
    invocations[-1] = ("batch", "--input", folder / "missing.jsonl", "--output", outputs[-1])
    return {key: (result, outputs[key]) for key, result in run_all(invocations).items()}


@pytest.mark.parametrize(
    ("number", "line", "word"), [(i, line, word) for i, (_, line, word) in enumerate(MALFORMED)]
)
def test_batch_malformed_input_names_the_file_and_line_and_writes_nothing(malformed_runs, number, line, word):
    result, output = malformed_runs[number]
    assert_clean_error(result, f"{number}.jsonl: line {line}", word)
    assert not output.exists() and not list(output.parent.glob(f".{output.name}.*")), (
        "no output, no leftovers"
    )


def test_batch_missing_input_file_writes_nothing(malformed_runs):
    result, output = malformed_runs[-1]
    assert_clean_error(result, "no such file", "missing.jsonl")
    assert not output.exists()


def test_batch_failing_keeps_an_earlier_output_as_it_was(tmp_path):
    output = tmp_path / "out.jsonl"
    output.write_text("earlier answers\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_bytes(f"{GOOD}\n{{not json\n".encode())
    assert_clean_error(run("batch", "--input", source, "--output", output), "line 2")
    assert output.read_text(encoding="utf-8") == "earlier answers\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_batch_counts_in_words_and_replaces_an_earlier_output(tmp_path):
    output = tmp_path / "out.jsonl"
    output.write_text("earlier answers\n", encoding="utf-8")
    result = run(
        "batch", "--input", write_jsonl(tmp_path / "in.jsonl", [json.loads(GOOD)]), "--output", output
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "answered 1 question\n"
    assert [json.loads(line)["qid"] for line in output.read_text(encoding="utf-8").splitlines()] == ["1"]


def test_batch_output_cannot_be_written(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.loads(GOOD)])
    result = run("batch", "--input", source, "--output", tmp_path / "no-such-folder" / "out.jsonl")
    assert_clean_error(result, "cannot write", "no-such-folder/out.jsonl", "no such file or directory")
