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


def zone_label(at: datetime) -> str:
    """The zone of the local time ``at`` as a reader knows it: its abbreviation when it
    has a real one ("CET", "EST"); else its city ("Baku" rather than "+04"), or "UTC+4"
    for a fixed offset (Etc/GMT-4, whose sign reads backwards)."""
    name = at.tzname() or ""
    if name[:1].isalpha():
        return name
    key = str(getattr(at.tzinfo, "key", ""))
    if key and not key.startswith("Etc/") and "/" in key:
        return key.rsplit("/", 1)[-1].replace("_", " ")
    return offset_label(at.utcoffset()) if at.utcoffset() is not None else name


def zone_name(key: str) -> str:
    """A stored zone as shown in the settings: its name ("Asia/Baku"), or "UTC+4" for a
    fixed offset (Etc/GMT-4)."""
    if key.startswith("Etc/GMT") and key[7:8] in ("+", "-") and key[8:].isdigit():
        hours = int(key[8:])
        return offset_label(timedelta(hours=-hours if key[7] == "+" else hours))
    return key


def offset_label(offset: timedelta | None) -> str:
    """``UTC+4``, ``UTC−3``, ``UTC+5:30``, ``UTC``."""
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def date_time_label(when: datetime, tz: tzinfo) -> str:
    """``6 Dec 2026, 19:00 (CET)``."""
    at = local(when, tz)
    zone = zone_label(at)
    return f"{day_label(at.date())}, {at:%H:%M}" + (f" ({zone})" if zone else "")


def weekday_time_label(when: datetime, tz: tzinfo) -> str:
    """``Mon 7 Dec 19:00 CET``: when something comes next, within the week."""
    at = local(when, tz)
    zone = zone_label(at)
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
