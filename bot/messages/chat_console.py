"""What `caci-watch chat …` prints (plain text for a terminal): a chat's settings as
/mysubs shows them, and the answers to changing them, worded as in Telegram where the
words are not about which command to type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.models import Subscriber
from bot.domain.routing import Route
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages import screens
from bot.messages.dates import weekday_time_label
from bot.messages.html import html_to_plain, one_line
from bot.messages.route_screens import routes_block

CHAT_USAGE = "caci-watch chat CHAT"
SCHEDULE_USAGE = (
    f"Use {CHAT_USAGE} schedule daily|weekdays [HH:MM], schedule weekly fri [HH:MM],"
    " quiet 22:00-07:00|off or repeats on|off."
)
MODES_USAGE = "Use instant, daily, both or off (for a list, also default)."


def no_chat_line(chat_id: int) -> str:
    return f"no chat {chat_id} in the store (a chat appears once it has talked to the bot)"


def chat_console(
    sub: Subscriber,
    *,
    next_digest: datetime | None,
    missing: Sequence[str],
    muted: Mapping[str, datetime],
    routes: Sequence[Route],
) -> str:
    """``caci-watch chat CHAT``: which chat, then what /mysubs would show it."""
    title = f", {one_line(sub.title)}" if sub.title else ""
    state = "" if sub.active else f"; stopped: {sub.inactive_reason or 'inactive'}"
    body = screens.mysubs_text(
        sub, next_digest=next_digest, missing=missing, muted=muted, commands=False
    )
    parts = [f"chat {sub.chat_id} ({sub.kind}{title}{state})", html_to_plain(body)]
    if routed := routes_block(routes):
        parts.append(html_to_plain(routed))
    return "\n\n".join(parts)


def setting_refused_console(
    setting: str, value: str, reason: str, suggestions: Sequence[str]
) -> str:
    """A digest time, zone, mode or schedule refused: Telegram's words, with this
    command's usage where Telegram names its own."""
    if setting == "schedule":
        return f"{reason} {SCHEDULE_USAGE}"
    if setting == "mode":
        return f"“{one_line(value)}” is not a mode. {MODES_USAGE}"
    return html_to_plain(screens.setting_refused(setting, value, reason, suggestions))


def zone_read_as_console(typed: str, key: str, reading: str) -> str:
    return html_to_plain(screens.timezone_read_as(typed, key, reading))


def unknown_list_console(query: str, candidates: Sequence[str]) -> str:
    text = f"no watchlist called “{one_line(query)}”"
    return f"{text}. {screens.did_you_mean(candidates, html=False)}" if candidates else text


def list_mode_console(chat_id: int, result: str, name: str, mode: str | None) -> str:
    """``caci-watch chat CHAT mode LIST MODE``'s answer (``ListModeOutcome.result``)."""
    if result == "not_following":
        return f"chat {chat_id} does not follow {name}: follow it first, then give it a mode"
    if mode is None:
        return f"chat {chat_id}: {name} goes by the chat's mode again"
    return f"chat {chat_id}: {name}: {screens.LIST_MODE_LABELS[mode]}, whatever the chat's mode"


def mute_console(chat_id: int, result: str, watchlist: str, until: datetime | None, tz: str) -> str:
    """``caci-watch chat CHAT mute|unmute LIST``'s answer (``MuteOutcome.result``)."""
    name = display_name(watchlist)
    if result == "muted" and until is not None:
        return (
            f"chat {chat_id}: {name} muted until {weekday_time_label(until, zone(tz))}:"
            " no alerts and no digest items for it until then"
        )
    if result == "unmuted":
        return f"chat {chat_id}: {name} is no longer muted"
    if result == "not_muted":
        return f"chat {chat_id}: {name} is not muted"
    return f"chat {chat_id} does not follow {name}, so there is nothing to mute"


def mute_refused_console(reason: str) -> str:
    return f"nothing muted: {reason}"
