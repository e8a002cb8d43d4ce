"""Fetching an article by URL, safely: public addresses only, bounded in size and time.

The address check happens where the connection is made (a network backend for httpcore that
resolves the name, refuses non-public addresses and connects to the address it checked), so
a DNS answer that changes between check and use (rebinding) or a redirect to an internal
host is refused like a direct link to it, whatever the spelling ("2130706433", "0x7f.1",
"[::1]", "[::ffff:127.0.0.1]" all resolve to loopback and are refused as such).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpcore

MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 20.0  # the whole fetch, redirects and body included
CONNECT_TIMEOUT_SECONDS = 5.0
ALLOWED_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
}
USER_AGENT = "ArticleQABot/0.1 (+https://core.telegram.org/bots)"


class FetchError(Exception):
    """The page could not be fetched; the message is written for the person who sent the link."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    kind: str  # "html", "text", "markdown" or "pdf"
    body: bytes
    charset: str | None


# IPv6 ranges that ``ipaddress`` (Python 3.11) calls global but that no public website is
# served from: deprecated site-local (still routed inside some networks), the documentation
# range of RFC 9637, Teredo (its embedded IPv4 is obfuscated, so it can't be checked) and
# the local-use NAT64 prefix.
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(n) for n in ("fec0::/10", "3fff::/20", "2001::/32", "64:ff9b:1::/48")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # DNS64 puts public IPv4 hosts here: check those


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    multicast, reserved, shared, documentation or unspecified — IPv4 or IPv6).

    An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is as public as that IPv4
    address: connecting to ``::ffff:127.0.0.1`` or ``2002:7f00:1::`` reaches 127.0.0.1.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if (embedded := _embedded_ipv4(ip)) is not None:
            return is_public(str(embedded))
        if ip.is_reserved or ip.is_site_local or any(ip in net for net in _NOT_PUBLIC_V6):
            return False  # "reserved" also covers the IPv4-compatible ::a.b.c.d
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses that ``allowed`` accepts (by default: :func:`is_public`)."""

    def __init__(self, allowed: Callable[[str], bool] = is_public):
        self._inner = httpcore.AnyIOBackend()
        self._allowed = allowed

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):  # UnicodeError: a name the IDNA codec refuses
            raise FetchError("I couldn't find that website (its name doesn't resolve).") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        # Every address, not just the one used: a name that also resolves to an internal
        # address is refused, whichever one a later lookup (or a retry) would pick.
        if not addresses or not all(self._allowed(a) for a in addresses):
            raise FetchError("That link points to a private or local address, which I don't fetch.")
        for address in addresses[:-1]:  # e.g. an IPv6 address first on a host without IPv6
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return await self._inner.connect_tcp(addresses[-1], port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def fetch(
    url: str,
    *,
    max_bytes: int = 5 * 1024 * 1024,
    allow_private: bool = False,
    timeout: float = TIMEOUT_SECONDS,
    address_allowed: Callable[[str], bool] | None = None,
) -> Fetched:
    """GET ``url``, following up to MAX_REDIRECTS redirects, each checked like the first.

    Args:
        allow_private: connect to any address (ALLOW_PRIVATE_URLS, for local testing).
        timeout: seconds for the whole fetch, redirects and body included.
        address_allowed: which resolved IP addresses may be connected to; overrides
            ``allow_private`` (default: :func:`is_public`).

    Raises:
        FetchError: refused or failed, with a message for the user.
    """
    allowed = address_allowed or (_anything if allow_private else is_public)
    pool = httpcore.AsyncConnectionPool(
        ssl_context=_ssl_context(), network_backend=PublicOnlyBackend(allowed), retries=0
    )
    try:
        async with pool, asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                url = _checked_url(url)
                result = await _get(pool, url, max_bytes)
                if isinstance(result, Fetched):
                    return result
                url = result
            raise FetchError(f"That link redirects more than {MAX_REDIRECTS} times.")
    except TimeoutError:
        raise FetchError(f"The website took longer than {timeout:g} seconds to answer.") from None
    except httpcore.TimeoutException:
        raise FetchError("The website took too long to answer.") from None
    except (httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError, OSError) as error:
        if isinstance(error.__context__, FetchError):
            raise error.__context__ from None
        raise FetchError("I couldn't connect to that website.") from None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One context for every fetch: loading the system's certificates takes tens of
    milliseconds of CPU on the event loop, which a flood of /adds would pay each time."""
    return ssl.create_default_context()


