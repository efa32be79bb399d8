"""Digest scheduling: due once per local day at the subscriber's time, DST-correct, with
catch-up after downtime; and the times and days people type."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import DigestRecord, Mode, Subscriber
from bot.domain.schedule import (
    DueDigest,
    chat_digest_due,
    chat_next_digest,
    due_digest,
    local_day_window,
    next_digest_at,
    parse_day,
    parse_time_of_day,
    scheduled_at,
)

BERLIN = ZoneInfo("Europe/Berlin")
EIGHT = time(8, 0)
DAY = timedelta(days=1)
# 2026 in Berlin: summer time from 29 March (02:00 → 03:00), to 25 October (03:00 → 02:00).
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)
JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    """An instant given as a local reading (the first one when it is ambiguous)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


def ticks(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    now = start
    while now < end:
        yield now
        now += step


def run(
    ticks: Iterable[datetime],
    *,
    at: time,
    tz: ZoneInfo,
    subscribed_at: datetime,
    last_date: date | None = None,
    last_until: datetime | None = None,
    max_window: timedelta = timedelta(days=7),
) -> list[tuple[datetime, DueDigest]]:
    """Drive the scheduler like the bot does: ask at every tick, and record each digest
    made so the next question knows about it. Returns (sent at, digest) pairs."""
    sent: list[tuple[datetime, DueDigest]] = []
    for now in ticks:
        due = due_digest(
            now=now,
            at=at,
            tz=tz,
            last_date=last_date,
            last_until=last_until,
            subscribed_at=subscribed_at,
            max_window=max_window,
        )
        if due is not None:
            sent.append((now, due))
            last_date, last_until = due.local_date, due.until
    return sent


def assert_windows_contiguous(sent: list[tuple[datetime, DueDigest]]) -> None:
    for (_, before), (_, after) in pairwise(sent):
        assert after.since == before.until


def every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# -- a year of ticks -----------------------------------------------------------------------


def test_berlin_digest_at_eight_is_made_once_every_local_day_of_a_year_across_dst() -> None:
    step = timedelta(minutes=5)
    start, end = utc(2026, 1, 1), utc(2027, 1, 1)
    sent = run(ticks(start, end, step), at=EIGHT, tz=BERLIN, subscribed_at=start)

    assert [d.local_date for _, d in sent] == every_day(date(2026, 1, 1), date(2026, 12, 31))
    for now, digest in sent:
        reading = now.astimezone(BERLIN)
        assert reading.date() == digest.local_date
        assert EIGHT <= reading.time() < time(8, 5)
        assert digest.until == now
    assert sent[0][1].since == sent[0][1].until - DAY
    assert_windows_contiguous(sent)
    # Summer time shows in UTC: 07:00Z in winter, 06:00Z in summer.
    by_day = {d.local_date: now for now, d in sent}
    assert by_day[SPRING_FORWARD - DAY] == utc(2026, 3, 28, 7)
    assert by_day[SPRING_FORWARD] == utc(2026, 3, 29, 6)
    assert by_day[FALL_BACK - DAY] == utc(2026, 10, 24, 6)
    assert by_day[FALL_BACK] == utc(2026, 10, 25, 7)


@pytest.mark.parametrize(
    ("zone", "at"),
    [
        ("America/Los_Angeles", time(2, 30)),  # in the gap in March, twice in November
        ("Asia/Kolkata", time(8, 0)),  # +05:30, no DST
        ("Pacific/Chatham", time(3, 0)),  # +12:45/+13:45, in its gap and its repeat
        ("Australia/Lord_Howe", time(1, 45)),  # a half-hour change: read twice in April
        ("Australia/Lord_Howe", time(2, 15)),  # … and skipped in October
    ],
)
def test_digest_is_made_once_every_local_day_of_a_year_in_odd_zones(zone: str, at: time) -> None:
    tz = ZoneInfo(zone)
    step = timedelta(minutes=13)
    start, end = local(tz, 2026, 1, 1), local(tz, 2027, 1, 1)
    sent = run(ticks(start, end, step), at=at, tz=tz, subscribed_at=start)

    assert [d.local_date for _, d in sent] == every_day(date(2026, 1, 1), date(2026, 12, 31))
    for now, digest in sent:
        scheduled = scheduled_at(digest.local_date, at, tz)
        assert scheduled <= now < scheduled + step
    assert_windows_contiguous(sent)


# -- DST days -------------------------------------------------------------------------------


def test_time_skipped_by_spring_forward_is_scheduled_when_the_clock_shows_three() -> None:
    scheduled = scheduled_at(SPRING_FORWARD, time(2, 30), BERLIN)
    assert scheduled == utc(2026, 3, 29, 1)
    assert scheduled.astimezone(BERLIN).time() == time(3, 0)


def test_time_read_twice_at_fall_back_is_scheduled_at_its_first_reading() -> None:
    scheduled = scheduled_at(FALL_BACK, time(2, 30), BERLIN)
    assert scheduled == utc(2026, 10, 25, 0, 30)
    assert scheduled.astimezone(BERLIN).utcoffset() == timedelta(hours=2)


def test_digest_at_half_past_two_on_spring_forward_day_is_sent_once_at_three() -> None:
    start = local(BERLIN, 2026, 3, 28, 12)
    sent = run(
        ticks(start, start + 2 * DAY, timedelta(minutes=1)),
        at=time(2, 30),
        tz=BERLIN,
        subscribed_at=start,
    )
    assert [(now, d.local_date) for now, d in sent] == [
        (utc(2026, 3, 29, 1), SPRING_FORWARD),
        (utc(2026, 3, 30, 0, 30), SPRING_FORWARD + DAY),
    ]


def test_digest_at_half_past_two_on_fall_back_day_is_sent_once_at_the_first_half_past_two() -> None:
    start = local(BERLIN, 2026, 10, 24, 12)
    sent = run(
        ticks(start, start + 2 * DAY, timedelta(minutes=1)),
        at=time(2, 30),
        tz=BERLIN,
        subscribed_at=start,
    )
    assert [(now, d.local_date) for now, d in sent] == [
        (utc(2026, 10, 25, 0, 30), FALL_BACK),
        (utc(2026, 10, 26, 1, 30), FALL_BACK + DAY),
    ]
    # The window over the 25-hour day is 25 hours long.
    assert sent[1][1].until - sent[1][1].since == timedelta(hours=25)


def test_local_day_is_23_hours_at_spring_forward_25_at_fall_back_and_24_otherwise() -> None:
    def length(day: date) -> timedelta:
        start, end = local_day_window(day, BERLIN)
        return end - start

    assert length(SPRING_FORWARD) == timedelta(hours=23)
    assert length(FALL_BACK) == timedelta(hours=25)
    assert length(date(2026, 6, 1)) == timedelta(hours=24)
    assert local_day_window(date(2026, 6, 1), BERLIN) == (utc(2026, 5, 31, 22), utc(2026, 6, 1, 22))


def test_day_whose_midnight_is_skipped_starts_when_its_clock_first_runs() -> None:
    # Havana moves its clocks from 00:00 to 01:00: that day has no midnight.
    havana = ZoneInfo("America/Havana")
    start, _ = local_day_window(date(2026, 3, 8), havana)
    assert start.astimezone(havana).replace(tzinfo=None) == datetime(2026, 3, 8, 1, 0)


# -- downtime and subscribing ---------------------------------------------------------------


def test_bot_down_for_three_days_sends_one_digest_covering_the_whole_gap() -> None:
    last_until = local(BERLIN, 2026, 11, 23, 8)
    back = local(BERLIN, 2026, 11, 26, 10)
    sent = run(
        ticks(back, local(BERLIN, 2026, 11, 27, 0), timedelta(minutes=1)),
        at=EIGHT,
        tz=BERLIN,
        subscribed_at=utc(2026, 1, 1),
        last_date=date(2026, 11, 23),
        last_until=last_until,
    )
    assert sent == [(back, DueDigest(date(2026, 11, 26), since=last_until, until=back))]


def test_window_after_long_downtime_is_cut_to_max_window() -> None:
    back = local(BERLIN, 2026, 11, 26, 10)
    due = due_digest(
        now=back,
        at=EIGHT,
        tz=BERLIN,
        last_date=date(2026, 11, 23),
        last_until=local(BERLIN, 2026, 11, 23, 8),
        subscribed_at=utc(2026, 1, 1),
        max_window=timedelta(days=2),
    )
    assert due == DueDigest(date(2026, 11, 26), since=back - timedelta(days=2), until=back)


def test_bot_back_before_eight_sends_the_missed_days_digest_under_its_own_date() -> None:
    back = local(BERLIN, 2026, 11, 26, 7)
    due = due_digest(
        now=back,
        at=EIGHT,
        tz=BERLIN,
        last_date=date(2026, 11, 23),
        last_until=local(BERLIN, 2026, 11, 23, 8),
        subscribed_at=utc(2026, 1, 1),
    )
    assert due is not None
    assert due.local_date == date(2026, 11, 25)


def test_first_digest_without_history_covers_the_last_day() -> None:
    now = local(BERLIN, 2026, 11, 26, 8)
    due = due_digest(
        now=now, at=EIGHT, tz=BERLIN, last_date=None, last_until=None, subscribed_at=now - DAY
    )
    assert due == DueDigest(date(2026, 11, 26), since=now - DAY, until=now)


def test_subscriber_who_joins_at_seven_fifty_nine_gets_a_digest_at_eight_that_day() -> None:
    joined = local(BERLIN, 2026, 11, 26, 7, 59)
    sent = run(
        ticks(joined, joined + 2 * DAY, timedelta(minutes=1)),
        at=EIGHT,
        tz=BERLIN,
        subscribed_at=joined,
    )
    assert sent[0][0] == local(BERLIN, 2026, 11, 26, 8)


def test_subscriber_who_joins_at_eight_oh_one_gets_the_first_digest_next_day() -> None:
    joined = local(BERLIN, 2026, 11, 26, 8, 1)
    sent = run(
        ticks(joined, joined + 2 * DAY, timedelta(minutes=1)),
        at=EIGHT,
        tz=BERLIN,
        subscribed_at=joined,
    )
    assert sent[0][0] == local(BERLIN, 2026, 11, 27, 8)
    assert len(sent) == 2


def test_no_digest_when_the_clock_went_back_behind_the_last_one() -> None:
    now = local(BERLIN, 2026, 11, 26, 9)
    due = due_digest(
        now=now,
        at=EIGHT,
        tz=BERLIN,
        last_date=date(2026, 11, 25),
        last_until=now + timedelta(minutes=5),
        subscribed_at=utc(2026, 1, 1),
    )
    assert due is None


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_digest(
            now=datetime(2026, 11, 26, 8),
            at=EIGHT,
            tz=BERLIN,
            last_date=None,
            last_until=None,
            subscribed_at=utc(2026, 1, 1),
        )


# -- next digest ----------------------------------------------------------------------------


def test_next_digest_after_todays_is_tomorrow_at_eight_local() -> None:
    now = local(BERLIN, 2026, 11, 26, 9)
    at = next_digest_at(now=now, at=EIGHT, tz=BERLIN, last_date=date(2026, 11, 26))
    assert at == utc(2026, 11, 27, 7)
    assert at.astimezone(BERLIN).strftime("%a %d %b %H:%M %Z") == "Fri 27 Nov 08:00 CET"


def test_next_digest_before_eight_is_today_at_eight() -> None:
    now = local(BERLIN, 2026, 11, 26, 7)
    at = next_digest_at(now=now, at=EIGHT, tz=BERLIN, last_date=date(2026, 11, 25))
    assert at == local(BERLIN, 2026, 11, 26, 8)


def test_next_digest_that_is_overdue_is_reported_at_its_scheduled_time() -> None:
    now = local(BERLIN, 2026, 11, 26, 9)
    at = next_digest_at(now=now, at=EIGHT, tz=BERLIN, last_date=date(2026, 11, 20))
    assert at == local(BERLIN, 2026, 11, 26, 8)


def test_next_digest_of_someone_who_joined_after_eight_is_tomorrow() -> None:
    now = local(BERLIN, 2026, 11, 26, 9)
    at = next_digest_at(
        now=now, at=EIGHT, tz=BERLIN, last_date=None, subscribed_at=now - timedelta(minutes=30)
    )
    assert at == local(BERLIN, 2026, 11, 27, 8)


def test_next_digest_crossing_spring_forward_is_at_the_end_of_the_gap() -> None:
    now = local(BERLIN, 2026, 3, 28, 12)
    at = next_digest_at(now=now, at=time(2, 30), tz=BERLIN, last_date=date(2026, 3, 28))
    assert at == utc(2026, 3, 29, 1)


# -- a chat's next digest, as the store keeps it for the tick ------------------------------


def chat(
    *,
    tz: str = "Europe/Berlin",
    at: str = "08:00",
    mode: Mode = "both",
    active: bool = True,
    lists: tuple[str, ...] = ("TRIPP",),
    joined: datetime = JAN_1,
) -> Subscriber:
    return Subscriber(
        chat_id=1,
        kind="private",
        timezone=tz,
        digest_time=at,
        mode=mode,
        active=active,
        created_at=joined,
        watchlists=lists,
    )


def made(day: date, until: datetime) -> DigestRecord:
    return DigestRecord(1, day, until - DAY, until, articles=0, parts=1, created_at=until)


@pytest.mark.parametrize(
    "sub",
    [chat(mode="instant"), chat(mode="off"), chat(active=False), chat(lists=())],
    ids=["instant only", "off", "blocked the bot", "following nothing"],
)
def test_a_chat_that_gets_no_digest_has_no_next_one_and_none_is_ever_due(sub: Subscriber) -> None:
    now = local(BERLIN, 2026, 11, 26, 9)
    assert chat_next_digest(sub, None, now) is None
    assert chat_digest_due(sub, None, now) is None


@pytest.mark.parametrize(
    ("at", "last_day", "now", "expected"),
    [
        # 08:00 Berlin is 07:00 UTC on Saturday, 06:00 UTC from Sunday (summer time).
        ("08:00", date(2026, 3, 28), local(BERLIN, 2026, 3, 28, 9), utc(2026, 3, 29, 6)),
        # ... and back to 07:00 UTC on the Sunday the clocks go back.
        ("08:00", date(2026, 10, 24), local(BERLIN, 2026, 10, 24, 9), utc(2026, 10, 25, 7)),
        # 02:30 does not happen on 29 March: the digest comes at 03:00 summer time.
        ("02:30", date(2026, 3, 28), local(BERLIN, 2026, 3, 28, 9), utc(2026, 3, 29, 1)),
        # 02:30 happens twice on 25 October: the first, still in summer time.
        ("02:30", date(2026, 10, 24), local(BERLIN, 2026, 10, 24, 9), utc(2026, 10, 25, 0, 30)),
        # Computed on the evening before the change, for the morning after it.
        ("08:00", date(2026, 3, 28), local(BERLIN, 2026, 3, 28, 23, 59), utc(2026, 3, 29, 6)),
    ],
)
def test_the_next_digest_across_a_clock_change_is_at_the_local_time_of_that_day(
    at: str, last_day: date, now: datetime, expected: datetime
) -> None:
    sub = chat(at=at)
    last = made(last_day, now - timedelta(minutes=30))
    assert chat_next_digest(sub, last, now) == expected
    assert chat_digest_due(sub, last, expected - timedelta(seconds=1)) is None
    due = chat_digest_due(sub, last, expected)
    assert due is not None and due.local_date == last_day + DAY


def test_a_chat_that_joined_after_todays_time_is_next_due_tomorrow() -> None:
    joined = local(BERLIN, 2026, 11, 26, 9)
    sub = chat(joined=joined)
    assert chat_next_digest(sub, None, joined) == local(BERLIN, 2026, 11, 27, 8)
    assert chat_digest_due(sub, None, joined + timedelta(hours=1)) is None


@given(
    tz=st.sampled_from(
        [
            "Europe/Berlin",
            "America/Havana",
            "America/Santiago",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Asia/Kolkata",
        ]
    ),
    at=st.times().map(lambda t: t.strftime("%H:%M")),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 1, 1)).map(
        lambda dt: dt.replace(tzinfo=UTC)
    ),
    joined_before=st.integers(0, 3 * 24 * 60).map(lambda n: timedelta(minutes=n)),
    gaps=st.lists(
        st.one_of(
            st.integers(1, 30).map(lambda n: timedelta(minutes=n)),
            st.integers(1, 30).map(lambda n: timedelta(hours=n)),
        ),
        min_size=1,
        max_size=60,
    ),
)
@settings(max_examples=150, deadline=None)
def test_a_stored_next_digest_says_when_the_rule_first_makes_one_due(
    tz: str, at: str, start: datetime, joined_before: timedelta, gaps: list[timedelta]
) -> None:
    """The tick looks at a chat only once its stored instant has come: computed at one
    moment, the instant must hold at every later one, across clock changes, until the
    digest it names is made."""
    sub = chat(tz=tz, at=at, joined=start - joined_before)
    last: DigestRecord | None = None
    stored = chat_next_digest(sub, last, start)
    assert stored is not None
    now = start
    for gap in gaps:
        now += gap
        due = chat_digest_due(sub, last, now)
        assert (due is not None) == (stored <= now)
        if due is not None:
            last = made(due.local_date, due.until)
            stored = chat_next_digest(sub, last, now)
            assert stored is not None and stored > now


