"""Is the bot well? Pure decisions on plain data and ``now``: which feed alarms admins
are owed, whether the watchdog may be fed, and the status report's facts.

Rendering the report lives in `bot.messages.status`; gathering it from the store in
`bot.app.service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.lease import Instances
from bot.domain.models import FeedState, JobRun

AlarmKind = Literal["down", "recovered"]

# The running bot's periodic jobs; each finishes about once a minute.
JOBS = ("poll", "digest", "watchlists")
# The running bot's jobs finish about once a minute; silence longer than this means the
# bot is stopped (for `status`) or stuck (for the watchdog).
JOB_SILENCE = timedelta(minutes=3)
# Pacing delays a large fan-out by minutes at most; an hour means delivery is stuck.
STUCK_OUTBOX = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FeedAlarm:
    """Admins are owed a message about this feed: it has been failing too long, or it
    works again after they were told it did not."""

    kind: AlarmKind
    feed: FeedState
    # The start of the failure the alarm is about; with the URL, what makes it unique.
    failing_since: datetime


def feed_alarms(states: Iterable[FeedState], now: datetime, after: timedelta) -> list[FeedAlarm]:
    """The notices owed at ``now``: one "down" per failure that has lasted ``after``, and
    one "recovered" once such a failure is over. A failure shorter than ``after`` is
    never mentioned, and each notice is owed once: the caller records it as given."""
    alarms: list[FeedAlarm] = []
    for s in states:
        told = s.down_notice_for
        if told is not None and s.failing_since != told:
            # Works again (or failed anew after working): the old failure is over.
            alarms.append(FeedAlarm("recovered", s, told))
            told = None
        if s.failing_since is not None and told is None and now - s.failing_since >= after:
            alarms.append(FeedAlarm("down", s, s.failing_since))
    return alarms


@dataclass(frozen=True, slots=True)
class Verdict:
    healthy: bool
    reason: str = ""


def watchdog_verdict(
    now: float,
    *,
    started_at: float,
    finished: Mapping[str, float],
    max_silence: float,
    database_ok: bool,
    scheduler_running: bool,
    delivery_running: bool,
    standby: bool = False,
) -> Verdict:
    """Whether to tell systemd "still alive" (times are monotonic seconds).

    Alive means the database answers, the scheduler runs and each periodic job has
    finished (well or not: a failing feed is not a sick bot) within ``max_silence``.
    A job that hangs, or an event loop that stalls, stops the pings and systemd
    restarts the service. Telegram being unreachable is deliberately not a criterion:
    a restart would not bring it back.
    """
    if not database_ok:
        return Verdict(False, "database does not answer")
    if standby:
        # A standby (another instance holds the sender lease) runs no jobs on purpose.
        return Verdict(True)
    if not scheduler_running:
        return Verdict(False, "scheduler is not running")
    if not delivery_running:
        return Verdict(False, "outbox delivery has stopped")
    for job in JOBS:
        last = finished.get(job, started_at)
        if now - last > max_silence:
            return Verdict(False, f"job {job} has not finished for {now - last:.0f}s")
    return Verdict(True)


# -- the status report's facts ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    pending: int
    oldest_pending_at: datetime | None
    failed: int
    sent_last_day: int


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    active: int
    active_groups: int
    total: int


@dataclass(frozen=True, slots=True)
class DigestActivity:
    last_day: int
    latest_at: datetime | None


@dataclass(frozen=True, slots=True)
class StatusReport:
    version: str
    now: datetime
    feeds: Sequence[FeedState]
    outbox: OutboxHealth
    subscribers: SubscriberCounts
    digests: DigestActivity
    jobs: Mapping[str, JobRun]
    watchlists: int
    watchlist_errors: Sequence[str]
    stale_after: timedelta
    alert_admins_after: timedelta
    # A bot whose jobs have not finished for longer than this is reported not running.
    running_within: timedelta
    # Which `caci-watch run` holds the sender lease, and the standbys (None: not known).
    instances: Instances | None = None


FeedCondition = Literal["ok", "failing", "stale", "never polled"]


def is_stale(feed: FeedState, now: datetime, stale_after: timedelta) -> bool:
    """A feed whose newest item is older than ``stale_after``: it may still answer 200
    (a section feed that died keeps serving its old items)."""
    return feed.newest_item_at is not None and now - feed.newest_item_at > stale_after


def feed_condition(s: FeedState, now: datetime, stale_after: timedelta) -> FeedCondition:
    """The one rule for whether a feed works: the digest's feed lines, ``/status`` and
    ``caci-watch status`` all say what this says."""
    # Every failure sets failing_since (and migration 005 set it for feeds already
    # failing), so it alone says whether the feed is failing now.
    if s.failing_since is not None:
        return "failing"
    if s.last_success_at is None:
        return "never polled"
    if is_stale(s, now, stale_after):
        return "stale"
    return "ok"


def last_job_at(report: StatusReport) -> datetime | None:
    return max((r.finished_at for r in report.jobs.values()), default=None)


def bot_running(report: StatusReport) -> bool:
    """Whether the bot's jobs finished recently: `status` runs as its own process and
    can only tell from what the running bot wrote."""
    latest = last_job_at(report)
    return latest is not None and report.now - latest <= report.running_within


def problems(report: StatusReport) -> list[str]:
    """What an operator should look at; empty when all is well."""
    found: list[str] = []
    if not bot_running(report):
        found.append("the bot is not running")
    for s in report.feeds:
        condition = feed_condition(s, report.now, report.stale_after)
        failing_for = report.now - s.failing_since if s.failing_since else timedelta(0)
        if condition == "failing" and failing_for >= report.alert_admins_after:
            found.append(f"feed {s.url} is failing")
        elif condition == "stale":
            found.append(f"feed {s.url} is stale")
    oldest = report.outbox.oldest_pending_at
    if oldest is not None and report.now - oldest > STUCK_OUTBOX:
        found.append("messages have waited to be sent for over an hour")
    if report.watchlist_errors:
        found.append("a watchlist file does not load")
    return found
