"""Reading articles from files and bytes: plain text, Markdown, HTML and PDF → :class:`Article`."""

from __future__ import annotations

import io
import logging
import os
import re
from pathlib import Path

from .article import Article, split_title
from .language import guess_language
from .markdown import markdown_text
from .pdf import read_layout

# A news article is 5–50 thousand characters; a book is about a million. Past this the
# library would spend seconds indexing one upload, so it is refused with a clear message.
MAX_ARTICLE_CHARS = 2_000_000
MAX_TITLE_CHARS = 200
MIN_PAGE_WORDS = 15  # fewer words extracted from a web page are its boilerplate, not an article

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}


# pypdf logs what it repairs in a damaged file as warnings; with no handler anywhere, Python
# would print them to stderr beside the one-line error the command line gives.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


class ArticleError(ValueError):
    """The input is not a usable article.

    ``str(error)`` is written for the person who sent it, in the bot's voice ("That file is
    empty."); ``error.reason`` says the same as a command line would ("empty file").
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


# A news article PDF with its photos is a few megabytes; a text file this big is far past
# MAX_ARTICLE_CHARS anyway. A bigger file is refused from its size, before it is read.
MAX_FILE_BYTES = 20 * 1024 * 1024


def read_article(path: str | Path) -> Article:
    """Read an article file; its format is chosen as :func:`document_format` says.

    Raises:
        ArticleError: unsupported, empty, binary, too large, or without text.
        OSError: the file cannot be read.
    """
    path = Path(path)
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        data = b"" if size > MAX_FILE_BYTES else file.read(MAX_FILE_BYTES + 1)
    size = max(size, len(data))  # a device or a pipe tells its size only by being read
    if size > MAX_FILE_BYTES:
        megabytes, limit = size / 1024 / 1024, MAX_FILE_BYTES // 1024 // 1024
        raise ArticleError(
            f"That file is too big ({megabytes:.1f} MB; the limit is {limit} MB).",
            f"too large: {megabytes:.1f} MB (the limit is {limit} MB)",
        )
    return parse_document(data, path.name)


def parse_document(data: bytes, filename: str, url: str | None = None) -> Article:
    """Turn a document's bytes into an article, in the format :func:`document_format` says."""
    fallback_title = Path(filename).stem or "Untitled"
    kind = document_format(data, filename)
    if kind == "pdf":
        return parse_pdf(data, fallback_title, url)
    text = decode_text(data)
    if kind == "html":
        return parse_html(text, url, fallback_title)
    if kind == "markdown":
        return parse_markdown(text, fallback_title, url)
    return parse_text(text, fallback_title, url=url)


# What a file's first bytes say it is, where they say it unambiguously: its name may not
# (a PDF saved as .txt, a page saved without a suffix, a .docx renamed .md).
_PDF_MAGIC = b"%PDF-"
_HTML_MAGIC = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE)
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (.docx, .odt, .epub)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Microsoft Office file (.doc, .xls, .ppt)",
    b"{\\rtf": "an RTF document",
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


