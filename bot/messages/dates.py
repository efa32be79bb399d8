"""Every date, time and window the bot shows a person, in one place (pure).

Month and weekday names are spelt out here rather than by ``strftime("%b")``, which
follows the process locale: a bot started under ``LANG=de_DE`` would otherwise write
"Dez" in one place and "Dec" in another.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

UNKNOWN_DATE = "date unknown"


def local(when: datetime, tz: tzinfo) -> datetime:
    # A naive time would be read as the machine's local time by astimezone: take it as
    # UTC, as the feed parser does.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(tz)


def day_label(day: date) -> str:
    """``6 Dec 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_label(when: datetime | None, tz: tzinfo = UTC) -> str:
    """The local day of ``when``: ``6 Dec 2026`` (or "date unknown")."""
    if when is None:
        return UNKNOWN_DATE
    return day_label(local(when, tz).date())


def date_time_label(when: datetime, tz: tzinfo) -> str:
    """``6 Dec 2026, 19:00 (CET)``."""
    at = local(when, tz)
    zone = at.tzname()
    return f"{day_label(at.date())}, {at:%H:%M}" + (f" ({zone})" if zone else "")


def weekday_time_label(when: datetime, tz: tzinfo) -> str:
    """``Mon 7 Dec 19:00 CET``: when something comes next, within the week."""
    at = local(when, tz)
    zone = at.tzname() or ""
    text = f"{_WEEKDAYS[at.weekday()]} {at.day} {_MONTHS[at.month - 1]} {at:%H:%M}"
    return f"{text} {zone}".rstrip()


def utc_minute(when: datetime) -> str:
    """``2026-12-06 19:00``, in UTC but unlabelled: /showlist's short audit lines."""
    return f"{local(when, UTC):%Y-%m-%d %H:%M}"


def utc_stamp(when: datetime) -> str:
    """``2026-12-06 19:00 UTC``: for operators, logs and audit lines."""
    return f"{utc_minute(when)} UTC"


def utc_time(when: datetime) -> str:
    """``19:00 UTC``: a time later today or tomorrow, for operators."""
    return f"{local(when, UTC):%H:%M} UTC"


def window_label(since: datetime, until: datetime) -> str:
    """``2026-12-06 00:00 UTC → 2026-12-07 00:00 UTC``."""
    return f"{utc_stamp(since)} → {utc_stamp(until)}"


def ago(delta: timedelta) -> str:
    """A short age: ``45s``, ``5m``, ``3h``, ``2d``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"
