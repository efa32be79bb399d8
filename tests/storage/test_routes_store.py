"""The routes table (migration 013): a route needs the subscription and goes with it; a
lost target gives back what waits for it, in order, to the subscribers it was for."""

from __future__ import annotations

from bot.domain.models import OutgoingMessage
from bot.domain.routing import Destination, Route
from bot.storage import Store, open_store
from tests.factories import T0

ANN, FORUM, CHANNEL = 11, -1005001, -1009001


def store(store_url: str) -> Store:
    s = open_store(store_url)
    for chat_id, kind in ((ANN, "private"), (FORUM, "supergroup")):
        s.chats.ensure(chat_id, kind=kind, title="", timezone="UTC", digest_time="08:00", now=T0)
        s.chats.subscribe(chat_id, "TRIPP", T0)
    return s


def test_a_list_the_chat_does_not_follow_cannot_be_routed(store_url: str) -> None:
    s = store(store_url)
    assert not s.routes.set(Route(ANN, "Rogun", Destination(CHANNEL)), T0)
    assert s.routes.all() == []


def test_routing_again_replaces_the_route_and_unfollowing_drops_it(store_url: str) -> None:
    s = store(store_url)
    assert s.routes.set(Route(ANN, "TRIPP", Destination(CHANNEL), "News", "telegram:1"), T0)
    assert s.routes.set(Route(ANN, "TRIPP", Destination(-1009002), "Other", "telegram:1"), T0)
    assert s.routes.of_chat(ANN) == [
        Route(ANN, "TRIPP", Destination(-1009002), "Other", "telegram:1")
    ]
    s.chats.unsubscribe(ANN, "TRIPP")
    assert s.routes.all() == []


def test_a_renamed_list_keeps_its_route(store_url: str) -> None:
    s = store(store_url)
    s.routes.set(Route(ANN, "TRIPP", Destination(CHANNEL), "News"), T0)
    s.chats.subscribe(ANN, "Trump Route", T0)
    s.routes.rename(ANN, "TRIPP", "Trump Route")
    s.chats.unsubscribe(ANN, "TRIPP")
    assert s.routes.of_chat(ANN) == [Route(ANN, "Trump Route", Destination(CHANNEL), "News")]


def test_a_group_that_migrates_keeps_its_topic_route(store_url: str) -> None:
    s = store(store_url)
    s.routes.set(Route(FORUM, "TRIPP", Destination(FORUM, 7)), T0)
    with s.transaction():  # as the drain moves a chat
        s.chats.move_chat(FORUM, -1005999)
        s.routes.move_target(FORUM, -1005999)
    [moved] = s.routes.all()
    assert (moved.chat_id, moved.target) == (-1005999, Destination(-1005999, 7))


def test_a_lost_channel_gives_its_waiting_messages_back_to_their_subscribers(
    store_url: str,
) -> None:
    s = store(store_url)
    s.outbox.enqueue(
        [
            OutgoingMessage("a1", CHANNEL, "alert", "one", origin_chat_id=ANN),
            OutgoingMessage("f1", FORUM, "alert", "topic", thread_id=7),
            OutgoingMessage("a2", CHANNEL, "alert", "two", origin_chat_id=ANN),
        ],
        T0,
    )
    before = s.outbox.revision
    assert s.outbox.fall_back(CHANNEL, None, "Forbidden") == [ANN]
    assert s.outbox.revision != before  # the drain reads the heads again
    assert [m.text for m in s.outbox.pending_for(ANN)] == ["one", "two"]
    assert all(m.origin_chat_id is None for m in s.outbox.pending_for(ANN))
    [topic] = s.outbox.pending_for(FORUM)
    assert topic.thread_id == 7  # another target: untouched


def test_a_lost_topic_gives_its_messages_to_the_group_itself(store_url: str) -> None:
    s = store(store_url)
    s.outbox.enqueue(
        [
            OutgoingMessage("f1", FORUM, "alert", "in 7", thread_id=7),
            OutgoingMessage("f2", FORUM, "alert", "in 8", thread_id=8),
        ],
        T0,
    )
    assert s.outbox.fall_back(FORUM, 7, "thread not found") == [FORUM]
    assert [(m.text, m.thread_id) for m in s.outbox.pending_for(FORUM)] == [
        ("in 7", None),
        ("in 8", 8),
    ]
