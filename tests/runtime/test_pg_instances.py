"""Several `caci-watch run` on one PostgreSQL store all drain the outbox: each sends to
the chats it has claimed, within one bot-wide budget kept in the database, while the
lease holder alone long-polls Telegram (issue 16).

Real processes against the fake Bot API in its strict mode (Telegram's limits: 30 a
second overall, one a second per private chat after a burst of 3), which notes which
process made each request (tests/two_instances.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.models import OutgoingMessage
from bot.storage import open_store
from tests.bot_harness import TOKEN
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.postgres_server import PostgresServer
from tests.runtime.test_run_command import write_config
from tests.two_instances import Instance, WatchedTelegram, blocks

T0 = datetime.now(UTC).replace(microsecond=0)
LEADERSHIP = "logger=bot.runtime.leadership status="


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    return postgres_server.clean_database()


def queue_numbered(url: str, chats: range, per_chat: int) -> None:
    """``per_chat`` messages to each chat, numbered in the order they must arrive."""
    store = open_store(url)
    try:
        store.outbox.enqueue(
            [
                OutgoingMessage(f"digest:{c}:{n}", c, "digest", f"chat {c} part {n}")
                for n in range(per_chat)
                for c in chats
            ],
            T0,
        )
    finally:
        store.close()


def test_two_instances_on_postgresql_both_send_each_chat_in_order_with_no_429(
    tmp_path: Path, feeds: FeedServer, pg_url: str
) -> None:
    chats, per_chat = range(1, 151), 2
    queue_numbered(pg_url, chats, per_chat)
    with WatchedTelegram(token=TOKEN, strict=True) as fake:
        fake.delay("sendMessage", 0.05)
        config = write_config(tmp_path, feeds, fake.api_url, pg_url)
        with Instance(config) as one, Instance(config) as two:
            fake.watch(one.pid, two.pid)
            assert fake.wait_for(lambda: len(fake.sent) >= len(chats) * per_chat, timeout=120)
            codes = (one.terminate(), two.terminate())

    assert codes == (0, 0)
    sends = Counter(r.pid for r in fake.requests("sendMessage"))
    assert sends[one.pid] > 0 and sends[two.pid] > 0, sends
    assert set(sends) == {one.pid, two.pid}
    # Nothing lost, nothing twice, each chat's parts in order.
    for chat in chats:
        texts = [m.text for m in fake.messages_to(chat)]
        assert texts == [f"chat {chat} part {n}" for n in range(per_chat)], (chat, texts)
    assert fake.too_many_requests == 0
    # One long poller: the lease holder.
    pollers = blocks([r.pid for r in fake.requests("getUpdates")])
    assert len(pollers) == 1, pollers
    for instance in (one, two):
        assert instance.lines_with("outbox status=draining"), instance.output
        assert not instance.lines_with("Conflict"), instance.output
