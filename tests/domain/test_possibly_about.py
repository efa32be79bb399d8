"""Which "possibly about" findings alert whom, and what the digest shows of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.aboutness import CLOSE, VERY_CLOSE, PossiblyAbout
from bot.domain.digest import build_digest
from bot.domain.models import Article, Subscriber
from bot.domain.possibly_about import (
    ON_TIME,
    AboutAlert,
    AboutSeen,
    Owed,
    OwedChange,
    TierBackoff,
    about_alerts,
    about_alerts_for,
    may_alert,
)
from tests.factories import make_article

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
A, B, C = (make_article(n, published=NOW - timedelta(hours=n)) for n in (1, 2, 3))


def found(article_id: str, watchlist: str = "TRIPP", score: float = 0.8) -> PossiblyAbout:
    strength = VERY_CLOSE if score >= 0.8 else CLOSE
    return PossiblyAbout(article_id, watchlist, score, strength, "the transit strip")


def seen(article_id: str, watchlist: str = "TRIPP", score: float = 0.8, **kw: object) -> AboutSeen:
    article = next(a for a in (A, B, C) if a.id == article_id)
    return AboutSeen(article, NOW, False, found(article_id, watchlist, score), **kw)  # type: ignore[arg-type]


def test_the_digest_has_a_section_per_followed_list_closest_first() -> None:
    digest = build_digest(
        [],
        since=NOW - timedelta(days=1),
        until=NOW,
        feeds=[],
        watchlists=["TRIPP", "Middle Corridor"],
        about=[
            seen(A.id, score=0.6),
            seen(B.id, score=0.9),
            seen(C.id, "Middle Corridor"),
            seen(C.id, "Abraham Accords"),
        ],
    )
    assert [s.watchlist for s in digest.about] == ["Middle Corridor", "TRIPP"]
    tripp = digest.about[1]
    assert [i.article.id for i in tripp.items] == [B.id, A.id]
    assert tripp.items[0].found.strength == VERY_CLOSE


def test_a_list_the_article_names_now_takes_precedence_over_possibly_about_it() -> None:
    digest = build_digest(
        [],
        since=NOW - timedelta(days=1),
        until=NOW,
        feeds=[],
        about=[seen(A.id, named=frozenset({"TRIPP"})), seen(B.id)],
    )
    [section] = digest.about
    assert [i.article.id for i in section.items] == [B.id]


def owed(
    article: Article,
    change: OwedChange = "new",
    *,
    named: tuple[str, ...] = (),
    alerts: bool = True,
    since: datetime = NOW,
    watchlist: str | None = None,
) -> Owed:
    return Owed(article, watchlist, change, alerts, since, frozenset(named))


def test_new_articles_alert_as_named_ones_do_and_an_edit_only_for_lists_new_to_it() -> None:
    alerts = about_alerts(
        [owed(A), owed(B, "updated"), owed(C, named=("TRIPP",))],
        [found(A.id), found(B.id), found(B.id, "Middle Corridor"), found(C.id)],
        {B.id: frozenset({"TRIPP"})},
        now=NOW,
        backfill_days=3,
    )
    assert [(a.article.id, a.watchlists, a.updated) for a in alerts] == [
        (A.id, ("TRIPP",), False),
        (B.id, ("Middle Corridor",), True),
    ]


def test_an_article_its_poll_kept_from_alerting_never_alerts_when_read() -> None:
    # A feed's first poll: beyond the backfill, the poll's own rule said no alert.
    alerts = about_alerts(
        [owed(A), owed(B, alerts=False)], [found(A.id), found(B.id)], {}, now=NOW, backfill_days=3
    )
    assert [a.article.id for a in alerts] == [A.id]


def test_an_article_read_late_alerts_only_if_it_is_recent_by_the_backfill_rule() -> None:
    undated = replace(make_article(7), published=None)
    old = make_article(8, published=NOW - timedelta(days=30))
    stored = NOW - timedelta(hours=5)
    read = [owed(a, since=stored) for a in (A, undated, old)]
    found_all = [found(a.id) for a in (A, undated, old)]
    late = about_alerts(read, found_all, {}, now=NOW, backfill_days=3)
    assert [a.article.id for a in late] == [A.id], "recent by its date; no date or old: digest only"
    assert about_alerts(read, found_all, {}, now=NOW, backfill_days=0) == ()
    on_time = NOW - ON_TIME
    read = [owed(a, since=on_time) for a in (A, undated, old)]
    on_time_alerts = about_alerts(read, found_all, {}, now=NOW, backfill_days=0)
    assert [a.article.id for a in on_time_alerts] == [A.id, undated.id, old.id], (
        "read within minutes of its poll: the poll's rule alone, as if read at once"
    )


def test_a_reading_after_an_edit_of_about_never_alerts() -> None:
    edit = owed(A, "edit", alerts=False, watchlist="TRIPP")
    assert not may_alert(edit, now=NOW, backfill_days=3)
    assert about_alerts([edit], [found(A.id)], {}, now=NOW, backfill_days=3) == ()


def test_a_failing_tier_waits_longer_each_time_up_to_an_hour_and_starts_afresh() -> None:
    backoff = TierBackoff()
    assert backoff.may_try(NOW)
    waits = []
    for _ in range(10):
        backoff = backoff.failed(NOW)
        assert backoff.retry_at is not None
        assert not backoff.may_try(NOW)
        assert backoff.may_try(backoff.retry_at)
        waits.append(backoff.retry_at - NOW)
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert waits[-1] == timedelta(hours=1)
    assert backoff.failures == 10


def test_only_chats_that_asked_for_a_followed_lists_alerts_and_take_alerts_get_them() -> None:
    alert = AboutAlert(A, (found(A.id), found(A.id, "Middle Corridor")))
    asked = Subscriber(
        1,
        "private",
        "UTC",
        "08:00",
        watchlists=("Middle Corridor", "TRIPP"),
        about_alerts=("TRIPP",),
    )
    [mine] = about_alerts_for(asked, [alert], NOW)
    assert mine.alert.watchlists == ("TRIPP",)
    assert mine.key == f"about:1:{A.id}:TRIPP"
    not_asked = Subscriber(2, "private", "UTC", "08:00", watchlists=("TRIPP",))
    daily = Subscriber(
        3, "private", "UTC", "08:00", mode="daily", watchlists=("TRIPP",), about_alerts=("TRIPP",)
    )
    assert about_alerts_for(not_asked, [alert], NOW) == []
    assert about_alerts_for(daily, [alert], NOW) == []
    muted = Subscriber(
        4,
        "private",
        "UTC",
        "08:00",
        watchlists=("TRIPP",),
        about_alerts=("TRIPP",),
        muted=(("TRIPP", NOW + timedelta(days=1)),),
    )
    assert about_alerts_for(muted, [alert], NOW) == []
    assert len(about_alerts_for(muted, [alert], NOW + timedelta(days=2))) == 1
