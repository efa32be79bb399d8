"""Which digests the every-minute tick queues, decided from the store and ``now`` only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import chats, digests, watchlist_sync
from bot.app.chats import Chat
from bot.app.config import builtin_config
from bot.app.config.settings import AboutConfig
from bot.app.poll import queue_alerts
from bot.app.service import Service, build_service
from bot.domain.aboutness import VERY_CLOSE, PossiblyAbout
from bot.domain.digest import Digest
from bot.domain.models import Alert, OutgoingMessage, Subscriber
from bot.domain.schedule import chat_digest_due
from bot.messages.html import MAX_MESSAGE, utf16_len
from tests.about_lists import give_tripp_about
from tests.factories import make_article, make_match, on_store
from tests.watchlist_copy import FROZEN_WATCHLISTS

BERLIN_8AM_WINTER = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def service(tmp_path: Path, store_url: str | None = None, *, empty: str = "send") -> Service:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=tmp_path, feed_urls=["https://f/a"]
    )
    config = replace(config, digest=replace(config.digest, empty=empty))  # type: ignore[arg-type]
    return build_service(config if store_url is None else on_store(config, store_url))


def subscribe(
    svc: Service,
    chat: int,
    *,
    tz: str = "Europe/Berlin",
    at: str = "08:00",
    joined: datetime = BERLIN_8AM_WINTER - timedelta(hours=12),
) -> None:
    svc.store.chats.ensure(chat, kind="private", title="", timezone=tz, digest_time=at, now=joined)
    svc.store.chats.subscribe(chat, "TRIPP", joined)


def store_articles(svc: Service, n: int, when: datetime, *, title: str = "") -> None:
    for i in range(n):
        article = make_article(i, title=f"{title}TRIPP story {i}")
        svc.store.upsert_article(article, when)
        svc.store.replace_matches(article.id, [make_match("TRIPP")], when)


def digests_for(svc: Service, chat: int) -> list[str]:
    return [m.text for m in svc.store.outbox.pending_for(chat) if m.kind == "digest"]


def test_the_digest_is_due_at_the_subscribers_local_time_and_queued_once(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    store_articles(svc, 2, BERLIN_8AM_WINTER - timedelta(hours=3))
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER - timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 1
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(hours=12)) == 0
    [text] = digests_for(svc, 1)
    assert "TRIPP story 0" in text and "TRIPP story 1" in text


def test_each_subscriber_gets_only_the_watchlists_they_follow(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    svc.store.chats.ensure(
        2,
        kind="private",
        title="",
        timezone="UTC",
        digest_time="07:00",
        now=BERLIN_8AM_WINTER - timedelta(days=3),
    )
    svc.store.chats.subscribe(2, "Middle Corridor", BERLIN_8AM_WINTER)
    store_articles(svc, 1, BERLIN_8AM_WINTER - timedelta(hours=3))
    digests.digest_tick(svc, BERLIN_8AM_WINTER)
    assert "TRIPP story 0" in digests_for(svc, 1)[0]
    assert "No new articles" in digests_for(svc, 2)[0]


def test_the_next_digest_starts_where_the_previous_one_ended(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    store_articles(svc, 1, BERLIN_8AM_WINTER - timedelta(hours=1), title="first ")
    digests.digest_tick(svc, BERLIN_8AM_WINTER)
    store_articles(svc, 1, BERLIN_8AM_WINTER + timedelta(hours=5), title="second ")
    digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(days=1))
    first, second = digests_for(svc, 1)
    assert "first TRIPP" in first and "second TRIPP" not in first
    assert "second TRIPP" in second and "first TRIPP" not in second


def test_a_long_day_is_split_into_marked_parts_within_telegrams_limit(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    store_articles(svc, 60, BERLIN_8AM_WINTER - timedelta(hours=2))
    queued = digests.digest_tick(svc, BERLIN_8AM_WINTER)
    parts = digests_for(svc, 1)
    assert queued == len(parts) > 1
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert f"(1/{len(parts)})" in parts[0] and f"({len(parts)}/{len(parts)})" in parts[-1]
    assert sum(p.count("TRIPP story") for p in parts) == 60


def test_an_empty_day_is_one_short_line_or_nothing_when_configured_to_skip(
    tmp_path: Path,
) -> None:
    send = service(tmp_path / "send")
    subscribe(send, 1)
    digests.digest_tick(send, BERLIN_8AM_WINTER)
    [line] = digests_for(send, 1)
    assert "No new articles" in line and "Feeds" in line

    skip = service(tmp_path / "skip", empty="skip")
    subscribe(skip, 1)
    assert digests.digest_tick(skip, BERLIN_8AM_WINTER) == 0
    assert digests.digest_tick(skip, BERLIN_8AM_WINTER + timedelta(minutes=5)) == 0
    assert skip.store.chats.last_digest(1) is not None, "the skipped day still counts as done"


def test_summer_time_moves_the_utc_hour_but_not_the_local_one(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    summer_8am = datetime(2027, 7, 1, 6, 0, tzinfo=UTC)
    subscribe(svc, 1, joined=summer_8am - timedelta(hours=12))
    assert digests.digest_tick(svc, summer_8am - timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, summer_8am) == 1


def test_paused_and_unsubscribed_chats_get_no_digest(tmp_path: Path, store_url: str) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    svc.store.chats.update_settings(1, BERLIN_8AM_WINTER, mode="instant")
    svc.store.chats.ensure(
        2,
        kind="private",
        title="",
        timezone="UTC",
        digest_time="07:00",
        now=BERLIN_8AM_WINTER - timedelta(days=1),
    )
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 0


def test_an_alert_goes_to_instant_subscribers_of_its_watchlists_only(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    subscribe(svc, 2)
    svc.store.chats.update_settings(2, BERLIN_8AM_WINTER, mode="daily")
    svc.store.chats.ensure(
        3, kind="private", title="", timezone="UTC", digest_time="07:00", now=BERLIN_8AM_WINTER
    )
    svc.store.chats.subscribe(3, "Middle Corridor", BERLIN_8AM_WINTER)
    alert = Alert(make_article(1), (make_match("TRIPP"),))
    queue_alerts(svc, [alert], BERLIN_8AM_WINTER)
    queue_alerts(svc, [alert], BERLIN_8AM_WINTER)
    assert [m.chat_id for m in svc.store.outbox.heads()] == [1]


def test_after_downtime_the_missed_digest_comes_once_then_the_day_goes_on_as_usual(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1, joined=BERLIN_8AM_WINTER - timedelta(days=5))
    assert (
        digests.digest_tick(svc, BERLIN_8AM_WINTER - timedelta(days=4)) == 1
    )  # the last one before
    store_articles(svc, 1, BERLIN_8AM_WINTER - timedelta(days=3))
    back = BERLIN_8AM_WINTER - timedelta(minutes=30)  # 07:30 Berlin, after 4 days down
    assert digests.digest_tick(svc, back) == 1
    assert digests.digest_tick(svc, back + timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 1, "today's digest still comes at 08:00"
    _, missed, today = digests_for(svc, 1)
    assert "TRIPP story 0" in missed and "TRIPP story 0" not in today


def test_a_chat_with_a_time_zone_that_no_longer_exists_gets_utc_and_others_are_unaffected(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1, tz="Mars/Olympus_Mons", joined=BERLIN_8AM_WINTER - timedelta(hours=12))
    subscribe(svc, 2)
    store_articles(svc, 1, BERLIN_8AM_WINTER - timedelta(hours=3))
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(hours=1)) == 2
    assert "TRIPP story 0" in digests_for(svc, 1)[0]


def test_one_chat_failing_does_not_hold_back_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    import bot.app.digests as digests_module

    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    subscribe(svc, 2)
    real = digests_module.digest_messages

    def failing_for_chat_1(digest: Digest, **kw: Any) -> list[OutgoingMessage]:
        if kw["chat_id"] == 1:
            raise RuntimeError("a rendering bug")
        return real(digest, **kw)

    monkeypatch.setattr(digests_module, "digest_messages", failing_for_chat_1)
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 1
    assert digests_for(svc, 1) == [] and len(digests_for(svc, 2)) == 1
    assert svc.store.chats.last_digest(1) is None, "chat 1 is tried again at the next tick"
    monkeypatch.setattr(digests_module, "digest_messages", real)
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(minutes=1)) == 1
    assert len(digests_for(svc, 1)) == 1 and len(digests_for(svc, 2)) == 1


def test_a_tick_stopped_before_storing_the_next_digests_makes_none_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    store_articles(svc, 1, BERLIN_8AM_WINTER - timedelta(hours=3))

    def crash(*args: Any, **kw: Any) -> bool:
        raise OSError("killed")

    monkeypatch.setattr(svc.store.chats, "set_next_digest", crash)
    with pytest.raises(OSError):
        digests.digest_tick(svc, BERLIN_8AM_WINTER)
    monkeypatch.undo()
    assert len(digests_for(svc, 1)) == 1
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(minutes=1)) == 0
    assert len(digests_for(svc, 1)) == 1
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(days=1)) == 1


def test_an_alert_that_fails_to_render_for_one_chat_still_reaches_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> None:

    svc = service(tmp_path, store_url)
    subscribe(svc, 1)
    subscribe(svc, 2)
    import bot.app.poll as poll_module

    real = poll_module.chat_alert_messages

    def failing_for_chat_1(sub: Subscriber, *args: Any) -> list[OutgoingMessage]:
        if sub.chat_id == 1:
            raise RuntimeError("a rendering bug")
        return real(sub, *args)

    monkeypatch.setattr(poll_module, "chat_alert_messages", failing_for_chat_1)
    queue_alerts(svc, [Alert(make_article(1), (make_match("TRIPP"),))], BERLIN_8AM_WINTER)
    assert [m.chat_id for m in svc.store.outbox.heads()] == [2]


def test_renaming_a_list_does_not_repeat_its_recent_articles_in_the_next_digest(
    tmp_path: Path,
) -> None:
    from bot.domain.poll import match_fields
    from tests.watchlist_copy import copy_watchlists

    lists = copy_watchlists(tmp_path / "lists")
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=["https://f/a"]
    )
    svc = build_service(config)
    watchlist_sync.reload_watchlists(svc, BERLIN_8AM_WINTER - timedelta(days=2))
    subscribe(svc, 1, joined=BERLIN_8AM_WINTER - timedelta(days=2))
    article = make_article(1, title="TRIPP route opens", text="The TRIPP route opens.")
    seen = BERLIN_8AM_WINTER - timedelta(hours=5)
    svc.store.upsert_article(article, seen)
    svc.store.replace_matches(article.id, svc.matcher.match(match_fields(article)), seen)
    digests.digest_tick(svc, BERLIN_8AM_WINTER)
    path = lists / "tripp.toml"
    path.write_text(path.read_text().replace('name = "TRIPP"', 'name = "TRIPP corridor"'))
    watchlist_sync.reload_watchlists(svc, BERLIN_8AM_WINTER + timedelta(hours=4))
    assert svc.store.chats.get(1).watchlists == ("TRIPP corridor",)  # type: ignore[union-attr]
    digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(days=1))
    first, notice, second = (m.text for m in svc.store.outbox.pending_for(1))
    assert "TRIPP route opens" in first
    assert "TRIPP corridor" in notice
    assert "TRIPP route opens" not in second


# -- the tick reads only the chats whose digest may be due ---------------------------------


def _due_by_the_rule(svc: Service, now: datetime) -> set[int]:
    """The chats the tick before the index would have made a digest for: every chat
    asked, from what is stored."""
    last = svc.store.chats.last_digests()
    now = now.replace(microsecond=0)
    return {
        sub.chat_id
        for sub in svc.store.chats.all()
        if chat_digest_due(sub, last.get(sub.chat_id), now) is not None
    }


def _made_at(svc: Service, now: datetime) -> set[int]:
    rows = svc.store._conn.execute(
        "SELECT chat_id FROM digests WHERE created_at = ?", (now.isoformat(),)
    )
    return {r[0] for r in rows}


@pytest.mark.parametrize(
    "start",
    [datetime(2026, 3, 27, 12, 0, tzinfo=UTC), datetime(2026, 10, 23, 12, 0, tzinfo=UTC)],
    ids=["spring forward", "fall back"],
)
def test_the_tick_makes_every_digest_asking_every_chat_would_across_clock_changes_and_edits(
    tmp_path: Path, start: datetime, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    chats = svc.store.chats
    for chat, tz, at in [
        (1, "Europe/Berlin", "08:00"),
        (2, "Europe/Berlin", "02:30"),
        (3, "America/Los_Angeles", "23:30"),
        (4, "Asia/Kolkata", "00:00"),
        (5, "Pacific/Chatham", "12:45"),
        (6, "UTC", "07:00"),
        (7, "Europe/London", "01:30"),
    ]:
        subscribe(svc, chat, tz=tz, at=at, joined=start - timedelta(days=2))
    chats.update_settings(6, start, mode="instant")
    chats.ensure(8, kind="private", title="", timezone="UTC", digest_time="09:00", now=start)
    edits: dict[int, Callable[[datetime], object]] = {
        # step (15 minutes each): what a chat does then
        20: lambda now: chats.update_settings(1, now, digest_time="21:00"),
        50: lambda now: chats.update_settings(3, now, timezone="Asia/Tbilisi"),
        90: lambda now: chats.update_settings(6, now, mode="both"),
        120: lambda now: chats.subscribe(8, "TRIPP", now),
        150: lambda now: chats.unsubscribe_all(4),
        200: lambda now: chats.subscribe(4, "TRIPP", now),
        230: lambda now: chats.deactivate(5, "blocked the bot", now),
        260: lambda now: chats.ensure(
            5, kind="private", title="", timezone="x", digest_time="x", now=now
        ),
        300: lambda now: chats.update_settings(2, now, digest_time="03:15"),
    }
    made = 0
    now = start
    for step in range(5 * 24 * 4):
        now = start + timedelta(minutes=15 * step)
        if 340 <= step < 380:
            continue  # ten hours down: what was missed comes when it is back
        if step in edits:
            edits[step](now)
        expected = _due_by_the_rule(svc, now)
        digests.digest_tick(svc, now)
        assert _made_at(svc, now) == expected, now
        made += len(expected)
    assert made >= 30


def test_a_minute_with_nothing_due_reads_one_index_and_nothing_else(
    tmp_path: Path,
) -> None:
    svc = service(tmp_path)
    for chat in range(1, 51):
        subscribe(svc, chat)
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 50
    statements: list[str] = []
    svc.store._conn.set_trace_callback(statements.append)
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER + timedelta(minutes=1)) == 0
    svc.store._conn.set_trace_callback(None)
    [query] = statements
    assert "INDEXED BY subscribers_by_next_digest" in query


def test_a_digest_time_moved_earlier_is_kept_the_same_day_and_the_summary_agrees(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    subscribe(svc, 1, joined=BERLIN_8AM_WINTER - timedelta(days=2))
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER - timedelta(days=1)) == 1
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER - timedelta(hours=2)) == 0  # 06:00
    seven = BERLIN_8AM_WINTER - timedelta(hours=1)
    moved = chats.set_digest_time(svc, Chat(1, "private"), "06:30", seven - timedelta(minutes=5))
    assert moved.next_digest == BERLIN_8AM_WINTER - timedelta(minutes=90)
    assert digests.digest_tick(svc, seven - timedelta(minutes=4)) == 1, "06:30 has passed"
    assert digests.digest_tick(svc, BERLIN_8AM_WINTER) == 0, "not again at 08:00"
    later = chats.set_mode(svc, Chat(1, "private"), "daily", BERLIN_8AM_WINTER)
    assert later.next_digest == BERLIN_8AM_WINTER + timedelta(days=1, minutes=-90)
    assert digests.digest_tick(svc, later.next_digest - timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, later.next_digest) == 1


def test_possibly_about_sections_leave_the_digest_once_the_tier_is_off_or_the_list_has_no_about(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    give_tripp_about(watchlists_dir)
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=watchlists_dir,
        feed_urls=["https://f/a"],
    )
    article = make_article(1, text="The transit strip across Syunik.")
    found = PossiblyAbout(article.id, "TRIPP", 0.9, VERY_CLOSE, "The transit strip.")
    now = BERLIN_8AM_WINTER
    window = (now - timedelta(days=1), now)
    svc = build_service(config)
    svc.store.upsert_article(article, now - timedelta(hours=2))
    svc.store.about.replace(article.id, article.content_hash, [found], now - timedelta(hours=2))
    subscribe(svc, 7, joined=now - timedelta(days=2))
    assert [s.watchlist for s in digests.digest_between(svc, *window).about] == ["TRIPP"]
    svc.close()

    # `[about] enabled = false`: what the tier found before is no longer shown either.
    off = build_service(replace(config, about=AboutConfig(enabled=False)))
    assert digests.digest_between(off, *window).about == ()
    digests.digest_tick(off, now)
    [text] = [m.text for m in off.store.outbox.pending_for(7)]
    assert "Possibly about" not in text, text
    off.close()

    # TRIPP without `about` again: likewise.
    (watchlists_dir / "tripp.toml").write_text(
        (FROZEN_WATCHLISTS / "tripp.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    plain = build_service(config)
    assert digests.digest_between(plain, *window).about == ()
    plain.close()