# -- properties ---------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/Los_Angeles",
    "America/Havana",
    "America/Santiago",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "UTC",
]
zones = st.sampled_from(ZONES).map(ZoneInfo)
times_of_day = st.times().map(lambda t: t.replace(microsecond=0))
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 1, 1)).map(
    lambda dt: dt.replace(tzinfo=UTC)
)
# Mostly steps of minutes, sometimes hours or days of downtime.
steps = st.one_of(
    st.integers(1, 30).map(lambda n: timedelta(minutes=n)),
    st.integers(1, 36).map(lambda n: timedelta(hours=n)),
    st.integers(1, 10).map(lambda n: timedelta(days=n, minutes=7 * n)),
)


@given(
    tz=zones,
    at=times_of_day,
    start=instants,
    joined_before=st.integers(0, 3 * 24 * 60).map(lambda n: timedelta(minutes=n)),
    gaps=st.lists(steps, min_size=1, max_size=80),
)
@settings(max_examples=150, deadline=None)
def test_never_two_digests_for_one_local_day_and_windows_never_overlap(
    tz: ZoneInfo, at: time, start: datetime, joined_before: timedelta, gaps: list[timedelta]
) -> None:
    subscribed_at = start - joined_before
    moments = [start]
    for gap in gaps:
        moments.append(moments[-1] + gap)
    max_window = timedelta(days=7)
    sent = run(moments, at=at, tz=tz, subscribed_at=subscribed_at, max_window=max_window)

    dates = [d.local_date for _, d in sent]
    assert dates == sorted(set(dates))
    for now, digest in sent:
        # Due at or after its instant, and the latest day that is due.
        assert subscribed_at <= scheduled_at(digest.local_date, at, tz) <= now
        assert scheduled_at(digest.local_date + DAY, at, tz) > now
        assert digest.until == now
        assert now - max_window <= digest.since < digest.until
    for (_, before), (_, after) in pairwise(sent):
        assert after.since >= before.until


