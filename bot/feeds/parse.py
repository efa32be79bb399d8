"""Turn a feed's bytes into ``Article`` values.

Pure and thread-safe: feedparser is given *bytes* (as in lemon24/reader), so it never
fetches anything itself, and nothing here reads the clock or shared state. HTML is
rendered to text here, once: everything downstream (hashing, matching, storing) reads
the plain ``Article.text``.
"""

from __future__ import annotations

import codecs
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
    """Parse a feed body into articles. Pure: no network, no clock, no shared state.

    Items with nothing to tell them by (no guid, link, title or text) are skipped, and
    a feed declared UTF-8 with a few invalid bytes in it is read as UTF-8 with those
    bytes shown as U+FFFD; both are said in ``warning``.
    """
    warnings: list[str] = []
    body, replaced, content_type = _repair_utf8(body, content_type)
    if replaced:
        warnings.append(f"{replaced} invalid UTF-8 sequence(s) read as \ufffd")
    # content-location gives feedparser a base for relative links without a URL to fetch;
    # an unknown type is declared as generic XML so that only a real mismatch is flagged.
    headers = {"content-location": feed_url, "content-type": content_type or "application/xml"}
    # Imported on the first feed that changed, not at start: a bot whose polls are all
    # answered 304, and every command that polls nothing, do without its memory.
    import feedparser

    parsed = feedparser.parse(body, response_headers=headers)
    entries: list[Mapping[str, Any]] = list(parsed.get("entries") or [])
    feed_info: Mapping[str, Any] = parsed.get("feed") or {}
    title = _collapse(_text_of(feed_info.get("title_detail"), feed_info.get("title")))
    problem = _bozo_reason(parsed)

    error = _fatal_problem(body, content_type, parsed, entries, problem)
    if error is not None:
        return ParsedFeed(articles=[], title=title, error=error)
    articles: list[Article] = []
    empty: list[int] = []
    for position, entry in enumerate(entries, 1):
        article = _article_from_entry(entry, feed_url)
        if article is None:
            empty.append(position)
        else:
            articles.append(article)
    if problem:
        warnings.insert(0, f"feed is not well-formed ({problem}); read {len(articles)} entries")
    if empty:
        where = ", ".join(map(str, empty[:10])) + (", …" if len(empty) > 10 else "")
        warnings.append(
            f"skipped {len(empty)} empty item(s) with no guid, link, title or text (item {where})"
        )
    return ParsedFeed(articles=articles, title=title, warning="; ".join(warnings) or None)


_XML_ENCODING = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']", re.I
)
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([^\"';\s]*)", re.I)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})


def _repair_utf8(body: bytes, content_type: str | None) -> tuple[bytes, int, str | None]:
    """A body declared UTF-8 with a few invalid bytes, as valid UTF-8: (body, how many
    invalid sequences became U+FFFD, the content type to tell feedparser).

    feedparser, finding that a document does not decode as declared, tries other
    encodings until one does: a single stray byte in a UTF-8 feed turns every accented
    letter and dash in it into windows-1252 or iso-8859-2 mojibake. When the body is
    declared UTF-8 (by its Content-Type, its XML declaration, or by default, and by
    none otherwise) and is mostly UTF-8 (no fewer valid non-ASCII characters than
    invalid sequences), it is read as UTF-8 with replacements instead. A body that is
    mostly something else, say all windows-1252, is left to feedparser's fallback.
    """
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in body[:4]:
        return body, 0, content_type  # UTF-16 or UTF-32, by its BOM or its NULs
    found = _XML_ENCODING.match(body[:1024])
    declared = [found.group(1).decode("ascii", "replace").strip().lower()] if found else []
    charset = _CHARSET.search(content_type or "")
    if charset:
        declared.append(charset.group(1).strip().lower())
    if any(name not in _UTF8_NAMES for name in declared):
        return body, 0, content_type
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body, 0, content_type
    text = body.decode("utf-8", "replace")
    marks = text.count("\ufffd")
    replaced = marks - body.count("\ufffd".encode())
    valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - marks
    if valid_non_ascii < replaced:
        return body, 0, content_type
    media_type = (content_type or "application/xml").split(";")[0].strip()
    return text.encode("utf-8"), replaced, f"{media_type}; charset=utf-8"


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


def _article_from_entry(entry: Mapping[str, Any], feed_url: str) -> Article | None:
    """The entry as an article; None for one with no guid, link, title or text, which
    could be told from no other such item and would say nothing anyway."""
    title = _collapse(_text_of(entry.get("title_detail"), entry.get("title")))
    summary_html = _str(entry.get("summary"))
    body_html = _content_html(entry) or summary_html
    text = html_to_text(body_html)
    content_hash = article_content_hash(title, text)
    link = _entry_link(entry)
    if not (_str(entry.get("id")).strip() or link or title or text.strip()):
        return None
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