def document_format(data: bytes, filename: str) -> str:
    """``"pdf"``, ``"html"``, ``"markdown"`` or ``"text"``: the content's own signature where it
    has one (a ``%PDF-`` file is a PDF whatever its name), else the file name's suffix.

    Raises:
        ArticleError: a known binary format (an archive, an image, an office file), or a
            suffix of another kind of file.
    """
    head = data[:1024]
    if head.lstrip().startswith(_PDF_MAGIC):
        return "pdf"
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise ArticleError(
                f"That is {kind}, not an article: send .txt, .md, .html or .pdf.",
                f"{kind}, not an article; expected .txt, .md, .html or .pdf",
            )
    if _HTML_MAGIC.match(head):
        return "html"
    suffix = Path(filename).suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"  # not a PDF after all: parse_pdf says so
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    raise ArticleError(
        f"I can't read {suffix} files: send .txt, .md, .html or .pdf.",
        f"unsupported file type {suffix}; expected .txt, .md, .html or .pdf",
    )


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode a text file (its declared charset, else UTF-8, else Windows-1252); refuse what is
    plainly binary."""
    if not data.strip():
        raise ArticleError("That file is empty.", "empty file")
    sample = data[:8192]
    if b"\x00" in sample or _control_share(sample) > 0.05:
        raise ArticleError("That file looks binary, not like text.", "binary data, not text")
    for encoding in (charset, "utf-8-sig"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("cp1252", errors="replace")


def _control_share(sample: bytes) -> float:
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(len(sample), 1)


def parse_text(
    document: str,
    fallback_title: str = "Untitled",
    *,
    title: str | None = None,
    source_name: str | None = None,
    url: str | None = None,
    language: str | None = None,
    author: str | None = None,
    published: str | None = None,
) -> Article:
    """A plain-text article. Its first line is the title when it looks like one (short,
    followed by a blank line or by longer text); otherwise ``fallback_title`` is used.
    """
    document = document.replace("\r\n", "\n").replace("\r", "\n")
    if title is None:
        first, rest = split_title(document)
        if first and len(first) <= MAX_TITLE_CHARS and rest.strip():
            title, body = first, rest
        else:
            title, body = fallback_title, document.strip("\n")
    else:
        body = document.strip("\n")
    return make_article(
        title, body, source_name=source_name, url=url, language=language, author=author, published=published
    )


def make_article(
    title: str,
    body: str,
    *,
    source_name: str | None = None,
    url: str | None = None,
    language: str | None = None,
    author: str | None = None,
    published: str | None = None,
) -> Article:
    """Validate and build an article (the one place the limits are checked)."""
    body = body.strip()
    if not body or not re.search(r"\w", body):
        raise ArticleError("I found no text to read in that.", "no text to read")
    if len(body) > MAX_ARTICLE_CHARS:
        size, limit = f"{len(body):,}", f"{MAX_ARTICLE_CHARS:,}"
        raise ArticleError(
            f"That is too long for one article: {size} characters, the limit is {limit}.",
            f"too long for one article: {size} characters (the limit is {limit})",
        )
    title = " ".join(title.split())[:MAX_TITLE_CHARS] or "Untitled"
    return Article(
        title=title,
        text=body,
        language=language or guess_language(body),
        source_name=source_name,
        source_url=url,
        author=" ".join(author.split())[:MAX_TITLE_CHARS] if author else None,
        published=published or None,
    )


def parse_markdown(document: str, fallback_title: str = "Untitled", url: str | None = None) -> Article:
    """A Markdown article as plain text: the first heading is the title, markup is removed."""
    title, text = markdown_text(document)
    return make_article(title or fallback_title, text, url=url)


def parse_html(html: str | bytes, url: str | None = None, fallback_title: str = "Untitled") -> Article:
    """The main text of a web page (trafilatura), without navigation, ads or footers.

    Paragraphs come out one per line, so ¶ numbers follow the page's own paragraphs.
    """
    import trafilatura  # imported here: only HTML needs it, and it takes a while to load

    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
        )
    except Exception as error:  # malformed markup of every kind ends up here
        raise ArticleError("I couldn't read that page's HTML.", "unreadable HTML") from error
    # On a page without an article (a consent wall, a script-only app shell, a bare index),
    # trafilatura falls back to whatever text there is: a menu, a footer, a cookie notice. An
    # article has at least a couple of sentences, so a few words are not taken for one.
    if document is None or len(re.findall(r"\w+", document.text or "")) < MIN_PAGE_WORDS:
        raise ArticleError("I found no article text on that page.", "no article text in the HTML")
    title = (document.title or "").strip() or fallback_title
    lines = [line.strip() for line in document.text.split("\n")]
    if lines and lines[0] == title:
        lines = lines[1:]  # the page's headline repeated as the first "paragraph"
    return make_article(
        title,
        "\n".join(line for line in lines if line),
        source_name=document.sitename or document.hostname or None,
        url=url,
        language=document.language,
        author=document.author,
        published=document.date,
    )


def parse_pdf(data: bytes, fallback_title: str = "Untitled", url: str | None = None) -> Article:
    """A PDF's text, its paragraphs rebuilt from the layout (:mod:`index.pdf`); a scanned PDF
    without a text layer is refused."""
    from pypdf import PdfReader

    if not data.strip():
        raise ArticleError("That file is empty.", "empty file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ArticleError("That PDF is encrypted, so I can't read it.", "encrypted PDF")
        layout = read_layout(reader, MAX_ARTICLE_CHARS)
        metadata_title = " ".join(str((reader.metadata or {}).get("/Title") or "").split())
        author = str((reader.metadata or {}).get("/Author") or "") or None
    except ArticleError:
        raise
    except Exception as error:  # a damaged file makes pypdf fail in every way (a fuzzer finds
        # AttributeError and LimitReachedError besides PdfReadError), none of them the sender's fault
        raise ArticleError("That PDF is damaged or not a PDF.", "damaged PDF, or not a PDF") from error
    paragraphs = layout.paragraphs
    if not paragraphs:
        raise ArticleError(
            "That PDF has no text layer (a scan?), so there is nothing I can read.",
            "no text layer in the PDF (a scan?)",
        )
    # The title set in large type is the one a reader sees; the metadata's is often a file
    # name ("Microsoft Word - draft3.docx"). Without either, a first line that looks like a
    # title is taken for one, as in a text file.
    title = layout.title or metadata_title
    if title and paragraphs[0].casefold() == title.casefold() and len(paragraphs) > 1:
        paragraphs = paragraphs[1:]  # the metadata's title printed in the body's type
    elif not title and len(paragraphs) > 1 and _looks_like_title(paragraphs[0]):
        title, paragraphs = paragraphs[0], paragraphs[1:]
    return make_article(title or fallback_title, "\n\n".join(paragraphs), url=url, author=author)


def _looks_like_title(paragraph: str) -> bool:
    return len(paragraph) <= MAX_TITLE_CHARS // 2 and not paragraph.endswith((".", ",", ";", ":"))
