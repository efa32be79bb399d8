"""Fetch feeds over HTTP and turn their bytes into ``Article`` values.

Fetching and parsing are kept apart (as in lemon24/reader): ``fetch_feed`` is a thin
shell that talks to the network and never raises for network or HTTP trouble;
``parse_feed`` is pure and thread-safe, feeding *bytes* to feedparser so that
feedparser never fetches anything itself. Everything else here is small pure helpers
the poller uses to decide when to come back.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import math
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import feedparser
import httpx

from bot.domain.models import Article
from bot.domain.text import html_to_text

MAX_REDIRECTS = 5
RETRY_AFTER_CAP_SECONDS = 24 * 3600.0
DEFAULT_BACKOFF_CAP_SECONDS = 6 * 3600.0

# Statuses whose Retry-After means "come back later" (on a 3xx it means something else).
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECT_STATUSES = frozenset({301, 308})


# --------------------------------------------------------------------------- fetching


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
    """
    state = _FetchState(current_url=url)
    try:
        async with asyncio.timeout(timeout):
            return await _fetch_following_redirects(
                client, state, etag, last_modified, max_bytes, timeout
            )
    except _FetchFailed as failure:
        return _error_result(state, failure.reason, failure.http_status)
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
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    timeout: float,
) -> FetchResult:
    headers = _conditional_headers(etag, last_modified)
    seen = {state.current_url}
    # We follow redirects ourselves so that a permanent move can be reported upward.
    for _hop in range(MAX_REDIRECTS + 1):
        request = client.build_request(
            "GET", state.current_url, headers=headers, timeout=httpx.Timeout(timeout)
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
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
    too_big = f"body larger than {max_bytes} bytes"
    declared = response.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _FetchFailed(too_big, response.status_code)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _FetchFailed(too_big, response.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


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


# --------------------------------------------------------------------------- backoff


def next_poll_delay(
    error_count: int,
    base_seconds: float,
    retry_after: float | None,
    *,
    cap_seconds: float = DEFAULT_BACKOFF_CAP_SECONDS,
    retry_after_cap_seconds: float = RETRY_AFTER_CAP_SECONDS,
) -> float:
    """Seconds until the next poll of one feed.

    No errors: ``base``. After *n* consecutive errors: ``base·2^(n-1)`` capped at
    ``cap_seconds`` (never below ``base``). A server's Retry-After wins when it asks for
    longer, up to ``retry_after_cap_seconds`` so a hostile header cannot park us forever.
    """
    delay = base_seconds
    if error_count > 0:
        # The exponent is clamped so a long outage cannot overflow float arithmetic.
        exponent = min(error_count - 1, 64)
        delay = max(base_seconds, min(base_seconds * 2.0**exponent, cap_seconds))
    if retry_after is not None and math.isfinite(retry_after):
        delay = max(delay, min(retry_after, retry_after_cap_seconds))
    return delay


def newest_item_at(articles: Iterable[Article]) -> datetime | None:
    """When the newest dated article was published, if any has a date."""
    dates = [a.published for a in articles if a.published is not None]
    return max(dates) if dates else None


# --------------------------------------------------------------------------- links

# Query parameters that only say how someone arrived; they never change the page.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "_openstat",
        "vero_id",
        "vero_conv",
        "wickedid",
        "_ga",
        "_gl",
    }
)
_DEFAULT_PORTS = frozenset({"80", "443"})


