"""The line a digest ends with when the archive is published (``[site]
public_base_url``): a link to each day's page it covers, in Telegram HTML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.archive import day_path
from bot.messages.dates import day_label
from bot.messages.html import escape, safe_href, with_block

# A digest caught up over weeks links its newest days only.
MOST_DAYS = 7


def archive_line(base_url: str, days: Sequence[date]) -> str:
    """``📚 In the archive: 6 Dec 2026`` with each day linked ('' for no day, or a base
    that is no http(s) URL)."""
    links = []
    for day in sorted(set(days))[-MOST_DAYS:]:
        href = safe_href(base_url + day_path(day))
        if href is None:
            return ""
        links.append(f'<a href="{href}">{escape(day_label(day))}</a>')
    return f"📚 In the archive: {', '.join(links)}" if links else ""


def with_archive_line(texts: Sequence[str], line: str) -> list[str]:
    """A digest's texts ending with ``line``: under its last part when it fits there,
    else as a part of its own."""
    return with_block(texts, line, at_end=True)
