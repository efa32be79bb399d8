"""Queueing to a list's followers: the one loop that named alerts, possibly-about
alerts, what quiet hours held and spike notices share.

Each following chat is taken as each place its routes send its lists hears it
(``domain/routing.subscriber_views``: the chat itself, a topic, a channel, each following
only the lists that go there); a rule of the caller's picks and words what that view
gets (mutes, modes and quiet hours are in the rule: ``messages/fanout.alerts_for``,
``domain/possibly_about.about_alerts_for``, ``app/spikes``), and it is queued there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.app.service import Service
from bot.domain.models import OutgoingMessage, Subscriber
from bot.domain.routing import subscriber_views
from bot.messages.fanout import to_destination
from bot.storage.database import store_fault
from bot.storage.outbox import OutboxStore

log = logging.getLogger(__name__)

# What one view of a chat gets: its messages, addressed to the view's chat.
Render = Callable[[Subscriber], Sequence[OutgoingMessage]]


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=Keyed)


def queue_to_followers(
    service: Service, watchlists: Collection[str], render: Render, now: datetime, *, what: str
) -> int:
    """Queue ``render``'s messages for every active chat following one of
    ``watchlists``, where its routes send them; returns how many were new."""
    followers = service.store.chats.following(watchlists)
    return queue_to_chats(service, followers, render, now, what=what)


def queue_to_chats(
    service: Service,
    subscribers: Sequence[Subscriber],
    render: Render,
    now: datetime,
    *,
    what: str,
    isolated: bool = True,
) -> int:
    """Queue ``render``'s messages for each of ``subscribers`` as each of its
    destinations hears it; returns how many were new (the outbox skips a known key).

    ``isolated``: one view failing to render is logged and the others go on; else it
    fails the whole (what quiet hours held is then tried again, not marked sent)."""
    outbox = service.store.outbox
    routes = service.store.routes.of_chats([s.chat_id for s in subscribers])
    queued = 0
    for whole in subscribers:
        for destination, view in subscriber_views(whole, routes):
            # This runs inside a transaction (a poll's, storing its articles). One chat's
            # message failing to render must neither undo it, or the feed would fail
            # on every poll from now on, nor keep the others from theirs; a storage
            # error, though, fails it all, to be retried whole.
            try:
                messages = render(view)
            except Exception as exc:
                if not isolated or store_fault(exc) is not None:
                    raise
                log.exception("%s chat=%d status=failed", what, view.chat_id)
                continue
            if not messages:
                continue
            added = outbox.enqueue(to_destination(messages, destination, whole.chat_id), now)
            if added:
                queued += added
                # Inside a transaction this only sets an event: the drain runs once the
                # caller awaits again, by which time the messages are committed.
                service.on_queued()
    return queued


def not_queued_before(outbox: OutboxStore, chosen: list[K]) -> list[K]:
    """A chat's alerts to combine, without those queued on their own before.

    A combined alert is keyed by its set, so an alert that already went out alone (an
    article matching a list again after an edit) would come back inside it."""
    if len(chosen) < 2:
        return chosen
    return [c for c in chosen if outbox.by_key(c.key) is None]
