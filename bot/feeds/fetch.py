"""Fetch feeds over HTTP: a thin shell that never raises for network or HTTP trouble.

Parsing is elsewhere (``bot.feeds.parse``), as in lemon24/reader: the bytes fetched here
are handed over whole, so the parser never touches the network.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from bot.feeds.addresses import literal_address
from bot.feeds.decoding import BodyTooLarge, CappedDecoder
from bot.feeds.transport import (
    CheckedTransport,
    RedirectGuard,
    RefusedAddress,
    guarding,
    stream_peer,
)

MAX_REDIRECTS = 5
# Only what CappedDecoder can inflate within the size cap (never br or zstd, whatever httpx
# would accept with optional packages installed).
ACCEPT_ENCODING = "gzip, deflate"

# Statuses whose Retry-After means "come back later" (on a 3xx it means something else).
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECT_STATUSES = frozenset({301, 308})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one conditional GET produced.

    ``etag`` and ``last_modified`` are the validators to send next time: on a 304 that
    repeats none, the ones we sent are echoed back, so the caller can always store them.
    ``permanent_url`` is set when every hop from the requested URL was a permanent
    redirect (301/308): the caller should poll that URL from now on.
    """

    status: Literal["ok", "not_modified", "error"]
    http_status: int | None
    body: bytes
    etag: str | None
    last_modified: str | None
    permanent_url: str | None
    final_url: str
    retry_after: float | None
    error: str | None
    content_type: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _FetchFailed(Exception):
    """Internal: carries a short, URL-free reason out of the fetch loop."""

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


async def fetch_feed(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    timeout: float,
) -> FetchResult:
    """GET ``url`` conditionally; never raises for network or HTTP problems.

    ``timeout`` bounds each of connect/read/write *and* the whole fetch including
    redirects and the body, so a server that trickles bytes forever is still cut off.
    ``max_bytes`` bounds the body as decoded (a gzip body inflates as it is read, and
    is cut off at the cap), and the bytes on the wire too.

    Redirects may only lead to public addresses, or back to the address and port that
    ``url`` itself reached (``bot.feeds.addresses``); a refused one is this fetch's
    error. With the client from ``make_http_client`` the address is checked on each
    connection before anything is sent; with any other client, literal addresses are
    refused before connecting and the address a response came from after it.
    """
    state = _FetchState(current_url=url)
    try:
        async with asyncio.timeout(timeout):
            with guarding(RedirectGuard()) as guard:
                return await _fetch_following_redirects(
                    client, state, guard, etag, last_modified, max_bytes, timeout
                )
    except _FetchFailed as failure:
        return _error_result(state, failure.reason, failure.http_status)
    except RefusedAddress as refused:
        # Never remember a permanent move to where we refused to go.
        state.permanent_url = None
        return _error_result(state, str(refused), None)
    except (TimeoutError, httpx.TimeoutException):
        return _error_result(state, f"timeout after {timeout:g} s", None)
    except httpx.HTTPError as exc:
        return _error_result(state, _describe_exception(exc), None)
    except (httpx.InvalidURL, ValueError) as exc:
        return _error_result(state, f"invalid URL: {_short(str(exc))}", None)
    except OSError as exc:
        return _error_result(state, _describe_exception(exc), None)


@dataclass(slots=True)
class _FetchState:
    """Where the redirect chain has got to; read again if the fetch fails midway."""

    current_url: str
    permanent_url: str | None = None
    all_hops_permanent: bool = True


async def _fetch_following_redirects(
    client: httpx.AsyncClient,
    state: _FetchState,
    guard: RedirectGuard,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    timeout: float,
) -> FetchResult:
    headers = _conditional_headers(etag, last_modified)
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    seen = {state.current_url}
    # We follow redirects ourselves so that a permanent move can be reported upward.
    for hop in range(MAX_REDIRECTS + 1):
        request = client.build_request(
            "GET", state.current_url, headers=headers, timeout=httpx.Timeout(timeout)
        )
        if hop:
            _before_redirect_hop(guard, request.url)
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            peer = stream_peer(response.extensions.get("network_stream"))
            if hop:
                # Already checked on the socket by CheckedTransport; this is for others.
                guard.check(peer)
            else:
                guard.home = peer
            target = _redirect_target(response)
            if target is None:
                return await _finish(response, state, etag, last_modified, max_bytes)
        finally:
            await response.aclose()
        if target in seen:
            raise _FetchFailed("redirect loop", response.status_code)
        seen.add(target)
        _note_hop(state, response.status_code, target)
    raise _FetchFailed(f"too many redirects (> {MAX_REDIRECTS})", None)


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _before_redirect_hop(guard: RedirectGuard, url: httpx.URL) -> None:
    """From now on every connection must pass the guard; a literal address that would
    not (``http://2130706433/``, ``http://[::ffff:127.0.0.1]/``) is refused unconnected."""
    guard.following = True
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    guard.target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    address = literal_address(host)
    if address is not None:
        guard.check((address, port))