@given(tz=zones, at=times_of_day, start=instants, gaps=st.lists(steps, min_size=1, max_size=40))
@settings(max_examples=100, deadline=None)
def test_next_digest_is_in_the_past_exactly_when_a_digest_is_due(
    tz: ZoneInfo, at: time, start: datetime, gaps: list[timedelta]
) -> None:
    last_date: date | None = None
    last_until: datetime | None = None
    now = start
    for gap in gaps:
        now += gap
        due = due_digest(
            now=now,
            at=at,
            tz=tz,
            last_date=last_date,
            last_until=last_until,
            subscribed_at=start,
        )
        upcoming = next_digest_at(now=now, at=at, tz=tz, last_date=last_date, subscribed_at=start)
        assert (due is not None) == (upcoming <= now)
        if due is not None:
            assert upcoming == scheduled_at(due.local_date, at, tz)
            last_date, last_until = due.local_date, due.until


@given(tz=zones, day=st.dates(date(2000, 1, 1), date(2037, 1, 1)), at=times_of_day)
@settings(max_examples=300, deadline=None)
def test_scheduled_instant_is_the_first_that_shows_the_time_or_the_end_of_the_gap_over_it(
    tz: ZoneInfo, day: date, at: time
) -> None:
    wall = datetime.combine(day, at)
    scheduled = scheduled_at(day, at, tz)

    def reading(instant: datetime) -> datetime:
        return instant.astimezone(tz).replace(tzinfo=None)

    if reading(scheduled) == wall:
        # The first reading: no earlier instant within the largest DST shift shows it too.
        for minutes in range(15, 121, 15):
            assert reading(scheduled - timedelta(minutes=minutes)) != wall
    else:
        # Skipped: the clock jumps over `wall` exactly at `scheduled`.
        assert reading(scheduled - timedelta(seconds=1)) < wall < reading(scheduled)
    start, end = local_day_window(day, tz)
    assert start <= scheduled < end
    assert end == local_day_window(day + DAY, tz)[0]


