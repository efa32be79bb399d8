"""What the bot says on its own about watchlists (pure): a watchlist file that failed to
load, to the admins; a list that was removed or renamed, to the chats that followed it.

Each message has a dedup key, so however often the same event is noticed (every minute,
by the CLI and the bot, again after a restart), the outbox sends it once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.health import FeedAlarm
from bot.domain.models import OutgoingMessage
from bot.lists.registry import WatchlistChange
from bot.messages.dates import utc_stamp, utc_time
from bot.messages.html import bold, code, escape

_REASON_LIMIT = 600  # characters: a TOML error is one line; a path is the longest part
_LINE_AND_REASON = re.compile(r"(?P<line>\d+): (?P<reason>.*)", re.DOTALL)


def where_and_why(change: WatchlistChange) -> tuple[int | None, str]:
    """The line (when known) and the reason of an "invalid" change, whose error reads
    "<path>:<line>: <reason>" or "<path>: <reason>" (see `WatchlistError`)."""
    rest = change.error.removeprefix(change.path)
    if rest == change.error:
        return None, change.error.strip()
    rest = rest.removeprefix(":")
    found = _LINE_AND_REASON.fullmatch(rest)
    if found:
        return int(found["line"]), found["reason"].strip()
    return None, rest.strip()


def invalid_file_messages(
    change: WatchlistChange, content_key: str, admins: Sequence[int], now: datetime
) -> list[OutgoingMessage]:
    """One message to each admin about a watchlist file that did not load.

    `content_key` names the broken content (a hash of it): the same content is reported
    once, a new broken edit of the same file again.
    """
    line, reason = where_and_why(change)
    if len(reason) > _REASON_LIMIT:
        reason = reason[: _REASON_LIMIT - 1] + "…"
    lines = [
        "⚠️ <b>A watchlist file did not load</b>",
        f"File: {code(Path(change.path).name or change.path)}",
    ]
    if line is not None:
        lines.append(f"Line: {line}")
    lines.append(f"Reason: {escape(reason)}")
    if change.name:
        lines.append(
            f"The last good version of {bold(change.name)} stays in force until it is fixed."
        )
    else:
        lines.append("Nothing from this file is in force until it is fixed.")
    lines.append(f"<i>Noticed {utc_stamp(now)}.</i>")
    text = "\n".join(lines)
    return [
        OutgoingMessage(f"watchlist-invalid:{admin}:{content_key}", admin, "notice", text)
        for admin in admins
    ]


def removed_list_message(chat_id: int, name: str, now: datetime) -> OutgoingMessage:
    text = (
        f"The watchlist {bold(name)} was removed by an admin; you no longer get its alerts."
        " /watchlists to pick others."
    )
    return OutgoingMessage(_key("removed", chat_id, name, now), chat_id, "notice", text)


def renamed_list_message(chat_id: int, old: str, new: str, now: datetime) -> OutgoingMessage:
    text = (
        f"The watchlist {bold(old)} is now called {bold(new)}. You still follow it;"
        " its alerts and digests use the new name."
    )
    return OutgoingMessage(_key("renamed", chat_id, old, now), chat_id, "notice", text)


def _key(event: str, chat_id: int, name: str, now: datetime) -> str:
    return f"{event}:{chat_id}:{name}:{now.astimezone(UTC).date().isoformat()}"


def feed_alarm_messages(
    alarm: FeedAlarm, admins: Sequence[int], now: datetime
) -> list[OutgoingMessage]:
    """One message to each admin that a feed has been failing for a while, or that it
    works again; keyed by the failure, so each is sent once whatever restarts happen."""
    feed = alarm.feed
    since = alarm.failing_since.astimezone(UTC)
    name = bold(feed.title) + " " if feed.title else ""
    if alarm.kind == "down":
        error = feed.last_error or "unknown error"
        if len(error) > _REASON_LIMIT:
            error = error[: _REASON_LIMIT - 1] + "…"
        lines = [
            "⚠️ <b>A feed has stopped working</b>",
            f"{name}{code(feed.url)}",
            f"Failing since {utc_stamp(since)} ({feed.error_count} failed polls).",
            f"Last error: {escape(error)}",
        ]
        if feed.next_poll_at is not None:
            lines.append(f"The bot keeps trying; next poll {utc_time(feed.next_poll_at)}.")
        lines.append("You will be told once when it works again.")
    else:
        lines = [
            "✅ <b>A feed works again</b>",
            f"{name}{code(feed.url)}",
            f"It had been failing since {utc_stamp(since)}; back at {utc_stamp(now)}.",
        ]
    text = "\n".join(lines)
    key = f"feed-{alarm.kind}:{feed.url}:{since.isoformat()}"
    return [OutgoingMessage(f"{key}:{admin}", admin, "notice", text) for admin in admins]
