"""Digests on weekdays or once a week, and quiet hours: pure, on the subscriber's clock,
right across daylight-saving changes and month ends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import DigestRecord, Mode, Subscriber
from bot.domain.mute import alert_lists, digest_lists
from bot.domain.quiet import (
    QuietHours,
    chat_next_wake,
    chat_release_due,
    held_span,
    is_quiet,
    next_quiet_end,
    parse_quiet_hours,
    quiet_hours_of,
    release_due,
)
from bot.domain.schedule import (
    cadence_days,
    chat_digest_due,
    chat_next_digest,
    due_digest,
    next_digest_at,
    parse_cadence,
    scheduled_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
NIGHT = QuietHours(time(22), time(7))


def local(tz: ZoneInfo, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz).astimezone(UTC)


def drive(
    start: datetime, end: datetime, *, days: frozenset[int], tz: ZoneInfo, at: time
) -> list[tuple[datetime, date, datetime]]:
    """Ask every ten minutes as the tick does; (made at, local day, window start)."""
    made: list[tuple[datetime, date, datetime]] = []
    last_date: date | None = None
    last_until: datetime | None = None
    now = start
    while now < end:
        due = due_digest(
            now=now,
            at=at,
            tz=tz,
            last_date=last_date,
            last_until=last_until,
            subscribed_at=start,
            days=days,
            max_window=timedelta(days=8),
        )
        if due is not None:
            made.append((now, due.local_date, due.since))
            last_date, last_until = due.local_date, due.until
        now += timedelta(minutes=10)
    return made


# -- which days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("daily", "daily"),
        ("Weekdays", "weekdays"),
        ("weekly fri", "fri"),
        ("weekly Friday", "fri"),
        ("friday", "fri"),
        ("TU", "tue"),
        ("sun.", "sun"),
    ],
)
def test_cadence_is_read_as_people_type_it(typed: str, stored: str) -> None:
    assert parse_cadence(typed) == stored


@pytest.mark.parametrize("typed", ["", "weekly", "t", "s", "fortnightly", "weekly fri sat"])
def test_an_unreadable_or_ambiguous_cadence_is_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ValueError, match=r"^Say "):
        parse_cadence(typed)


def test_weekday_digests_come_monday_to_friday_across_the_spring_change_in_berlin() -> None:
    # Berlin moves its clocks on Sunday 29 March 2026; Monday 30 March is the first
    # summer-time weekday.
    made = drive(
        local(BERLIN, 2026, 3, 23),
        local(BERLIN, 2026, 4, 4),
        days=cadence_days("weekdays"),
        tz=BERLIN,
        at=time(8),
    )
    assert [d for _, d, _ in made] == [
        date(2026, 3, day) for day in (23, 24, 25, 26, 27, 30, 31)
    ] + [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)]
    for sent, day, _ in made:
        assert sent.astimezone(BERLIN).time() == time(8)
        assert sent.astimezone(BERLIN).date() == day
    # Monday's digest reaches back to Friday's: nothing of the weekend is lost.
    monday = next(m for m in made if m[1] == date(2026, 3, 30))
    friday = next(m for m in made if m[1] == date(2026, 3, 27))
    assert monday[2] == friday[0]


def test_a_weekly_digest_comes_on_its_day_across_the_autumn_change_and_a_month_end() -> None:
    # Sundays at 01:30 in New York: 1 November 2026 is the day its clocks go back, and
    # 01:30 is read twice that night (the first reading counts).
    made = drive(
        local(NEW_YORK, 2026, 10, 20),
        local(NEW_YORK, 2026, 11, 20),
        days=cadence_days("sun"),
        tz=NEW_YORK,
        at=time(1, 30),
    )
    assert [d for _, d, _ in made] == [
        date(2026, 10, 25),
        date(2026, 11, 1),
        date(2026, 11, 8),
        date(2026, 11, 15),
    ]
    first_reading = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert first_reading == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT
    assert made[1][0] == first_reading
    # Each week's window starts where the last one ended.
    for (before, _, _), (_, _, since) in pairwise(made):
        assert since == before


def test_a_weekly_digest_at_a_time_skipped_in_spring_comes_when_the_clock_shows_three() -> None:
    # Sunday 29 March 2026, Berlin: 02:30 never happens.
    after = local(BERLIN, 2026, 3, 28, 12)
    upcoming = next_digest_at(
        now=after,
        at=time(2, 30),
        tz=BERLIN,
        last_date=date(2026, 3, 22),
        days=cadence_days("sun"),
    )
    assert upcoming == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST


def test_the_first_weekly_digest_covers_the_week_before_it() -> None:
    now = local(BERLIN, 2026, 1, 30, 9)  # a Friday
    due = due_digest(
        now=now,
        at=time(9),
        tz=BERLIN,
        last_date=None,
        last_until=None,
        subscribed_at=now - 30 * DAY,
        days=cadence_days("fri"),
    )
    assert due is not None and due.since == now - 7 * DAY


def test_the_next_weekly_digest_after_a_month_end_is_in_the_next_month() -> None:
    # Friday 30 January 2026 made; the next Friday is 6 February.
    sent = local(BERLIN, 2026, 1, 30, 9)
    upcoming = next_digest_at(
        now=sent, at=time(9), tz=BERLIN, last_date=date(2026, 1, 30), days=cadence_days("fri")
    )
    assert upcoming == local(BERLIN, 2026, 2, 6, 9)


@given(
    cadence=st.sampled_from(["daily", "weekdays", "mon", "wed", "sun"]),
    tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    gaps=st.lists(st.integers(1, 60 * 50).map(lambda n: timedelta(minutes=n)), max_size=40),
)
@settings(max_examples=120, deadline=None)
def test_a_stored_next_digest_of_any_cadence_says_when_one_first_becomes_due(
    cadence: str, tz: str, start: datetime, gaps: list[timedelta]
) -> None:
    """What keeps the tick's index right: the instant worked out at one moment holds at
    every later one until the digest it names is made; and that digest falls on a day
    of the cadence."""
    now = start.replace(tzinfo=UTC)
    sub = Subscriber(
        chat_id=1,
        kind="private",
        timezone=tz,
        digest_time="08:00",
        created_at=now - DAY,
        watchlists=("TRIPP",),
        digest_days=cadence,
    )
    last: DigestRecord | None = None
    stored = chat_next_digest(sub, last, now)
    assert stored is not None
    for gap in gaps:
        now += gap
        due = chat_digest_due(sub, last, now)
        assert (due is not None) == (stored <= now)
        if due is not None:
            assert due.local_date.weekday() in cadence_days(cadence)
            last = DigestRecord(1, due.local_date, due.since, due.until, 0, 1, now)
            stored = chat_next_digest(sub, last, now)
            assert stored is not None and stored > now


# -- quiet hours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "quiet"),
    [
        ("22:00-07:00", NIGHT),
        ("22-7", NIGHT),
        ("10pm to 7am", NIGHT),
        ("22:00 – 07:00", NIGHT),
        ("12:30-14:00", QuietHours(time(12, 30), time(14))),
    ],
)
def test_quiet_hours_are_read_as_people_type_them(typed: str, quiet: QuietHours) -> None:
    assert parse_quiet_hours(typed) == quiet
    assert quiet_hours_of(quiet.stored()) == quiet


@pytest.mark.parametrize("typed", ["", "22:00", "22:00-22:00", "late", "25:00-07:00"])
def test_unreadable_quiet_hours_are_refused_with_a_sentence(typed: str) -> None:
    with pytest.raises(ValueError, match=r"^(Give|Quiet)"):
        parse_quiet_hours(typed)


def test_off_means_no_quiet_hours() -> None:
    assert parse_quiet_hours("off") is None
    assert quiet_hours_of("") is None


@pytest.mark.parametrize(
    ("hh", "mm", "quiet"),
    [(21, 59, False), (22, 0, True), (23, 30, True), (3, 0, True), (6, 59, True), (7, 0, False)],
)
def test_a_night_is_quiet_from_its_start_up_to_its_end(hh: int, mm: int, quiet: bool) -> None:
    assert is_quiet(local(BERLIN, 2026, 6, 10, hh, mm), NIGHT, BERLIN) is quiet


def test_a_daytime_span_is_quiet_only_within_it() -> None:
    lunch = QuietHours(time(12), time(14))
    assert is_quiet(local(BERLIN, 2026, 6, 10, 13), lunch, BERLIN)
    assert not is_quiet(local(BERLIN, 2026, 6, 10, 15), lunch, BERLIN)
    assert not is_quiet(local(BERLIN, 2026, 6, 10, 1), lunch, BERLIN)


def test_the_night_the_clocks_go_forward_is_an_hour_shorter_and_ends_at_seven() -> None:
    # 28 → 29 March 2026 in Berlin: 22:00 CET to 07:00 CEST is eight hours.
    start = local(BERLIN, 2026, 3, 28, 22)
    end = next_quiet_end(start, NIGHT, BERLIN)
    assert end - start == timedelta(hours=8)
    assert end.astimezone(BERLIN).time() == time(7)
    assert is_quiet(end - MINUTE, NIGHT, BERLIN) and not is_quiet(end, NIGHT, BERLIN)


def test_the_night_the_clocks_go_back_is_an_hour_longer_and_ends_at_seven() -> None:
    start = local(BERLIN, 2026, 10, 24, 22)
    end = next_quiet_end(start, NIGHT, BERLIN)
    assert end - start == timedelta(hours=10)
    assert end.astimezone(BERLIN).time() == time(7)


def test_quiet_hours_ending_at_a_time_skipped_in_spring_end_when_the_clock_shows_three() -> None:
    night = QuietHours(time(23), time(2, 30))
    end = next_quiet_end(local(BERLIN, 2026, 3, 28, 23, 30), night, BERLIN)
    assert end == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST


def test_a_night_over_a_month_end_ends_on_the_first() -> None:
    end = next_quiet_end(local(BERLIN, 2026, 1, 31, 23), NIGHT, BERLIN)
    assert end == local(BERLIN, 2026, 2, 1, 7)


def test_what_was_held_is_released_once_when_the_night_ends() -> None:
    set_at = local(BERLIN, 2026, 6, 10, 20)
    night_end = local(BERLIN, 2026, 6, 11, 7)
    assert release_due(local(BERLIN, 2026, 6, 11, 3), NIGHT, BERLIN, set_at) is None
    assert release_due(night_end, NIGHT, BERLIN, set_at) == (
        local(BERLIN, 2026, 6, 10, 22),
        night_end,
    )
    assert release_due(night_end + MINUTE, NIGHT, BERLIN, night_end) is None


def test_after_an_outage_over_two_nights_one_message_covers_both() -> None:
    released = local(BERLIN, 2026, 6, 10, 23)  # the first night, half sent
    back = local(BERLIN, 2026, 6, 12, 9)
    assert release_due(back, NIGHT, BERLIN, released) == (released, local(BERLIN, 2026, 6, 12, 7))


def test_held_alerts_start_with_the_next_night_after_the_last_sent() -> None:
    sent_at_seven = local(BERLIN, 2026, 6, 11, 7)
    assert held_span(local(BERLIN, 2026, 6, 11, 23), NIGHT, BERLIN, sent_at_seven) == (
        local(BERLIN, 2026, 6, 11, 22),
        local(BERLIN, 2026, 6, 11, 23),
    )


def test_quiet_hours_set_in_the_night_hold_only_from_then() -> None:
    set_at = local(BERLIN, 2026, 6, 11, 1)
    assert held_span(local(BERLIN, 2026, 6, 11, 5), NIGHT, BERLIN, set_at) == (
        set_at,
        local(BERLIN, 2026, 6, 11, 5),
    )


@given(
    tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    steps=st.lists(st.integers(1, 600).map(lambda n: timedelta(minutes=n)), max_size=60),
    quiet=st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda hs: hs[0] != hs[1]),
)
@settings(max_examples=150, deadline=None)
def test_held_spans_are_released_one_after_another_never_twice_and_never_while_quiet(
    tz: str, start: datetime, steps: list[timedelta], quiet: tuple[int, int]
) -> None:
    zone = ZoneInfo(tz)
    hours = QuietHours(time(quiet[0]), time(quiet[1]))
    now = start.replace(tzinfo=UTC)
    released = now
    for step in steps:
        now += step
        span = release_due(now, hours, zone, released)
        if span is None:
            continue
        assert not is_quiet(now, hours, zone)
        since, until = span
        assert released <= since < until <= now
        assert is_quiet(until - timedelta(seconds=1), hours, zone)
        released = until


# -- a chat as stored ---------------------------------------------------------------------


def chat(mode: Mode = "both", **kw: object) -> Subscriber:
    base = Subscriber(
        chat_id=1,
        kind="private",
        timezone="Europe/Berlin",
        digest_time="08:00",
        mode=mode,
        created_at=local(BERLIN, 2026, 1, 1),
        watchlists=("A", "B"),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def made(day: date) -> DigestRecord:
    """The chat's digest for ``day``, made at 08:00."""
    at = local(BERLIN, day.year, day.month, day.day, 8)
    return DigestRecord(1, day, at - DAY, at, articles=0, parts=1, created_at=at)


