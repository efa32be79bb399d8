"""Turn a feed's bytes into ``Article`` values.

Pure and thread-safe: feedparser is given *bytes* (as in lemon24/reader), so it never
fetches anything itself, and nothing here reads the clock or shared state. HTML is
rendered to text here, once: everything downstream (hashing, matching, storing) reads
the plain ``Article.text``.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.domain.models import Article
from bot.domain.text import html_to_text
from bot.feeds.links import canonical_link


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


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
