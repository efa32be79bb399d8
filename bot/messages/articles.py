"""Alerts and digests in Telegram HTML (pure), built from the primitives in
`bot.messages.html`. The content and wording follow `bot.messages.console`, the
plain-text rendering for the terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo

from bot.domain.digest import Digest, best_match_per_watchlist
from bot.domain.lead import article_lead, lead_marks, mark_in_lead
from bot.domain.models import Alert, Article, FeedState, Match
from bot.messages.dates import date_label
from bot.messages.digest_heading import (
    DEFAULT_TITLE,
    digest_heading,
    matched_line,
    nothing_matched,
    others_line,
)
from bot.messages.explanations import quotes_snippet, why_matched
from bot.messages.feed_health import feed_health
from bot.messages.html import (
    ITEM_SEP,
    MARKER_RESERVE,
    MAX_MESSAGE,
    WHITESPACE,
    cut,
    escape,
    escape_clean,
    fit,
    html_to_plain,
    one_line,
    safe_href,
    split_messages,
    utf16_len,
)
from bot.messages.words import plural

__all__ = [
    "DEFAULT_TITLE",
    "explanation",
    "lead_line",
    "marked_snippet",
    "render_alert",
    "render_alerts",
    "render_digest",
    "render_empty_digest",
]

# Budgets, in UTF-16 units of escaped HTML, for pieces that come from feeds or users.
# A realistic value never reaches them; they exist so that one pathological piece cannot
# crowd out the rest of the message.
_TITLE = 300
_NAME = 80  # author, section, watchlist, feed URL
_MATCHED = 120  # matched text and term
_FIELD = 40
_SNIPPET_SIDE = 200  # each side of the marked words
_SNIPPET_MARK = 200
_LEAD = 1600  # the lead has at most 300 characters, each at most 5 units escaped
_NAMES_LINE = 600  # the alert's "New in …" line and the digest's "Watchlists: …" line
_FEED_LINE = 300
_FOOTER = 2000
_EMPTY_FEEDS_NAMED = 3


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
    before = fit(WHITESPACE.sub(" ", snippet[:start]), _SNIPPET_SIDE, keep_end=True)
    marked = fit(one_line(snippet[start:end]), _SNIPPET_MARK)
    after = fit(WHITESPACE.sub(" ", snippet[end:]), _SNIPPET_SIDE)
    # An empty <b></b> is an entity of length zero, which Telegram may refuse.
    return before + (f"<b>{marked}</b>" if marked else "") + after


def explanation(m: Match) -> str:
    """Why it matched, in plain words (`why_matched`) without the watchlist's name, each
    piece cut to size: for alerts, digests and /testlist."""
    short = Match(
        watchlist="",
        term=_cut_plain(m.term, _MATCHED),
        matched_text=_cut_plain(m.matched_text, _MATCHED),
        score=m.score,
        field=_cut_plain(m.field, _FIELD),
        snippet=m.snippet,
        mark_start=m.mark_start,
        mark_end=m.mark_end,
    )
    # Escaping after the cut keeps entities whole.
    return escape(why_matched(short))


def lead_line(article: Article, matches: Sequence[Match] = ()) -> str:
    """The article's lead (`article_lead`) escaped, with the words of any of `matches`
    it shows in bold; "" when the article has none."""
    return _lead_html(article_lead(article), matches)


def _lead_html(lead: str, matches: Sequence[Match]) -> str:
    pieces = []
    pos = 0
    for start, end in lead_marks(lead, matches):
        marked = escape(lead[start:end])
        pieces.append(escape(lead[pos:start]))
        # An empty <b></b> is an entity of length zero, which Telegram may refuse.
        pieces.append(f"<b>{marked}</b>" if marked.strip() else marked)
        pos = end
    pieces.append(escape(lead[pos:]))
    line = "".join(pieces)
    return line if utf16_len(line) <= _LEAD else fit(lead, _LEAD)


def _cut_plain(text: str, units: int) -> str:
    """Clean one-line text cut so that its escaped form fits in `units` (not escaped)."""
    text = one_line(text)
    return text if utf16_len(escape_clean(text)) <= units else cut(text, units)


def _watchlist_name(name: str) -> str:
    return fit(one_line(name) or "(unnamed)", _NAME)


def _match_block(m: Match, *, compact: bool, lead: str) -> str:
    """The match's watchlist, why it matched, and its snippet unless the title or the
    `lead` (plain) already shows the words."""
    name = _watchlist_name(m.watchlist)
    shown = quotes_snippet(m) and mark_in_lead(lead, m) is None
    snippet = marked_snippet(m) if shown else ""
    if compact:
        block = f"• {name}: {explanation(m)}"
        return f"{block}\n<i>{snippet}</i>" if snippet else block
    block = f"<b>{name}</b>: {explanation(m)}"
    return f"{block}\n<blockquote>{snippet}</blockquote>" if snippet else block


def _title_line(article: Article, *, updated: bool, rematched: bool) -> str:
    title = fit(one_line(article.title) or "(untitled)", _TITLE)
    href = safe_href(article.link)
    line = f"<b>{title}</b>" if href is None else f'<b><a href="{href}">{title}</a></b>'
    if rematched:
        line += " <i>(newly matching after a watchlist change)</i>"
    elif updated:
        line += " <i>(updated)</i>"
    return line


def _byline(article: Article, tz: tzinfo) -> str:
    parts = (
        fit(one_line(article.author), _NAME),
        fit(one_line(article.section), _NAME),
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
    best = best_match_per_watchlist(matches)
    plain_lead = article_lead(article)
    blocks = [_match_block(m, compact=index is not None, lead=plain_lead) for m in best]
    lead = _lead_html(plain_lead, best)
    if index is None:
        bolded = _fill([], [f"<b>{n}</b>" for n in names], _NAMES_LINE, ", ", _and_more)
        header = f"🔔 New in {', '.join(bolded)}" if names else "🔔 New article"
        head = "\n".join(p for p in (header, title, _byline(article, tz), lead) if p)
        return ITEM_SEP.join(_fill([head], blocks, budget, ITEM_SEP, _more_watchlists))
    head = "\n".join(p for p in (f"{index}. {title}", _byline(article, tz), lead) if p)
    if names:
        line = ", ".join(_fill([], names, _NAMES_LINE, ", ", _and_more))
        head += f"\nWatchlists: {line}"
    return "\n".join(_fill([head], blocks, budget, "\n", _more_watchlists))


def _safe(message: str, limit: int) -> str:
    """The message, or its escaped plain text cut to `limit` should the budgets above
    ever be exceeded: a plainer message beats one Telegram refuses."""
    if utf16_len(message) <= limit:
        return message
    return fit(html_to_plain(message), limit)


def render_alert(article: Article, matches: Sequence[Match], *, updated: bool, tz: tzinfo) -> str:
    """One message telling an instant subscriber about `article`: the watchlists it
    matched, linked title, byline in `tz`, and the best match of each watchlist."""
    item = _item(
        article, matches, updated=updated, rematched=False, tz=tz, budget=MAX_MESSAGE, index=None
    )
    return _safe(item, MAX_MESSAGE)


def render_alerts(alerts: Sequence[Alert], *, tz: tzinfo) -> list[str]:
    """Several alerts for one chat from one poll as one message, or as few parts as fit:
    a heading that counts them and names their watchlists, then a numbered item per
    article (linked title, byline in `tz`, the best match of each watchlist with its
    words marked), as in the digest. Parts break only between items (see
    `split_messages`); each later part repeats the heading."""
    heading = _alerts_heading(alerts)
    budget = MAX_MESSAGE - MARKER_RESERVE - utf16_len(heading) - len(ITEM_SEP)
    items = [
        _item(
            alert.article,
            alert.matches,
            updated=alert.updated,
            rematched=False,
            tz=tz,
            budget=budget,
            index=i,
        )
        for i, alert in enumerate(alerts, start=1)
    ]
    return split_messages(heading, items, "", continuation=heading)


def _alerts_heading(alerts: Sequence[Alert]) -> str:
    """``🔔 5 new articles in TRIPP, Middle Corridor`` (names in bold)."""
    updated = sum(alert.updated for alert in alerts)
    new = len(alerts) - updated
    if not updated:
        count = plural(new, "new article")
    elif not new:
        count = plural(updated, "updated article")
    else:
        count = f"{new} new and {plural(updated, 'updated article')}"
    names = [_watchlist_name(n) for n in _watchlist_names([m for a in alerts for m in a.matches])]
    bolded = _fill([], [f"<b>{n}</b>" for n in names], _NAMES_LINE, ", ", _and_more)
    return f"🔔 {count} in {', '.join(bolded)}" if names else f"🔔 {count}"


# -- digests ---------------------------------------------------------------------------


def _digest_title_line(digest: Digest, tz: tzinfo, title: str) -> str:
    shown = fit(one_line(title) or DEFAULT_TITLE, _TITLE)
    return f"📰 {digest_heading(digest, tz, f'<b>{shown}</b>')}"


def _feed_name(feed: FeedState) -> str:
    return fit(one_line(feed.url), _NAME)


def _feed_lines(feeds: Sequence[FeedState], *, now: datetime, stale_after: timedelta) -> list[str]:
    lines = []
    for feed in feeds:
        health = feed_health(feed, now=now, stale_after=stale_after)
        mark = "✅" if health.ok else "⚠️"
        text = fit(one_line(health.text), _FEED_LINE)
        lines.append(f"{mark} {_feed_name(feed)}: {text}")
    return lines


def render_digest(
    digest: Digest,
    *,
    now: datetime,
    tz: tzinfo,
    stale_after: timedelta,
    title: str = DEFAULT_TITLE,
    feeds: bool = True,
    about: Sequence[str] = (),
) -> list[str]:
    """The digest as Telegram messages, in order; one message when it fits.

    An empty digest gives `render_empty_digest`'s single message. Without ``feeds``
    (``/latest``, which is no report on the day) the feeds' health is left out.
    ``about`` are the "possibly about" sections' blocks (``bot.messages.about``), after
    the articles that name a list.
    """
    if digest.is_empty and not about:
        return [render_empty_digest(digest, now=now, tz=tz, stale_after=stale_after, title=title)]
    title_line = _digest_title_line(digest, tz, title)
    first = matched_line(digest) if digest.entries else nothing_matched(digest, tz)
    header = f"{title_line}\n{first}"
    budget = MAX_MESSAGE - MARKER_RESERVE - utf16_len(title_line) - len(ITEM_SEP)
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
    items += about
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
        f"{_feed_name(f)} ({fit(one_line(h.text), _FEED_LINE)})"
        for f, h in bad[:_EMPTY_FEEDS_NAMED]
    ]
    if len(bad) > _EMPTY_FEEDS_NAMED:
        named.append(f"{len(bad) - _EMPTY_FEEDS_NAMED} more")
    return f"⚠️ {summary}; not OK: {'; '.join(named)}."
