"""Reading articles: .txt / .md / .html / .pdf → Article, and clear errors for everything else."""

import io
import re
from pathlib import Path

import pytest

from index import ArticleError, Index, parse_document, read_article
from index.reader import MAX_ARTICLE_CHARS, MAX_FILE_BYTES, document_format
from index.sentences import split_paragraphs


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF (Helvetica, ASCII) whose text layer holds ``lines``, written by hand."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


PDF_LINES = [
    "Moon Base Report",
    "",
    "The moon base has 42 residents.",
    "They grow potatoes under the regolith.",
]

HTML = b"""<!doctype html>
<html lang="en"><head><title>Moon Base Report</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/news">Navigation menu entry</a> | <a href="/about">About us</a></nav>
<header><div class="cookie">Accept cookies to continue browsing</div></header>
<article>
<h1>Moon Base Report</h1>
<p>The lunar base Artemis Station now houses 42 residents, its director said on Tuesday.</p>
<p>Residents grow potatoes and lettuce in a greenhouse dug under the regolith.</p>
<p>A supply rocket from Earth lands every 90 days with water, oxygen and spare parts for the station.</p>
</article>
<footer>Copyright 2024 Footer Corporation. All rights reserved. Privacy policy.</footer>
</body></html>"""


@pytest.mark.parametrize(
    ("data", "filename", "title", "text"),
    [
        (b"Moon Base\n\nThe base has 42 residents.", "moon.txt", "Moon Base", "The base has 42 residents."),
        (b"Moon Base\r\n\r\nLine one.\r\nLine two.", "moon.txt", "Moon Base", "Line one.\nLine two."),
        ("\ufeffMoon Base\n\nBOM stripped.".encode(), "moon.txt", "Moon Base", "BOM stripped."),
        ("Caf\xe9 News\n\nThe caf\xe9 opened.".encode("cp1252"), "cafe.txt", "Café News", "The café opened."),
        (b"Only a body line without title.", "notes.txt", "notes", "Only a body line without title."),
        (b"Moon Base\n\nNo suffix.", "README", "Moon Base", "No suffix."),
    ],
    ids=["txt", "crlf", "bom", "cp1252", "no title", "no suffix"],
)
def test_plain_text(data, filename, title, text):
    article = parse_document(data, filename)
    assert article.title == title
    assert article.text == text
    assert article.language == "en"


def test_markdown_paragraphs_without_markup():
    document = (
        b"# Moon Base\n\nSome **bold** and _italic_ text with [a link](https://x.org) and `code`.\n\n"
        b"> A quoted line.\n\n---\n\n## Section ##\n\nMore text."
    )
    article = parse_document(document, "moon.md")
    assert article.title == "Moon Base"
    assert [article.text[p.span.start : p.span.end] for p in split_paragraphs(article.text)] == [
        "Some bold and italic text with a link and code.",
        "A quoted line.",
        "Section",
        "More text.",
    ]


def test_markdown_keeps_no_markup():
    article = parse_document(b"# T\n\n**Bold** [link](https://x.org) ![alt text](i.png) ~~gone~~", "a.md")
    assert "*" not in article.text and "](" not in article.text and "~" not in article.text
    assert "Bold" in article.text and "link" in article.text and "alt text" in article.text


def test_html_main_text_without_boilerplate():
    article = parse_document(HTML, "moon.html", url="https://example.org/moon")
    assert article.title == "Moon Base Report"
    assert article.source_url == "https://example.org/moon"
    assert "42 residents" in article.text
    assert "potatoes and lettuce" in article.text
    for boilerplate in (
        "Navigation menu entry",
        "About us",
        "Footer Corporation",
        "Privacy policy",
        "cookies",
    ):
        assert boilerplate not in article.text
    # the page's paragraphs are the article's paragraphs
    assert len(split_paragraphs(article.text)) == 3


def test_pdf_text_layer():
    article = parse_document(make_pdf(PDF_LINES), "report.pdf")
    assert article.title == "Moon Base Report"
    assert "The moon base has 42 residents." in article.text
    answer = Index([article]).search("how many residents?")
    assert not answer.declined
    assert "42" in answer.hits[0].passage.text


def test_pdf_metadata_title():
    article = parse_document(make_pdf(PDF_LINES[2:], title="Lunar News"), "report.pdf")
    assert article.title == "Lunar News"
    assert article.text.startswith("The moon base has 42 residents.")


def test_one_page_pdf_wrapped_to_a_width_keeps_its_sentences():
    lines = [
        "The station was built over four years by crews that arrived in",
        "small groups, each of them trained for the long night on the moon",
        "and for the work of keeping the greenhouse warm. It now holds",
        "forty two people, who say the food is better than they expected.",
    ]
    article = parse_document(make_pdf(lines, title="Station"), "station.pdf")
    sentences = [article.text[s.start : s.end] for p in split_paragraphs(article.text) for s in p.sentences]
    assert len(sentences) == 2
    assert sentences[0].startswith("The station was built") and sentences[0].endswith("greenhouse warm.")


