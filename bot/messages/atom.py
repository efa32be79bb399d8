"""A watchlist's matches as an Atom 1.0 feed (RFC 4287), so people can follow a list in
the reader they already use.

Ids are stable: the feed's is a tag URI of the list's name, each entry's a tag URI of the
list and the article's id, so a reader never shows an article twice when the file is
written again. Every text goes through the XML writer, escaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from bot.domain.search import MatchedArticle
from bot.messages.explanations import why_matched

_ATOM = "http://www.w3.org/2005/Atom"
_TAG_AUTHORITY = "caci-watch,2026"


def _tag(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"tag:{_TAG_AUTHORITY}:{digest}"


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{_ATOM}}}{name}")
    # XML 1.0 cannot hold most C0 controls, even escaped.
    child.text = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")
    return child


def atom_feed(watchlist: str, rows: Sequence[MatchedArticle], now: datetime) -> bytes:
    """The feed of ``rows`` (newest first), updated at the newest entry's time (or
    ``now`` for a list with none)."""
    ET.register_namespace("", _ATOM)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    _text(feed, "id", _tag("feed", watchlist))
    _text(feed, "title", f"caci-watch: {watchlist}")
    newest = max((r.updated_at or r.first_seen_at for r in rows), default=now)
    _text(feed, "updated", _stamp(newest))
    author = ET.SubElement(feed, f"{{{_ATOM}}}author")
    _text(author, "name", "caci-watch")
    for row in rows:
        entry = ET.SubElement(feed, f"{{{_ATOM}}}entry")
        _text(entry, "id", _tag("entry", watchlist, row.article_id))
        _text(entry, "title", row.title or row.link)
        ET.SubElement(entry, f"{{{_ATOM}}}link", href=row.link, rel="alternate")
        _text(entry, "updated", _stamp(row.updated_at or row.first_seen_at))
        if row.published is not None:
            _text(entry, "published", _stamp(row.published))
        if row.author:
            who = ET.SubElement(entry, f"{{{_ATOM}}}author")
            _text(who, "name", row.author)
        why = "; ".join(dict.fromkeys(why_matched(m) for m in row.matches))
        quote = row.matches[0].snippet if row.matches else ""
        # Not str.capitalize: it would lower-case the list's terms ("the abraham accords").
        why = why[:1].upper() + why[1:]
        _text(entry, "summary", f"{why}. {quote}".strip() if why else quote)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def feed_file_name(watchlist: str) -> str:
    """A file name for the list's feed: its name in safe characters, made unique."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in watchlist).strip("-")
    return f"{safe or 'list'}-{hashlib.sha256(watchlist.encode()).hexdigest()[:6]}.atom"
