"""When each subscriber's digest is due (daily, on weekdays or weekly), and the times
and days people type.

Everything here is pure: no clock, disk or network. `now` is always an argument (an aware
datetime) and every instant returned is an aware UTC datetime, so the caller can store and
compare them without caring which zone a subscriber lives in.

The rule for digests: the digest for local day D is due once the instant at which the
subscriber's clock shows their digest time on D has passed, and at most one digest is ever
made per local day. A bot that was down over that instant makes the digest when it comes
back, and several missed days become one digest, never a flood.

`chat_digest_due` and `chat_next_digest` apply it to a chat as stored: one that is not
active, has a mode without digests or follows nothing gets none. The instant
`chat_next_digest` gives stays right until the chat's settings, lists or digests change,
so the store keeps it for each chat, and the every-minute tick looks only at the chats
whose instant has come (by an index) instead of asking every chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.models import DigestRecord, Subscriber

__all__ = [
    "CADENCE_HINT",
    "DueDigest",
    "cadence_days",
    "chat_digest_due",
    "chat_next_digest",
    "due_digest",
    "local_day_window",
    "next_digest_at",
    "opens_with_trends",
    "parse_cadence",
    "parse_day",
    "parse_time_of_day",
    "scheduled_at",
]

_ONE_DAY = timedelta(days=1)
_ONE_WEEK = timedelta(days=7)

# -- which days a digest comes on -------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY_DAY = frozenset(range(7))
CADENCE_HINT = "Say daily, weekdays, or weekly and a day, for example weekly fri."


def parse_cadence(text: str) -> str:
    """The stored cadence ("daily", "weekdays" or a day "mon" ... "sun") that ``text``
    means: "daily", "weekdays", "weekly friday", "fri", "Friday". ValueError with a
    sentence for the user otherwise."""
    words = text.strip().casefold().split()
    if words and words[0] == "weekly":
        words = words[1:]
        if not words:
            raise ValueError("Say which day the weekly digest comes, for example weekly fri.")
    if len(words) == 1:
        word = words[0].rstrip(".")
        if word in ("daily", "day", "everyday"):
            return "daily"
        if word in ("weekdays", "weekday", "workdays"):
            return "weekdays"
        if len(word) >= 2:
            found = [
                d for d, name in zip(WEEKDAYS, _DAY_NAMES, strict=True) if name.startswith(word)
            ]
            if len(found) == 1:
                return found[0]
    raise ValueError(CADENCE_HINT)


_CADENCE_DAYS = {
    "daily": _EVERY_DAY,
    "weekdays": frozenset(range(5)),
    **{day: frozenset({n}) for n, day in enumerate(WEEKDAYS)},
}


def opens_with_trends(cadence: str, local_date: date) -> bool:
    """Does the digest of ``local_date`` open with the lists' weekly trend lines? A weekly
    digest always; otherwise the first digest day of the week (Monday for daily and
    weekdays)."""
    return local_date.weekday() == min(cadence_days(cadence))


def cadence_days(cadence: str) -> frozenset[int]:
    """The local weekdays (Monday 0) a stored cadence brings a digest on; every day for
    "daily" and for a value no longer understood."""
    return _CADENCE_DAYS.get(cadence, _EVERY_DAY)


# -- parsing what people type ------------------------------------------------------------

_TIME_HINT = "Give the time as HH:MM, for example 08:00."

# "8", "18:30", "8.00", "0800", "800", with an optional am/pm ("8am", "6:30 p.m.").
_TIME_OF_DAY = re.compile(
    r"(?:(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?|(?P<hhmm_hour>\d{1,2})(?P<hhmm_minute>\d{2}))"
    r"(?:\s*(?P<half>[ap])\.?m\.?)?",
    re.ASCII | re.IGNORECASE,
)


def parse_time_of_day(text: str) -> time:
    """A time of day as people type it: "08:00", "8:00", "8.00", "0800", "8", "6:30pm".

    Raises ValueError with a message that can be shown to the user as it is.
    """
    match = _TIME_OF_DAY.fullmatch(text.strip())
    if match is None:
        raise ValueError(_TIME_HINT)
    hour = int(match["hour"] or match["hhmm_hour"])
    minute = int(match["minute"] or match["hhmm_minute"] or 0)
    half = match["half"]
    if half is not None:
        # 12am is midnight and 12pm noon; "0am" and "13pm" mean nothing.
        if not 1 <= hour <= 12:
            raise ValueError(_TIME_HINT)
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(_TIME_HINT)
    return time(hour, minute)


_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DOTTED_DAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)


# The Analyst has published since 1999; older dates cannot hold anything.
EARLIEST_YEAR = 1990


def parse_day(arg: str, *, now: datetime, tz: ZoneInfo) -> date:
    """The local day meant by `/digest [today|yesterday|YYYY-MM-DD|D.M.YYYY]`.

    An empty argument means today. "Today" is the subscriber's, in `tz`, not UTC's.
    Raises ValueError with a message that can be shown to the user as it is.
    """
    today = _aware(now, "now").astimezone(tz).date()
    text = arg.strip().casefold()
    if text in ("", "today"):
        return today
    if text == "yesterday":
        return today - _ONE_DAY
    if match := _ISO_DAY.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DOTTED_DAY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"Give the day as today, yesterday or a date like {today.isoformat()}.")
    try:
        result = date(year, month, day)
    except ValueError:
        raise ValueError(f"There is no such date as {arg.strip()}.") from None
    if result > today:
        raise ValueError("That date is in the future.")
    if result.year < EARLIEST_YEAR:
        # Also keeps local_day_window clear of datetime's year-1 edge.
        raise ValueError(f"Give a date from {EARLIEST_YEAR} on.")
    return result


# -- local clock readings and instants ----------------------------------------------------


def scheduled_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant (UTC) at which a clock in `tz` shows `at` on `day`.

    Daylight-saving changes make some readings happen never or twice:

    - a reading that the clock skips (02:30 in Berlin on the last Sunday of March) maps to
      the first instant after the gap, when the clock shows 03:00: the digest is late by
      the length of the gap but is still made that day;
    - a reading that happens twice (02:30 on the last Sunday of October) maps to the first
      of the two, so the digest is not held back by an hour.

    Any tzinfo or fold on `at` is ignored: `at` is a wall-clock reading.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    # fold=0 is the earlier reading of an ambiguous time, which is the one we want.
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, tz)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant after the clock jump that skips the local reading `wall`."""
    # In a gap, fold=0 reads `wall` with the offset in force before the jump and fold=1 with
    # the one after it (PEP 495), so the jump happens somewhere between these two instants.
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has an offset
    lo = int((wall - after).replace(tzinfo=UTC).timestamp())  # still before the jump
    hi = int((wall - before).replace(tzinfo=UTC).timestamp()) + 1  # already after it
    # tz transitions fall on whole seconds: bisect for the first second of the new offset.
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def local_day_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC span [start, end) of the local calendar day `day` in `tz`.

    It is 23 or 25 hours long on the days the clocks change (other lengths for a few
    zones and historical changes); where midnight is skipped the day starts when the
    clock first shows a time on it.
    """
    midnight = time(0)
    return scheduled_at(day, midnight, tz), scheduled_at(day + _ONE_DAY, midnight, tz)


# -- is a digest due? ------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDigest:
    """A digest to make now: for the subscriber's local day `local_date`, covering the
    articles that arrived in [since, until)."""

    local_date: date
    since: datetime
    until: datetime


def due_digest(
    *,
    now: datetime,
    at: time,
    tz: ZoneInfo,
    last_date: date | None,
    last_until: datetime | None,
    subscribed_at: datetime,
    max_window: timedelta = timedelta(days=7),
    days: frozenset[int] = _EVERY_DAY,
) -> DueDigest | None:
    """The digest that is due at `now` for a subscriber who wants it at `at` in `tz`, or None.

    The latest scheduled instant at or before `now` (today's when it has passed, else
    yesterday's) names the local day D. D's digest is due unless one was already made for
    D or a later day (`last_date`), or the subscriber joined after that instant: someone
    who subscribes at 07:00 gets their first digest at 08:00 that day, not yesterday's at
    once. `last_date` and `last_until` come from the previous digest actually made.

    The window ends at `now`, so nothing that arrived before the digest was made is left
    out, and starts where the previous one ended (else a day earlier). After a long outage
    it is cut to `max_window`: a digest of weeks of articles would be read by nobody.

    `days` are the local weekdays (Monday 0) that have a digest (``cadence_days``); the
    first digest of a weekly cadence covers the week before it.
    """
    now = _aware(now, "now").astimezone(UTC)
    subscribed_at = _aware(subscribed_at, "subscribed_at")
    if max_window <= timedelta(0):
        raise ValueError("max_window must be positive")
    day, scheduled = _latest_scheduled(now, at, tz, days)
    if not _owed(day, scheduled, last_date, subscribed_at):
        return None
    if last_until is not None and _aware(last_until, "last_until") >= now:
        # The clock went back since the last digest: any window would overlap that one's.
        return None
    first = _ONE_WEEK if len(days) == 1 else _ONE_DAY
    since = last_until.astimezone(UTC) if last_until is not None else now - first
    return DueDigest(local_date=day, since=max(since, now - max_window), until=now)


def next_digest_at(
    *,
    now: datetime,
    at: time,
    tz: ZoneInfo,
    last_date: date | None,
    subscribed_at: datetime | None = None,
    days: frozenset[int] = _EVERY_DAY,
) -> datetime:
    """When the subscriber's next digest is due (UTC), for "next digest: Fri 27 Nov 08:00".

    An instant at or before `now` means one is due already (the bot has not made it yet):
    `due_digest` with the same arguments returns it. Pass `subscribed_at` to agree with
    `due_digest` on the day someone subscribes after their digest time.
    """
    now = _aware(now, "now").astimezone(UTC)
    if subscribed_at is not None:
        subscribed_at = _aware(subscribed_at, "subscribed_at")
    day, scheduled = _latest_scheduled(now, at, tz, days)
    if _owed(day, scheduled, last_date, subscribed_at):
        return scheduled
    day += _ONE_DAY
    if last_date is not None and last_date >= day:
        day = last_date + _ONE_DAY
    if subscribed_at is not None:
        day = max(day, subscribed_at.astimezone(tz).date())
    # Scheduled instants grow with the day, so this ends within a step or two.
    while True:
        if day.weekday() in days:
            scheduled = scheduled_at(day, at, tz)
            if scheduled > now and (subscribed_at is None or scheduled >= subscribed_at):
                return scheduled
        day += _ONE_DAY


def chat_digest_due(sub: Subscriber, last: DigestRecord | None, now: datetime) -> DueDigest | None:
    """The digest due at `now` for the chat `sub` whose last digest was `last`, or None
    (also when the chat gets no digest at all)."""
    if not _gets_digests(sub):
        return None
    days = cadence_days(sub.digest_days)
    return due_digest(
        now=now,
        at=parse_time_of_day(sub.digest_time),
        tz=zone(sub.timezone),
        last_date=last.local_date if last else None,
        last_until=last.until if last else None,
        subscribed_at=sub.created_at or now,
        # A week's digest made late must still reach back to where the last one ended.
        max_window=_ONE_WEEK + _ONE_DAY if len(days) == 1 else _ONE_WEEK,
        days=days,
    )


def chat_next_digest(sub: Subscriber, last: DigestRecord | None, now: datetime) -> datetime | None:
    """When the chat's next digest is due (UTC), or None when it gets no digest.

    At or before `now`: one is due already (`chat_digest_due` returns it). Later than
    `now`: `chat_digest_due` returns None at every moment before this instant and a
    digest from it on, as long as the chat's settings, lists and digests stay as they are
    (and the clock does not go back past the end of `last`); the instant is that of one
    local day, so it is right across clock changes (see `scheduled_at`).
    """
    if not _gets_digests(sub):
        return None
    return next_digest_at(
        now=now,
        at=parse_time_of_day(sub.digest_time),
        tz=zone(sub.timezone),
        last_date=last.local_date if last else None,
        subscribed_at=sub.created_at or now,
        days=cadence_days(sub.digest_days),
    )


def _gets_digests(sub: Subscriber) -> bool:
    return sub.wants_digest and bool(sub.watchlists)


def _latest_scheduled(
    now: datetime, at: time, tz: ZoneInfo, days: frozenset[int] = _EVERY_DAY
) -> tuple[date, datetime]:
    """The latest local day of `days` whose scheduled instant is at or before `now`, and
    that instant."""
    day = now.astimezone(tz).date()
    # At most a week and a day back: yesterday's instant is at the latest the start of
    # today (when a clock change skips yesterday's time into today, as Samoa's did in 2011).
    for _ in range(9):
        if day.weekday() in days:
            scheduled = scheduled_at(day, at, tz)
            if scheduled <= now:
                return day, scheduled
        day -= _ONE_DAY
    raise ValueError("days must name at least one weekday")


def _owed(
    day: date, scheduled: datetime, last_date: date | None, subscribed_at: datetime | None
) -> bool:
    if last_date is not None and last_date >= day:
        return False
    return subscribed_at is None or scheduled >= subscribed_at


def _aware(value: datetime, name: str) -> datetime:
    # A naive datetime here is a bug in the caller: guessing its zone would shift digests.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    return value


def zone(name: str) -> ZoneInfo:
    """The subscriber's time zone, or UTC if the name no longer exists.

    Names are checked when they are set, but the tz database can drop or rename a zone
    in an upgrade; one such row must not stop everyone's digests.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