def test_each_list_goes_by_its_own_mode_else_the_chats() -> None:
    now = local(BERLIN, 2026, 6, 10, 12)
    sub = chat("instant", list_modes=(("B", "daily"),))
    assert alert_lists(sub, now) == ("A",)
    assert digest_lists(sub, now) == ("B",)
    assert sub.wants_alerts and sub.wants_digest


def test_a_paused_chat_pauses_every_list_whatever_its_own_mode() -> None:
    now = local(BERLIN, 2026, 6, 10, 12)
    sub = chat("off", list_modes=(("B", "instant"),))
    assert alert_lists(sub, now) == () and digest_lists(sub, now) == ()
    assert not sub.wants_alerts and not sub.wants_digest


def test_a_chat_in_instant_mode_with_one_digest_list_still_gets_a_digest() -> None:
    now = local(BERLIN, 2026, 6, 10, 12)
    assert chat_next_digest(chat("instant"), None, now) is None
    assert chat_next_digest(chat("instant", list_modes=(("B", "daily"),)), None, now) is not None


def test_without_repeats_the_digest_holds_only_the_digest_only_lists() -> None:
    now = local(BERLIN, 2026, 6, 10, 12)
    sub = chat("both", list_modes=(("B", "daily"),), digest_skips_alerted=True)
    assert digest_lists(sub, now) == ("B",)
    assert digest_lists(replace(sub, digest_skips_alerted=False), now) == ("A", "B")


