"""What /trend asks for: the chat's lists or those named, and how many weeks; a chart
shows at most eight lists (the chat's busiest when it named none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import trends as trends_app
from bot.app.config import builtin_config
from bot.app.service import Service, build_service
from bot.app.trends import (
    MAX_LISTS,
    TrendAsked,
    TrendRefused,
    busiest,
    read_request,
    trend_numbers,
)
from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.domain.models import Subscriber
from tests.about_lists import give_tripp_about
from tests.factories import make_article, make_match
from tests.watchlist_copy import copy_watchlists

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
CHAT = 77
NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"]


def service(tmp_path: Path) -> Service:
    lists = copy_watchlists(tmp_path / "watchlists")
    for i, name in enumerate(NAMES):
        (lists / f"topic{i}.toml").write_text(f'name = "{name}"\nterms = ["word{i}x"]\n')
    svc = build_service(
        builtin_config(
            store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=["https://f/a"]
        )
    )
    svc.store.chats.ensure(
        CHAT, kind="private", title="", timezone="Asia/Baku", digest_time="08:00", now=NOW
    )
    for name in NAMES:
        svc.store.chats.subscribe(CHAT, name, NOW)
    return svc


def chat(svc: Service) -> Subscriber:
    sub = svc.store.chats.get(CHAT)
    assert sub is not None
    return sub


def test_more_lists_named_than_a_chart_shows_are_refused(tmp_path: Path) -> None:
    svc = service(tmp_path)
    assert len(NAMES) > MAX_LISTS
    with pytest.raises(TrendRefused) as refused:
        read_request(svc, chat(svc), " ".join(NAMES), NOW)
    assert refused.value.reason == "too_many"
    asked = read_request(svc, chat(svc), " ".join(NAMES[:MAX_LISTS]) + " 26", NOW)
    assert (asked.lists, asked.weeks, asked.default) == (tuple(NAMES[:MAX_LISTS]), 26, False)


@pytest.mark.parametrize("text", ["0", "105", "1000", "99999"])
def test_weeks_out_of_range_are_refused_as_weeks(tmp_path: Path, text: str) -> None:
    svc = service(tmp_path)
    with pytest.raises(TrendRefused) as refused:
        read_request(svc, chat(svc), f"Alpha {text}", NOW)
    assert refused.value.reason == "weeks"


def test_without_names_the_chats_busiest_lists_are_charted_in_its_zone(tmp_path: Path) -> None:
    svc = service(tmp_path)
    for n, name in enumerate(NAMES):
        for k in range(n):  # Alpha: none, Bravo: one, …
            article = make_article(100 * n + k, title=f"Story {n}.{k}")
            svc.store.upsert_article(article, NOW - timedelta(days=1))
            svc.store.replace_matches(article.id, [make_match(name)], NOW - timedelta(days=1))
    asked = read_request(svc, chat(svc), "4", NOW)
    assert (asked.lists, asked.weeks, asked.timezone, asked.default) == (
        tuple(NAMES),
        4,
        "Asia/Baku",
        True,
    )
    kept = busiest(trend_numbers(svc, asked, NOW), asked.weeks)
    assert [t.watchlist for t in kept] == NAMES[-MAX_LISTS:]
    assert trends_app.DEFAULT_WEEKS == 12


def test_possibly_about_findings_count_only_while_the_tier_runs_on_the_list(
    tmp_path: Path,
) -> None:
    lists = copy_watchlists(tmp_path / "watchlists")
    plain = (lists / "tripp.toml").read_text()
    give_tripp_about(lists)

    def built() -> Service:
        return build_service(
            builtin_config(
                store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=["https://f/a"]
            )
        )

    svc = built()
    article = make_article(1, title="A Corridor Through Syunik")
    svc.store.upsert_article(article, NOW - timedelta(days=1))
    finding = PossiblyAbout(article.id, "TRIPP", 0.7, CLOSE, "The transit strip across Syunik.")
    svc.store.about.replace(article.id, article.content_hash, [finding], NOW - timedelta(days=1))
    asked = TrendAsked(("TRIPP",), 1, "UTC")
    [running] = trend_numbers(svc, asked, NOW)
    assert (running.weeks[-1].named, running.weeks[-1].possibly) == (0, 1)
    (lists / "tripp.toml").write_text(plain)  # TRIPP's `about` taken out
    [stopped] = trend_numbers(built(), asked, NOW)
    assert stopped.weeks[-1].total == 0


def test_the_weeks_may_come_first_unless_the_words_name_a_list(tmp_path: Path) -> None:
    svc = service(tmp_path)
    (tmp_path / "watchlists" / "agenda.toml").write_text(
        'name = "2030 Agenda"\nterms = ["agenda2030x"]\n'
    )
    svc = build_service(svc.config)
    asked = read_request(svc, chat(svc), "8 Alpha Bravo", NOW)
    assert (asked.lists, asked.weeks) == (("Alpha", "Bravo"), 8)
    agenda = read_request(svc, chat(svc), "2030 Agenda", NOW)
    assert (agenda.lists, agenda.weeks) == (("2030 Agenda",), trends_app.DEFAULT_WEEKS)
    with pytest.raises(TrendRefused) as refused:
        read_request(svc, chat(svc), "500 Alpha", NOW)
    assert refused.value.reason == "weeks"
