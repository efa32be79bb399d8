"""What the bot does with the "possibly about" tier's verdicts (pure): which of them alert
whom, and what a reader's digest shows of them. Named matches always take precedence: an
article is never "possibly about" a list it names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime

from bot.domain.aboutness import VERY_CLOSE, PossiblyAbout
from bot.domain.models import Article, Subscriber
from bot.domain.mute import alert_lists
from bot.domain.poll import ArticleDecision, should_alert
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


def about_alerts(
    decided: Sequence[ArticleDecision],
    found: Sequence[PossiblyAbout],
    before: Mapping[str, frozenset[str]],
    *,
    first_poll: bool,
    now: datetime,
    backfill_days: int,
) -> tuple[AboutAlert, ...]:
    """The alerts a poll's verdicts raise, in feed order, as a named match's would: a new
    article's (within the backfill on a feed's first poll), and for an edited one only
    the lists it was not possibly about before (``before``, by article id)."""
    by_article: dict[str, list[PossiblyAbout]] = {}
    for f in found:
        by_article.setdefault(f.article_id, []).append(f)
    alerts = []
    for item in decided:
        mine = by_article.get(item.article.id)
        named = {m.watchlist for m in item.matches}
        if not mine or item.change == "same":
            continue
        earlier = before.get(item.article.id, frozenset())
        carried = tuple(f for f in mine if not outranked(f, named) and f.watchlist not in earlier)
        if carried and should_alert(
            first_poll=first_poll and item.change == "new",
            published=item.article.published,
            now=now,
            backfill_days=backfill_days,
        ):
            alerts.append(AboutAlert(item.article, carried, updated=item.change == "updated"))
    return tuple(alerts)


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
