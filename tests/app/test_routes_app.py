"""Routes as use cases (app/routes.py) and in the fan-outs (named and possibly-about alerts): a
routed list's alerts leave the chat for their topic or channel, the rest stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.app import routes, watchlist_sync
from bot.app.chats import Chat
from bot.app.config import builtin_config
from bot.app.poll import queue_alerts
from bot.app.possibly_about import queue_about_alerts
from bot.app.service import Service, build_service
from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.domain.possibly_about import AboutAlert
from bot.domain.routing import Destination
from tests.app.test_alert_queue import alert, follower
from tests.factories import make_article, on_store
from tests.watchlist_copy import copy_watchlists

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, FORUM, CHANNEL = 1, -1005001, -1009001


def service(tmp_path: Path, store_url: str) -> Service:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=copy_watchlists(tmp_path / "watchlists"),
        feed_urls=["https://f/a"],
    )
    return build_service(on_store(config, store_url))


def route(svc: Service, chat: int, query: str, target: Destination) -> str:
    kind = "private" if chat > 0 else "supergroup"
    outcome = routes.set_route(
        svc, Chat(chat, kind), query, target, title="News", by="test", now=NOW
    )
    return outcome.result


def test_an_article_of_two_lists_goes_half_to_the_channel_half_to_the_chat(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, ANN, "TRIPP", "Middle Corridor")
    assert route(svc, ANN, "tripp", Destination(CHANNEL)) == "set"
    with svc.store.transaction():
        queue_alerts(svc, [alert(1, "TRIPP", "Middle Corridor")], NOW)
    [own] = svc.store.outbox.pending_for(ANN)
    [posted] = svc.store.outbox.pending_for(CHANNEL)
    assert own.text.startswith("🔔 New in <b>Middle Corridor</b>\n")
    assert own.dedup_key.endswith(":Middle Corridor")
    assert posted.text.startswith("🔔 New in <b>TRIPP</b>\n")
    assert "Middle Corridor" not in posted.text
    assert (posted.origin_chat_id, posted.thread_id) == (ANN, None)
    assert posted.reply_markup == ""  # no buttons in a channel
    assert json.loads(own.reply_markup)  # the chat's own keep theirs


def test_a_topic_route_keeps_the_buttons_and_the_group_as_the_subscriber(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, FORUM, "TRIPP")
    assert route(svc, FORUM, "TRIPP", Destination(FORUM, 7)) == "set"
    with svc.store.transaction():
        queue_alerts(svc, [alert(1)], NOW)
    [posted] = svc.store.outbox.pending_for(FORUM)
    assert (posted.thread_id, posted.origin_chat_id) == (7, None)
    assert json.loads(posted.reply_markup)


def test_routing_needs_a_followed_list_and_off_brings_it_back(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, ANN, "TRIPP")
    assert route(svc, ANN, "Middle Corridor", Destination(CHANNEL)) == "not_followed"
    assert route(svc, ANN, "no such list at all", Destination(CHANNEL)) == "unknown"
    assert route(svc, ANN, "tripp", Destination(CHANNEL)) == "set"
    assert [r.watchlist for r in routes.chat_routes(svc, ANN)] == ["TRIPP"]
    assert [r.chat_id for r in routes.list_routes(svc, "TRIPP")] == [ANN]
    chat = Chat(ANN, "private")
    assert routes.clear_route(svc, chat, "tripp", NOW).result == "cleared"
    assert routes.clear_route(svc, chat, "tripp", NOW).result == "not_set"
    # Routing to the chat itself is the same as off.
    route(svc, ANN, "tripp", Destination(CHANNEL))
    assert route(svc, ANN, "tripp", Destination(ANN)) == "cleared"


def test_possibly_about_alerts_follow_the_lists_route_too(tmp_path: Path, store_url: str) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, ANN, "TRIPP")
    svc.store.chats.set_about_alerts(ANN, "TRIPP", True)
    assert route(svc, ANN, "tripp", Destination(CHANNEL)) == "set"
    article = make_article(5)
    svc.store.upsert_article(article, NOW)
    found = PossiblyAbout(article.id, "TRIPP", 0.8, CLOSE, "A road through Syunik.")
    with svc.store.transaction():
        queue_about_alerts(svc, [AboutAlert(article, (found,))], NOW)
    assert svc.store.outbox.pending_for(ANN) == []
    [posted] = svc.store.outbox.pending_for(CHANNEL)
    assert "TRIPP" in posted.text and posted.origin_chat_id == ANN
    assert posted.reply_markup == ""


def test_two_subscribers_routing_a_list_to_one_channel_post_each_alert_there_once(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, ANN, "TRIPP")
    follower(svc, 2, "TRIPP")
    route(svc, ANN, "tripp", Destination(CHANNEL))
    route(svc, 2, "tripp", Destination(CHANNEL))
    with svc.store.transaction():
        queue_alerts(svc, [alert(1)], NOW)
        queue_alerts(svc, [alert(2), alert(3)], NOW)
    posted = svc.store.outbox.pending_for(CHANNEL)
    assert len(posted) == 2  # the lone alert, then the two as one combined alert
    assert svc.store.outbox.pending_for(ANN) == svc.store.outbox.pending_for(2) == []


def test_a_list_renamed_in_its_file_keeps_its_route(tmp_path: Path, store_url: str) -> None:
    svc = service(tmp_path, store_url)
    watchlist_sync.reload_watchlists(svc, NOW)
    follower(svc, ANN, "TRIPP")
    route(svc, ANN, "tripp", Destination(CHANNEL))
    path = tmp_path / "watchlists" / "tripp.toml"
    path.write_text(path.read_text().replace('name = "TRIPP"', 'name = "TRIPP corridor"'))
    watchlist_sync.reload_watchlists(svc, NOW)
    [moved] = routes.chat_routes(svc, ANN)
    assert (moved.watchlist, moved.target) == ("TRIPP corridor", Destination(CHANNEL))