# -- parsing a time of day --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("8.00", time(8, 0)),
        ("0800", time(8, 0)),
        ("800", time(8, 0)),
        ("8", time(8, 0)),
        ("18", time(18, 0)),
        (" 18:30 ", time(18, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("8am", time(8, 0)),
        ("6:30 pm", time(18, 30)),
        ("12am", time(0, 0)),
        ("12 P.M.", time(12, 0)),
    ],
)
def test_time_of_day_is_read_in_the_forms_people_type(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text", ["24:00", "7:60", "abc", "", "8:5", "13pm", "0am", "12345", "08:00:00", "٨:٠٠"]
)
def test_impossible_or_garbled_time_of_day_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r"^Give the time as HH:MM, for example 08:00\.$"):
        parse_time_of_day(text)


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_clock_time_round_trips_through_hh_mm(hour: int, minute: int) -> None:
    assert parse_time_of_day(f"{hour:02d}:{minute:02d}") == time(hour, minute)
    assert parse_time_of_day(f"{hour}.{minute:02d}") == time(hour, minute)


@given(st.text(max_size=12))
def test_any_text_gives_a_time_or_the_hint(text: str) -> None:
    try:
        parse_time_of_day(text)
    except ValueError as e:
        assert str(e) == "Give the time as HH:MM, for example 08:00."


