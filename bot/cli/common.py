"""What every subcommand shares: the error a user can fix, and the poll report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the poll (httpx, feedparser) is imported by the one command that polls
    from bot.app.poll import FeedPollReport


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def print_poll_reports(reports: Sequence[FeedPollReport], out: Callable[[str], None]) -> None:
    for r in reports:
        if r.status == "error":
            out(f"{r.url}: error: {r.error}")
        elif r.status == "not_modified":
            out(f"{r.url}: not modified since the last poll")
        else:
            out(f"{r.url}: {r.new} new, {r.updated} updated, {len(r.alerts)} alert(s)")
    from bot.messages.console import render_alert_console

    for r in reports:
        for alert in r.alerts:
            out("")
            out(render_alert_console(alert))
