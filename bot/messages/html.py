"""Telegram HTML for alerts, digests and command replies (pure: no network, disk or clock).

Telegram's HTML parse mode knows only a handful of tags and four named entities, and
refuses a whole message over 4,096 characters or with one malformed entity. So every
piece of feed or user text goes through `escape` (or a helper that calls it), long
pieces are cut *before* escaping so a cut never lands inside an entity, and lengths are
counted on the raw HTML in UTF-16 code units, which is never less than what Telegram
counts after parsing entities.

The content and wording follow `bot.messages.console`, the plain-text rendering for the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from bot.domain.digest import Digest, best_match_per_watchlist
from bot.domain.models import Article, FeedState, Match
from bot.messages.console import explain_match
from bot.messages.dates import date_label
from bot.messages.digest_heading import DEFAULT_TITLE, digest_heading, nothing_matched, others_line
from bot.messages.feed_health import feed_health
from bot.messages.words import plural

__all__ = [
    "DEFAULT_TITLE",
    "MAX_MESSAGE",
    "bold",
    "code",
    "escape",
    "escape_attr",
    "html_to_plain",
    "link",
    "marked_snippet",
    "render_alert",
    "render_digest",
    "render_empty_digest",
    "split_messages",
    "utf16_len",
]

MAX_MESSAGE = 4096

# Budgets, in UTF-16 units of escaped HTML, for pieces that come from feeds or users.
# A realistic value never reaches them; they exist so that one pathological piece cannot
# crowd out the rest of the message.
_TITLE = 300
_NAME = 80  # author, section, watchlist, feed URL
_MATCHED = 120  # matched text and term
_FIELD = 40
_SNIPPET_SIDE = 200  # each side of the marked words
_SNIPPET_MARK = 200
_HREF = 1024  # a longer link is shown as text rather than cut, which would break it
_NAMES_LINE = 600  # the alert's "New in …" line and the digest's "Watchlists: …" line
_FEED_LINE = 300
_FOOTER = 2000
_EMPTY_FEEDS_NAMED = 3

_ITEM_SEP = "\n\n"
_ELLIPSIS = "…"
# Leaves room for the "(i/n)" marker whatever the number of parts, so items can be cut
# to size before the splitter knows how many parts there will be.
_MARKER_RESERVE = len(" (9999/9999)")
_MIN_LIMIT = 100

# C0 controls other than tab and newline: invisible, and some clients or the Bot API
# mishandle them (NUL ends a string in places).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
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


def _escape_clean(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Text node content: `&`, `<`, `>` escaped; C0 controls (but tab and newline) and
    lone surrogates removed, so the result always encodes as UTF-8. Emoji and
    right-to-left text are kept as they are."""
    return _escape_clean(_clean(text))


def escape_attr(text: str) -> str:
    """An attribute value inside double quotes: `escape` plus `"`."""
    return escape(text).replace('"', "&quot;")


def _one_line(text: str) -> str:
    """Clean text on one line: a newline in a title or a name would break the layout."""
    return _WHITESPACE.sub(" ", _clean(text)).strip()


def _cost(ch: str) -> int:
    if ch == "&":
        return 5
    if ch in "<>":
        return 4
    return 2 if ord(ch) > 0xFFFF else 1


def _cut(text: str, units: int) -> str:
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
    # End on a word when one ends near the cut: "Middle Corr…" reads worse than "Middle …".
    space = keep.rfind(" ", max(0, len(keep) - 24))
    if space > len(keep) // 2:
        keep = keep[:space]
    return keep.rstrip() + _ELLIPSIS


def _fit(text: str, units: int, *, keep_end: bool = False) -> str:
    """`text` escaped, cut first if needed so the escaped form fits in `units`.

    `keep_end` cuts from the start instead ("… end of the sentence"), for the text
    before a snippet's marked words.
    """
    text = _clean(text)
    escaped = _escape_clean(text)
    if utf16_len(escaped) <= units:
        return escaped
    cut = _cut(text[::-1], units)[::-1] if keep_end else _cut(text, units)
    return _escape_clean(cut)


