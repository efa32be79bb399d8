"""Personal lists are compiled one by one (`bot.app.compiled_lists`): an edit compiles
that list once and no other, the running bot compiles in a worker thread and never on its
event loop, and what a personal list matches reaches its owner alone.

Compiles are seen through a compile function handed to the service (the lists it was
given, and the thread it ran in); a real SQLite store in a file, so that the heavy steps
run in worker threads as in the bot.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import chats, personal_lists
from bot.app.chats import Chat, ensure_chat
from bot.app.compiled_lists import CompiledLists
from bot.app.config import builtin_config
from bot.app.poll import FeedPollReport, poll_feeds, poll_once
from bot.app.service import Service, build_service
from bot.domain.matchers import ArticleMatcher, Matchers
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Match, Term, Watchlist
from bot.feeds.fetch import make_http_client
from bot.lists.personal import PersonalList
from tests.factories import make_article, rss
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB, CAROL = 4242, 4343, 4444


@dataclass
class Compiles:
    """A compile function that notes what it compiled, and in which thread."""

    seen: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

    def __call__(self, lists: Sequence[Watchlist]) -> Matcher:
        self.seen.append((tuple(w.name for w in lists), threading.get_ident()))
        return compile_watchlists(lists)

    @property
    def lists(self) -> list[tuple[str, ...]]:
        return [names for names, _ in self.seen]

    @property
    def threads(self) -> set[int]:
        return {thread for _, thread in self.seen}


@pytest.fixture
def compiles() -> Compiles:
    return Compiles()


@pytest.fixture
def service(
    tmp_path: Path, watchlists_dir: Path, feed_server: FeedServer, compiles: Compiles
) -> Iterator[Service]:
    feed_server.serve_feed("/a.feed", rss([]))
    config = builtin_config(
        store_path=tmp_path / "store.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=[feed_server.url("/a.feed")],
    )
    svc = build_service(config)
    svc.compiled = CompiledLists(compiles)
    for chat in (ANN, BOB, CAROL):
        ensure_chat(svc, Chat(chat, "private"), NOW)
    svc.store.upsert_article(
        make_article(1, text="Engineers say the Rogun Dam will reach full height."),
        NOW - timedelta(days=1),
    )
    yield svc
    svc.close()


def create(svc: Service, owner: int, name: str, *terms: str) -> None:
    personal_lists.create(
        svc, NOW, owner=owner, name=name, terms=[Term(t) for t in terms], actor="test"
    )


def by_name(matchers: Matchers) -> dict[str, object]:
    return {p.watchlist.name: p for p in matchers.personal}


def test_an_edit_compiles_that_list_once_and_no_other(service: Service, compiles: Compiles) -> None:
    create(service, ANN, "Rogun", "Rogun Dam")
    create(service, ANN, "Ports", "Port of Aktau")
    create(service, BOB, "Dams", "Kambarata-1")
    before = service.matcher
    compiles.seen.clear()

    done = personal_lists.add_terms(
        service, NOW, owner=ANN, name="Rogun", terms=[Term("Nurek")], actor="test"
    )
    # The dry run compiled it; the re-match and the polls' matcher took it from there.
    assert compiles.lists == [(f"~{ANN}/Rogun",)]
    assert done.report.matched == 1
    after = service.matcher
    assert compiles.lists == [(f"~{ANN}/Rogun",)]
    assert after.shared is before.shared
    old, new = by_name(before), by_name(after)
    assert new[f"~{ANN}/Ports"] is old[f"~{ANN}/Ports"]
    assert new[f"~{BOB}/Dams"] is old[f"~{BOB}/Dams"]
    assert new[f"~{ANN}/Rogun"] is not old[f"~{ANN}/Rogun"]
    assert after.match([("body", "The Nurek reservoir")], plain=True)[0].watchlist == (
        f"~{ANN}/Rogun"
    )
    assert service.matcher is after  # nothing changed: the same set, looked up


def test_a_deleted_list_is_dropped_and_nothing_is_compiled_for_it(
    service: Service, compiles: Compiles
) -> None:
    create(service, ANN, "Rogun", "Rogun Dam")
    create(service, BOB, "Dams", "Kambarata-1")
    before = service.matcher
    compiles.seen.clear()
    personal_lists.delete(service, NOW, owner=ANN, name="Rogun", typed="Rogun", actor="test")
    after = service.matcher
    assert compiles.lists == []
    assert list(by_name(after)) == [f"~{BOB}/Dams"]
    assert by_name(after)[f"~{BOB}/Dams"] is by_name(before)[f"~{BOB}/Dams"]


def test_the_running_bot_compiles_lists_in_worker_threads_never_on_its_loop(
    service: Service, compiles: Compiles, feed_server: FeedServer
) -> None:
    async def scenario() -> int:
        # As the bot does: edits through off_loop, polls warming the matcher first.
        create_steps = personal_lists.create_steps(
            service, NOW, owner=ANN, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
        )
        await service.off_loop(create_steps)
        await poll_once(service, NOW, force=True)
        await service.off_loop(
            personal_lists.add_terms_steps(
                service, NOW, owner=ANN, name="Rogun", terms=[Term("Nurek")], actor="t"
            )
        )
        # A list saved by another process (the CLI): the next poll that brings an
        # article compiles it.
        service.store.personal.save(PersonalList(BOB, "Dams", (Term("Nurek"),)), NOW)
        feed_server.publish("/a.feed", rss([("9", "Nurek", "<p>Nurek</p>", NOW)]))
        await poll_once(service, NOW + timedelta(minutes=15), force=True)
        return threading.get_ident()

    loop_thread = asyncio.run(scenario())
    assert compiles.lists == [
        (f"~{ANN}/Rogun",),  # by the new list's dry run
        ("Abraham Accords", "Middle Corridor", "TRIPP"),  # by the first poll
        (f"~{ANN}/Rogun",),  # by the edit's dry run
        (f"~{BOB}/Dams",),  # by the last poll
    ]
    assert loop_thread not in compiles.threads


def test_a_personal_match_reaches_its_owner_alone(
    service: Service, feed_server: FeedServer
) -> None:
    create(service, ANN, "Rogun", "Rogun Dam")
    create(service, BOB, "Dams", "Rogun Dam", "Kambarata-1")
    chats.follow(service, Chat(CAROL, "private"), "TRIPP", NOW)
    asyncio.run(poll_once(service, NOW, force=True))  # the first poll: nothing to tell
    item = (
        "77",
        "The Rogun Dam and TRIPP",
        "<p>The Rogun Dam is in the news, and so is TRIPP.</p>",
        NOW - timedelta(hours=1),
    )
    feed_server.publish("/a.feed", rss([item]))
    [report] = asyncio.run(poll_once(service, NOW + timedelta(minutes=15), force=True))
    [alert] = report.alerts
    assert alert.watchlists == ("TRIPP", f"~{ANN}/Rogun", f"~{BOB}/Dams")

    def texts(chat: int) -> list[str]:
        return [m.text for m in service.store.outbox.pending_for(chat)]

    [ann] = texts(ANN)
    [bob] = texts(BOB)
    [carol] = texts(CAROL)
    assert "Rogun (personal)" in ann and "Dams (personal)" not in ann
    assert "Dams (personal)" in bob and "Rogun (personal)" not in bob
    assert "(personal)" not in carol


# -- matching in a poll: in a worker thread, with the lists in force when it is stored ------


@dataclass
class Noting:
    """A matcher that notes the thread of each article it matches."""

    inner: ArticleMatcher
    threads: list[int] = field(default_factory=list)

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]:
        self.threads.append(threading.get_ident())
        return self.inner.match(fields, plain=plain)


ROGUN_ITEM = ("r1", "Rogun", "<p>The Rogun Dam rises.</p>", NOW - timedelta(hours=1))


def poll_with(
    service: Service, matcher_of: Callable[[], ArticleMatcher]
) -> tuple[FeedPollReport, int]:
    """One poll of the feed with ``matcher_of``; the report, and the event loop's thread."""

    async def run() -> tuple[FeedPollReport, int]:
        feeds = service.config.feeds
        async with make_http_client(feeds.user_agent, feeds.timeout) as client:
            [report] = await poll_feeds(
                client, service.store, feeds, NOW, force=True, matcher_of=matcher_of
            )
        return report, threading.get_ident()

    return asyncio.run(run())


