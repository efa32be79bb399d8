"""Routed messages in the drain: sent to the target chat and topic, paced and ordered as
that chat's; a lost channel or topic sends them back to their subscriber, with a notice,
never dropping one."""

from __future__ import annotations

import asyncio

from bot.delivery.outbox import OutboxWorker
from bot.delivery.pacing import Pacer
from bot.delivery.senders import SendResult
from bot.domain.models import OutgoingMessage
from bot.domain.routing import Destination, Route
from bot.storage import Store, open_store
from tests.factories import T0

ANN, BOB, FORUM, CHANNEL = 11, 12, -1005001, -1009001


class RecordingSender:
    def __init__(self, refuse: dict[tuple[int, int | None], SendResult] | None = None) -> None:
        self.refuse = refuse or {}
        self.attempts: list[tuple[int, int | None, str, str]] = []

    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        self.attempts.append((chat_id, thread_id, text, reply_markup))
        answer = self.refuse.get((chat_id, thread_id))
        return answer or SendResult("sent", message_id=len(self.attempts))

    def texts(self, chat_id: int, thread_id: int | None = None) -> list[str]:
        return [t for c, th, t, _ in self.attempts if (c, th) == (chat_id, thread_id)]


def store_with_routes(store_url: str) -> Store:
    store = open_store(store_url)
    for chat_id, kind in ((ANN, "private"), (BOB, "private"), (FORUM, "supergroup")):
        store.chats.ensure(
            chat_id, kind=kind, title="", timezone="UTC", digest_time="08:00", now=T0
        )
        store.chats.subscribe(chat_id, "TRIPP", T0)
    store.routes.set(Route(ANN, "TRIPP", Destination(CHANNEL), "CACI news"), T0)
    store.routes.set(Route(BOB, "TRIPP", Destination(CHANNEL), "CACI news"), T0)
    store.routes.set(Route(FORUM, "TRIPP", Destination(FORUM, 7), "topic 7"), T0)
    return store


def routed(key: str, origin: int, text: str, target: Destination) -> OutgoingMessage:
    elsewhere = target.chat_id != origin
    return OutgoingMessage(
        key,
        target.chat_id,
        "alert",
        text,
        thread_id=target.thread_id,
        origin_chat_id=origin if elsewhere else None,
    )


def drain(store: Store, sender: RecordingSender) -> OutboxWorker:
    # Groups' and channels' 20 a minute lifted: pacing is the test's own below.
    pacer = Pacer(global_per_second=10_000, group_pace=(100, 1000))
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=pacer)

    async def until_empty() -> None:
        for _ in range(200):
            if store.outbox.backlog() == 0:
                return
            wait = await worker.drain_round()
            if wait > 0:
                await asyncio.sleep(min(wait, 0.05))

    asyncio.run(until_empty())
    return worker


def test_routed_messages_go_to_their_target_chat_and_topic_in_the_order_queued(
    store_url: str,
) -> None:
    store = store_with_routes(store_url)
    store.outbox.enqueue(
        [
            routed("a1", ANN, "ann 1", Destination(CHANNEL)),
            routed("b1", BOB, "bob 1", Destination(CHANNEL)),
            routed("a2", ANN, "ann 2", Destination(CHANNEL)),
            routed("f1", FORUM, "forum 1", Destination(FORUM, 7)),
        ],
        T0,
    )
    sender = RecordingSender()
    drain(store, sender)
    # One chat's queue, whoever it was made for: the channel gets them in order.
    assert sender.texts(CHANNEL) == ["ann 1", "bob 1", "ann 2"]
    assert sender.texts(FORUM, 7) == ["forum 1"]
    assert sender.texts(ANN) == [] and sender.texts(BOB) == []


