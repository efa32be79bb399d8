"""The subscriber, subscription, digest and outbox tables (migration 003)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.domain.models import DigestRecord, OutgoingMessage
from bot.storage import Store, open_store
from tests.factories import T0


def fresh(store_url: str) -> Store:
    return open_store(store_url)


def add_chat(store: Store, chat_id: int = 42, kind: str = "private") -> None:
    store.chats.ensure(
        chat_id, kind=kind, title="Ann", timezone="Europe/Berlin", digest_time="08:00", now=T0
    )


def test_first_contact_creates_a_subscriber_with_the_defaults_and_later_contact_does_not(
    store_url: str,
) -> None:
    store = fresh(store_url)
    sub, created = store.chats.ensure(
        7, kind="private", title="Ann", timezone="UTC", digest_time="08:00", now=T0
    )
    again, created_again = store.chats.ensure(
        7, kind="private", title="Ann", timezone="Asia/Baku", digest_time="09:00", now=T0
    )
    assert created and not created_again
    assert (sub.mode, sub.timezone, sub.active) == ("both", "UTC", True)
    assert again.timezone == "UTC"  # settings are not reset by talking to the bot again


def test_a_deactivated_chat_that_writes_again_is_active_again(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store)
    store.chats.deactivate(42, "Forbidden: bot was blocked by the user", T0)
    assert store.chats.get(42).active is False  # type: ignore[union-attr]
    add_chat(store)
    assert store.chats.get(42).active is True  # type: ignore[union-attr]


def test_subscriptions_are_a_set_and_following_finds_only_active_chats(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store, 1)
    add_chat(store, 2)
    assert store.chats.subscribe(1, "TRIPP", T0)
    assert not store.chats.subscribe(1, "TRIPP", T0)
    store.chats.subscribe(2, "TRIPP", T0)
    store.chats.subscribe(2, "Middle Corridor", T0)
    store.chats.deactivate(1, "blocked", T0)
    assert [s.chat_id for s in store.chats.following(["TRIPP"])] == [2]
    assert store.chats.get(2).watchlists == ("Middle Corridor", "TRIPP")  # type: ignore[union-attr]
    assert store.chats.unsubscribe_all(2) == ["Middle Corridor", "TRIPP"]
    assert store.chats.following(["TRIPP"]) == []


def test_one_digest_per_chat_per_local_day(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store)
    record = DigestRecord(42, date(2026, 3, 29), T0, T0 + timedelta(days=1), 3, 1, T0)
    assert store.chats.record_digest(record)
    assert not store.chats.record_digest(record)
    later = DigestRecord(
        42, date(2026, 3, 30), T0 + timedelta(days=1), T0 + timedelta(days=2), 0, 1, T0
    )
    store.chats.record_digest(later)
    assert store.chats.last_digest(42) == later
    assert store.chats.last_digests() == {42: later}


def test_the_same_dedup_key_is_queued_once(store_url: str) -> None:
    store = fresh(store_url)
    m = OutgoingMessage("alert:1:a:TRIPP", 1, "alert", "<b>x</b>")
    assert store.outbox.enqueue([m, m], T0) == 1
    assert store.outbox.enqueue([m], T0) == 0
    assert store.outbox.backlog() == 1


def test_only_the_oldest_pending_message_of_each_chat_is_offered(store_url: str) -> None:
    store = fresh(store_url)
    store.outbox.enqueue(
        [
            OutgoingMessage("d:1:1", 1, "digest", "part 1"),
            OutgoingMessage("d:1:2", 1, "digest", "part 2"),
            OutgoingMessage("d:2:1", 2, "digest", "other chat"),
        ],
        T0,
    )
    assert [m.text for m in store.outbox.heads()] == ["part 1", "other chat"]
    first = store.outbox.heads()[0]
    store.outbox.mark_sent(first.id, 555, T0)
    assert [m.text for m in store.outbox.heads()] == ["part 2", "other chat"]
    assert store.outbox.counts() == {"pending": 2, "sent": 1, "failed": 0}
    assert store.outbox.sent_to(1)[0].text == "part 1"


def test_failing_a_blocked_chat_drops_only_its_pending_messages(store_url: str) -> None:
    store = fresh(store_url)
    store.outbox.enqueue(
        [OutgoingMessage(f"k{i}", 1 + i % 2, "alert", f"m{i}") for i in range(6)], T0
    )
    assert store.outbox.fail_pending_for_chat(1, "blocked") == 3
    assert {m.chat_id for m in store.outbox.heads()} == {2}


def test_a_group_that_became_a_supergroup_keeps_its_settings_and_queue(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store, -100, kind="group")
    store.chats.subscribe(-100, "TRIPP", T0)
    store.outbox.enqueue([OutgoingMessage("k", -100, "alert", "m")], T0)
    with store.transaction():
        store.chats.move_chat(-100, -1001234)
        store.outbox.move_chat(-100, -1001234)
    moved = store.chats.get(-1001234)
    assert moved is not None and moved.watchlists == ("TRIPP",)
    assert store.chats.get(-100) is None
    assert store.outbox.heads()[0].chat_id == -1001234


def test_transactions_nest_so_inner_work_rolls_back_with_the_outer(store_url: str) -> None:
    store = fresh(store_url)
    try:
        with store.transaction():
            with store.transaction():
                store.outbox.enqueue([OutgoingMessage("k", 1, "alert", "m")], T0)
            raise RuntimeError("crash after the inner block")
    except RuntimeError:
        pass
    assert store.outbox.backlog() == 0


def test_a_commit_that_fails_rolls_back_and_later_transactions_are_saved(
    tmp_path: Path, store_url: str
) -> None:
    store = open_store(store_url)
    add_chat(store, -100, kind="group")
    store.chats.subscribe(-100, "TRIPP", T0)
    try:
        with store.transaction():
            # Deferred foreign keys fail at COMMIT: subscriptions would point nowhere.
            store._conn.execute("PRAGMA defer_foreign_keys = ON")
            store._conn.execute("UPDATE subscribers SET chat_id = -5 WHERE chat_id = -100")
    except Exception as exc:  # sqlite3's or psycopg's IntegrityError
        assert "foreign key" in str(exc).lower()
    with store.transaction():
        store.outbox.enqueue([OutgoingMessage("k", 1, "alert", "m")], T0)
    store.close()
    again = open_store(store_url)
    assert again.outbox.backlog() == 1
    assert again.chats.get(-100) is not None


def test_a_group_migrating_onto_a_chat_the_bot_already_knows_is_served_once(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store, -100, kind="group")
    add_chat(store, -1001234, kind="supergroup")
    store.chats.subscribe(-100, "TRIPP", T0)
    store.chats.subscribe(-1001234, "Middle Corridor", T0)
    with store.transaction():
        store.chats.move_chat(-100, -1001234)
    assert store.chats.get(-100) is None
    merged = store.chats.get(-1001234)
    assert merged is not None and merged.watchlists == ("Middle Corridor", "TRIPP")
    assert [s.chat_id for s in store.chats.all()] == [-1001234]


def text_of(store: Store, key: str) -> str:
    found = store.outbox.by_key(key)
    assert found is not None
    return found[0].text


def test_old_delivered_texts_are_dropped_but_their_keys_still_stop_a_resend(store_url: str) -> None:
    store = fresh(store_url)
    old, recent = T0 - timedelta(days=40), T0 - timedelta(days=1)
    store.outbox.enqueue([OutgoingMessage("old", 1, "digest", "x" * 4000)], old)
    store.outbox.enqueue([OutgoingMessage("recent", 2, "digest", "y" * 4000)], recent)
    store.outbox.enqueue([OutgoingMessage("waiting", 3, "digest", "z" * 4000)], old)
    for m in store.outbox.heads():
        if m.dedup_key != "waiting":
            store.outbox.mark_sent(m.id, 1, T0)

    assert store.outbox.drop_old_texts(T0 - timedelta(days=30)) == 1
    texts = {k: text_of(store, k) for k in ("old", "recent", "waiting")}
    assert texts == {"old": "", "recent": "y" * 4000, "waiting": "z" * 4000}
    assert store.outbox.enqueue([OutgoingMessage("old", 1, "digest", "again")], T0) == 0
    assert store.outbox.drop_old_texts(T0 - timedelta(days=30)) == 0


def test_status_figures_come_straight_from_the_tables(store_url: str) -> None:
    store = fresh(store_url)
    add_chat(store, 1)
    add_chat(store, -5, kind="group")
    add_chat(store, 2)
    store.chats.deactivate(2, "blocked", T0)
    assert store.chats.counts() == {"total": 3, "active": 2, "active_groups": 1}
    store.outbox.enqueue([OutgoingMessage("a", 1, "alert", "a")], T0 - timedelta(hours=2))
    store.outbox.enqueue([OutgoingMessage("b", 1, "alert", "b")], T0)
    assert store.outbox.oldest_pending_at() == T0 - timedelta(hours=2)
    [head] = store.outbox.heads()
    store.outbox.mark_sent(head.id, 9, T0)
    assert store.outbox.sent_since(T0 - timedelta(days=1)) == 1
    assert store.outbox.oldest_pending_at() == T0
    store.chats.record_digest(DigestRecord(1, date(2026, 11, 26), T0, T0, 3, 1, T0))
    assert store.chats.digests_since(T0 - timedelta(days=1))[0] == 1
