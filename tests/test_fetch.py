"""bot/fetch.py against a local website: what it fetches, and everything it refuses — each
refusal a FetchError whose message a person can act on, given within a bounded time."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.fetch
from bot.fetch import MAX_REDIRECTS, FetchError, fetch, is_public
from tests.websites import STORY_HTML, LocalSite, free_port

BOUND_SECONDS = 3.0  # every refusal below comes well within this
SMALL_CAP = 200_000  # max_bytes for the size tests: the bombs expand to 20 MB


@pytest.fixture(scope="module")
def site():
    with LocalSite() as local:
        yield local


async def refusal(url: str, *, within: float = BOUND_SECONDS, **options: object) -> str:
    """The message of the FetchError that fetching ``url`` raises, within ``within`` seconds."""
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        async with asyncio.timeout(within + 10):  # a hang fails the test rather than the run
            await fetch(url, **options)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    assert elapsed < within, f"refused only after {elapsed:.1f}s"
    message = str(caught.value)
    assert message[:1].isupper() and message.endswith("."), f"not a sentence for a person: {message!r}"
    return message


class FirstHopOnly:
    """An address policy under which the first connection (to the local site) counts as public
    and every later one is judged as in production (:func:`is_public`)."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def __call__(self, address: str) -> bool:
        self.checked.append(address)
        return len(self.checked) == 1 or is_public(address)


# --- what is fetched ----------------------------------------------------------------------------------


async def test_a_page_is_fetched_with_its_kind_and_charset(site):
    page = await fetch(site.url("/story"), allow_private=True)
    assert (page.kind, page.charset, page.url) == ("html", "utf-8", site.url("/story"))
    assert page.body == STORY_HTML.encode()


@pytest.mark.parametrize(
    ("path", "kind"), [("/plain", "text"), ("/markdown", "markdown"), ("/pdf", "pdf"), ("/story", "html")]
)
async def test_each_article_type_is_recognised(site, path, kind):
    assert (await fetch(site.url(path), allow_private=True)).kind == kind


async def test_the_certificates_are_loaded_once_not_per_fetch(site, monkeypatch):
    made = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **kw: made.append(1) or real(*a, **kw))
    bot.fetch._ssl_context.cache_clear()
    try:
        for _ in range(2):
            await fetch(site.url("/plain"), allow_private=True)
    finally:
        bot.fetch._ssl_context.cache_clear()
    assert len(made) == 1


async def test_a_gzip_encoded_page_is_decompressed(site):
    page = await fetch(site.url("/gzipped"), allow_private=True)
    assert page.body == STORY_HTML.encode()


async def test_a_chain_of_redirects_is_followed_up_to_the_limit(site):
    page = await fetch(site.url(f"/chain/{MAX_REDIRECTS}"), allow_private=True)
    assert page.url == site.url("/story")
    assert (await fetch(site.url("/relative"), allow_private=True)).url == site.url("/story")


async def test_a_link_with_non_ascii_characters_is_sent_percent_encoded(site):
    message = await refusal(site.url("/café"), allow_private=True)
    assert "(404)" in message
    assert site.requests[-1] == "/caf%C3%A9"


async def test_the_default_policy_lets_a_public_address_through_to_the_connection(site):
    policy = FirstHopOnly()
    await fetch(site.url("/story"), address_allowed=policy)
    assert policy.checked == ["127.0.0.1"], "the address was checked once, where the connection is made"


# --- redirects ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/loop", "/loop-a", f"/chain/{MAX_REDIRECTS + 1}"])
async def test_a_redirect_loop_or_a_long_chain_is_refused(site, path):
    message = await refusal(site.url(path), allow_private=True)
    assert message == f"That link redirects more than {MAX_REDIRECTS} times."


async def test_a_redirect_without_a_location_is_refused(site):
    assert "unexpected answer (302)" in await refusal(site.url("/no-location"), allow_private=True)


REDIRECT_TARGETS = {
    "another loopback address": "http://127.0.0.2:{port}/story",
    "localhost": "http://localhost:{port}/story",
    "localhost, default port": "http://localhost/",
    "IPv6 loopback": "http://[::1]:{port}/story",
    "decimal spelling": "http://2130706433:{port}/story",
    "hex and short spelling": "http://0x7f.1:{port}/story",
    "octal spelling": "http://0177.0.0.1/",
    "short spelling": "http://127.1/",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "private": "http://10.0.0.1/",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]:{port}/story",
    "unspecified": "http://0.0.0.0:{port}/story",
    "unique local": "http://[fd00::1]/",
}