def _safe_href(url: str) -> str | None:
    """The escaped href for an http(s) URL; None for anything a reader should not be
    sent to (javascript:, data:, relative, empty) or that is too long to keep whole."""
    url = _clean(url).strip().replace(" ", "%20")
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
    href = _safe_href(url)
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


# -- items -----------------------------------------------------------------------------


def _fill(
    fixed: Sequence[str],
    optional: Sequence[str],
    budget: int,
    sep: str,
    more: Callable[[int], str],
) -> list[str]:
    """`fixed` plus as many of `optional` as fit in `budget` when joined by `sep`, and
    `more(left out)` when some do not. `fixed` and `more` are the caller's to keep small."""
    pieces = list(fixed)
    for i, piece in enumerate(optional):
        rest = len(optional) - i - 1
        candidate = [*pieces, piece]
        if rest:
            candidate.append(more(rest))
        if utf16_len(sep.join(candidate)) > budget:
            return [*pieces, more(len(optional) - i)]
        pieces.append(piece)
    return pieces


def marked_snippet(m: Match) -> str:
    """The match's snippet with the matched words in bold, each side cut to size."""
    snippet = m.snippet
    start = min(max(m.mark_start, 0), len(snippet))
    end = min(max(m.mark_end, start), len(snippet))
    before = _fit(_WHITESPACE.sub(" ", snippet[:start]), _SNIPPET_SIDE, keep_end=True)
    marked = _fit(_one_line(snippet[start:end]), _SNIPPET_MARK)
    after = _fit(_WHITESPACE.sub(" ", snippet[end:]), _SNIPPET_SIDE)
    # An empty <b></b> is an entity of length zero, which Telegram may refuse.
    return before + (f"<b>{marked}</b>" if marked else "") + after


def _explanation(m: Match) -> str:
    """explain_match without the watchlist name, each piece cut to size."""
    short = Match(
        watchlist="",
        term=_cut_plain(m.term, _MATCHED),
        matched_text=_cut_plain(m.matched_text, _MATCHED),
        score=m.score,
        field=_cut_plain(m.field, _FIELD),
        snippet="",
        mark_start=0,
        mark_end=0,
    )
    # Same wording as the terminal; escaping after the cut keeps entities whole.
    return escape(explain_match(short).removeprefix(": "))


def _cut_plain(text: str, units: int) -> str:
    """Clean one-line text cut so that its escaped form fits in `units` (not escaped)."""
    text = _one_line(text)
    return text if utf16_len(_escape_clean(text)) <= units else _cut(text, units)


def _watchlist_name(name: str) -> str:
    return _fit(_one_line(name) or "(unnamed)", _NAME)


def _match_block(m: Match, *, compact: bool) -> str:
    name = _watchlist_name(m.watchlist)
    snippet = marked_snippet(m)
    if compact:
        block = f"• {name}: {_explanation(m)}"
        return f"{block}\n<i>{snippet}</i>" if snippet else block
    block = f"<b>{name}</b>: {_explanation(m)}"
    return f"{block}\n<blockquote>{snippet}</blockquote>" if snippet else block


def _title_line(article: Article, *, updated: bool, rematched: bool) -> str:
    title = _fit(_one_line(article.title) or "(untitled)", _TITLE)
    href = _safe_href(article.link)
    line = f"<b>{title}</b>" if href is None else f'<b><a href="{href}">{title}</a></b>'
    if rematched:
        line += " <i>(newly matching after a watchlist change)</i>"
    elif updated:
        line += " <i>(updated)</i>"
    return line


def _byline(article: Article, tz: tzinfo) -> str:
    parts = (
        _fit(_one_line(article.author), _NAME),
        _fit(_one_line(article.section), _NAME),
        date_label(article.published, tz),
    )
    return " · ".join(p for p in parts if p)


def _more_watchlists(n: int) -> str:
    return f"… and {plural(n, 'more watchlist')} matched"


def _and_more(n: int) -> str:
    return f"and {n} more"


def _watchlist_names(matches: Sequence[Match]) -> list[str]:
    return sorted({m.watchlist for m in matches})