def test_the_tick_wakes_for_the_end_of_quiet_hours_before_the_digest() -> None:
    now = local(BERLIN, 2026, 6, 10, 23)
    today = made(date(2026, 6, 10))
    sub = chat(quiet_hours="22:00-07:00", quiet_released_until=now - timedelta(hours=5))
    assert chat_next_wake(sub, today, now) == local(BERLIN, 2026, 6, 11, 7)
    later = chat(quiet_hours="22:00-07:30", digest_time="07:00", quiet_released_until=now)
    assert chat_next_wake(later, today, now) == local(BERLIN, 2026, 6, 11, 7)
    # Without alerts nothing is held: only the digest wakes it.
    daily = chat("daily", quiet_hours="22:00-07:00", quiet_released_until=now)
    assert chat_next_wake(daily, today, now) == local(BERLIN, 2026, 6, 11, 8)
    assert chat_release_due(daily, local(BERLIN, 2026, 6, 11, 7)) is None


def test_a_release_owed_wakes_the_tick_at_once() -> None:
    now = local(BERLIN, 2026, 6, 11, 9)
    sub = chat(quiet_hours="22:00-07:00", quiet_released_until=local(BERLIN, 2026, 6, 10, 20))
    assert chat_next_wake(sub, made(date(2026, 6, 11)), now) == now
    assert chat_release_due(sub, now) == (
        local(BERLIN, 2026, 6, 10, 22),
        local(BERLIN, 2026, 6, 11, 7),
    )


