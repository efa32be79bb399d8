"""Every word about routes (pure): ``/route``'s replies and refusals, a route's line in
``/mysubs`` and ``/showlist``, and the notice when a route's channel or topic is lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.domain.models import OutgoingMessage
from bot.domain.routing import Destination, Route
from bot.lists.personal import display_name
from bot.messages.html import bold, code, escape

ROUTE_USAGE = (
    "Usage: <code>/route LIST here</code> inside a topic of this group,"
    " <code>/route LIST @channel</code> (or the channel's id) to post a list's alerts"
    " and digest in a channel where the bot is an admin, <code>/route LIST off</code> to bring them"
    " back here."
)
ROUTE_HERE_NEEDS_TOPIC = (
    "Send <code>/route LIST here</code> inside the forum topic the alerts should go to"
    " (this message was not in a topic)."
)
ROUTE_GROUP_ADMINS_ONLY = "Only this group's admins can route its alerts."
ROUTE_CHANNEL_ADMINS_ONLY = "Only the bot's admins can route alerts to a channel."
# What a lost-route notice quotes when Telegram told the bot it left a channel.
CHANNEL_LEFT = "the bot was removed from the channel, or is no longer an admin there"


def target_name(destination: Destination, title: str, subscriber_chat: int) -> str:
    """How a route's target is named: the channel by its title (or @name), a topic of
    the subscriber's own group as "topic N" (Telegram does not tell a bot its name)."""
    if not destination.is_elsewhere(subscriber_chat):
        return title or topic_title(destination.thread_id or 0)
    return title or f"chat {destination.chat_id}"


def topic_title(thread_id: int) -> str:
    return f"topic {thread_id}"


def route_set(name: str, target: str, *, channel: bool) -> str:
    where = f"the channel {bold(target)}" if channel else bold(target)
    line = f"➡️ {bold(display_name(name))}'s alerts and digest now go to {where}."
    if channel:
        # Why a channel's alerts have no buttons: see domain/routing.buttons_allowed.
        line += " They carry no 👍 / 👎 / mute buttons there: vote and mute here."
    return line + f" <code>/route {escape(display_name(name))} off</code> to bring them back."


def route_cleared(name: str) -> str:
    return f"↩️ {bold(display_name(name))}'s alerts and digest come to this chat again."


def route_not_set(name: str) -> str:
    return f"{bold(display_name(name))} was not routed anywhere: its alerts and digest come here."


def route_not_followed(name: str) -> str:
    return (
        f"This chat does not follow {bold(display_name(name))}: /subscribe to it first,"
        " then route it."
    )


def channel_refused(target: str, reason: str) -> str:
    """The bot cannot post in the channel named (``reason`` from ``CHANNEL_REASONS``)."""
    return f"Cannot route to {code(target)}: {CHANNEL_REASONS.get(reason, escape(reason))}."


CHANNEL_REASONS = {
    "not_found": "Telegram knows no channel by that name or id (a private channel: its id,"
    " e.g. -1001234567890, from the channel's link)",
    "not_channel": "that is not a channel (a group's topics are routed from inside the"
    " topic, with <code>here</code>)",
    "not_admin": "the bot is not an admin of that channel with the right to post;"
    " add it as an admin first",
}


def route_line(route: Route) -> str:
    """A route's line under a chat's subscriptions (/mysubs)."""
    target = target_name(route.target, route.target_title, route.chat_id)
    return f"➡️ {escape(display_name(route.watchlist))} → {escape(target)}"


def routes_block(routes: Sequence[Route]) -> str:
    """The routes of a chat for /mysubs, or "" when it has none."""
    if not routes:
        return ""
    return "\n".join(["<b>Delivered elsewhere</b>", *(route_line(r) for r in routes)])


def list_routes_block(routes: Sequence[Route]) -> str:
    """The routes of one list for /showlist: which chat's subscription goes where."""
    if not routes:
        return ""
    lines = ["<b>Routed</b>"]
    for r in routes:
        target = target_name(r.target, r.target_title, r.chat_id)
        lines.append(f"• chat <code>{r.chat_id}</code> → {escape(target)}")
    return "\n".join(lines)


def route_lost_message(
    chat_id: int, routes: Sequence[Route], error: str, now: datetime
) -> OutgoingMessage:
    """To a subscriber whose routes' channel or topic the bot lost: where their alerts
    go now, and why. Keyed by the chat, the target and the moment it was found."""
    [first, *_] = routes
    target = target_name(first.target, first.target_title, chat_id)
    names = ", ".join(bold(display_name(r.watchlist)) for r in routes)
    if first.target.is_elsewhere(chat_id):
        lost = f"The bot can no longer post in the channel {bold(target)}"
        here = "this chat"
    else:
        lost = f"The forum topic {bold(target)} is gone (deleted or closed)"
        here = "this group's General topic"
    text = (
        f"⚠️ {lost} ({escape(error[:200])}).\n"
        f"The alerts and digest of {names} come to {here} from now on, those still waiting"
        " included; nothing was lost. An admin can route them again with /route."
    )
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    key = f"route-lost:{chat_id}:{first.target.chat_id}:{first.target.thread_id}:{stamp}"
    return OutgoingMessage(key, chat_id, "notice", text)


def routes_console(routes: Sequence[Route]) -> str:
    """``caci-watch routes``: one line a route, for a terminal."""
    if not routes:
        return "No routes: every chat gets its lists' alerts and digests itself."
    lines = []
    for r in routes:
        target = target_name(r.target, r.target_title, r.chat_id)
        where = (
            f"channel {target} ({r.target.chat_id})"
            if r.target.is_elsewhere(r.chat_id)
            else f"its {target}"
        )
        by = f"  (set by {r.set_by})" if r.set_by else ""
        lines.append(f"chat {r.chat_id}: {display_name(r.watchlist)} -> {where}{by}")
    return "\n".join(lines)


def route_off_console(result: str, chat: str, name: str) -> str:
    """``caci-watch routes --off CHAT LIST``'s answer."""
    if result == "no_chat":
        return f"No chat {chat} has talked to the bot."
    if result == "cleared":
        return f"Chat {chat}: {display_name(name)}'s alerts and digest go to the chat itself again."
    if result == "not_set":
        return f"Chat {chat}: {display_name(name)} was not routed anywhere."
    if result == "not_followed":
        return f"Chat {chat} does not follow {display_name(name)}."
    return f"Chat {chat} follows no list called {name!r}."
