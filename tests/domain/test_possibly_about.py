"""Which "possibly about" findings alert whom, and what the digest shows of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.aboutness import CLOSE, VERY_CLOSE, PossiblyAbout
from bot.domain.digest import build_digest
from bot.domain.models import Subscriber
from bot.domain.poll import ArticleDecision
from bot.domain.possibly_about import AboutAlert, AboutSeen, about_alerts, about_alerts_for
from tests.factories import make_article, make_match

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


def decided(article, change: str = "new", named: tuple[str, ...] = ()) -> ArticleDecision:  # type: ignore[no-untyped-def]
    matches = tuple(make_match(w) for w in named)
    return ArticleDecision(article, change, NOW, matches)  # type: ignore[arg-type]


def test_new_articles_alert_as_named_ones_do_and_an_edit_only_for_lists_new_to_it() -> None:
    alerts = about_alerts(
        [decided(A), decided(B, "updated"), decided(C, named=("TRIPP",))],
        [found(A.id), found(B.id), found(B.id, "Middle Corridor"), found(C.id)],
        {B.id: frozenset({"TRIPP"})},
        first_poll=False,
        now=NOW,
        backfill_days=3,
    )
    assert [(a.article.id, a.watchlists, a.updated) for a in alerts] == [
        (A.id, ("TRIPP",), False),
        (B.id, ("Middle Corridor",), True),
    ]


def test_a_feeds_first_poll_alerts_only_within_the_backfill() -> None:
    old = make_article(9, published=NOW - timedelta(days=30))
    alerts = about_alerts(
        [decided(A), decided(old)],
        [found(A.id), found(old.id)],
        {},
        first_poll=True,
        now=NOW,
        backfill_days=3,
    )
    assert [a.article.id for a in alerts] == [A.id]


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
