"""Telegram HTML primitives (pure): escaping, cutting to size, splitting into messages.

Telegram's HTML parse mode knows only a handful of tags and four named entities, and
refuses a whole message over 4,096 characters or with one malformed entity. So every
piece of feed or user text goes through `escape` (or a helper that calls it), long
pieces are cut *before* escaping so a cut never lands inside an entity, and lengths are
counted on the raw HTML in UTF-16 code units, which is never less than what Telegram
counts after parsing entities. Alerts and digests are built from these in
`bot.messages.articles`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

__all__ = [
    "MAX_MESSAGE",
    "bold",
    "code",
    "cut",
    "escape",
    "escape_attr",
    "fit",
    "html_to_plain",
    "link",
    "one_line",
    "split_messages",
    "utf16_len",
]

MAX_MESSAGE = 4096

# A longer link is shown as text rather than cut, which would break it.
_HREF = 1024

ITEM_SEP = "\n\n"
_ELLIPSIS = "…"
# Leaves room for the "(i/n)" marker whatever the number of parts, so items can be cut
# to size before the splitter knows how many parts there will be.
MARKER_RESERVE = len(" (9999/9999)")
_MIN_LIMIT = 100

# C0 controls other than tab and newline: invisible, and some clients or the Bot API
# mishandle them (NUL ends a string in places).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>")
_HREF_ATTR = re.compile(r'\bhref="([^"]*)"')
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


# -- text primitives -----------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's message limit."""
    # surrogatepass: a length must never raise, even for text not yet cleaned.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _clean(text: str) -> str:
    if _SURROGATE.search(text):
        # A pair that arrived as two code points (text decoded as UTF-16 twice) becomes
        # its character again; a lone one cannot be encoded as UTF-8 and is dropped.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return _CONTROL.sub("", text)


