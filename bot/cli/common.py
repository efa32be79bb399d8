"""What every subcommand shares: the error a user can fix, the poll report, and the
progress bar of long work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.app.rematch import Progress

if TYPE_CHECKING:  # the poll (httpx, feedparser) is imported by the one command that polls
    from bot.app.poll import FeedPollReport


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """A day (midnight, local) or an ISO time; naive values are local to ``tz``."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UserError(f"{text!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    try:
        return when.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01 east of UTC falls before year 1
        raise UserError(f"{text!r} is out of range") from exc


@contextmanager
def progress_bar(label: str) -> Iterator[Progress | None]:
    """A progress bar on the terminal (on stderr, gone when done), as a ``Progress``
    callback; None, and no bar, when the output goes to a pipe or a file."""
    if not (sys.stdout.isatty() and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


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
