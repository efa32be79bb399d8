"""Which updates wait for which: those of one chat one after another, in the order they
came; those of different chats at the same time.

A dry run over a large store or an edit's re-match can take a minute (off the event loop:
see ``Service.off_loop``). Handled one update at a time, as PTB does by default, every
other chat's /help would wait that minute too; handled all at once, a chat's second
command could be answered before its first. This is PTB's documented hook for that
choice (``ApplicationBuilder.concurrent_updates``).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates in hand at once, across chats (each waiting its chat's turn counts).
MAX_CONCURRENT_UPDATES = 256


class OrderedPerChat(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # A chat's turn, and how many of its updates hold or wait for it (so that the
        # entry goes once none does). Updates without a chat share the key None.
        self._turns: dict[int | None, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        lock, users = self._turns.get(key) or (asyncio.Lock(), 0)
        self._turns[key] = (lock, users + 1)
        started = False
        try:
            async with lock:  # asyncio.Lock is fair: turns go in the order asked
                started = True
                await coroutine
        finally:
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting (stopping): never to run
            lock, users = self._turns[key]
            if users == 1:
                del self._turns[key]
            else:
                self._turns[key] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