def test_a_poll_matches_new_articles_in_a_worker_thread(
    service: Service, feed_server: FeedServer
) -> None:
    create(service, ANN, "Rogun", "Rogun Dam")
    noting = Noting(service.matcher)
    feed_server.publish("/a.feed", rss([ROGUN_ITEM]))
    report, loop_thread = poll_with(service, lambda: noting)
    assert report.new == 1
    assert len(noting.threads) == 1 and loop_thread not in noting.threads  # once, off the loop
    assert "guid:r1" in service.store.article_ids_matching(f"~{ANN}/Rogun")


def test_lists_changed_while_a_poll_matched_are_the_ones_its_articles_are_matched_with(
    service: Service, feed_server: FeedServer
) -> None:
    create(service, ANN, "Rogun", "Rogun Dam")
    before = Noting(Matchers(compile_watchlists([])))  # the lists when the match began
    after = Noting(service.matcher)  # and when the article is stored
    asked = iter([before])
    feed_server.publish("/a.feed", rss([ROGUN_ITEM]))
    report, loop_thread = poll_with(service, lambda: next(asked, after))
    assert report.new == 1 and before.threads
    assert len(after.threads) == 1 and loop_thread not in after.threads
    assert "guid:r1" in service.store.article_ids_matching(f"~{ANN}/Rogun")