# -- parsing a day --------------------------------------------------------------------------

# 00:30 in Berlin on 27 November, still the 26th in UTC.
JUST_AFTER_MIDNIGHT = local(BERLIN, 2026, 11, 27, 0, 30)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("", date(2026, 11, 27)),
        ("today", date(2026, 11, 27)),
        (" Today ", date(2026, 11, 27)),
        ("yesterday", date(2026, 11, 26)),
        ("2026-11-05", date(2026, 11, 5)),
        ("2026-11-5", date(2026, 11, 5)),
        ("5.11.2026", date(2026, 11, 5)),
        ("27.11.2026", date(2026, 11, 27)),
    ],
)
def test_day_is_read_in_the_subscribers_own_zone(arg: str, expected: date) -> None:
    assert parse_day(arg, now=JUST_AFTER_MIDNIGHT, tz=BERLIN) == expected


def test_future_day_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^That date is in the future\.$"):
        parse_day("2026-11-28", now=JUST_AFTER_MIDNIGHT, tz=BERLIN)


def test_impossible_date_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"^There is no such date as 2026-02-30\.$"):
        parse_day("2026-02-30", now=JUST_AFTER_MIDNIGHT, tz=BERLIN)


@pytest.mark.parametrize("arg", ["tomorrow", "11/05/2026", "26-11-2026", "last week"])
def test_unreadable_day_is_refused_with_an_example(arg: str) -> None:
    with pytest.raises(ValueError, match=r"^Give the day as today, yesterday or a date like "):
        parse_day(arg, now=JUST_AFTER_MIDNIGHT, tz=BERLIN)


@given(st.text(max_size=20))
def test_any_day_argument_gives_a_past_day_or_a_value_error(arg: str) -> None:
    try:
        day = parse_day(arg, now=JUST_AFTER_MIDNIGHT, tz=BERLIN)
    except ValueError:
        return
    assert day <= date(2026, 11, 27)


def test_implausibly_old_days_are_refused_with_a_clear_sentence() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    for arg in ("0001-01-01", "1.1.0001", "1899-12-31"):
        with pytest.raises(ValueError, match="from 1990 on"):
            parse_day(arg, now=now, tz=ZoneInfo("Asia/Tokyo"))