def _anything(address: str) -> bool:
    return True


def _checked_url(url: str) -> str:
    """The URL, refused unless it is plain http(s) to a host, and made ASCII (an IDNA host name,
    a percent-encoded path) as an HTTP request line needs it: people paste links such as
    https://de.wikipedia.org/wiki/Müller from the address bar."""
    try:
        parts = urlsplit(url.strip())
        hostname, port = parts.hostname, parts.port  # port: ValueError when out of range
    except ValueError:  # "http://[::1", "http://host:99999"
        raise FetchError("That doesn't look like a valid link.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("Only http:// and https:// links can be added.")
    if not hostname:
        raise FetchError("That link has no website in it.")
    if parts.username is not None or parts.password is not None:
        raise FetchError("Links with a user name or password in them are not fetched.")
    try:
        host = hostname if hostname.isascii() else hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError("That link's website name is not valid.") from None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port is None else f"{host}:{port}"
    path, query = (quote(part, safe="/%:@!$&'()*+,;=-._~?") for part in (parts.path, parts.query))
    return urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))


async def _get(pool: httpcore.AsyncConnectionPool, url: str, max_bytes: int) -> Fetched | str:
    """The page, or the URL it redirects to."""
    headers = [
        (b"User-Agent", USER_AGENT.encode()),
        (b"Accept", b"text/html,application/xhtml+xml,text/plain,text/markdown,application/pdf;q=0.9"),
        (b"Accept-Encoding", b"gzip, deflate"),
    ]
    extensions = {"timeout": {"connect": CONNECT_TIMEOUT_SECONDS, "read": TIMEOUT_SECONDS, "pool": 5.0}}
    try:
        request_url = httpcore.URL(url)
    except Exception:
        raise FetchError("That doesn't look like a valid link.") from None
    async with pool.stream("GET", request_url, headers=headers, extensions=extensions) as response:
        head = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
        if response.status in (301, 302, 303, 307, 308) and "location" in head:
            return urljoin(url, head["location"].strip())
        if response.status >= 400:
            raise FetchError(f"The website answered with an error ({response.status}).")
        if response.status != 200:
            raise FetchError(f"The website gave an unexpected answer ({response.status}).")
        media_type, charset = _content_type(head.get("content-type", ""))
        kind = ALLOWED_TYPES.get(media_type)
        if kind is None:
            raise FetchError(f"That link is not an article page (it is {media_type or 'of unknown type'}).")
        declared = head.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(_too_big(max_bytes))
        body = await _read_body(response, head.get("content-encoding", "identity"), max_bytes)
        return Fetched(url, kind, body, charset)


async def _read_body(response: httpcore.Response, encoding: str, max_bytes: int) -> bytes:
    """The body, decompressed, refused as soon as it passes ``max_bytes`` (either side of
    decompression: a small gzip body can expand a thousandfold)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(wbits=47 if "gzip" in encoding else 15)  # 47: gzip or zlib header
    elif encoding in ("", "identity"):
        decoder = None
    else:
        raise FetchError(f"The website sent the page in an encoding I can't read ({encoding}).")
    chunks, size = [], 0
    try:
        async for chunk in response.aiter_stream():
            if decoder is not None:
                chunk = decoder.decompress(chunk, max_bytes + 1 - size)
                if decoder.unconsumed_tail:  # the rest would expand past the cap
                    raise FetchError(_too_big(max_bytes))
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(_too_big(max_bytes))
            chunks.append(chunk)
        if decoder is not None and (tail := decoder.flush()):
            if size + len(tail) > max_bytes:
                raise FetchError(_too_big(max_bytes))
            chunks.append(tail)
    except zlib.error:
        raise FetchError("The website sent a damaged compressed page.") from None
    return b"".join(chunks)


def _content_type(value: str) -> tuple[str, str | None]:
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip('"') or None
    return media_type.strip().lower(), charset


def _too_big(max_bytes: int) -> str:
    return f"That page is too big (over {max_bytes / 1024 / 1024:.0f} MB)."
