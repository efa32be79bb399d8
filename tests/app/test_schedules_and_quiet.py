"""Schedules and quiet hours against a real store: alerts held in quiet hours and sent as
one message when they end (or folded into a digest due then), weekly digests, a mode
per list, and a digest that leaves out what came as alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import chats, digests, routes
from bot.app.chats import Chat, SettingRefused
from bot.app.config import builtin_config
from bot.app.poll import queue_alerts
from bot.app.possibly_about import queue_about_alerts
from bot.app.service import Service, build_service
from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.domain.models import Alert
from bot.domain.possibly_about import AboutAlert
from bot.domain.routing import Destination
from tests.about_lists import give_tripp_about
from tests.factories import make_article, make_match, on_store
from tests.watchlist_copy import copy_watchlists

# Wednesday 10 June 2026 in Berlin (CEST, UTC+2).
EVENING = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)  # 20:00 local
NIGHT_START = datetime(2026, 6, 10, 20, 0, tzinfo=UTC)  # 22:00 local
NIGHT_END = datetime(2026, 6, 11, 5, 0, tzinfo=UTC)  # 07:00 local
ANN = Chat(1, "private")


def service(tmp_path: Path, store_url: str | None = None) -> Service:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=copy_watchlists(tmp_path / "watchlists"),
        feed_urls=["https://f/a"],
    )
    return build_service(config if store_url is None else on_store(config, store_url))


def follow(svc: Service, *lists: str, at: str = "08:00", joined: datetime = EVENING) -> None:
    svc.store.chats.ensure(
        ANN.chat_id, kind="private", title="", timezone="Europe/Berlin", digest_time=at, now=joined
    )
    for name in lists:
        svc.store.chats.subscribe(ANN.chat_id, name, joined)


def arrives(svc: Service, n: int, when: datetime, *lists: str) -> None:
    """Article ``n`` is stored at ``when`` matching ``lists``, and its alert queued, as a
    poll does."""
    article = make_article(n, title=f"Story {n}")
    matches = tuple(make_match(name) for name in lists)
    svc.store.upsert_article(article, when)
    svc.store.replace_matches(article.id, list(matches), when)
    queue_alerts(svc, [Alert(article, matches)], when)


def sent(svc: Service, kind: str) -> list[str]:
    return [m.text for m in svc.store.outbox.pending_for(ANN.chat_id) if m.kind == kind]


def test_alerts_in_quiet_hours_are_held_and_sent_as_one_message_when_they_end(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    arrives(svc, 1, EVENING + timedelta(minutes=30), "TRIPP")  # before: at once
    assert len(sent(svc, "alert")) == 1
    for n in (2, 3, 4):
        arrives(svc, n, NIGHT_START + timedelta(hours=n), "TRIPP")
    assert len(sent(svc, "alert")) == 1, "held in the night"
    assert digests.digest_tick(svc, NIGHT_END - timedelta(minutes=1)) == 0
    assert digests.digest_tick(svc, NIGHT_END) == 1
    [_, held] = sent(svc, "alert")
    assert all(f"Story {n}" in held for n in (2, 3, 4)) and "Story 1" not in held
    # Once: the next ticks send nothing more, and the day's alerts come at once again.
    assert digests.digest_tick(svc, NIGHT_END + timedelta(minutes=1)) == 0
    arrives(svc, 5, NIGHT_END + timedelta(minutes=30), "TRIPP")
    assert len(sent(svc, "alert")) == 3


def test_held_alerts_are_folded_into_a_digest_due_when_quiet_hours_end(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP", at="07:00")
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    chats.set_schedule(svc, ANN, "repeats off", EVENING)
    arrives(svc, 1, EVENING + timedelta(minutes=30), "TRIPP")  # an alert, then
    arrives(svc, 2, NIGHT_START + timedelta(hours=2), "TRIPP")  # held
    digests.digest_tick(svc, NIGHT_END)
    [digest] = sent(svc, "digest")
    # The digest takes what was held; and, repeats off, not what came as an alert.
    assert "Story 2" in digest and "Story 1" not in digest
    assert len(sent(svc, "alert")) == 1, "no second message for what the digest holds"
    assert digests.digest_tick(svc, NIGHT_END + timedelta(minutes=5)) == 0


def test_with_repeats_on_the_digest_holds_what_came_as_alerts_too(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    arrives(svc, 1, EVENING + timedelta(minutes=30), "TRIPP")
    digests.digest_tick(svc, datetime(2026, 6, 11, 6, 0, tzinfo=UTC))
    [digest] = sent(svc, "digest")
    assert "Story 1" in digest


def test_one_list_instant_and_another_digest_only(tmp_path: Path, store_url: str) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP", "Middle Corridor")
    chats.set_mode(svc, ANN, "instant", EVENING)
    outcome = chats.set_list_mode(svc, ANN, "middle corridor", "daily", EVENING)
    assert outcome.result == "set" and outcome.name == "Middle Corridor"
    arrives(svc, 1, EVENING + timedelta(minutes=10), "TRIPP")
    arrives(svc, 2, EVENING + timedelta(minutes=20), "Middle Corridor")
    [alert] = sent(svc, "alert")
    assert "Story 1" in alert
    digests.digest_tick(svc, datetime(2026, 6, 11, 6, 0, tzinfo=UTC))
    [digest] = sent(svc, "digest")
    assert "Story 2" in digest and "Story 1" not in digest


def test_a_list_mode_for_a_list_not_followed_or_unknown_is_refused(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    assert chats.set_list_mode(svc, ANN, "middle corridor", "daily", EVENING).result == (
        "not_following"
    )
    assert chats.set_list_mode(svc, ANN, "Atlantis", "daily", EVENING).result == "unknown"
    assert chats.list_mode_asked("middle corridor daily") == ("middle corridor", "daily")
    assert chats.list_mode_asked("TRIPP default") == ("TRIPP", None)
    assert chats.list_mode_asked("daily") is None


def test_a_weekly_digest_comes_on_its_day_only_and_covers_the_week(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP", joined=EVENING - timedelta(days=1))
    summary = chats.set_schedule(svc, ANN, "weekly fri 9:00", EVENING)
    assert summary.subscriber.digest_days == "fri"
    assert summary.subscriber.digest_time == "09:00"
    assert summary.next_digest == datetime(2026, 6, 12, 7, 0, tzinfo=UTC)  # Fri 09:00 CEST
    arrives(svc, 1, EVENING, "TRIPP")
    for day in range(11, 19):  # Thursday 11 to Thursday 18 June, each morning at 09:00
        digests.digest_tick(svc, datetime(2026, 6, day, 7, 0, tzinfo=UTC))
    [digest] = sent(svc, "digest")
    assert "Story 1" in digest
    record = svc.store.chats.last_digest(ANN.chat_id)
    assert record is not None and record.local_date.isoformat() == "2026-06-12"


@pytest.mark.parametrize(
    "typed",
    ["fortnightly", "weekly", "daily 25:00", "quiet 22:00", "quiet 7-7", "repeats maybe"],
)
def test_a_schedule_that_cannot_be_read_is_refused_and_nothing_changes(
    tmp_path: Path, typed: str, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    with pytest.raises(SettingRefused) as refused:
        chats.set_schedule(svc, ANN, typed, EVENING)
    assert refused.value.setting == "schedule" and refused.value.reason
    sub = svc.store.chats.get(ANN.chat_id)
    assert sub is not None
    assert (sub.digest_days, sub.quiet_hours, sub.digest_skips_alerted) == ("daily", "", False)


def test_quiet_hours_set_in_the_day_do_not_send_earlier_alerts_again(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    arrives(svc, 1, NIGHT_START - timedelta(hours=25), "TRIPP")  # last night, before
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    digests.digest_tick(svc, EVENING + timedelta(minutes=1))
    assert len(sent(svc, "alert")) == 1


def test_timezone_est_is_taken_for_new_york_and_utc_plus_four_for_a_fixed_zone(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    est = chats.set_timezone(svc, ANN, "EST", EVENING)
    assert est.subscriber.timezone == "America/New_York"
    assert est.zone_read_as == ("EST", "America/New_York", "abbreviation")
    plus_four = chats.set_timezone(svc, ANN, "UTC+4", EVENING)
    assert plus_four.subscriber.timezone == "Etc/GMT-4"
    assert plus_four.zone_read_as == ("UTC+4", "Etc/GMT-4", "offset")
    assert chats.set_timezone(svc, ANN, "Asia/Baku", EVENING).zone_read_as is None


def test_a_new_chat_has_a_daily_digest_no_quiet_hours_and_no_list_modes(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    sub = svc.store.chats.get(ANN.chat_id)
    assert sub is not None
    assert (sub.digest_days, sub.quiet_hours, sub.list_modes) == ("daily", "", ())
    assert sub.digest_skips_alerted is False


def test_possibly_about_alerts_in_quiet_hours_come_when_they_end_too(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    svc.store.chats.set_about_alerts(ANN.chat_id, "TRIPP", True)
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    found_at = NIGHT_START + timedelta(hours=3)
    article = make_article(7, title="A Corridor Through Syunik")
    svc.store.upsert_article(article, found_at)
    finding = PossiblyAbout(article.id, "TRIPP", 0.7, CLOSE, "The transit strip across Syunik.")
    svc.store.about.replace(article.id, article.content_hash, [finding], found_at)
    queue_about_alerts(svc, [AboutAlert(article, (finding,))], found_at)
    assert sent(svc, "alert") == [], "held in the night"
    digests.digest_tick(svc, NIGHT_END)
    [held] = sent(svc, "alert")
    assert "A Corridor Through Syunik" in held and "possibly about" in held.casefold()


@pytest.mark.parametrize("away", ["daily", "off", "blocked", "list daily"])
def test_alerts_resumed_after_days_without_them_do_not_send_those_days_as_one_alert(
    tmp_path: Path, away: str, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    chats.set_mode(svc, ANN, "instant", EVENING)
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    digests.digest_tick(svc, NIGHT_END)
    leave = NIGHT_END + timedelta(hours=1)
    if away == "blocked":
        chats.bot_removed(svc, ANN, leave)
    elif away == "list daily":
        chats.set_list_mode(svc, ANN, "TRIPP", "daily", leave)
    else:
        chats.set_mode(svc, ANN, away, leave)
    for day in range(1, 10):  # nine days' articles, in the day, in digests (or nowhere)
        arrives(svc, day, NIGHT_END + timedelta(days=day, hours=3), "TRIPP")
        digests.digest_tick(svc, NIGHT_END + timedelta(days=day, hours=4))
    back = NIGHT_END + timedelta(days=10, hours=5)
    if away == "blocked":
        chats.bot_added(svc, ANN, back)
    elif away == "list daily":
        chats.set_list_mode(svc, ANN, "TRIPP", None, back)
    else:
        chats.set_mode(svc, ANN, "instant", back)
    arrives(svc, 100, back + timedelta(hours=12), "TRIPP")  # held in that night
    digests.digest_tick(svc, back)
    digests.digest_tick(svc, back + timedelta(hours=19))  # 07:00: the night ends
    [alert] = sent(svc, "alert")
    assert "Story 100" in alert and "Story 1<" not in alert and "new articles" not in alert


def test_alerts_held_for_a_routed_list_go_to_its_route_when_quiet_hours_end(
    tmp_path: Path, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP", "Middle Corridor")
    chats.set_mode(svc, ANN, "instant", EVENING)
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    channel = -1009001
    outcome = routes.set_route(
        svc, ANN, "TRIPP", Destination(channel), title="News", by="test", now=EVENING
    )
    assert outcome.result == "set"
    arrives(svc, 1, NIGHT_START + timedelta(hours=1), "TRIPP")
    arrives(svc, 2, NIGHT_START + timedelta(hours=2), "TRIPP")
    arrives(svc, 3, NIGHT_START + timedelta(hours=3), "Middle Corridor")
    assert svc.store.outbox.pending_for(channel) == [] and sent(svc, "alert") == []
    digests.digest_tick(svc, NIGHT_END)
    [posted] = svc.store.outbox.pending_for(channel)
    assert "Story 1" in posted.text and "Story 2" in posted.text
    assert "Story 3" not in posted.text and "Middle Corridor" not in posted.text
    assert (posted.origin_chat_id, posted.reply_markup) == (ANN.chat_id, "")
    [own] = sent(svc, "alert")
    assert "Story 3" in own and "Story 1" not in own


@pytest.mark.parametrize("repeats", ["on", "off"])
def test_possibly_about_findings_not_taken_as_alerts_stay_in_the_digest_with_repeats_off(
    tmp_path: Path, repeats: str
) -> None:
    watchlists = copy_watchlists(tmp_path / "watchlists")
    give_tripp_about(watchlists)
    svc = build_service(
        builtin_config(
            store_path=tmp_path / "s.sqlite3", watchlists_dir=watchlists, feed_urls=["https://f/a"]
        )
    )
    follow(svc, "TRIPP")
    chats.set_schedule(svc, ANN, f"repeats {repeats}", EVENING)
    found_at = EVENING + timedelta(hours=1)
    article = make_article(7, title="A Corridor Through Syunik")
    svc.store.upsert_article(article, found_at)
    finding = PossiblyAbout(article.id, "TRIPP", 0.7, CLOSE, "The transit strip across Syunik.")
    svc.store.about.replace(article.id, article.content_hash, [finding], found_at)
    queue_about_alerts(svc, [AboutAlert(article, (finding,))], found_at)
    assert sent(svc, "alert") == [], "possibly-about alerts are off unless asked"
    digests.digest_tick(svc, datetime(2026, 6, 11, 6, 0, tzinfo=UTC))
    [digest] = sent(svc, "digest")
    assert "A Corridor Through Syunik" in digest, "it came nowhere else"


@pytest.mark.parametrize("repeats", ["on", "off"])
def test_an_article_a_list_edit_matched_again_is_in_the_digest_with_repeats_off_too(
    tmp_path: Path, repeats: str, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP", joined=EVENING - timedelta(days=3))
    chats.set_schedule(svc, ANN, f"repeats {repeats}", EVENING)
    article = make_article(8, title="Found By An Edit")
    svc.store.upsert_article(article, EVENING - timedelta(days=2))
    # The list's edit matches it now: no alert ("an edit alerts nobody"), the digest has it.
    svc.store.replace_matches(
        article.id, [make_match("TRIPP")], EVENING + timedelta(hours=1), rematched=["TRIPP"]
    )
    digests.digest_tick(svc, datetime(2026, 6, 11, 6, 0, tzinfo=UTC))
    assert sent(svc, "alert") == []
    [digest] = sent(svc, "digest")
    assert "Found By An Edit" in digest


@pytest.mark.parametrize(
    "change", ["quiet off", "quiet 22:00-09:00", "quiet 23:30-06:00", "zone America/New_York"]
)
def test_alerts_held_when_quiet_hours_change_or_end_early_are_sent_not_dropped(
    tmp_path: Path, change: str, store_url: str
) -> None:
    svc = service(tmp_path, store_url)
    follow(svc, "TRIPP")
    chats.set_mode(svc, ANN, "instant", EVENING)
    chats.set_schedule(svc, ANN, "quiet 22:00-07:00", EVENING)
    arrives(svc, 1, NIGHT_START + timedelta(minutes=30), "TRIPP")  # held
    if change.startswith("zone "):
        chats.set_timezone(svc, ANN, change.removeprefix("zone "), NIGHT_START + timedelta(hours=1))
    else:
        chats.set_schedule(svc, ANN, change, NIGHT_START + timedelta(hours=1))
    for hour in range(1, 14):
        digests.digest_tick(svc, NIGHT_START + timedelta(hours=hour))
    [alert] = sent(svc, "alert")
    assert "Story 1" in alert