def canonical_link(url: str) -> str:
    """One spelling per page, so the same article is recognised however it is linked.

    Non-HTTP and relative URLs are returned stripped but otherwise untouched.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return url
    netloc = _canonical_netloc(parts.netloc)
    path = parts.path or "/"
    query = _strip_tracking(parts.query)
    return urlunsplit(("https", netloc, path, query, ""))


def _canonical_netloc(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = _split_host_port(hostport)
    host = host.lower().rstrip(".")
    # Repeatedly, so that the result is a fixed point ("www.www.x.org" is still x.org).
    while host.startswith("www.") and "." in host[4:].strip("."):
        host = host[4:]
    if port is not None:
        port = port.lstrip("0") or "0"
    hostport = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    return f"{userinfo}{at}{hostport}"


def _split_host_port(hostport: str) -> tuple[str, str | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end != -1:
            rest = hostport[end + 1 :]
            port = rest[1:] if rest.startswith(":") and rest[1:].isdigit() else None
            return hostport[: end + 1], port
        return hostport, None
    host, colon, port = hostport.rpartition(":")
    if not colon:
        return hostport, None
    if port == "":
        return host, None
    if port.isdigit() and port.isascii():
        return host, port
    return hostport, None


def _strip_tracking(query: str) -> str:
    # Raw pieces are kept verbatim so that unrelated parameters keep their encoding.
    kept = [piece for piece in query.split("&") if piece and not _is_tracking(piece)]
    return "&".join(kept)


def _is_tracking(piece: str) -> bool:
    name = unquote(piece.partition("=")[0].replace("+", " ")).strip().lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The result of parsing one feed body.

    ``error`` is set when nothing usable came out (an HTML page, a truncated or
    malformed document); ``warning`` when the document was imperfect but its entries
    were still read.
    """

    articles: list[Article]
    title: str
    error: str | None = None
    warning: str | None = None


# Expat reports these only at end of input: the document was cut short, so even the
# entries a lenient parser recovers may be partial and would look like edits.
_TRUNCATION_MESSAGES = ("no element found", "unclosed token")
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S
)


