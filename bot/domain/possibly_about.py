"""What the bot does with the "possibly about" tier's verdicts (pure): which of them alert
whom, and what a reader's digest shows of them. Named matches always take precedence: an
article is never "possibly about" a list it names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.aboutness import VERY_CLOSE, PossiblyAbout
from bot.domain.models import Article, Subscriber
from bot.domain.mute import alert_lists
from bot.domain.poll import should_alert
from bot.domain.quiet import chat_is_quiet


def outranked(found: PossiblyAbout, named: AbstractSet[str]) -> bool:
    """Whether an article's naming a list (``named``) takes precedence over the tier's
    saying it is possibly about it: always, whatever the tier says."""
    return found.watchlist in named


@dataclass(frozen=True, slots=True)
class AboutSeen:
    """A stored verdict as the digest reads it: the article as stored, and the lists it
    names now (an edited list may have come to name it since the verdict)."""

    article: Article
    first_seen_at: datetime
    updated: bool
    found: PossiblyAbout
    named: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AboutItem:
    article: Article
    found: PossiblyAbout
    updated: bool = False


@dataclass(frozen=True, slots=True)
class AboutSection:
    """The digest's "Possibly about LIST": closest first."""

    watchlist: str
    items: tuple[AboutItem, ...]


def about_sections(
    seen: Sequence[AboutSeen], watchlists: Collection[str] | None = None
) -> tuple[AboutSection, ...]:
    """One section per list the reader follows (all when None), by list name; each
    article once per list, the very close first, then by score, then newest."""
    by_list: dict[str, dict[str, AboutSeen]] = {}
    for s in seen:
        name = s.found.watchlist
        if watchlists is not None and name not in watchlists:
            continue
        if outranked(s.found, s.named):
            continue
        items = by_list.setdefault(name, {})
        earlier = items.get(s.article.id)
        if earlier is None or s.found.score > earlier.found.score:
            items[s.article.id] = s
    return tuple(
        AboutSection(
            name,
            tuple(
                AboutItem(s.article, s.found, s.updated)
                for s in sorted(by_list[name].values(), key=_closest_first)
            ),
        )
        for name in sorted(by_list)
    )


def _closest_first(s: AboutSeen) -> tuple[bool, float, float]:
    when = s.article.published or s.first_seen_at
    return (s.found.strength != VERY_CLOSE, -s.found.score, -when.timestamp())


@dataclass(frozen=True, slots=True)
class AboutAlert:
    """An article possibly about some lists, worth an instant alert to those who ask."""

    article: Article
    found: tuple[PossiblyAbout, ...]
    updated: bool = False

    @property
    def watchlists(self) -> tuple[str, ...]:
        return tuple(sorted({f.watchlist for f in self.found}))


# An article the tier reads this soon after a poll stored it is read on time: its poll's
# own rule decides whether it alerts, as it would have right after the poll. Read later
# (the bot was down, the tier failing), it alerts only if it is also recent by the
# backfill rule: a late finding is still in the digest, but old news makes no alert.
ON_TIME = timedelta(minutes=10)

OwedChange = Literal["new", "updated", "edit"]


@dataclass(frozen=True, slots=True)
class Owed:
    """An article's text the tier still owes a reading: for every list with `about`
    (``watchlist`` None: a poll stored it, ``change`` "new" or "updated", ``alerts``
    whether that poll's rule let it alert), or for one list whose `about` was edited
    (``change`` "edit", never alerting). ``named``: the lists it names now."""

    article: Article
    watchlist: str | None
    change: OwedChange
    alerts: bool
    owed_since: datetime
    named: frozenset[str] = frozenset()
    failures: int = 0  # how often the tier failed on this text read alone


def may_alert(owed: Owed, *, now: datetime, backfill_days: int) -> bool:
    """Whether a finding in ``owed`` may alert, read at ``now``: as a named match's
    would at its poll, and, read late, only if the article is recent by the backfill
    rule (``should_alert`` on a feed's first poll). A reading after an edit never
    alerts, as a re-match after an edit never does."""
    if owed.change == "edit" or not owed.alerts:
        return False
    if now - owed.owed_since <= ON_TIME:
        return True
    return should_alert(
        first_poll=True, published=owed.article.published, now=now, backfill_days=backfill_days
    )


def about_alerts(
    read: Sequence[Owed],
    found: Sequence[PossiblyAbout],
    before: Mapping[str, frozenset[str]],
    *,
    now: datetime,
    backfill_days: int,
) -> tuple[AboutAlert, ...]:
    """The alerts a reading of polled articles (``read``, in order) raises, as a named
    match's would: a new article's, and for an edited one only the lists it was not
    possibly about before (``before``, by article id); each as ``may_alert`` allows."""
    by_article: dict[str, list[PossiblyAbout]] = {}
    for f in found:
        by_article.setdefault(f.article_id, []).append(f)
    alerts = []
    for item in read:
        mine = by_article.get(item.article.id)
        if not mine or not may_alert(item, now=now, backfill_days=backfill_days):
            continue
        earlier = before.get(item.article.id, frozenset())
        carried = tuple(
            f for f in mine if not outranked(f, item.named) and f.watchlist not in earlier
        )
        if carried:
            alerts.append(AboutAlert(item.article, carried, updated=item.change == "updated"))
    return tuple(alerts)


@dataclass(frozen=True, slots=True)
class TierBackoff:
    """The tier failing (its child crashing or timing out): how many times in a row, and
    when to try again. What it owes waits meanwhile; it is never lost."""

    failures: int = 0
    retry_at: datetime | None = None

    def may_try(self, now: datetime) -> bool:
        return self.retry_at is None or now >= self.retry_at

    def failed(self, now: datetime) -> TierBackoff:
        return TierBackoff(self.failures + 1, now + backoff_wait(self.failures + 1))


BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)


def backoff_wait(failures: int) -> timedelta:
    """The pause after ``failures`` failures in a row (of the tier, or of one text the
    tier fails on alone): 1, 2, 4 ... minutes, an hour at most."""
    return min(BACKOFF_FIRST * (1 << max(0, min(failures - 1, 16))), BACKOFF_MAX)


@dataclass(frozen=True, slots=True)
class ChatAboutAlert:
    """An about alert as one chat gets it (the lists it asked for), and its outbox key."""

    key: str
    alert: AboutAlert


def about_alerts_for(
    subscriber: Subscriber, alerts: Sequence[AboutAlert], now: datetime
) -> list[ChatAboutAlert]:
    """The alerts a chat gets: instant alerts on, following the list (and not muted at
    ``now``), and asking for its possibly-about alerts too; none in its quiet hours (the
    digest has them)."""
    if not subscriber.wants_alerts or chat_is_quiet(subscriber, now):
        return []
    wanted = set(alert_lists(subscriber, now)) & set(subscriber.about_alerts)
    out = []
    for alert in alerts:
        found = tuple(f for f in alert.found if f.watchlist in wanted)
        if not found:
            continue
        names = ",".join(sorted({f.watchlist for f in found}))
        key = f"about:{subscriber.chat_id}:{alert.article.id}:{names}"
        out.append(ChatAboutAlert(key, AboutAlert(alert.article, found, alert.updated)))
    return out
