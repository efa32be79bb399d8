"""Routes: a chat's subscription to a list delivered to a channel where the bot is an
admin, or to a topic of its own forum supergroup.

The front end checks what only it can (who may route: a group's admins for its
topics, the bot's admins for a channel; whether the bot may post in the channel) and
calls one function here; the fan-out (``app/poll.py``, ``app/possibly_about.py``,
``app/digests.py``) reads
the routes and the drain (``delivery/outbox.py``) falls back when a target is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.app.chats import Chat, ChatRef, ensure_chat, known_chat, list_meant
from bot.app.service import Service
from bot.delivery.outbox import fall_back_from
from bot.domain.routing import Destination, Route

log = logging.getLogger(__name__)

RouteResult = Literal["set", "cleared", "not_set", "not_followed", "unknown"]


@dataclass(frozen=True, slots=True)
class RouteOutcome:
    result: RouteResult
    name: str = ""  # the list as subscriptions name it
    query: str = ""
    candidates: tuple[str, ...] = ()


def set_route(
    service: Service,
    chat: Chat,
    query: str,
    target: Destination,
    *,
    title: str,
    by: str,
    now: datetime,
) -> RouteOutcome:
    """Deliver the chat's subscription to the list ``query`` names to ``target``."""
    sub = ensure_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return RouteOutcome("unknown", query=query, candidates=meant.candidates)
    if target == Destination(chat.chat_id):
        return clear_route(service, chat, query, now)
    route = Route(chat.chat_id, meant.target, target, title, by)
    with service.store.transaction():
        routed = service.store.routes.set(route, now)
    if not routed:
        return RouteOutcome("not_followed", meant.target, query)
    log.info(
        "chat=%d action=route watchlist=%r target=%d thread=%s by=%s",
        chat.chat_id,
        meant.target,
        target.chat_id,
        target.thread_id,
        by,
    )
    return RouteOutcome("set", meant.target, query)


def clear_route(service: Service, chat: ChatRef, query: str, now: datetime) -> RouteOutcome:
    """The list's messages come to the chat itself again (``chat`` an id: from the
    server, for a chat the bot has met, which stays as active as it was)."""
    sub = known_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return RouteOutcome("unknown", query=query, candidates=meant.candidates)
    if meant.target not in sub.watchlists:
        return RouteOutcome("not_followed", meant.target, query)
    with service.store.transaction():
        cleared = service.store.routes.clear(sub.chat_id, meant.target)
    if cleared:
        log.info("chat=%d action=unroute watchlist=%r", sub.chat_id, meant.target)
    return RouteOutcome("cleared" if cleared else "not_set", meant.target, query)


def channel_left(service: Service, channel_id: int, why: str, now: datetime) -> int:
    """Telegram says the bot was removed from a channel (or lost its admin rights):
    the routes to it fall back now, not at the next alert. Returns how many."""
    routes, origins = fall_back_from(service.store, Destination(channel_id), why, now)
    if routes or origins:
        service.on_queued()
        log.info(
            "channel=%d status=route_lost routes=%d back_to=%r", channel_id, len(routes), origins
        )
    return len(routes)


def chat_routes(service: Service, chat_id: int) -> list[Route]:
    """Where the chat's lists go other than to itself (/mysubs)."""
    return service.store.routes.of_chat(chat_id)


def list_routes(service: Service, name: str) -> list[Route]:
    """Every chat's route of one list (/showlist)."""
    return service.store.routes.of_watchlist(name)


def all_routes(service: Service) -> list[Route]:
    """Every route, by chat (``caci-watch routes``)."""
    return service.store.routes.all()
