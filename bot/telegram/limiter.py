"""Command replies take their turn in the outbox's pacer, so that replies and queued
messages together stay under Telegram's flood limits (20 a minute in a group, about one
a second in a private chat, 30 a second overall) and a bot-wide 429 pauses both.

A reply that may go now goes at once: a person is waiting for it. One that has to wait
(its chat's burst is used up, or Telegram paused the bot) is not dropped and does not
hold up other chats' commands: ``later`` sends it in the background at its turn, after
any reply queued before it for the same chat, waiting out as many 429s as it meets.

It is python-telegram-bot's own extension point for this (a ``BaseRateLimiter`` given
to the Application); the outbox's sends say so in ``rate_limit_args`` and pass through,
as the outbox has already paced and counted them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.outage import OutageLog
from bot.delivery.pacing import Pacer
from bot.telegram.errors import error_text, retry_after_seconds

log = logging.getLogger(__name__)

# What the outbox passes as rate_limit_args: already paced, send at once.
OUTBOX = "outbox"
# The requests that count against the flood limits.
_PACED_ENDPOINTS = frozenset({"sendMessage"})

JSONish = bool | dict[str, Any] | list[dict[str, Any]]


class SharedPacer(BaseRateLimiter[str]):
    def __init__(
        self,
        pacer: Pacer,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        outage: OutageLog | None = None,
    ) -> None:
        self.pacer = pacer
        self._mono = monotonic
        self._sleep = sleep
        self._outage = outage or OutageLog(monotonic=monotonic)
        # One reply at a time per chat, in the order they came.
        self._locks: dict[int, asyncio.Lock] = {}
        self._lock_users: Counter[int] = Counter()
        # Replies waiting in the background, per chat, and their tasks.
        self._queued: Counter[int] = Counter()
        self._later: set[asyncio.Task[None]] = set()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        left = [task for task in self._later if not task.done()]
        if left:
            log.warning("status=replies_not_sent reason=stopping count=%d", len(left))
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    # -- what the reply helpers ask

    def reply_wait(self, chat_id: int) -> float:
        """Seconds a reply to this chat would wait for its turn if asked now (infinite
        while earlier replies to it are still queued: it may not overtake them)."""
        if self._queued[chat_id]:
            return math.inf
        now = self._mono()
        ready = max(self.pacer.chat_ready_at(chat_id, now), self.pacer.global_ready_at(now))
        return max(0.0, ready - now)

    def later(self, chat_id: int, send: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``send`` (a reply to ``chat_id``) in the background, after the replies
        already queued for the chat; its failure is logged, never raised."""
        self._queued[chat_id] += 1
        task = asyncio.create_task(self._run_later(chat_id, send), name=f"reply-to-{chat_id}")
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _run_later(self, chat_id: int, send: Callable[[], Coroutine[Any, Any, None]]) -> None:
        try:
            await send()
        except NetworkError as exc:  # BadRequest and Forbidden too: one line, no traceback
            log.warning("chat=%d status=reply_failed error=%r", chat_id, error_text(exc))
        except Exception:
            log.exception("chat=%d status=reply_failed", chat_id)
        finally:
            self._queued[chat_id] -= 1
            if not self._queued[chat_id]:
                del self._queued[chat_id]

    # -- PTB's hook

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
        if chat_id is None or rate_limit_args == OUTBOX:
            return await self._request(callback, args, kwargs, endpoint, reported=False)
        self._lock_users[chat_id] += 1
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        try:
            async with lock:
                await self._wait_turn(chat_id)
                try:
                    return await self._request(callback, args, kwargs, endpoint, reported=True)
                except RetryAfter as exc:
                    self._throttled(chat_id, retry_after_seconds(exc))
                    raise
        finally:
            self._lock_users[chat_id] -= 1
            if not self._lock_users[chat_id]:
                del self._lock_users[chat_id]
                del self._locks[chat_id]

    async def _request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONish]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        *,
        reported: bool,
    ) -> JSONish:
        try:
            result = await callback(*args, **kwargs)
        except NetworkError as exc:
            if reported and not isinstance(exc, BadRequest):
                self._outage.failed(endpoint, error_text(exc))
            raise
        if reported:
            self.pacer.answered(self._mono())
        self._outage.answered()
        return result

    async def _wait_turn(self, chat_id: int) -> None:
        """Book the chat's next turn and wait for it; book again if a 429 (this chat's,
        or the bot's) came while waiting."""
        at = self.pacer.reserve(chat_id, self._mono())
        while True:
            now = self._mono()
            if at > now:
                await self._sleep(at - now)
                continue
            if self.pacer.held_until(chat_id) <= now:
                return
            at = self.pacer.reserve(chat_id, now)

    def _throttled(self, chat_id: int, retry_after: float) -> None:
        throttle = self.pacer.throttled(chat_id, retry_after, self._mono())
        log.info(
            "chat=%d status=reply_throttled retry_after=%gs scope=%s",
            chat_id,
            retry_after,
            "bot" if throttle.bot_wide else "chat",
        )
        if throttle.new_episode:
            log.warning(
                "status=paused reason=bot_wide_flood_limit for=%.1fs then_rate=%.2f/s",
                throttle.until - self._mono(),
                throttle.rate,
            )


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None  # an @channel name: not a chat the outbox paces