@pytest.mark.parametrize("target", list(REDIRECT_TARGETS.values()), ids=list(REDIRECT_TARGETS))
async def test_a_redirect_to_an_internal_address_is_refused_at_the_connection(site, target):
    policy = FirstHopOnly()
    target = target.format(port=site.port)
    served = len(site.requests)
    message = await refusal(site.url(f"/redirect?to={target}"), address_allowed=policy)
    assert message == "That link points to a private or local address, which I don't fetch."
    assert policy.checked[0] == "127.0.0.1" and len(policy.checked) >= 2, policy.checked
    assert not any(is_public(address) for address in policy.checked[1:])
    assert site.requests[served:] == ["/redirect"], "the target was never asked for"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("file:///etc/passwd", "Only http:// and https:// links can be added."),
        ("ftp://ftp.example.com/article.txt", "Only http:// and https:// links can be added."),
        ("javascript:alert(1)", "Only http:// and https:// links can be added."),
        ("data:text/html,<p>hi</p>", "Only http:// and https:// links can be added."),
        ("gopher://127.0.0.1:6379/_INFO", "Only http:// and https:// links can be added."),
        ("http://admin:secret@example.com/", "Links with a user name or password in them are not fetched."),
    ],
)
async def test_a_redirect_to_another_scheme_or_with_credentials_is_refused(site, target, expected):
    assert await refusal(site.url(f"/redirect?to={target}"), allow_private=True) == expected


# --- sizes, encodings, time -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/gzip-bomb", "/deflate-bomb"])
async def test_a_compression_bomb_is_refused_at_the_cap(site, path):
    message = await refusal(site.url(path), allow_private=True, max_bytes=SMALL_CAP)
    assert message.startswith("That page is too big")


@pytest.mark.parametrize("path", ["/endless", "/endless-chunked"])
async def test_an_endless_body_is_refused_at_the_cap(site, path):
    message = await refusal(site.url(path), allow_private=True, max_bytes=SMALL_CAP)
    assert message.startswith("That page is too big")


async def test_a_declared_length_over_the_cap_is_refused_before_reading(site):
    # /huge sends its headers and then nothing: a client that read the body would wait out
    # the whole 30-second timeout.
    message = await refusal(
        site.url("/huge"), within=1.5, allow_private=True, timeout=30, max_bytes=SMALL_CAP
    )
    assert message.startswith("That page is too big")


@pytest.mark.parametrize("path", ["/slow", "/silent"])
async def test_a_slow_or_silent_website_is_refused_at_the_timeout(site, path):
    message = await refusal(site.url(path), within=1.5, allow_private=True, timeout=0.5)
    assert message == "The website took longer than 0.5 seconds to answer."


async def test_a_damaged_or_unknown_content_encoding_is_refused(site):
    assert await refusal(site.url("/bad-gzip"), allow_private=True) == (
        "The website sent a damaged compressed page."
    )
    assert "(br)" in await refusal(site.url("/brotli"), allow_private=True)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/image.png", "image/png"),
        ("/archive.zip", "application/zip"),
        ("/blob", "application/octet-stream"),
        ("/untyped", "of unknown type"),
    ],
)
async def test_a_page_that_is_not_an_article_is_refused_by_its_type(site, path, shown):
    message = await refusal(site.url(path), allow_private=True)
    assert message == f"That link is not an article page (it is {shown})."


async def test_an_error_status_is_reported(site):
    assert await refusal(site.url("/missing"), allow_private=True) == (
        "The website answered with an error (404)."
    )


async def test_a_closed_port_is_reported():
    message = await refusal(f"http://127.0.0.1:{free_port()}/", allow_private=True)
    assert message == "I couldn't connect to that website."


# --- refused without a connection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "Only http:// and https:// links can be added."),
        ("FILE:///etc/passwd", "Only http:// and https:// links can be added."),
        ("ftp://ftp.example.com/", "Only http:// and https:// links can be added."),
        ("data:text/html;base64,PHA+aGk8L3A+", "Only http:// and https:// links can be added."),
        ("javascript:alert(document.cookie)", "Only http:// and https:// links can be added."),
        ("example.com/story", "Only http:// and https:// links can be added."),
        ("http://user:pass@example.com/", "Links with a user name or password in them are not fetched."),
        ("https://token@example.com/", "Links with a user name or password in them are not fetched."),
        ("http:///no-host", "That link has no website in it."),
        ("http://[::1/", "That doesn't look like a valid link."),
        ("http://example.com:99999/", "That doesn't look like a valid link."),
        ("http://nothing-here.invalid/", "I couldn't find that website (its name doesn't resolve)."),
        ("http://" + "a" * 64 + ".example/", "I couldn't find that website (its name doesn't resolve)."),
    ],
)
async def test_a_link_that_is_not_plain_http_to_a_real_name_is_refused(url, expected):
    assert await refusal(url) == expected


