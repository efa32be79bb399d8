"""Where a chat's messages about a list go: its own chat, a forum topic, or a channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.domain.models import Subscriber


@dataclass(frozen=True, slots=True)
class Destination:
    """A chat and, in a forum supergroup, a topic of it (``thread_id``)."""

    chat_id: int
    thread_id: int | None = None

    def is_elsewhere(self, subscriber_chat: int) -> bool:
        """Another chat than the subscriber's own (a channel), not one of its topics."""
        return self.chat_id != subscriber_chat


@dataclass(frozen=True, slots=True)
class Route:
    """A subscription (``chat_id`` following ``watchlist``) delivered to ``target``."""

    chat_id: int
    watchlist: str
    target: Destination
    target_title: str = ""
    set_by: str = ""


def destinations(
    chat_id: int, watchlists: Iterable[str], routes: Sequence[Route]
) -> list[tuple[Destination, tuple[str, ...]]]:
    """The chat's followed lists grouped by where their messages go, the chat itself
    first, then each target in the order first named; a list without a route stays."""
    where = {r.watchlist: r.target for r in routes if r.chat_id == chat_id}
    own = Destination(chat_id)
    grouped: dict[Destination, list[str]] = {own: []}
    for name in watchlists:
        grouped.setdefault(where.get(name, own), []).append(name)
    return [(d, tuple(names)) for d, names in grouped.items() if names]


def buttons_allowed(destination: Destination, subscriber_chat: int) -> bool:
    """Whether an alert sent there keeps its 👍 / 👎 / mute buttons.

    In a channel only its admins can press a button, and they press it as the channel,
    which is no subscriber: a vote or a mute would land on nobody's subscription. The
    readers of a channel cannot press them at all. So a channel's alerts carry none; a
    topic is part of the subscriber's own group, where the buttons work as anywhere.
    """
    return not destination.is_elsewhere(subscriber_chat)


def subscriber_views(
    subscriber: Subscriber, routes: Sequence[Route]
) -> list[tuple[Destination, Subscriber]]:
    """The subscriber as each of its destinations is to hear it: following only the
    lists that go there (a chat without routes: itself, once, unchanged).

    For another chat (a channel) it takes that chat's id, so that its messages are keyed
    by the channel: two subscribers routing the same list to one channel put each alert
    there once, not once each.
    """
    groups = destinations(subscriber.chat_id, subscriber.watchlists, routes)
    if len(groups) == 1 and groups[0][0] == Destination(subscriber.chat_id):
        return [(groups[0][0], subscriber)]
    return [(d, replace(subscriber, chat_id=d.chat_id, watchlists=names)) for d, names in groups]
