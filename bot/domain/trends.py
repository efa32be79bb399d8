"""How often each list matched, week by week: counts per ISO week (named and "possibly
about" apart), this week against the weeks before, and whether this week is a spike.

Weeks are ISO weeks, Monday 00:00 to Sunday 24:00 in the zone given (a reader's own:
their week is the one their weekly digest and /trend speak of), whatever zone the times
come in (the store's are UTC). An article counts once per list and week; when it was
both named and "possibly about" the same list it counts as named, as everywhere else a
named match takes precedence.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# A digest's trend lines show this many weeks.
SPARK_WEEKS = 8
# The spike rule looks back this many weeks before the current one.
SPIKE_HISTORY_WEEKS = 12
# A spike is this many standard deviations above the mean of the weeks before ...
SPIKE_DEVIATIONS = 2.0
# ... and at least this many matches above it, so that a quiet list going from 0 to 1
# (where the deviation is 0) is not a spike.
SPIKE_FLOOR = 2.0


@dataclass(frozen=True)
class Sighting:
    """One article a list matched: when the article was first seen, and how."""

    watchlist: str
    article: int
    first_seen: datetime
    named: bool


@dataclass(frozen=True)
class WeekCount:
    """A list's articles in the ISO week starting on ``monday``."""

    monday: date
    named: int
    possibly: int

    @property
    def total(self) -> int:
        return self.named + self.possibly


@dataclass(frozen=True)
class ListTrend:
    """A list's weeks, oldest first; the last is the week holding ``now``."""

    watchlist: str
    weeks: tuple[WeekCount, ...]

    @property
    def this_week(self) -> int:
        return self.weeks[-1].total if self.weeks else 0

    @property
    def last_week(self) -> int:
        return self.weeks[-2].total if len(self.weeks) > 1 else 0

    @property
    def previous_mean(self) -> float:
        """The mean weekly count of the weeks before this one (0 when there are none)."""
        before = [w.total for w in self.weeks[:-1]]
        return _mean(before)

    @property
    def spike(self) -> bool:
        before = [w.total for w in self.weeks[:-1]][-SPIKE_HISTORY_WEEKS:]
        return is_spike(before, self.this_week)


def monday_of(moment: datetime | date) -> date:
    """The Monday starting the ISO week that holds ``moment``."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_mondays(now: datetime, weeks: int, tz: tzinfo) -> list[date]:
    """The Mondays of the last ``weeks`` ISO weeks in ``tz``, oldest first, ending with
    now's."""
    this = monday_of(now.astimezone(tz))
    return [this - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def window_start(now: datetime, weeks: int, tz: tzinfo) -> datetime:
    """Midnight in ``tz`` of the first Monday of the last ``weeks`` ISO weeks there:
    whatever was first seen before it is outside ``trends(..., weeks=weeks, tz=tz)``."""
    first = week_mondays(now, weeks, tz)[0]
    return datetime.combine(first, time(), tzinfo=tz)


def week_end(monday: date, tz: tzinfo) -> datetime:
    """The first instant after the ISO week starting on ``monday`` in ``tz``."""
    return datetime.combine(monday + timedelta(weeks=1), time(), tzinfo=tz)


@dataclass(frozen=True)
class ReportedWeek:
    """The week a digest's trend lines end at, and what to count up to in it."""

    monday: date
    # The last moment counted (``trends``' ``now``): the digest's end, or the week's last
    # instant when the week ended before the digest did.
    as_of: datetime
    # Over before the digest's end: its lines say "last week", not "this week".
    complete: bool


def reported_week(since: datetime, until: datetime, tz: tzinfo) -> ReportedWeek:
    """The ISO week (in ``tz``) a digest covering ``[since, until)`` reports on: the one
    holding the window's middle. A daily digest on Monday morning covers mostly Sunday,
    so it reports the week just ended, not the few hours of the new one; a weekly digest
    sent on Friday reports the current week, and one sent on Monday the last."""
    # In UTC: arithmetic within one zone is on the wall clock, an hour off across DST.
    start, stop = since.astimezone(UTC), until.astimezone(UTC)
    middle = start + (stop - start) / 2
    monday = monday_of(middle.astimezone(tz))
    end = week_end(monday, tz).astimezone(UTC)
    if end <= stop:
        # ``trends`` counts what was first seen up to ``now`` in ``now``'s week: the
        # week's last instant keeps the whole week and nothing of the next.
        return ReportedWeek(monday, end - timedelta(microseconds=1), complete=True)
    return ReportedWeek(monday, until, complete=False)


def is_spike(before: Sequence[int], current: int) -> bool:
    """Is ``current`` above the mean of ``before`` by more than two standard deviations,
    and by more than the floor?"""
    mean = _mean(before)
    deviation = math.sqrt(_mean([(n - mean) ** 2 for n in before]))
    return current > mean + max(SPIKE_DEVIATIONS * deviation, SPIKE_FLOOR)


def _mean(counts: Sequence[float]) -> float:
    """The mean, 0 of none. Not the statistics module's: it brings decimal and fractions,
    half a megabyte the idle bot (whose poll asks this) would carry for two lines."""
    return math.fsum(counts) / len(counts) if counts else 0.0


def trends(
    sightings: Iterable[Sighting],
    watchlists: Sequence[str],
    *,
    now: datetime,
    weeks: int,
    tz: tzinfo,
) -> list[ListTrend]:
    """Each of ``watchlists``' counts for the last ``weeks`` ISO weeks in ``tz`` up to
    ``now``'s, in the order given; weeks without a match count 0, sightings outside are
    ignored."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    mondays = week_mondays(now, weeks, tz)
    first, index = mondays[0], {m: i for i, m in enumerate(mondays)}
    how: dict[tuple[str, int, int], bool] = {}
    wanted = set(watchlists)
    for s in sightings:
        if s.watchlist not in wanted or s.first_seen > now:
            continue
        monday = monday_of(s.first_seen.astimezone(tz))
        if monday < first:
            continue
        key = (s.watchlist, s.article, index[monday])
        how[key] = how.get(key, False) or s.named
    named = {w: [0] * weeks for w in watchlists}
    possibly = {w: [0] * weeks for w in watchlists}
    for (watchlist, _article, week), was_named in how.items():
        (named if was_named else possibly)[watchlist][week] += 1
    return [
        ListTrend(
            watchlist=w,
            weeks=tuple(
                WeekCount(monday=m, named=named[w][i], possibly=possibly[w][i])
                for i, m in enumerate(mondays)
            ),
        )
        for w in dict.fromkeys(watchlists)
    ]
