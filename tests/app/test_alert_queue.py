"""What one poll's alerts put into the outbox: one message per chat, however many alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app.config import builtin_config
from bot.app.poll import queue_alerts
from bot.app.service import Service, build_service
from bot.domain.models import Alert, Mode
from bot.messages.html import MAX_MESSAGE, utf16_len
from tests.factories import make_article, make_match, on_store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def service(tmp_path: Path, store_url: str) -> Service:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=tmp_path, feed_urls=["https://f/a"]
    )
    return build_service(on_store(config, store_url))


def follower(svc: Service, chat: int, *lists: str, mode: Mode = "instant") -> None:
    svc.store.chats.ensure(
        chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
    )
    svc.store.chats.update_settings(chat, NOW, mode=mode)
    for name in lists:
        svc.store.chats.subscribe(chat, name, NOW)


def alert(n: int, *lists: str) -> Alert:
    return Alert(make_article(n), tuple(make_match(name) for name in lists or ("TRIPP",)))


def pending(svc: Service, chat: int) -> list[str]:
    return [m.text for m in svc.store.outbox.pending_for(chat)]


def test_forty_alerts_from_one_poll_queue_a_few_parts_not_forty_messages(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, 1, "TRIPP")
    follower(svc, 2, "Middle Corridor")
    follower(svc, 3, "TRIPP", mode="daily")
    alerts = [alert(n) for n in range(1, 40)] + [alert(40, "TRIPP", "Middle Corridor")]
    with svc.store.transaction():
        queue_alerts(svc, alerts, NOW)
    parts = pending(svc, 1)
    assert 1 <= len(parts) <= 3
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert parts[0].startswith("🔔 40 new articles in <b>TRIPP</b>")
    text = "\n".join(parts)
    assert all(f"Article number {n}</a>" in text for n in range(1, 41))
    [lone] = svc.store.outbox.pending_for(2)
    assert lone.dedup_key == "alert:2:guid:https://example.org/item/40:Middle Corridor"
    assert lone.text.startswith("🔔 New in <b>Middle Corridor</b>\n")
    assert pending(svc, 3) == []


def test_the_same_poll_queued_again_adds_nothing(tmp_path: Path, store_url: str) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, 1, "TRIPP")
    alerts = [alert(n) for n in range(1, 6)]
    queue_alerts(svc, alerts, NOW)
    queue_alerts(svc, alerts, NOW)
    assert len(pending(svc, 1)) == 1


def test_an_alert_already_sent_on_its_own_is_left_out_of_a_later_combined_one(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, 1, "TRIPP")
    queue_alerts(svc, [alert(1)], NOW)
    # The article lost its match in an edit and found it again in the next one: the
    # same alert as before, arriving now with two new ones.
    queue_alerts(svc, [alert(2), alert(1), alert(3)], NOW)
    first, combined = pending(svc, 1)
    assert "Article number 1" in first
    assert combined.startswith("🔔 2 new articles in <b>TRIPP</b>")
    assert "Article number 1<" not in combined
    # And when only one is news, it comes as the single alert.
    queue_alerts(svc, [alert(1), alert(4)], NOW)
    assert pending(svc, 1)[-1].startswith("🔔 New in <b>TRIPP</b>\n<b><a href")
    assert "Article number 4" in pending(svc, 1)[-1]


def test_a_chat_that_unfollowed_or_turned_alerts_off_gets_nothing(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follower(svc, 1, "TRIPP")
    follower(svc, 2, "TRIPP", mode="off")
    follower(svc, 3, "TRIPP")
    svc.store.chats.unsubscribe(3, "TRIPP")
    queue_alerts(svc, [alert(1), alert(2)], NOW)
    assert len(pending(svc, 1)) == 1
    assert pending(svc, 2) == [] and pending(svc, 3) == []