def escape_clean(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Text node content: `&`, `<`, `>` escaped; C0 controls (but tab and newline) and
    lone surrogates removed, so the result always encodes as UTF-8. Emoji and
    right-to-left text are kept as they are."""
    return escape_clean(_clean(text))


def escape_attr(text: str) -> str:
    """An attribute value inside double quotes: `escape` plus `"`."""
    return escape(text).replace('"', "&quot;")


def one_line(text: str) -> str:
    """Clean text on one line: a newline in a title or a name would break the layout."""
    return WHITESPACE.sub(" ", _clean(text)).strip()


def _cost(ch: str) -> int:
    if ch == "&":
        return 5
    if ch in "<>":
        return 4
    return 2 if ord(ch) > 0xFFFF else 1


def cut(text: str, units: int) -> str:
    """The longest start of clean `text` whose escaped form, with "…", fits in `units`."""
    if units < 1:
        return ""
    room = units - 1
    used = 0
    end = len(text)
    for i, ch in enumerate(text):
        used += _cost(ch)
        if used > room:
            end = i
            break
    keep = text[:end]
    if end < len(text) and not text[end].isspace():
        # End on a word: "Middle Corr…" reads worse than "Middle …", and a cut inside
        # "No." or a name misleads. Only a word longer than half the room is cut inside.
        space = max(keep.rfind(" "), keep.rfind("\n"))
        if space > len(keep) // 2:
            keep = keep[:space]
    return keep.rstrip() + _ELLIPSIS


def fit(text: str, units: int, *, keep_end: bool = False) -> str:
    """`text` escaped, cut first if needed so the escaped form fits in `units`.

    `keep_end` cuts from the start instead ("… end of the sentence"), for the text
    before a snippet's marked words.
    """
    text = _clean(text)
    escaped = escape_clean(text)
    if utf16_len(escaped) <= units:
        return escaped
    shortened = cut(text[::-1], units)[::-1] if keep_end else cut(text, units)
    return escape_clean(shortened)


def safe_href(url: str) -> str | None:
    """The escaped href for an http(s) URL; None for anything a reader should not be
    sent to (javascript:, data:, relative, empty) or that is too long to keep whole."""
    # A backslash is a slash to a browser and not to urlsplit, which would then name
    # another host than the one the link opens ("https://evil\@caci.example/"):
    # encoded, both read the same URL.
    url = _clean(url).strip().replace(" ", "%20").replace("\\", "%5C")
    if not url or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    href = escape_attr(url)
    return href if utf16_len(href) <= _HREF else None


def bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def link(text: str, url: str) -> str:
    """A link when `url` is http(s), else the text alone: never a dangerous href."""
    href = safe_href(url)
    return escape(text) if href is None else f'<a href="{href}">{escape(text)}</a>'


def html_to_plain(html: str) -> str:
    """The text of a message as Telegram would show it, to send without parse_mode
    when Telegram answers "can't parse entities".

    Tags are dropped and entities decoded; a link keeps its address after its text, so
    the fallback still leads to the article. The result is never longer than `html`.
    """
    out: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in out)
    pos = 0
    # Entities never span a tag, so each stretch of text is decoded on its own, once.
    for tag in _TAG.finditer(html):
        out.append(_unescape(html[pos : tag.start()]))
        pos = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name != "a":
            continue
        if not closing:
            href = _HREF_ATTR.search(tag.group(3))
            links.append((_unescape(href.group(1)) if href else "", len(out)))
        elif links:
            url, start = links.pop()
            if url and url != "".join(out[start:]):
                out.append(f" ({url})")
    out.append(_unescape(html[pos:]))
    return "".join(out)


def _unescape(text: str) -> str:
    # Only what Telegram decodes: html.unescape would also turn "&copy" into "©".
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return _NAMED[m.group(1)]
        number = int(m.group(2), 10) if m.group(2) else int(m.group(3), 16)
        if 0 < number < 0x110000 and not 0xD800 <= number <= 0xDFFF:
            return chr(number)
        return m.group(0)

    return _ENTITY.sub(one, text)


# -- splitting -------------------------------------------------------------------------


def with_block(texts: Sequence[str], block: str, *, at_end: bool = False) -> list[str]:
    """Message parts with ``block`` added atop the first (or, ``at_end``, under the last)
    when it fits there within a message, else as a part of its own."""
    if not block or not texts:
        return list(texts)
    if at_end:
        last = f"{texts[-1]}\n\n{block}"
        return [*texts[:-1], last] if utf16_len(last) <= MAX_MESSAGE else [*texts, block]
    first = f"{block}\n\n{texts[0]}"
    return [first, *texts[1:]] if utf16_len(first) <= MAX_MESSAGE else [block, *texts]


def split_messages(
    header: str,
    items: Sequence[str],
    footer: str,
    limit: int = MAX_MESSAGE,
    *,
    continuation: str = "",
) -> list[str]:
    """Pack header, items and footer (each valid HTML on its own, blank lines between)
    into as few messages of at most `limit` UTF-16 units as they fit in.

    Parts break only between blocks, so tags and entities never span two messages.
    With more than one part, the first line of each ends with "(i/n)"; later parts
    begin with `continuation` (e.g. the digest's title line) or with the marker alone.
    Blocks must not put a newline inside a tag, since the marker goes before the first
    newline. A block too long for any part is replaced by its plain text, escaped and
    cut: the splitter never fails and never exceeds `limit`. Empty blocks are skipped.
    """
    if limit < _MIN_LIMIT:
        raise ValueError(f"limit must be at least {_MIN_LIMIT}, not {limit}")
    blocks = [b for b in (header, *items, footer) if b]
    if not blocks:
        return []
    whole = ITEM_SEP.join(blocks)
    if utf16_len(whole) <= limit:
        return [whole]
    if utf16_len(continuation) > limit // 4:
        continuation = fit(one_line(html_to_plain(continuation)), limit // 4)
    lead = utf16_len(continuation) + len(ITEM_SEP)
    # The marker's length depends on the number of parts, known only after packing:
    # pack with room for d-digit markers, and again with more digits if that made more.
    digits = 1
    while True:
        marker = utf16_len(f" ({'9' * digits}/{'9' * digits})")
        room = limit - marker - lead
        fitted = [b if utf16_len(b) <= room else fit(html_to_plain(b), room) for b in blocks]
        parts = _pack(fitted, first_room=limit - marker, room=room)
        if len(str(len(parts))) <= digits:
            break
        digits = len(str(len(parts)))
    if len(parts) == 1:
        return [ITEM_SEP.join(parts[0])]
    n = len(parts)
    messages = []
    for i, part in enumerate(parts, start=1):
        if i == 1:
            messages.append(_with_marker(ITEM_SEP.join(part), f" ({i}/{n})"))
        elif continuation:
            messages.append(_with_marker(ITEM_SEP.join([continuation, *part]), f" ({i}/{n})"))
        else:
            messages.append(ITEM_SEP.join([f"({i}/{n})", *part]))
    return messages


def _pack(blocks: Sequence[str], *, first_room: int, room: int) -> list[list[str]]:
    parts: list[list[str]] = []
    current: list[str] = []
    used = 0
    for block in blocks:
        size = utf16_len(block)
        limit = room if parts else first_room
        if current and used + len(ITEM_SEP) + size > limit:
            parts.append(current)
            current, used = [], 0
        used += size + (len(ITEM_SEP) if current else 0)
        current.append(block)
    parts.append(current)
    return parts


def _with_marker(text: str, marker: str) -> str:
    newline = text.find("\n")
    return text + marker if newline < 0 else text[:newline] + marker + text[newline:]
