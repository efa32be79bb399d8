"""Heavy work never holds the event loop: a dry run, an edit's re-match and compiling the
matcher run in a worker thread (``bot.app.steps``, ``Service.off_loop``), a batch of
articles at a time, keeping only what they show; meanwhile other chats are answered, and
the chat that asked sees "typing…".

The worker is gated in the end-to-end tests (``Service.worker``, our own injection
point), so "while the dry run runs" is a state the test holds, not a race it hopes for.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import chats, shared_lists, watchlist_sync
from bot.app.chats import Chat
from bot.app.compiled_lists import CompiledLists
from bot.app.config import parse_config
from bot.app.rematch import dry_run_stored, rematch_recent, rematch_steps
from bot.app.service import build_service
from bot.app.steps import Heavy, heavy, inline, off_loop
from bot.domain.dry_run import DryRunTally
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Term, Watchlist
from bot.storage import Store, open_store
from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import T0, make_article
from tests.fake_telegram import FakeTelegram

PORTS = Watchlist("Ports", (Term("Port of Aktau"),))
PORTS_WIDER = Watchlist("Ports", (Term("Port of Aktau"), Term("Alat port")))
BOB = 4343
TRIPP_TEXT = "Tehran objects to the Trump Route for International Peace and Prosperity."


def fill(store: Store, n: int, *, text: Callable[[int], str], at: Any = T0) -> None:
    with store.transaction():
        for i in range(n):
            store.upsert_article(make_article(i, text=text(i)), at)


# -- the pure tally and the batched reader ---------------------------------------------------


def test_a_dry_run_keeps_counts_and_only_the_first_examples_without_their_text() -> None:
    articles = [make_article(i, text=f"Cargo {i} left the Port of Aktau.") for i in range(50)]
    tally = DryRunTally(compile_watchlists([PORTS]), "Ports", shown=3)
    tally.add(articles[:20], currently_matching={articles[0].id})
    tally.add(articles[20:], currently_matching=set())
    report = tally.result()
    assert (report.checked, report.matched, report.newly, report.dropped) == (50, 50, 49, 0)
    assert [e.article.id for e in report.examples] == [a.id for a in articles[:3]]
    assert [e.new for e in report.examples] == [False, True, True]
    assert all(e.article.text == e.article.html == "" for e in report.examples)
    assert report.examples[0].match.matched_text == "Port of Aktau"


def test_the_reader_streams_every_recent_article_once_in_batches_oldest_first(
    tmp_path: Path, store_url: str
) -> None:
    store = open_store(store_url)
    # Many share a first sight, as the articles of one poll do.
    with store.transaction():
        for i in range(1234):
            store.upsert_article(make_article(i), T0 + timedelta(minutes=i // 100))
        store.upsert_article(make_article(9999), T0 - timedelta(days=30))
    reader = store.reader()
    try:
        assert reader.count_first_seen_since(T0) == 1234
        batches = list(reader.first_seen_since(T0, batch_size=500))
    finally:
        reader.close()
    assert [len(b) for b in batches] == [500, 500, 234]
    ids = [a.id for batch in batches for a in batch]
    assert sorted(ids) == sorted(make_article(i).id for i in range(1234))
    assert ids[:3] == [make_article(i).id for i in range(3)]  # in the order stored
    assert all(a.html == "" and a.text for batch in batches for a in batch)
    store.close()


def test_a_dry_run_from_a_worker_thread_says_what_one_run_here_says(
    tmp_path: Path, store_url: str
) -> None:
    store = open_store(store_url)
    fill(store, 1200, text=lambda i: "Cargo left Alat port." if i % 3 else "Nothing here.")
    here = dry_run_stored(store, PORTS_WIDER, days=1, now=T0, shown=5)

    async def in_a_thread() -> Any:
        return await off_loop(
            shared_lists.rematch.dry_run_steps(store, PORTS_WIDER, days=1, now=T0, shown=5)
        )

    there = asyncio.run(in_a_thread())
    assert there == here
    assert (here.checked, here.matched, len(here.examples)) == (1200, 800, 5)
    store.close()


# -- re-matching a batch at a time -----------------------------------------------------------


def test_a_rematch_writes_only_what_changed_and_leaves_an_article_edited_meanwhile(
    tmp_path: Path, store_url: str
) -> None:
    store = open_store(store_url)
    aktau = make_article(1, text="Cargo left the Port of Aktau.")
    alat = make_article(2, text="Cargo left Alat port.")
    also_alat = make_article(3, text="Ferries reach Alat port daily.")
    for a in (aktau, alat, also_alat):
        store.upsert_article(a, T0)
    store.replace_matches(aktau.id, compile_watchlists([PORTS]).match([("body", aktau.text)]), T0)
    later = T0 + timedelta(hours=1)

    steps = rematch_steps(store, [PORTS_WIDER], now=later, days=14)
    step = next(steps)  # compiling the matcher
    step = steps.send(step.run())
    read = step.run()  # the first batch, read and matched in "the worker"
    # Meanwhile a poll finds article 3 edited: the poll matched it with the lists in force.
    store.upsert_article(make_article(3, text="Ferries no longer call."), later)
    with pytest.raises(StopIteration) as finished:
        step = steps.send(read)
        steps.send(step.run())  # no batch left
    report = finished.value.value
    assert report.checked == 3
    assert report.newly_matched == ((alat.id, "Ports"),)  # aktau unchanged, 3 left alone
    assert store.matched_watchlists(also_alat.id) == set()
    store.close()


def test_a_rematch_of_a_store_in_memory_runs_here_with_the_one_connection() -> None:
    store = open_store(":memory:")
    assert not store.reads_elsewhere
    fill(store, 700, text=lambda i: "Cargo left Alat port.")
    report = rematch_recent(store, [PORTS_WIDER], now=T0, days=1)
    assert (report.checked, len(report.newly_matched)) == (700, 700)
    assert rematch_recent(store, [PORTS_WIDER], now=T0, days=1).newly_matched == ()


# -- the steps runner --------------------------------------------------------------------------


def test_steps_stopped_mid_piece_are_closed_only_once_their_thread_is_done() -> None:
    started, release = threading.Event(), threading.Event()
    closed: list[str] = []

    async def scenario() -> None:
        gone = asyncio.Event()

        def steps() -> Iterator[Heavy[Any]]:
            try:
                yield from heavy(lambda: (started.set(), release.wait(30)))
                closed.append("never reached")
            finally:
                closed.append("closed")
                gone.set()

        task = asyncio.create_task(off_loop(steps()))  # type: ignore[arg-type]
        await asyncio.to_thread(started.wait, 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert closed == []  # the thread still has the piece in hand
        release.set()
        await asyncio.wait_for(gone.wait(), 30)

    asyncio.run(scenario())
    assert closed == ["closed"]


def test_an_error_in_a_piece_reaches_the_use_case_as_if_raised_there() -> None:
    def steps() -> Iterator[Heavy[Any]]:
        try:
            yield from heavy(lambda: 1 / 0)
        except ZeroDivisionError:
            return "handled"
        return "not raised"

    assert inline(steps()) == "handled"  # type: ignore[arg-type]
    assert asyncio.run(off_loop(steps())) == "handled"  # type: ignore[arg-type]


# -- the matcher, compiled off the loop -------------------------------------------------------


def test_the_matcher_is_compiled_by_the_worker_once_per_change(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    config = parse_config(
        {
            "store": {"path": str(tmp_path / "s.sqlite3")},
            "watchlists": {"dir": str(watchlists_dir)},
        },
        source="test",
    )
    service = build_service(config)
    compiled: list[tuple[Sequence[Watchlist], int]] = []  # (lists, thread) of each compile
    pieces: list[object] = []

    def noting(lists: Sequence[Watchlist]) -> Matcher:
        compiled.append((lists, threading.get_ident()))
        return compile_watchlists(lists)

    async def counting(fn: Callable[[], Any]) -> Any:
        pieces.append(fn)
        return await asyncio.to_thread(fn)

    service.compiled = CompiledLists(noting)
    service.worker = counting

    async def scenario() -> None:
        loop_thread = threading.get_ident()
        await service.warm_matcher()
        await service.warm_matcher()
        assert len(compiled) == len(pieces) == 1
        matcher = service.matcher
        assert service.matcher is matcher and len(compiled) == 1
        (watchlists_dir / "tripp.toml").write_text('name = "TRIPP"\nterms = ["Zangezur"]\n')
        # The minute's look at the files: the edited list is matched again, and the
        # matcher compiled afresh, all by the worker.
        await service.off_loop(shared_lists.names_steps(service, T0))
        assert service.matcher is not matcher
        assert service.matcher.match([("body", "the Zangezur corridor")], plain=True)
        assert all(thread != loop_thread for _, thread in compiled)
        before = len(compiled), len(pieces)
        await service.warm_matcher()
        assert (len(compiled), len(pieces)) == before

    try:
        asyncio.run(scenario())
    finally:
        service.close()


# -- end to end: other chats are answered meanwhile ------------------------------------------


class Gate:
    """A worker that holds every heavy piece until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    async def __call__(self, fn: Callable[[], Any]) -> Any:
        def run() -> Any:
            self.entered.set()
            self.release.wait(30)
            return fn()

        return await asyncio.to_thread(run)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