def _redirect_target(response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECT_STATUSES:
        return None
    location: str | None = response.headers.get("location")
    if not location:
        raise _FetchFailed(f"HTTP {response.status_code} without Location", response.status_code)
    target = urljoin(str(response.url), location.strip())
    if urlsplit(target).scheme not in ("http", "https"):
        raise _FetchFailed("redirect to a non-HTTP URL", response.status_code)
    return target


def _note_hop(state: _FetchState, status: int, target: str) -> None:
    state.all_hops_permanent = state.all_hops_permanent and status in _PERMANENT_REDIRECT_STATUSES
    if state.all_hops_permanent:
        state.permanent_url = target
    state.current_url = target


async def _finish(
    response: httpx.Response,
    state: _FetchState,
    sent_etag: str | None,
    sent_last_modified: str | None,
    max_bytes: int,
) -> FetchResult:
    status = response.status_code
    headers = response.headers
    if status == 304:
        # A 304 has no body, but until it is read the connection counts as busy and is
        # closed instead of kept for the next poll.
        await response.aread()
        return _response_result(
            response,
            state,
            "not_modified",
            etag=headers.get("etag") or sent_etag,
            last_modified=headers.get("last-modified") or sent_last_modified,
        )
    if not 200 <= status < 300:
        retry_after = None
        if status in _RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(headers.get("retry-after"), _utcnow())
        return _response_result(
            response, state, "error", error=f"HTTP {status}", retry_after=retry_after
        )
    body = await _read_capped(response, max_bytes)
    return _response_result(
        response,
        state,
        "ok",
        body=body,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
    )


def _response_result(
    response: httpx.Response,
    state: _FetchState,
    status: Literal["ok", "not_modified", "error"],
    *,
    body: bytes = b"",
    etag: str | None = None,
    last_modified: str | None = None,
    retry_after: float | None = None,
    error: str | None = None,
) -> FetchResult:
    return FetchResult(
        status=status,
        http_status=response.status_code,
        body=body,
        etag=etag,
        last_modified=last_modified,
        permanent_url=state.permanent_url,
        final_url=state.current_url,
        retry_after=retry_after,
        error=error,
        content_type=response.headers.get("content-type"),
    )


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The body, decoded, refused as soon as it (or what came over the wire) passes
    ``max_bytes``: a 1 MB gzip body inflating to 1 GB costs at most the cap in memory."""
    too_big = f"body larger than {max_bytes} bytes"
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _FetchFailed(too_big, response.status_code)
    decoder = CappedDecoder(response.headers.get("content-encoding", ""), max_bytes)
    if decoder.unsupported:
        raise _FetchFailed(
            f"unsupported Content-Encoding: {decoder.unsupported}", response.status_code
        )
    # Pieces, joined once at the end: a body refused part way is never copied whole.
    pieces: list[bytes] = []
    wire = 0
    try:
        # aiter_raw: httpx's own decoding (aiter_bytes) inflates a whole chunk at once.
        async for chunk in response.aiter_raw():
            wire += len(chunk)
            if wire > max_bytes:
                raise _FetchFailed(too_big, response.status_code)
            pieces.extend(decoder.decode(chunk))
        pieces.extend(decoder.finish())
    except BodyTooLarge:
        pieces.clear()
        raise _FetchFailed(f"{too_big} once decoded", response.status_code) from None
    except zlib.error as exc:
        raise _FetchFailed(f"DecodingError: {_short(str(exc))}", response.status_code) from None
    return b"".join(pieces)


def _error_result(state: _FetchState, reason: str, http_status: int | None) -> FetchResult:
    return FetchResult(
        status="error",
        http_status=http_status,
        body=b"",
        etag=None,
        last_modified=None,
        permanent_url=state.permanent_url,
        final_url=state.current_url,
        retry_after=None,
        error=reason,
        content_type=None,
    )


def _describe_exception(exc: BaseException) -> str:
    detail = str(exc)
    kind = type(exc).__name__
    return f"{kind}: {_short(detail)}" if detail else kind


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def make_http_client(
    user_agent: str, timeout: timedelta, *, tls: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """The feeds' client; ``tls`` is a TLS context to share (the running bot shares one
    with Telegram's clients: each context holds its own copy of the CA bundle)."""
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent},
        timeout=httpx.Timeout(timeout.total_seconds()),
        # fetch_feed follows redirects itself, to notice a permanent move.
        follow_redirects=False,
        # Checks the address of every connection a redirect makes (see fetch_feed).
        transport=CheckedTransport(tls=tls),
    )
