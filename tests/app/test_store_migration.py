"""`caci-watch migrate`'s use case: an SQLite store, in use, copied into a real
PostgreSQL database (the throwaway server of tests/postgres_server.py), counted, and
found again by a search and by a bot built on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.config import builtin_config
from bot.app.service import build_service
from bot.app.store_migration import MigrationRefused, migrate_store
from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.domain.lease import LEASE_TTL, RENEW_EVERY, SENDER_LEASE
from bot.domain.models import Article, OutgoingMessage
from bot.domain.routing import Destination, Route
from bot.domain.search import search_words
from bot.lists.personal import PersonalList
from bot.lists.rules import Term
from bot.storage import Store, StoreError, open_store
from bot.storage.feedback import article_key
from bot.storage.store_copy import TABLES, open_snapshot, uncopied_tables
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import T0, make_article, make_match, on_store
from tests.fake_telegram import FakeTelegram
from tests.postgres_server import PostgresServer

READER, GROUP, CHANNEL = 11, -1005001, -1009001


@pytest.fixture
def target(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


def article(n: int) -> Article:
    text = "The Zangezur corridor and the TRIPP route." if n == 7 else f"Plain body {n}."
    return make_article(n, text=text)


def fill(store: Store, articles: int = 30) -> None:
    """A store holding a row of every kind a bot writes."""
    stored = [article(n) for n in range(1, articles + 1)]
    for a in stored:
        store.upsert_article(a, T0)
        store.replace_matches(a.id, [make_match("TRIPP")], T0)
    store.feedback.remember_articles([make_article(7).id])
    found = store.feedback.article(article_key(make_article(7).id))
    assert found is not None
    for chat, kind in ((READER, "private"), (GROUP, "supergroup")):
        store.chats.ensure(chat, kind=kind, title="", timezone="UTC", digest_time="08:00", now=T0)
        store.chats.subscribe(chat, "TRIPP", T0)
    store.feedback.vote(READER, found.ref, "TRIPP", True, T0)
    store.routes.set(Route(GROUP, "TRIPP", Destination(CHANNEL), "News"), T0)
    store.personal.save(PersonalList(READER, "Dams", (Term("Rogun"), Term("Nurek"))), T0)
    three, four = stored[2], stored[3]
    store.about.replace(
        three.id, three.content_hash, [PossiblyAbout(three.id, "TRIPP", 0.7, CLOSE, "3.")], T0
    )
    store.about.owe([(four.id, four.content_hash, "new", True)], T0)
    store.outbox.enqueue(
        [
            OutgoingMessage("a:1", READER, "alert", "sent one"),
            OutgoingMessage("a:2", READER, "alert", "waiting one"),
            OutgoingMessage("a:3", READER, "alert", "waiting two"),
        ],
        T0,
    )
    [first, *_] = store.outbox.pending_for(READER)
    store.outbox.mark_sent(first.id, 555, T0)


def source_store(tmp_path: Path) -> tuple[Path, Store]:
    path = tmp_path / "store" / "caci-watch.sqlite3"
    store = open_store(path)
    fill(store)
    return path, store


def test_every_table_is_copied_and_counted_while_the_bot_keeps_the_store_open(
    tmp_path: Path, target: str
) -> None:
    path, running = source_store(tmp_path)  # left open, as a running bot keeps it
    report = migrate_store(path, target, T0)
    counts = {t.table: (t.source, t.target) for t in report.tables}
    assert [t.table for t in report.tables] == list(TABLES)
    assert report.counts_agree and not report.replaced
    assert counts["articles"] == (30, 30)
    assert counts["outbox"] == (3, 3)
    for table in ("matches", "votes", "routes", "possibly_about", "about_owed"):
        assert counts[table][0] > 0, table
    running.close()


def test_every_table_of_the_schema_is_copied_or_left_out_on_purpose(tmp_path: Path) -> None:
    # A migration adding a table must say here whether migrate copies it.
    path, store = source_store(tmp_path)
    store.close()
    conn, _ = open_snapshot(path)
    assert uncopied_tables(conn) == []
    conn.close()


def test_a_copied_article_is_found_by_postgresql_search_and_new_rows_get_new_ids(
    tmp_path: Path, target: str
) -> None:
    path, _ = source_store(tmp_path)
    migrate_store(path, target, T0)
    pg = open_store(target)
    page = pg.search.search(search_words("Zangezur"), limit=5)
    assert [h.article_id for h in page.hits] == [make_article(7).id]
    # Each identity moved past the copied ids: a new row does not collide.
    pg.upsert_article(make_article(99), T0)
    pg.outbox.enqueue([OutgoingMessage("a:4", READER, "alert", "after the move")], T0)
    assert [m.text for m in pg.outbox.pending_for(READER)][-1] == "after the move"
    pg.close()


def test_a_bot_built_on_postgresql_sees_the_subscriber_and_what_waits_for_it(
    tmp_path: Path, target: str, watchlists_dir: Path
) -> None:
    path, _ = source_store(tmp_path)
    migrate_store(path, target, T0)
    config = builtin_config(
        store_path=path, watchlists_dir=watchlists_dir, feed_urls=["https://feed.example/a.feed"]
    )
    service = build_service(on_store(config, target))
    try:
        subscriber = service.store.chats.get(READER)
        assert subscriber is not None and "TRIPP" in subscriber.watchlists
        assert [m.text for m in service.store.outbox.pending_for(READER)] == [
            "waiting one",
            "waiting two",
        ]
        assert [p.name for p in service.store.personal.of(READER)] == ["Dams"]
        assert [r.target for r in service.store.routes.of_chat(GROUP)] == [Destination(CHANNEL)]
    finally:
        service.close()


def test_a_second_run_copies_what_changed_since_and_reports_the_same_counts(
    tmp_path: Path, target: str
) -> None:
    path, running = source_store(tmp_path)
    first = migrate_store(path, target, T0)
    # The bot ran on meanwhile: one message went out, an old one was forgotten.
    [waiting, *_] = running.outbox.pending_for(READER)
    running.outbox.mark_sent(waiting.id, 556, T0)
    running.upsert_article(make_article(31), T0)
    running.upsert_article(make_article(5, text="The Rogun dam."), T0)  # its text changed
    running._conn.execute("DELETE FROM articles WHERE id = ?", (article(6).id,))
    second = migrate_store(path, target, T0)
    third = migrate_store(path, target, T0)
    assert second.replaced and second.counts_agree
    assert {t.table: t.target for t in second.tables}["articles"] == 30
    assert third.tables == second.tables
    assert first.tables != second.tables
    pg = open_store(target)
    assert [m.text for m in pg.outbox.pending_for(READER)] == ["waiting two"]
    assert pg.article(article(6).id) is None
    # The changed text's words are its new ones; the unchanged ones' are kept.
    for word, found in (("Rogun", 5), ("Zangezur", 7), ("body", 4)):
        hits = pg.search.search(search_words(word), limit=50).hits
        assert make_article(found).id in {h.article_id for h in hits}, word
    old_words = pg.search.search(search_words("body"), limit=50).hits
    assert make_article(5).id not in {h.article_id for h in old_words}
    pg.close()
    running.close()


def test_a_database_a_bot_wrote_to_after_the_copy_is_refused(tmp_path: Path, target: str) -> None:
    path, _ = source_store(tmp_path)
    migrate_store(path, target, T0)
    pg = open_store(target)
    pg.upsert_article(make_article(99), T0)  # a bot on PostgreSQL polled since
    pg.close()
    with pytest.raises(MigrationRefused, match="never had"):
        migrate_store(path, target, T0)
    pg = open_store(target)
    assert pg.article(make_article(99).id) is not None  # nothing was replaced
    pg.close()


def test_a_database_a_bot_runs_on_is_refused_and_one_a_killed_bot_left_is_not(
    tmp_path: Path, target: str
) -> None:
    path, _ = source_store(tmp_path)
    pg = open_store(target)
    pg.leases.claim(SENDER_LEASE, "db2:4242:cafe", T0, LEASE_TTL)
    pg.close()
    with pytest.raises(MigrationRefused, match="a caci-watch bot is running on this database"):
        migrate_store(path, target, T0 + RENEW_EVERY)
    # Killed: its lease ran out, and nothing renews it.
    assert migrate_store(path, target, T0 + timedelta(minutes=5)).counts_agree


def test_another_stores_database_is_refused(tmp_path: Path, target: str) -> None:
    other = open_store(target)
    other.upsert_article(make_article(500), T0)
    other.close()
    path, _ = source_store(tmp_path)
    with pytest.raises(MigrationRefused, match="another store's"):
        migrate_store(path, target, T0)


def test_a_store_at_another_schema_version_is_refused_saying_what_to_do(
    tmp_path: Path, target: str
) -> None:
    import sqlite3

    path, store = source_store(tmp_path)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 14")
    conn.close()
    with pytest.raises(MigrationRefused, match="start this caci-watch on the SQLite store once"):
        migrate_store(path, target, T0)


def test_the_bot_run_on_postgresql_sends_what_waited_and_nothing_sent_before(
    tmp_path: Path, target: str, fake: FakeTelegram
) -> None:
    path, running = source_store(tmp_path)
    running.close()  # the SQLite bot stopped
    migrate_store(path, target, T0)
    config = make_config(
        tmp_path, api_url=fake.api_url, feed_urls=["https://feed.example/a.feed"], store=target
    )

    async def run() -> None:
        async with BotUnderTest(config, fake, Clock(T0), pacer=fast_pacer()) as bot:
            assert await bot.outbox_settled()

    asyncio.run(run())
    assert [m.text for m in fake.messages_to(READER)] == ["waiting one", "waiting two"]


def test_a_server_lost_during_the_copy_is_one_line_and_leaves_nothing_half_copied(
    tmp_path: Path, target: str
) -> None:
    import psycopg

    path, _ = source_store(tmp_path)

    def server_gone(done: int, total: int) -> None:
        with psycopg.connect(target, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    with pytest.raises(StoreError, match="cannot be reached") as caught:
        migrate_store(path, target, T0, progress=server_gone)
    assert "\n" not in str(caught.value)
    pg = open_store(target)
    assert pg.search.search(search_words("Zangezur"), limit=5).total == 0
    assert pg.chats.get(READER) is None
    pg.close()
