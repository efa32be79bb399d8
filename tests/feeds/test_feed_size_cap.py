"""The size cap bounds the body as decoded: gzip and deflate are inflated as they are
read and cut off at ``max_bytes``, so a small compressed body cannot inflate into
memory. Real httpx against the loopback feed server."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.decoding import BodyTooLarge, CappedDecoder
from bot.feeds.fetch import FetchResult, fetch_feed
from bot.feeds.parse import parse_feed
from tests.feed_server import RSS_TYPE, FeedServer, Fixed

CAP = 1_000_000
FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>Kambarata</title><guid>k1</guid><description>Dam.</description></item>"
    b"</channel></rss>"
)


def fetch(url: str, *, max_bytes: int = CAP) -> FetchResult:
    async def run() -> FetchResult:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await fetch_feed(
                client, url, etag=None, last_modified=None, max_bytes=max_bytes, timeout=5.0
            )

    return asyncio.run(run())


def gzip_bomb(inflated: int) -> bytes:
    """The start of a feed, then ``inflated`` bytes of spaces, gzipped (about 1:1000)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts = [packer.compress(FEED[:80])]
    block = b" " * (1 << 20)
    while inflated > 0:
        parts.append(packer.compress(block[: min(inflated, len(block))]))
        inflated -= len(block)
    parts.append(packer.flush())
    return b"".join(parts)


def padded(size: int) -> bytes:
    """The feed padded with spaces (harmless before </rss>) to exactly ``size`` bytes."""
    return FEED[:-6] + b" " * (size - len(FEED)) + FEED[-6:]


def serve(server: FeedServer, path: str, body: bytes, encoding: str) -> str:
    server.set_route(path, Fixed(200, body, RSS_TYPE, {"Content-Encoding": encoding}))
    return server.url(path)


def test_a_gzip_bomb_is_too_large_and_never_inflated_whole(feed_server: FeedServer) -> None:
    inflated = 50 * 1024 * 1024
    bomb = gzip_bomb(inflated)
    assert len(bomb) < 100_000  # well under the cap on the wire
    url = serve(feed_server, "/bomb.feed", bomb, "gzip")

    tracemalloc.start()
    try:
        result = fetch(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (result.status, result.body) == ("error", b"")
    assert result.error == f"body larger than {CAP} bytes once decoded"
    # Inflating it all (or even one 64 KB read of it at once) would take 50 MB.
    assert peak < 10 * CAP


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "deflate-raw", "gzip, gzip"])
def test_a_compressed_feed_under_the_cap_is_decoded(feed_server: FeedServer, encoding: str) -> None:
    body = padded(CAP)  # exactly the cap, once decoded
    if encoding in ("gzip", "x-gzip"):
        wire = gzip.compress(body)
    elif encoding == "deflate":
        wire = zlib.compress(body)
    elif encoding == "deflate-raw":
        # Some servers send "deflate" without the zlib wrapper; httpx reads it, so do we.
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        wire = packer.compress(body) + packer.flush()
        encoding = "deflate"
    else:
        wire = gzip.compress(gzip.compress(body))
    url = serve(feed_server, "/feed", wire, encoding)

    result = fetch(url)

    assert (result.status, result.error, result.body) == ("ok", None, body)
    [article] = parse_feed(result.body, url, content_type=result.content_type).articles
    assert article.title == "Kambarata"


def test_one_byte_over_the_cap_once_decoded_is_too_large(feed_server: FeedServer) -> None:
    url = serve(feed_server, "/feed", gzip.compress(padded(CAP + 1)), "gzip")
    result = fetch(url)
    assert result.error == f"body larger than {CAP} bytes once decoded"


def test_only_encodings_that_can_be_capped_are_asked_for(feed_server: FeedServer) -> None:
    feed_server.serve_feed("/feed", FEED)
    assert fetch(feed_server.url("/feed")).ok
    [request] = feed_server.requests_for("/feed")
    assert request.headers["accept-encoding"] == "gzip, deflate"


def test_an_encoding_that_was_not_asked_for_is_an_error(feed_server: FeedServer) -> None:
    url = serve(feed_server, "/feed", b"\x8b\x7f\x00 not really brotli", "br")
    result = fetch(url)
    assert (result.status, result.error) == ("error", "unsupported Content-Encoding: br")


def test_a_corrupt_gzip_body_is_an_error_not_an_exception(feed_server: FeedServer) -> None:
    url = serve(feed_server, "/feed", gzip.compress(FEED)[:10] + b"garbage" * 20, "gzip")
    result = fetch(url)
    assert result.status == "error" and result.error is not None
    assert result.error.startswith("DecodingError: ")


@given(
    st.binary(max_size=3000).map(lambda b: b * 7),
    st.sampled_from(["gzip", "deflate", "gzip, deflate", "identity"]),
    st.integers(1, 500),
    st.integers(0, 30_000),
)
def test_decoding_in_any_chunks_gives_the_body_or_refuses_it_past_the_cap(
    body: bytes, encoding: str, chunk: int, cap: int
) -> None:
    wire = body
    for coding in encoding.split(", "):  # applied in the order listed
        if coding == "gzip":
            wire = gzip.compress(wire)
        elif coding == "deflate":
            wire = zlib.compress(wire)
    decoder = CappedDecoder(encoding, cap)
    out = bytearray()
    try:
        for start in range(0, len(wire), chunk):
            for piece in decoder.decode(wire[start : start + chunk]):
                assert len(piece) <= 64 * 1024
                out += piece
        for piece in decoder.finish():
            out += piece
    except BodyTooLarge:
        assert len(body) > cap and len(out) <= cap
    else:
        # Identity is capped by the caller, on the wire; every other layer here.
        assert bytes(out) == body and (len(body) <= cap or encoding == "identity")
