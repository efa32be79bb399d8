"""Command replies are counted in the outbox's pacer, so that the outbox slows down
for them and replies and queued messages together stay under Telegram's flood limits
(20 a minute in a group, about one a second in a private chat, 30 a second overall).

A reply itself is not delayed: a person is waiting for it, and one typing faster than
Telegram allows gets a 429, which the handler waits out once. What matters is that the
reply uses up the chat's burst: without that, a group's replies plus its queued alerts
would pass 20 a minute and the outbox would meet 429s.

It is python-telegram-bot's own extension point for this (a ``BaseRateLimiter`` given
to the Application); the outbox's sends say so in ``rate_limit_args`` and pass through,
as the outbox has already paced and counted them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.delivery.pacing import Pacer

# What the outbox passes as rate_limit_args: already paced, send at once.
OUTBOX = "outbox"
# The requests that count against the flood limits.
_PACED_ENDPOINTS = frozenset({"sendMessage"})

JSONish = bool | dict[str, Any] | list[dict[str, Any]]


class SharedPacer(BaseRateLimiter[str]):
    def __init__(self, pacer: Pacer, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.pacer = pacer
        self._mono = monotonic

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> JSONish:
        chat_id = _chat_id(data) if endpoint in _PACED_ENDPOINTS else None
        if chat_id is not None and rate_limit_args != OUTBOX:
            self.pacer.spent(chat_id, self._mono())
        return await callback(*args, **kwargs)


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None  # an @channel name: not a chat the outbox paces