def test_routed_messages_are_paced_as_their_target_chat(store_url: str) -> None:
    # Ann's private chat may take about one a second; the channel her list goes to is
    # paced as a channel is (20 a minute, a burst of 3): the clock stands still, so
    # the burst goes and the next must wait the channel's turn, not Ann's.
    store = store_with_routes(store_url)
    store.outbox.enqueue(
        [routed(f"a{n}", ANN, f"ann {n}", Destination(CHANNEL)) for n in range(5)], T0
    )
    sender = RecordingSender()
    pacer = Pacer(global_per_second=10_000)
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=pacer, monotonic=lambda: 0.0)

    async def rounds() -> float:
        wait = 0.0
        while wait == 0.0:
            wait = await worker.drain_round()
        return wait

    wait = asyncio.run(rounds())
    assert sender.texts(CHANNEL) == ["ann 0", "ann 1", "ann 2"]
    assert wait >= 3.0  # 60 s / 20, less the bucket's slack; a private chat's is ~1 s
    assert pacer.chat_ready_at(ANN, 0.0) == 0.0


def test_a_channel_that_removed_the_bot_sends_its_messages_back_with_a_notice(
    store_url: str,
) -> None:
    store = store_with_routes(store_url)
    store.outbox.enqueue(
        [
            routed("a1", ANN, "ann 1", Destination(CHANNEL)),
            routed("b1", BOB, "bob 1", Destination(CHANNEL)),
            routed("a2", ANN, "ann 2", Destination(CHANNEL)),
        ],
        T0,
    )
    gone = SendResult("blocked", error="Forbidden: bot is not a member of the channel chat")
    sender = RecordingSender({(CHANNEL, None): gone})
    worker = drain(store, sender)
    assert sender.texts(CHANNEL) == ["ann 1"]  # refused once, then never tried again
    ann = sender.texts(ANN)
    assert ann[:2] == ["ann 1", "ann 2"]
    assert "can no longer post in the channel <b>CACI news</b>" in ann[2]
    assert "nothing was lost" in ann[2]
    assert sender.texts(BOB)[0] == "bob 1" and "CACI news" in sender.texts(BOB)[1]
    assert store.routes.all() == [Route(FORUM, "TRIPP", Destination(FORUM, 7), "topic 7")]
    # The subscribers stay: it was the channel that went, not them.
    assert store.chats.get(ANN).active  # type: ignore[union-attr]
    assert store.outbox.counts()["failed"] == 0
    assert worker.stats.rerouted == 1


def test_a_deleted_topic_sends_its_messages_to_the_group_itself(store_url: str) -> None:
    store = store_with_routes(store_url)
    store.outbox.enqueue(
        [
            routed("f1", FORUM, "forum 1", Destination(FORUM, 7)),
            routed("f2", FORUM, "forum 2", Destination(FORUM, 7)),
            OutgoingMessage("own", FORUM, "digest", "the group's digest"),
        ],
        T0,
    )
    gone = SendResult("topic_gone", error="Bad Request: message thread not found")
    sender = RecordingSender({(FORUM, 7): gone})
    drain(store, sender)
    assert sender.texts(FORUM, 7) == ["forum 1"]
    assert sender.texts(FORUM)[:3] == ["forum 1", "forum 2", "the group's digest"]
    assert "The forum topic <b>topic 7</b> is gone" in sender.texts(FORUM)[3]
    assert store.routes.of_chat(FORUM) == []
    assert store.outbox.counts() == {"pending": 0, "sent": 4, "failed": 0}


def test_a_group_that_kicked_the_bot_is_not_a_lost_route_but_a_chat_that_left(
    store_url: str,
) -> None:
    store = store_with_routes(store_url)
    store.outbox.enqueue([routed("f1", FORUM, "forum 1", Destination(FORUM, 7))], T0)
    kicked = SendResult("blocked", error="Forbidden: bot was kicked from the supergroup chat")
    sender = RecordingSender({(FORUM, 7): kicked})
    drain(store, sender)
    assert store.chats.get(FORUM).active is False  # type: ignore[union-attr]
    assert store.outbox.counts()["failed"] == 1