INTERNAL_LINKS = [
    "http://localhost/",
    "http://127.0.0.1/",
    "http://127.0.0.2:8080/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[fd12:3456::1]/",
    "http://[fec0::1]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::7f00:1]/",
    "http://192.0.2.1/",
    "http://[2001:db8::1]/",
]


@pytest.mark.parametrize("url", INTERNAL_LINKS)
async def test_a_link_to_an_internal_address_is_refused_in_any_spelling(url):
    message = await refusal(url)
    assert message == "That link points to a private or local address, which I don't fetch."


async def test_the_local_site_itself_is_refused_without_allow_private(site):
    served = len(site.requests)
    await refusal(site.url("/story"))
    await refusal(site.url(f"/redirect?to={site.url('/story')}"))
    assert len(site.requests) == served, "no request reached the site"


# --- DNS answers ------------------------------------------------------------------------------------------


def fake_resolver(monkeypatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Make the running loop resolve names from ``answers`` (a list of answers per name, one
    per lookup, the last repeated); returns the names looked up."""
    loop = asyncio.get_running_loop()
    looked_up: list[str] = []

    async def getaddrinfo(host, port, *, family=0, type=0, proto=0, flags=0):
        looked_up.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        turns = answers[host]
        addresses = turns[min(looked_up.count(host), len(turns)) - 1]
        infos = []
        for address in addresses:
            if ipaddress.ip_address(address).version == 6:
                infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return infos

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return looked_up


@pytest.mark.parametrize(
    "addresses",
    [["10.1.2.3"], ["93.184.216.34", "127.0.0.1"], ["2606:4700::1111", "fd00::5"], ["::ffff:192.168.0.1"]],
    ids=["private", "public and loopback", "public and unique-local IPv6", "mapped private"],
)
async def test_a_name_with_any_internal_address_is_refused(monkeypatch, addresses):
    fake_resolver(monkeypatch, {"news.example": [addresses]})
    message = await refusal("http://news.example/story")
    assert message == "That link points to a private or local address, which I don't fetch."


async def test_the_connection_goes_to_the_address_that_was_checked(site, monkeypatch):
    # A rebinding name: the first answer passes the check, later ones point inside. The
    # backend resolves once per connection and connects to what it checked.
    looked_up = fake_resolver(monkeypatch, {"rebind.example": [["127.0.0.1"], ["10.0.0.1"]]})
    page = await fetch(f"http://rebind.example:{site.port}/story", address_allowed=lambda a: a == "127.0.0.1")
    assert page.kind == "html"
    assert looked_up == ["rebind.example"]


# --- is_public --------------------------------------------------------------------------------------------

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "192.0.0.9",  # a globally reachable exception inside 192.0.0.0/24
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8, what DNS64 answers on an IPv6-only host
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]

NOT_PUBLIC = {
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "::1": "loopback",
    "10.0.0.1": "private",
    "172.31.255.255": "private",
    "192.168.0.1": "private",
    "100.64.0.1": "shared (CGNAT)",
    "100.127.255.254": "shared (CGNAT)",
    "169.254.169.254": "link-local (cloud metadata)",
    "fe80::1": "link-local",
    "fe80::1%eth0": "link-local with a zone",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "ff02::1": "multicast",
    "ff0e::1": "global-scope multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "0.1.2.3": "this network",
    "192.0.0.1": "IETF protocol assignments",
    "192.0.2.1": "documentation",
    "198.51.100.1": "documentation",
    "203.0.113.1": "documentation",
    "2001:db8::1": "documentation",
    "3fff::1": "documentation (RFC 9637)",
    "198.18.0.1": "benchmarking",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "fec0::1": "site-local",
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:169.254.169.254": "IPv4-mapped link-local",
    "::127.0.0.1": "IPv4-compatible loopback",
    "64:ff9b::7f00:1": "NAT64 of loopback",
    "64:ff9b::a00:1": "NAT64 of private",
    "64:ff9b:1::1": "local-use NAT64",
    "2002:7f00:1::": "6to4 of loopback",
    "2002:c0a8:101::": "6to4 of private",
    "2001::1": "Teredo",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo",
    "100::1": "discard-only",
    "2001:10::1": "ORCHID",
    "5f00::1": "reserved IPv6",
}


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address):
    assert is_public(address)


@pytest.mark.parametrize("address", list(NOT_PUBLIC), ids=[f"{a} {why}" for a, why in NOT_PUBLIC.items()])
def test_addresses_that_are_not_public(address):
    assert not is_public(address)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_is_judged_the_same_in_every_ipv6_wrapping(ip):
    public = is_public(str(ip))
    assert is_public(f"::ffff:{ip}") == public  # IPv4-mapped
    assert is_public(str(ipaddress.IPv6Address((0x64FF9B << 96) | int(ip)))) == public  # NAT64
    assert is_public(str(ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80)))) == public  # 6to4