def test_while_a_dry_run_runs_other_chats_are_answered_and_the_asker_sees_typing(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none"])
    clock = Clock(T0 + timedelta(hours=1))
    store = open_store(config.store.path)
    fill(store, 30, text=lambda i: TRIPP_TEXT if i % 2 else "Nothing to see.")
    store.close()

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            gate = Gate()
            b.runner.service.worker = gate
            fake.user_sends("/testlist TRIPP", user_id=ADMIN_ID)
            assert await b.wait(gate.entered.is_set)
            # The admin's next command waits its turn, behind the dry run, in order.
            fake.user_sends("/help", user_id=ADMIN_ID)

            [answer] = await b.send("/help", user_id=BOB)
            assert "What I can do" in answer.text
            assert fake.messages_to(ADMIN_ID) == []
            assert any(
                c.params.get("chat_id") == ADMIN_ID and c.params.get("action") == "typing"
                for c in fake.calls_to("sendChatAction")
            )

            gate.release.set()
            first, second = await b.messages(ADMIN_ID, 2)
            assert "Dry run of TRIPP" in first.text and "15</b> would match" in (first.html or "")
            assert "What I can do" in second.text

    asyncio.run(scenario())


def test_an_admin_edit_rematches_off_the_loop_and_says_what_now_matches(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none"])
    clock = Clock(T0 + timedelta(hours=1))
    store = open_store(config.store.path)
    fill(store, 30, text=lambda i: "Roads across Syunik province." if i % 3 == 0 else "Other.")
    store.close()

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            gate = Gate()
            b.runner.service.worker = gate
            fake.user_sends("/addterm TRIPP | Syunik", user_id=ADMIN_ID)
            assert await b.wait(gate.entered.is_set)
            [answer] = await b.send("/help", user_id=BOB)
            assert "What I can do" in answer.text
            gate.release.set()
            [done] = await b.messages(ADMIN_ID, 1)
            assert "It now matches 10 of the 30 stored articles" in done.text
            assert "10 of them new" in done.text
            assert len(b.store.article_ids_matching("TRIPP")) == 10

    asyncio.run(scenario())


# -- a command that only needs the lists in force leaves re-matching to the minute's job ----


def test_a_followers_command_acts_on_a_removed_list_and_leaves_a_changed_one_to_the_job(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    store, lists = str(tmp_path / "s.sqlite3"), str(watchlists_dir)
    config = parse_config({"store": {"path": store}, "watchlists": {"dir": lists}}, source="t")
    service = build_service(config)
    try:
        watchlist_sync.reload_watchlists(service, T0)
        chats.follow(service, Chat(BOB, "private"), "middle corridor", T0)
        (watchlists_dir / "tripp.toml").write_text('name = "TRIPP"\nterms = ["Zangezur"]\n')
        (watchlists_dir / "middle-corridor.toml").unlink()

        names = [w.name for w in chats.shared_lists(service, T0)]  # /watchlists, /start
        assert names == ["Abraham Accords", "TRIPP"]
        assert service.store.audit_for("Middle Corridor")[0].action == "removed"
        assert service.store.chats.get(BOB).watchlists == ()  # told, and no longer following
        assert [e.action for e in service.store.audit_for("TRIPP")] == ["added"]

        watchlist_sync.reload_watchlists(service, T0)  # the minute's look at the files
        assert [e.action for e in service.store.audit_for("TRIPP")] == ["changed", "added"]
        assert [e.action for e in service.store.audit_for("Middle Corridor")] == [
            "removed",
            "added",
        ]
    finally:
        service.close()
