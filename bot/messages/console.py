"""Plain-text rendering for the terminal: the demo, the CLI and the console sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from bot.domain.digest import Digest, best_match_per_watchlist
from bot.domain.lead import article_lead, lead_marks, mark_in_lead
from bot.domain.models import Alert, Article, Match
from bot.messages.dates import date_label, window_label
from bot.messages.digest_heading import (
    digest_heading,
    matched_line,
    nothing_matched,
    others_line,
)
from bot.messages.explanations import quotes_snippet, why_matched
from bot.messages.feed_health import feed_health


def mark_snippet(match: Match, *, left: str = "[", right: str = "]") -> str:
    s, e = match.mark_start, match.mark_end
    return f"{match.snippet[:s]}{left}{match.snippet[s:e]}{right}{match.snippet[e:]}"


def mark_lead(lead: str, matches: Sequence[Match], *, left: str = "[", right: str = "]") -> str:
    """The lead with the words of any of `matches` it shows in brackets."""
    pieces = []
    pos = 0
    for start, end in lead_marks(lead, matches):
        pieces.append(f"{lead[pos:start]}{left}{lead[start:end]}{right}")
        pos = end
    return "".join(pieces) + lead[pos:]


def explain_match(m: Match) -> str:
    """Why the article matched, in plain words, after the watchlist's name."""
    return f"{m.watchlist}: {why_matched(m)}"


def render_item_console(
    a: Article,
    matches: Sequence[Match],
    *,
    updated: bool,
    rematched: bool = False,
    index: int | None = None,
) -> str:
    head = f"{index}. " if index is not None else ""
    pad = " " * len(head)
    byline = " · ".join(x for x in (a.author, a.section, date_label(a.published)) if x)
    tag = " (updated)" if updated else ""
    if rematched:
        tag = " (newly matching after a watchlist change)"
    watchlists = sorted({m.watchlist for m in matches})
    lines = [
        f"{head}{a.title or '(untitled)'}{tag}",
        f"{pad}{a.link}",
        f"{pad}{byline}",
    ]
    best = best_match_per_watchlist(matches)
    lead = article_lead(a)
    if lead:
        lines.append(f"{pad}{mark_lead(lead, best)}")
    lines.append(f"{pad}Watchlists: {', '.join(watchlists)}")
    for m in best:
        lines.append(f"{pad}  {explain_match(m)}")
        if quotes_snippet(m) and mark_in_lead(lead, m) is None:
            lines.append(f"{pad}    {mark_snippet(m)}")
    return "\n".join(lines)


def render_digest_console(
    digest: Digest,
    *,
    now: datetime,
    stale_after: timedelta,
    tz: tzinfo = UTC,
    about: Sequence[str] = (),
) -> str:
    """The digest for a terminal, its days named in ``tz`` (the digest time zone);
    ``about``, the "possibly about" sections' lines (``bot.messages.about``)."""
    heading = f"{digest_heading(digest, tz)} ({window_label(digest.since, digest.until)})"
    if digest.is_empty:
        lines = [f"{heading}: {nothing_matched(digest, tz)}"]
    else:
        lines = [f"{heading}: {matched_line(digest)}", ""]
        for i, entry in enumerate(digest.entries, start=1):
            lines.append(
                render_item_console(
                    entry.article,
                    entry.matches,
                    updated=entry.updated,
                    rematched=entry.rematched,
                    index=i,
                )
            )
            lines.append("")
    if about:
        lines += ["", *about] if digest.is_empty else list(about)
    if others := others_line(digest):
        lines.append(others)
    lines.append("Feeds:")
    for feed in digest.feeds:
        health = feed_health(feed, now=now, stale_after=stale_after)
        lines.append(f"  {'ok ' if health.ok else '!! '} {feed.url}: {health.text}")
    if not digest.feeds:
        lines.append("  no feed has been polled yet")
    return "\n".join(lines)


def render_alert_console(alert: Alert) -> str:
    item = render_item_console(alert.article, alert.matches, updated=alert.updated)
    return f"ALERT [{', '.join(alert.watchlists)}]\n{item}"