def _item(
    article: Article,
    matches: Sequence[Match],
    *,
    updated: bool,
    rematched: bool,
    tz: tzinfo,
    budget: int,
    index: int | None,
) -> str:
    """An alert (index None) or a numbered digest item, cut to fit in `budget`.

    The title, byline and watchlist names are bounded by their budgets; matches are then
    added, best per watchlist, while they fit, and the rest are counted.
    """
    names = [_watchlist_name(n) for n in _watchlist_names(matches)]
    title = _title_line(article, updated=updated, rematched=rematched)
    blocks = [_match_block(m, compact=index is not None) for m in best_match_per_watchlist(matches)]
    if index is None:
        bolded = _fill([], [f"<b>{n}</b>" for n in names], _NAMES_LINE, ", ", _and_more)
        header = f"🔔 New in {', '.join(bolded)}" if names else "🔔 New article"
        head = f"{header}\n{title}\n{_byline(article, tz)}"
        return _ITEM_SEP.join(_fill([head], blocks, budget, _ITEM_SEP, _more_watchlists))
    head = f"{index}. {title}\n{_byline(article, tz)}"
    if names:
        line = ", ".join(_fill([], names, _NAMES_LINE, ", ", _and_more))
        head += f"\nWatchlists: {line}"
    return "\n".join(_fill([head], blocks, budget, "\n", _more_watchlists))


def _safe(message: str, limit: int) -> str:
    """The message, or its escaped plain text cut to `limit` should the budgets above
    ever be exceeded: a plainer message beats one Telegram refuses."""
    if utf16_len(message) <= limit:
        return message
    return _fit(html_to_plain(message), limit)


def render_alert(article: Article, matches: Sequence[Match], *, updated: bool, tz: tzinfo) -> str:
    """One message telling an instant subscriber about `article`: the watchlists it
    matched, linked title, byline in `tz`, and the best match of each watchlist."""
    item = _item(
        article, matches, updated=updated, rematched=False, tz=tz, budget=MAX_MESSAGE, index=None
    )
    return _safe(item, MAX_MESSAGE)


# -- digests ---------------------------------------------------------------------------


def _digest_title_line(digest: Digest, tz: tzinfo, title: str) -> str:
    shown = _fit(_one_line(title) or DEFAULT_TITLE, _TITLE)
    return f"📰 {digest_heading(digest, tz, f'<b>{shown}</b>')}"


def _feed_name(feed: FeedState) -> str:
    return _fit(_one_line(feed.url), _NAME)


