"""Each chat's next digest, kept so that the digest tick finds due chats through an index:
every change that can move a chat's digest leaves it to be worked out again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import DigestRecord
from bot.storage import open_store
from bot.storage.chats import looks_again
from bot.storage.database import MIGRATIONS
from bot.storage.store import Store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


def stored_next(store: Store, chat_id: int) -> str | None:
    row = store._conn.execute(
        "SELECT next_digest_at FROM subscribers WHERE chat_id = ?", (chat_id,)
    ).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def known_chat(store: Store, chat_id: int = 1) -> None:
    """A chat following TRIPP whose next digest was worked out (tomorrow)."""
    store.chats.ensure(
        chat_id, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
    )
    store.chats.subscribe(chat_id, "TRIPP", NOW)
    [candidate] = [c for c in store.chats.digest_candidates(NOW) if c.subscriber.chat_id == chat_id]
    assert store.chats.set_next_digest(chat_id, LATER, found=candidate.next_digest_at)


def test_a_new_chat_is_looked_at_by_the_next_tick(store_url: str) -> None:
    store = open_store(store_url)
    store.chats.ensure(1, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW)
    assert looks_again(stored_next(store, 1))
    [candidate] = store.chats.digest_candidates(NOW)
    assert candidate.subscriber.chat_id == 1 and candidate.last is None


def test_a_chat_whose_time_has_not_come_is_not_a_candidate_until_it_has(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store)
    assert store.chats.digest_candidates(NOW) == []
    assert store.chats.digest_candidates(LATER - timedelta(seconds=1)) == []
    [candidate] = store.chats.digest_candidates(LATER)
    assert candidate.subscriber.watchlists == ("TRIPP",)


def test_a_chat_with_no_digest_is_never_a_candidate(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store)
    store.chats._conn.execute("UPDATE subscribers SET next_digest_at = NULL")
    assert store.chats.digest_candidates(LATER + timedelta(days=400)) == []


CHANGES: dict[str, Callable[[Store], object]] = {
    "digest time": lambda s: s.chats.update_settings(1, NOW, digest_time="09:00"),
    "time zone": lambda s: s.chats.update_settings(1, NOW, timezone="Asia/Tbilisi"),
    "mode": lambda s: s.chats.update_settings(1, NOW, mode="instant"),
    "follow": lambda s: s.chats.subscribe(1, "Middle Corridor", NOW),
    "unfollow": lambda s: s.chats.unsubscribe(1, "TRIPP"),
    "stop": lambda s: s.chats.unsubscribe_all(1),
    "blocked": lambda s: s.chats.deactivate(1, "blocked the bot", NOW),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_every_change_that_can_move_a_digest_has_the_next_tick_look_again(
    change: Callable[[Store], object], store_url: str
) -> None:
    store = open_store(store_url)
    known_chat(store)
    change(store)
    assert looks_again(stored_next(store, 1))
    assert [c.subscriber.chat_id for c in store.chats.digest_candidates(NOW)] == [1]


def test_a_chat_that_comes_back_after_blocking_the_bot_is_looked_at_again(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store)
    store.chats._conn.execute("UPDATE subscribers SET active = 0, next_digest_at = NULL")
    store.chats.ensure(1, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW)
    assert looks_again(stored_next(store, 1))


def test_a_group_that_became_a_supergroup_is_looked_at_under_its_new_id(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store, -100)
    with store.transaction():
        store.chats.move_chat(-100, -1001)
    assert looks_again(stored_next(store, -1001))
    known_chat(store, -200)
    known_chat(store, -2001)
    with store.transaction():
        store.chats.move_chat(-200, -2001)
    assert looks_again(stored_next(store, -2001))


def test_following_a_list_again_or_leaving_one_not_followed_changes_nothing(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store)
    store.chats.subscribe(1, "TRIPP", NOW)
    store.chats.unsubscribe(1, "Middle Corridor")
    assert stored_next(store, 1) == LATER.isoformat()


def test_a_next_digest_worked_out_from_what_changed_meanwhile_is_not_stored(store_url: str) -> None:
    store = open_store(store_url)
    known_chat(store)
    [candidate] = store.chats.digest_candidates(LATER)
    store.chats.update_settings(1, NOW, digest_time="07:00")  # another process, meanwhile
    assert not store.chats.set_next_digest(
        1, LATER + timedelta(days=1), found=candidate.next_digest_at
    )
    assert looks_again(stored_next(store, 1))


def test_candidates_come_with_their_lists_and_latest_digest(store_url: str) -> None:
    store = open_store(store_url)
    for chat_id in (3, 1, 2):
        known_chat(store, chat_id)
    store.chats.subscribe(2, "Abraham Accords", NOW)
    for day in (date(2026, 11, 24), date(2026, 11, 25)):
        until = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
        store.chats.record_digest(
            DigestRecord(2, day, until - timedelta(days=1), until, 1, 1, until)
        )
    found = store.chats.digest_candidates(LATER)
    assert [c.subscriber.chat_id for c in found] == [1, 2, 3]
    by_id = {c.subscriber.chat_id: c for c in found}
    assert by_id[2].subscriber.watchlists == ("Abraham Accords", "TRIPP")
    assert by_id[2].last is not None and by_id[2].last.local_date == date(2026, 11, 25)
    assert by_id[1].last is None


def test_the_tick_finds_its_chats_through_the_index_not_by_reading_every_chat() -> None:
    store = open_store(":memory:")
    for chat_id in range(1, 201):
        known_chat(store, chat_id)
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    assert store.chats.digest_candidates(NOW) == []
    store._conn.set_trace_callback(None)
    plans = [
        " ".join(r[3] for r in store._conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in statements
    ]
    assert plans and all("SCAN" not in plan for plan in plans), plans
    assert any("USING INDEX subscribers_by_next_digest" in plan for plan in plans), plans


def test_migration_008_leaves_every_existing_chat_for_the_first_tick_to_work_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v7.sqlite3"
    conn = sqlite3.connect(path)
    conn.create_function("html_delta", 2, lambda html, text: None)
    for migration in MIGRATIONS[:7]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 7")
    for chat_id, mode in ((1, "both"), (2, "instant")):
        conn.execute(
            "INSERT INTO subscribers (chat_id, kind, timezone, digest_time, mode, created_at,"
            " updated_at) VALUES (?, 'private', 'UTC', '08:00', ?, ?, ?)",
            (chat_id, mode, NOW.isoformat(), NOW.isoformat()),
        )
    conn.commit()
    conn.close()

    store = open_store(path)
    assert looks_again(stored_next(store, 1)) and looks_again(stored_next(store, 2))
    assert [c.subscriber.chat_id for c in store.chats.digest_candidates(NOW)] == [1, 2]


def test_a_change_while_the_tick_works_on_a_chat_waiting_to_be_looked_at_is_not_lost(
    store_url: str,
) -> None:
    # The chat follows nothing when the tick reads it, and subscribes before the tick
    # stores its verdict (no digest): that verdict must not be stored over the change.
    store = open_store(store_url)
    store.chats.ensure(1, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW)
    [candidate] = store.chats.digest_candidates(NOW)
    store.chats.subscribe(1, "TRIPP", NOW)  # another process, meanwhile
    assert not store.chats.set_next_digest(1, None, found=candidate.next_digest_at)
    assert [c.subscriber.chat_id for c in store.chats.digest_candidates(NOW)] == [1]
