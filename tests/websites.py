"""A local website for fetch tests (normal pages, redirects, bombs, endless and slow bodies),
and small real documents (a PDF with a text layer written by hand) for upload tests.

``LocalSite`` serves on 127.0.0.1 (ephemeral port) from a thread, like the fake Bot API; its
endless and slow answers stop as soon as the client hangs up, or when the site is closed.
"""

from __future__ import annotations

import gzip
import socket
import sys
import threading
import zlib
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOILERPLATE = ("cookies", "Subscribe", "Weatherdesk", "Sportsroom", "Copyright", "Privacy", "Puffin")

STORY_TITLE = "Lighthouse keepers return to Skerry Island"
STORY_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{STORY_TITLE}</title></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
Accept all cookies or manage your preferences.</div>
<header><a href="/">Coastal Gazette</a> <span>Subscribe today for unlimited access</span></header>
<nav><ul><li><a href="/politics">Politics</a></li><li><a href="/weather">Weatherdesk</a></li>
<li><a href="/sport">Sportsroom</a></li></ul></nav>
<main><article>
<h1>{STORY_TITLE}</h1>
<p>After forty years of automation, the Skerry Island lighthouse will again be staffed by human
keepers, the maritime authority announced on Tuesday. Three keepers will live on the island in
rotating shifts of six weeks.</p>
<p>The authority said that the decision followed a series of storms in which the automated lamp
failed twice. Director Fiona Marsh said the keepers would also record weather observations every
three hours for the national forecast.</p>
<p>The island, which lies eleven kilometres off the coast, has no ferry service. Supplies will
arrive by helicopter once a fortnight, weather permitting, and the keepers will have a satellite
telephone.</p>
<p>Local fishermen welcomed the news. Many of them remember the last keeper, Angus Reid, who retired
in 1984 and still lives in the harbour village of Portnahaven.</p>
</article></main>
<aside class="related">Related stories: Ferry strike ends; Puffin numbers rise</aside>
<footer><p>Copyright 2024 Coastal Gazette Media Group. All rights reserved. Privacy policy |
Terms of use | Contact the newsroom</p></footer>
</body></html>
"""

NO_ARTICLE_HTML = """<html><head><title>Coastal Gazette</title></head><body>
<div class="cookie-banner">We use cookies. Accept all cookies?</div>
<nav><ul><li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<footer><p>Copyright 2024 Coastal Gazette. All rights reserved.</p></footer>
</body></html>"""

BOMB_EXPANDED_BYTES = 20 * 1024 * 1024  # what the bombs expand to; their bodies are ~20 KB
TRICKLE_SECONDS = 0.05  # between the bytes of /slow
STREAM_LIMIT_BYTES = 512 * 1024 * 1024  # /endless gives up here, should a client never stop


def make_pdf(
    lines: list[str],
    title: str | None = None,
    *,
    pages: int = 1,
    compress: bool = False,
    content: bytes | None = None,
) -> bytes:
    """A PDF whose pages (all alike) have a text layer holding ``lines`` (Helvetica, one text
    object); no lines give pages without text, as a scan has. pypdf reads the text back.
    ``compress`` deflates the content stream, as real PDFs (and PDF bombs) do; ``content``
    replaces the page's content stream."""

    def literal(text: str) -> bytes:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")

    if content is None:
        shown = b"".join(b"(" + literal(line) + b") Tj T*\n" for line in lines)  # T*: next line
        content = b"BT /F1 12 Tf 14 TL 72 720 Td\n" + shown + b"ET"
    stream = b"<< /Length %d >>" % len(content)
    if compress:
        content = zlib.compress(content, 9)
        stream = b"<< /Length %d /Filter /FlateDecode >>" % len(content)
    kids = b" ".join(b"%d 0 R" % (5 + page) for page in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"%s\nstream\n%s\nendstream" % (stream, content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R"
        b" /Resources << /Font << /F1 4 0 R >> >> >>"
    ] * pages
    if title is not None:
        objects.append(b"<< /Title (" + literal(title) + b") >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


@cache
def pdf_bomb() -> bytes:
    """10 KB that take pypdf about a minute: 50 pages, each showing 50,000 lines of text."""
    return make_pdf(["word word"] * 50_000, pages=50, compress=True)


@cache
def pdf_decompression_bomb() -> bytes:
    """100 KB whose content stream inflates to 100 MB."""
    return make_pdf([], content=b"0" * 100_000_000, compress=True)


@cache
def gzip_bomb() -> bytes:
    return gzip.compress(b"<html><body><p>" + b"A" * BOMB_EXPANDED_BYTES, compresslevel=9)


@cache
def deflate_bomb() -> bytes:
    return zlib.compress(b"<html><body><p>" + b"A" * BOMB_EXPANDED_BYTES, level=9)


class LocalSite:
    """An HTTP server on 127.0.0.1 with the routes below; ``requests`` lists the paths asked for.

    Routes: /story (the boilerplate page), /plain, /markdown, /pdf, /gzipped (the story, gzip),
    /chain/N (N redirects, then /story), /loop, /loop-a ↔ /loop-b, /redirect?to=URL (302 there),
    /relative (Location: story), /no-location (302 without one), /gzip-bomb, /deflate-bomb,
    /bad-gzip, /brotli, /endless, /endless-chunked, /slow, /silent (never answers), /huge (declares
    a gigabyte), /image.png, /archive.zip, /blob, /untyped, /no-article (boilerplate only), and the
    ``pages`` a test adds; anything else is a 404.
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.pages: dict[str, tuple[bytes, str]] = {}  # more routes: path → (body, content type)
        self.closing = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.site = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="localsite", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/story", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.closing.set()  # ends /endless, /slow and /silent
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalSite:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: LocalSite

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        """A client hanging up mid-body is what the tests make it do."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    @property
    def site(self) -> LocalSite:
        return self.server.site

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.site.requests.append(parts.path)
        route = _ROUTES.get(parts.path)
        if parts.path in self.site.pages:
            route = _page(*self.site.pages[parts.path])
        if route is None and parts.path.startswith("/chain/"):
            route = _chain
        try:
            (route or _not_found)(self, parse_qs(parts.query))
        except (ConnectionError, OSError):
            self.close_connection = True  # the client gave up, as it should

    def answer(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.answer(status, b"", "text/html", Location=location)


Route = Callable[[_Handler, dict], None]


def _page(body: bytes, content_type: str | None, **headers: str) -> Route:
    return lambda handler, query: handler.answer(200, body, content_type, **headers)


def _chain(handler: _Handler, query: dict) -> None:
    left = int(handler.path.rsplit("/", 1)[1])
    handler.redirect(f"/chain/{left - 1}" if left > 1 else "/story", 301 if left % 2 else 307)


def _redirect_to(handler: _Handler, query: dict) -> None:
    handler.redirect(query["to"][0])


def _endless(handler: _Handler, query: dict) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Connection", "close")  # no length: the body ends when the connection does
    handler.end_headers()
    handler.close_connection = True
    chunk = b"<p>" + b"and on " * 9000 + b"</p>\n"
    sent = 0
    while not handler.site.closing.is_set() and sent < STREAM_LIMIT_BYTES:
        handler.wfile.write(chunk)
        sent += len(chunk)


def _endless_chunked(handler: _Handler, query: dict) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"all work and no play " * 3000
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    while not handler.site.closing.is_set() and sent < STREAM_LIMIT_BYTES:
        handler.wfile.write(frame)
        sent += len(chunk)


def _slow(handler: _Handler, query: dict) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(100000):
        if handler.site.closing.wait(TRICKLE_SECONDS):
            return
        handler.wfile.write(b"a")
        handler.wfile.flush()


def _silent(handler: _Handler, query: dict) -> None:
    handler.site.closing.wait(60)
    handler.close_connection = True


def _huge(handler: _Handler, query: dict) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(10**9))
    handler.end_headers()
    handler.wfile.write(b"<html><body>")
    handler.site.closing.wait(60)  # a client that reads the body waits here: it must not
    handler.close_connection = True


def _not_found(handler: _Handler, query: dict) -> None:
    handler.answer(404, b"<h1>Not found</h1>", "text/html")


_STORY = STORY_HTML.encode()
_ROUTES: dict[str, Route] = {
    "/story": _page(_STORY, "text/html; charset=utf-8"),
    "/plain": _page(b"Plain title\n\nA plain text article about turnips and their growers.", "text/plain"),
    "/markdown": _page(b"# Markdown title\n\nSome *marked* text about parsnips.", "text/markdown"),
    "/pdf": _page(make_pdf(["A PDF about radishes, fetched over HTTP."], "Radish PDF"), "application/pdf"),
    "/gzipped": _page(gzip.compress(_STORY), "text/html; charset=utf-8", Content_Encoding="gzip"),
    "/loop": lambda handler, query: handler.redirect("/loop"),
    "/loop-a": lambda handler, query: handler.redirect("/loop-b"),
    "/loop-b": lambda handler, query: handler.redirect("/loop-a"),
    "/redirect": _redirect_to,
    "/relative": lambda handler, query: handler.redirect("story"),
    "/no-location": lambda handler, query: handler.answer(302, b"", "text/html"),
    "/gzip-bomb": lambda handler, query: handler.answer(
        200, gzip_bomb(), "text/html", Content_Encoding="gzip"
    ),
    "/deflate-bomb": lambda h, q: h.answer(200, deflate_bomb(), "text/html", Content_Encoding="deflate"),
    "/bad-gzip": _page(b"this is not gzip at all" * 10, "text/html", Content_Encoding="gzip"),
    "/brotli": _page(b"\x1b\x00\x00", "text/html", Content_Encoding="br"),
    "/endless": _endless,
    "/endless-chunked": _endless_chunked,
    "/slow": _slow,
    "/silent": _silent,
    "/huge": _huge,
    "/image.png": _page(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
    "/archive.zip": _page(b"PK\x03\x04" + bytes(64), "application/zip"),
    "/blob": _page(bytes(range(256)), "application/octet-stream"),
    "/untyped": _page(b"<p>what am I?</p>", None),
    "/no-article": _page(NO_ARTICLE_HTML.encode(), "text/html"),
}


def free_port() -> int:
    """A port nothing listens on (for "connection refused")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