def _feed_lines(feeds: Sequence[FeedState], *, now: datetime, stale_after: timedelta) -> list[str]:
    lines = []
    for feed in feeds:
        health = feed_health(feed, now=now, stale_after=stale_after)
        mark = "✅" if health.ok else "⚠️"
        text = _fit(_one_line(health.text), _FEED_LINE)
        lines.append(f"{mark} {_feed_name(feed)}: {text}")
    return lines


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
    whole = _ITEM_SEP.join(blocks)
    if utf16_len(whole) <= limit:
        return [whole]
    if utf16_len(continuation) > limit // 4:
        continuation = _fit(_one_line(html_to_plain(continuation)), limit // 4)
    lead = utf16_len(continuation) + len(_ITEM_SEP)
    # The marker's length depends on the number of parts, known only after packing:
    # pack with room for d-digit markers, and again with more digits if that made more.
    digits = 1
    while True:
        marker = utf16_len(f" ({'9' * digits}/{'9' * digits})")
        room = limit - marker - lead
        fitted = [b if utf16_len(b) <= room else _fit(html_to_plain(b), room) for b in blocks]
        parts = _pack(fitted, first_room=limit - marker, room=room)
        if len(str(len(parts))) <= digits:
            break
        digits = len(str(len(parts)))
    if len(parts) == 1:
        return [_ITEM_SEP.join(parts[0])]
    n = len(parts)
    messages = []
    for i, part in enumerate(parts, start=1):
        if i == 1:
            messages.append(_with_marker(_ITEM_SEP.join(part), f" ({i}/{n})"))
        elif continuation:
            messages.append(_with_marker(_ITEM_SEP.join([continuation, *part]), f" ({i}/{n})"))
        else:
            messages.append(_ITEM_SEP.join([f"({i}/{n})", *part]))
    return messages


def _pack(blocks: Sequence[str], *, first_room: int, room: int) -> list[list[str]]:
    parts: list[list[str]] = []
    current: list[str] = []
    used = 0
    for block in blocks:
        size = utf16_len(block)
        limit = room if parts else first_room
        if current and used + len(_ITEM_SEP) + size > limit:
            parts.append(current)
            current, used = [], 0
        used += size + (len(_ITEM_SEP) if current else 0)
        current.append(block)
    parts.append(current)
    return parts


def _with_marker(text: str, marker: str) -> str:
    newline = text.find("\n")
    return text + marker if newline < 0 else text[:newline] + marker + text[newline:]


def render_digest(
    digest: Digest,
    *,
    now: datetime,
    tz: tzinfo,
    stale_after: timedelta,
    title: str = DEFAULT_TITLE,
    feeds: bool = True,
) -> list[str]:
    """The digest as Telegram messages, in order; one message when it fits.

    An empty digest gives `render_empty_digest`'s single message. Without ``feeds``
    (``/latest``, which is no report on the day) the feeds' health is left out.
    """
    if digest.is_empty:
        return [render_empty_digest(digest, now=now, tz=tz, stale_after=stale_after, title=title)]
    title_line = _digest_title_line(digest, tz, title)
    count = len(digest.entries)
    header = f"{title_line}\n{plural(count, 'article')} matched your watchlists."
    budget = MAX_MESSAGE - _MARKER_RESERVE - utf16_len(title_line) - len(_ITEM_SEP)
    items = [
        _item(
            entry.article,
            entry.matches,
            updated=entry.updated,
            rematched=entry.rematched,
            tz=tz,
            budget=budget,
            index=i,
        )
        for i, entry in enumerate(digest.entries, start=1)
    ]
    footer_lines = []
    if others := others_line(digest):
        footer_lines.append(others + "\n")
    if feeds:
        footer_lines.append("<b>Feeds</b>")
        lines = _feed_lines(digest.feeds, now=now, stale_after=stale_after)
        if not lines:
            lines = ["no feed has been polled yet"]
    else:
        lines = []
    footer = "\n".join(
        _fill(footer_lines, lines, _FOOTER, "\n", lambda n: f"… and {plural(n, 'more feed')}")
    ).strip()
    return split_messages(header, items, footer, continuation=title_line)


def render_empty_digest(
    digest: Digest,
    *,
    now: datetime,
    tz: tzinfo,
    stale_after: timedelta,
    title: str = DEFAULT_TITLE,
) -> str:
    """The short message for a day without matches: since when, and whether the feeds
    work (a silent dead feed would look just like a quiet day)."""
    if not digest.is_empty:
        raise ValueError("render_empty_digest needs a digest without entries")
    lines = [
        _digest_title_line(digest, tz, title),
        nothing_matched(digest, tz),
    ]
    if others := others_line(digest):
        lines[-1] += f" {others}"
    lines.append(_feed_summary(digest.feeds, now=now, stale_after=stale_after))
    return _safe("\n".join(lines), MAX_MESSAGE)


def _feed_summary(feeds: Sequence[FeedState], *, now: datetime, stale_after: timedelta) -> str:
    if not feeds:
        return "⚠️ Feeds: none polled yet."
    health = [(f, feed_health(f, now=now, stale_after=stale_after)) for f in feeds]
    bad = [(f, h) for f, h in health if not h.ok]
    summary = f"Feeds: {len(feeds) - len(bad)}/{len(feeds)} OK"
    if not bad:
        return f"✅ {summary}."
    named = [
        f"{_feed_name(f)} ({_fit(_one_line(h.text), _FEED_LINE)})"
        for f, h in bad[:_EMPTY_FEEDS_NAMED]
    ]
    if len(bad) > _EMPTY_FEEDS_NAMED:
        named.append(f"{len(bad) - _EMPTY_FEEDS_NAMED} more")
    return f"⚠️ {summary}; not OK: {'; '.join(named)}."