def test_scheduled_instants_are_what_quiet_hours_end_on() -> None:
    # One mapping of local readings for digests and quiet hours alike.
    day = date(2026, 3, 29)
    assert next_quiet_end(
        local(BERLIN, 2026, 3, 28, 23), QuietHours(time(22), time(2, 30)), BERLIN
    ) == (scheduled_at(day, time(2, 30), BERLIN))


@given(
    tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    gaps=st.lists(st.integers(1, 60 * 30).map(lambda n: timedelta(minutes=n)), max_size=40),
    quiet=st.tuples(st.integers(0, 23), st.integers(0, 23)).filter(lambda hs: hs[0] != hs[1]),
    cadence=st.sampled_from(["daily", "weekdays", "fri"]),
)
@settings(max_examples=120, deadline=None)
def test_the_stored_wake_has_come_whenever_a_digest_or_a_release_is_due(
    tz: str, start: datetime, gaps: list[timedelta], quiet: tuple[int, int], cadence: str
) -> None:
    """What keeps the tick's index right with quiet hours: the tick never finds work for
    a chat before the instant stored for it (it may find none after it, when a new span
    began before the tick came back: then it stores the next instant)."""
    now = start.replace(tzinfo=UTC)
    sub = replace(
        chat(),
        timezone=tz,
        digest_days=cadence,
        quiet_hours=QuietHours(time(quiet[0]), time(quiet[1])).stored(),
        quiet_released_until=now,
        created_at=now,
    )
    last: DigestRecord | None = None
    stored = chat_next_wake(sub, last, now)
    assert stored is not None
    for gap in gaps:
        now += gap
        due = chat_digest_due(sub, last, now)
        release = chat_release_due(sub, now)
        if due is not None or release is not None:
            assert stored <= now
        if due is not None:
            last = DigestRecord(1, due.local_date, due.since, due.until, 0, 1, now)
            sub = replace(sub, quiet_released_until=now)  # as the tick folds what was held
        elif release is not None:
            sub = replace(sub, quiet_released_until=release[1])
        stored = chat_next_wake(sub, last, now)
        assert stored is not None and stored > now
