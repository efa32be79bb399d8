"""The words at the top and bottom of every digest, for Telegram and the terminal alike
(pure): which day it is for, since when, and what else arrived."""

from __future__ import annotations

from datetime import timedelta, tzinfo

from bot.domain.digest import Digest
from bot.messages.dates import date_label, date_time_label, day_label
from bot.messages.words import plural

DEFAULT_TITLE = "CACI Analyst digest"


# A window longer than this is headed with its first and last day: a digest caught up
# after downtime, or `caci-watch digest` over a week. The daily digest's window (a day,
# 25 hours when the clocks go back) is headed with the day it ends.
_ONE_DAYS_WINDOW = timedelta(hours=36)


def digest_date(digest: Digest, tz: tzinfo) -> str:
    """The day a digest is headed with: the day it covers when it is one day's digest
    (``/digest yesterday``); else the local day its window ends in (its end is not part
    of it, so a window ending at midnight names the day before), or its first and last
    days when it spans several."""
    if digest.day is not None:
        return day_label(digest.day)
    last = digest.until - timedelta(microseconds=1)
    if digest.until - digest.since > _ONE_DAYS_WINDOW:
        first = date_label(digest.since, tz)
        if first != date_label(last, tz):
            return f"{first} – {date_label(last, tz)}"
    return date_label(last, tz)


def digest_heading(digest: Digest, tz: tzinfo, title: str = DEFAULT_TITLE) -> str:
    """``CACI Analyst digest, 6 Dec 2026`` (plain text; the caller escapes)."""
    return f"{title}, {digest_date(digest, tz)}"


def whose(digest: Digest) -> str:
    if digest.for_channel:
        return "this channel's"
    return "this group's" if digest.for_group else "your"


def matched_line(digest: Digest) -> str:
    """``3 articles matched your watchlists.``"""
    return f"{plural(len(digest.entries), 'article')} matched {whose(digest)} watchlists."


def nothing_matched(digest: Digest, tz: tzinfo) -> str:
    """The empty digest's sentence: a day's digest names the day, a daily one its start."""
    lists = f"{whose(digest)} watchlists"
    if digest.day is not None:
        return f"No new articles matched {lists} on {day_label(digest.day)}."
    return f"No new articles matched {lists} since {date_time_label(digest.since, tz)}."


def others_line(digest: Digest) -> str:
    """What else arrived in the window, or "" when nothing did: articles that matched no
    watchlist at all, and those that matched only lists the reader does not follow."""
    parts = []
    if digest.unmatched_count:
        parts.append(f"{plural(digest.unmatched_count, 'other new article')} matched no watchlist")
    if digest.other_lists_count:
        n = digest.other_lists_count
        if parts:
            parts.append(f"{n} matched only watchlists not followed here")
        else:
            parts.append(
                f"{plural(n, 'other new article')} matched only watchlists not followed here"
            )
    return "; ".join(parts) + "." if parts else ""