def parse_feed(body: bytes, feed_url: str, *, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body into articles. Pure: no network, no clock, no shared state."""
    # content-location gives feedparser a base for relative links without a URL to fetch;
    # an unknown type is declared as generic XML so that only a real mismatch is flagged.
    headers = {"content-location": feed_url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(body, response_headers=headers)
    entries: list[Mapping[str, Any]] = list(parsed.get("entries") or [])
    feed_info: Mapping[str, Any] = parsed.get("feed") or {}
    title = _collapse(_text_of(feed_info.get("title_detail"), feed_info.get("title")))
    problem = _bozo_reason(parsed)

    error = _fatal_problem(body, content_type, parsed, entries, problem)
    if error is not None:
        return ParsedFeed(articles=[], title=title, error=error)
    articles = [_article_from_entry(entry, feed_url) for entry in entries]
    warning = (
        f"feed is not well-formed ({problem}); read {len(articles)} entries" if problem else None
    )
    return ParsedFeed(articles=articles, title=title, warning=warning)


def _bozo_reason(parsed: Mapping[str, Any]) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "unknown problem"
    message = exc.getMessage() if hasattr(exc, "getMessage") else str(exc)
    line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None
    where = f" at line {line}" if line else ""
    return f"{type(exc).__name__}: {_short(str(message))}{where}"


def _fatal_problem(
    body: bytes,
    content_type: str | None,
    parsed: Mapping[str, Any],
    entries: list[Mapping[str, Any]],
    problem: str | None,
) -> str | None:
    if not body.strip():
        return "not a feed: empty body"
    if problem and any(m in problem for m in _TRUNCATION_MESSAGES):
        return f"truncated feed ({problem})"
    if not entries and _looks_like_html(body, content_type):
        return "not a feed: got an HTML page"
    if not parsed.get("version"):
        # feedparser turns any <item> into an entry, even in a document that is no feed.
        return "not a feed: unrecognised document"
    if problem and not entries:
        return f"malformed feed with no entries ({problem})"
    return None


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and content_type.split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    ):
        return True
    return _HTML_START.match(body[:4096].lstrip(b"\xef\xbb\xbf")) is not None


def _article_from_entry(entry: Mapping[str, Any], feed_url: str) -> Article:
    title = _collapse(_text_of(entry.get("title_detail"), entry.get("title")))
    summary_html = _str(entry.get("summary"))
    body_html = _content_html(entry) or summary_html
    text = html_to_text(body_html)
    content_hash = article_content_hash(title, text)
    link = _entry_link(entry)
    return Article(
        id=_article_id(entry, link, content_hash),
        feed_url=feed_url,
        link=link,
        title=title,
        author=_entry_author(entry),
        section=_entry_section(entry),
        published=_entry_date(entry),
        summary=html_to_text(summary_html),
        html=body_html,
        text=text,
        content_hash=content_hash,
    )


def article_content_hash(title: str, text: str) -> str:
    """sha256 of title and text, blind to whitespace and Unicode compatibility forms.

    Re-serialising the same article (CDATA vs escaped, ``&nbsp;`` vs a space, another
    line width, another HTML-to-text spacing around tags) keeps the hash; changing a
    word changes it.
    """
    parts = ("".join(unicodedata.normalize("NFKC", part).split()) for part in (title, text))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _article_id(entry: Mapping[str, Any], link: str, content_hash: str) -> str:
    guid = _str(entry.get("id")).strip()
    if guid:
        # URL guids are canonicalised so that an http→https or www move is not "new".
        return "guid:" + (canonical_link(guid) if _is_http_url(guid) else guid)
    if link:
        return "link:" + link
    return "hash:" + content_hash


def _entry_link(entry: Mapping[str, Any]) -> str:
    for item in entry.get("links") or []:
        href = _str(item.get("href")) if isinstance(item, Mapping) else ""
        if href and item.get("rel", "alternate") == "alternate" and _is_http_url(href):
            return canonical_link(href)
    # feedparser copies a permalink guid into ``link`` when there is no <link>.
    fallback = _str(entry.get("link"))
    return canonical_link(fallback) if _is_http_url(fallback) else ""


def _content_html(entry: Mapping[str, Any]) -> str:
    contents = [c for c in entry.get("content") or [] if isinstance(c, Mapping)]
    for preferred in ("text/html", "application/xhtml+xml"):
        for content in contents:
            if content.get("type") == preferred and _str(content.get("value")).strip():
                return _str(content.get("value"))
    for content in contents:
        value = _str(content.get("value"))
        if value.strip():
            return html.escape(value) if content.get("type") == "text/plain" else value
    return ""


_EMAIL_THEN_NAME = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^()]*)\)\s*$")
_NAME_THEN_EMAIL = re.compile(r"^\s*(?P<name>.*?)\s*[<(]\s*\S+@\S+\s*[>)]\s*$")
_BARE_EMAIL = re.compile(r"^\s*\S+@\S+\s*$")


def clean_author(raw: str) -> str:
    """The person's name from "email (Name)", "Name <email>" or a plain name."""
    for pattern in (_EMAIL_THEN_NAME, _NAME_THEN_EMAIL):
        found = pattern.match(raw)
        if found:
            return _collapse(html.unescape(found["name"]))
    if _BARE_EMAIL.match(raw):
        return ""
    return _collapse(html.unescape(raw))


def _entry_author(entry: Mapping[str, Any]) -> str:
    detail = entry.get("author_detail")
    if isinstance(detail, Mapping):
        name = _str(detail.get("name"))
        if name.strip():
            return clean_author(name)
    return clean_author(_str(entry.get("author")))


def _entry_section(entry: Mapping[str, Any]) -> str:
    for tag in entry.get("tags") or []:
        if isinstance(tag, Mapping):
            term = _collapse(html.unescape(_str(tag.get("term") or tag.get("label"))))
            if term:
                return term
    return ""


def _entry_date(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                # feedparser has already converted these to UTC.
                return datetime(*value[:6], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _text_of(detail: Any, fallback: Any) -> str:
    value = _str(fallback)
    if isinstance(detail, Mapping) and detail.get("type") in ("text/html", "application/xhtml+xml"):
        return html_to_text(value)
    # Joomla double-escapes now and then; a plain-text title never holds a real entity.
    return html.unescape(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


# --------------------------------------------------------------------------- html→text
