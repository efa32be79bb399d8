"""The feedback tables (migration 010): a store at schema 9 migrates with its queue and
subscriptions as they were; votes replace each other; a mute and the votes follow a
group that migrates to a supergroup."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.domain.models import article_key
from bot.storage import SCHEMA_VERSION, open_store
from bot.storage.article_text import pack_text
from bot.storage.database import MIGRATIONS
from bot.storage.html_delta import pack_html
from tests.factories import T0, make_article, make_match


def test_a_store_at_schema_9_migrates_keeping_its_queue_and_subscriptions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v9.sqlite3"
    conn = sqlite3.connect(path)
    conn.create_function("html_delta", 2, pack_html)
    conn.create_function("deflate_text", 1, pack_text)
    for migration in MIGRATIONS[:9]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 9")
    stamp = T0.isoformat()
    conn.execute(
        "INSERT INTO subscribers (chat_id, kind, timezone, digest_time, created_at, updated_at)"
        " VALUES (1, 'private', 'UTC', '08:00', ?, ?)",
        (stamp, stamp),
    )
    conn.execute(
        "INSERT INTO subscriptions (chat_id, watchlist, created_at) VALUES (1, 'TRIPP', ?)",
        (stamp,),
    )
    conn.execute(
        "INSERT INTO outbox (dedup_key, chat_id, kind, text, created_at)"
        " VALUES ('k', 1, 'alert', 'waiting', ?)",
        (stamp,),
    )
    conn.commit()
    conn.close()

    store = open_store(path)
    [waiting] = store.outbox.pending_for(1)
    assert (waiting.text, waiting.reply_markup) == ("waiting", "")
    sub = store.chats.get(1)
    assert sub is not None and sub.watchlists == ("TRIPP",) and sub.muted == ()
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert check.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_vote_replaces_the_chats_earlier_one_and_a_mute_follows_a_migrating_group(
    store_url: str,
) -> None:
    store = open_store(store_url)
    article = make_article(1)
    store.upsert_article(article, T0)
    store.replace_matches(article.id, [make_match("TRIPP")], T0)
    store.feedback.remember_articles([article.id, "never stored"])
    found = store.feedback.article(article_key(article.id))
    assert found is not None and found.watchlists == frozenset({"TRIPP"})
    assert store.feedback.article(article_key("never stored")) is None
    for chat in (-100, -1001234):
        store.chats.ensure(
            chat, kind="group", title="", timezone="UTC", digest_time="08:00", now=T0
        )
    store.chats.subscribe(-100, "TRIPP", T0)
    assert store.feedback.vote(-100, found.ref, "TRIPP", True, T0)
    assert not store.feedback.vote(-100, found.ref, "TRIPP", True, T0)  # already so
    assert store.feedback.vote(-100, found.ref, "TRIPP", False, T0 + timedelta(minutes=1))
    until = T0 + timedelta(days=7)
    assert store.chats.set_muted_until(-100, "TRIPP", until)
    assert not store.chats.set_muted_until(-100, "Middle Corridor", until)  # not followed

    with store.transaction():
        store.chats.move_chat(-100, -1001234)
    moved = store.chats.get(-1001234)
    assert moved is not None and moved.muted == (("TRIPP", until),)
    [vote] = list(store.feedback.all_votes())
    assert (vote.chat_id, vote.up, vote.matches[0].term) == (-1001234, False, "TRIPP")