def test_read_article_from_a_file(tmp_path):
    path = tmp_path / "moon.txt"
    path.write_bytes(b"Moon Base\n\nThe base has 42 residents.")
    article = read_article(path)
    assert article.title == "Moon Base"
    assert read_article(str(path)) == article


def test_read_article_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        read_article(tmp_path / "missing.txt")


def test_language_is_guessed():
    german = "Titel\n\nDer Hund ist nicht in der Küche, und die Katze ist auch nicht mit den Kindern da."
    assert parse_document(german.encode(), "hund.txt").language == "de"


def test_the_limit_is_a_length_not_a_byte_count():
    near = "Title\n\n" + "x" * (MAX_ARTICLE_CHARS - 100)
    assert len(parse_document(near.encode(), "big.txt").text) == MAX_ARTICLE_CHARS - 100


TEN_MB = ("All work and no play makes Jack a dull boy. " * 240_000).encode()

ZIP = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)

# (data, file name, what the bot's message says, what the command line's reason says)
BAD = [
    (b"", "a.txt", "empty", "empty file"),
    (b"", "a.md", "empty", "empty file"),
    (b"", "a.html", "empty", "empty file"),
    (b"", "a.pdf", "empty", "empty file"),
    (b" \n\t\r\n  ", "a.txt", "empty", "empty file"),
    (b"   ", "a.pdf", "empty", "empty file"),
    (b"...!!! ---", "a.txt", "no text", "no text to read"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "photo.txt", "PNG image", "a PNG image, not an article"),
    (bytes(range(256)) * 40, "data.md", "binary", "binary data"),
    (b"\x00" * 100, "zeros.html", "binary", "binary data"),
    (TEN_MB, "big.txt", "too long", "too long for one article: 10,559,999 characters"),
    (TEN_MB, "big.md", "too long", "too long"),
    (b"%PDF-1.4 this is not really a pdf", "fake.pdf", "PDF", "damaged PDF"),
    (b"hello", "fake.pdf", "PDF", "damaged PDF"),
    (make_pdf([]), "scan.pdf", "no text layer", "no text layer in the PDF"),
    (
        b"<html><head><title>Nothing</title></head><body></body></html>",
        "empty.html",
        "no article text",
        "no article",
    ),
    (ZIP, "doc.docx", "ZIP archive", "a ZIP archive (.docx, .odt, .epub), not an article"),
    (ZIP, "notes.md", "ZIP archive", "a ZIP archive"),  # the content, not the name
    (OLE, "letter.txt", "Microsoft Office", "an old Microsoft Office file"),
    (b"text", "image.png", ".png", "unsupported file type .png"),
]


@pytest.mark.parametrize(
    ("data", "filename", "message", "reason"), BAD, ids=[f"{name}:{message}" for _, name, message, _ in BAD]
)
def test_bad_input_is_a_clear_error_in_either_voice(data, filename, message, reason):
    with pytest.raises(ArticleError) as error:
        parse_document(data, filename)
    text = str(error.value)
    assert message.lower() in text.lower()
    assert "\n" not in text
    assert len(text) < 200
    # The command line's reason is terse and says no "I" or "That": it is not the bot talking.
    assert error.value.reason.startswith(reason)
    assert "\n" not in error.value.reason
    assert not re.search(r"\b(I|I'm|That|send)\b", error.value.reason)


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (make_pdf(PDF_LINES), "report.txt", "pdf"),  # a PDF saved as .txt
        (make_pdf(PDF_LINES), "report", "pdf"),
        (b"\n  " + make_pdf(PDF_LINES), "report.md", "pdf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page.txt", "html"),
        (b"\xef\xbb\xbf<html lang=en><body>x</body></html>", "page", "html"),
        (b"# Title\n\nText about %PDF- files.", "notes.md", "markdown"),
        (b"Title\n\n<html> is a tag.", "notes.txt", "text"),
        (b"Title\n\nText.", "notes.TXT", "text"),
        (b"not really a pdf", "fake.pdf", "pdf"),  # parse_pdf says it is damaged
    ],
)
def test_format_from_the_content_where_it_says(data, filename, kind):
    assert document_format(data, filename) == kind


def test_a_pdf_named_txt_is_read_as_a_pdf():
    article = parse_document(make_pdf(PDF_LINES), "report.txt")
    assert article.title == "Moon Base Report"
    assert article.text == "The moon base has 42 residents. They grow potatoes under the regolith."


def test_a_file_over_the_limit_is_refused_from_its_size_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used

    class Unread(io.FileIO):
        def read(self, *args):
            raise AssertionError("read before it was refused")

    monkeypatch.setattr(Path, "open", lambda self, *args, **kwargs: Unread(self))
    with pytest.raises(ArticleError) as error:
        read_article(path)
    assert error.value.reason.startswith("too large: 20.0 MB (the limit is 20 MB)")


def test_a_device_is_read_only_up_to_the_limit():
    with pytest.raises(ArticleError) as error:
        read_article("/dev/zero")
    assert error.value.reason.startswith("too large")
