"""The whole bot in a test: the real BotRunner (PTB, httpx, feedparser, SQLite, the
outbox drain) against the loopback feed server and the fake Telegram Bot API server.

Time is a settable clock handed to the runner, and the scheduler's jobs are called
directly (``poll``, ``digest_tick``), so a test says "it is now 08:00 in Berlin" instead
of waiting for it. The fake server is thread-based; waiting on it from the event loop
goes through ``asyncio.to_thread`` so the bot keeps running meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.config import Config, parse_config
from bot.delivery.pacing import Pacer
from bot.runtime.runner import BotRunner
from tests.fake_telegram import FakeTelegram
from tests.watchlist_copy import copy_watchlists

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHtestTOKENtestTOKENtestTOKEN_-abc"
ADMIN_ID = 900


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when.astimezone(UTC)


def make_config(
    tmp: Path,
    *,
    api_url: str,
    feed_urls: Sequence[str],
    admins: Sequence[int] = (ADMIN_ID,),
    digest: dict[str, Any] | None = None,
    store: str = "",
) -> Config:
    """The bot's config; ``store``: the ``store_url`` fixture's, else an SQLite file."""
    lists = tmp / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    data = {
        "feeds": {"urls": list(feed_urls), "poll_interval": "1m"},
        "store": {"url": store}
        if store.startswith("postgresql://")
        else {"path": store or str(tmp / "store" / "bot.sqlite3")},
        "watchlists": {"dir": str(lists)},
        "digest": {"time": "08:00", "timezone": "UTC", **(digest or {})},
        "telegram": {"api_url": api_url, "admins": list(admins)},
    }
    return parse_config(data, source="test config")


class BotUnderTest:
    def __init__(self, config: Config, fake: FakeTelegram, clock: Clock, **runner: Any) -> None:
        self.fake = fake
        self.clock = clock
        self.runner = BotRunner(
            config,
            token=fake.token,
            clock=clock,
            long_poll_seconds=1,
            **runner,
        )

    async def __aenter__(self) -> BotUnderTest:
        await self.runner.start(schedule=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.stop()

    @property
    def store(self) -> Any:
        return self.runner.service.store

    async def poll(self) -> None:
        await self.runner.poll_job()

    async def digest_tick(self) -> None:
        await self.runner.digest_job()

    async def wait(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        return await asyncio.to_thread(self.fake.wait_for, predicate, timeout)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10) -> bool:
        """Wait for something about the bot's own state (its store) to hold.

        Checked on the event loop, between the bot's own steps: the store's connection
        belongs to that thread, unlike ``wait``'s predicates, which run in another.
        """
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def outbox_settled(self, timeout: float = 10) -> bool:
        """Until nothing is pending: the fake sees a message before the bot records it sent."""
        return await self.until(lambda: self.store.outbox.backlog() == 0, timeout)

    async def messages(self, chat_id: int, n: int, timeout: float = 10) -> list[Any]:
        return await asyncio.to_thread(self.fake.wait_for_messages, chat_id, n, timeout)

    async def send(self, text: str, *, user_id: int, **kw: Any) -> list[Any]:
        """The user sends ``text``; returns the bot's replies to that chat (waits for one)."""
        chat_id = kw.get("chat_id", user_id)
        before = len(self.fake.messages_to(chat_id))
        self.fake.user_sends(text, user_id=user_id, **kw)
        got = await self.messages(chat_id, before + 1)
        return list(got[before:])


def fast_pacer() -> Pacer:
    """Much faster than Telegram overall, and in a private chat one message at a time at
    just under the fake's default five a second (command replies are paced too, so a
    test that says a lot in one chat need not wait Telegram's one a second)."""
    return Pacer(global_per_second=1000, private_pace=(1, 4.5))


def chat_limits_lifted_pacer() -> Pacer:
    """For a fake whose per-chat limits are off: hundreds of replies in one chat go out
    as fast as the bot makes them, instead of at Telegram's one a second."""
    return Pacer(global_per_second=1000, private_pace=(1, 1000), group_pace=(1, 1000))
