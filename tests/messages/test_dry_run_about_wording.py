"""/testlist and `watchlist test` word the "possibly about" finds apart from the names,
with the strength in plain words and the passage quoted, escaped for Telegram."""

from __future__ import annotations

import dataclasses

from bot.domain.aboutness import CLOSE, PossiblyAbout
from bot.domain.dry_run import AboutExample, DryRun
from bot.messages.watchlist_console import dry_run_text
from bot.messages.watchlist_screens import dry_run_blocks
from tests.semantic.about_fixture import ABOUT_IT

FOUND = PossiblyAbout(ABOUT_IT.id, "Route", 0.9, CLOSE, "Trains from Baku <to> Nakhchivan & on.")
REPORT = DryRun(
    watchlist="Route",
    checked=5,
    about_checked=4,
    about_found=1,
    about_examples=(AboutExample(dataclasses.replace(ABOUT_IT, text=""), FOUND),),
)


def test_telegram_shows_possibly_about_finds_in_their_own_block_escaped() -> None:
    _, items, _ = dry_run_blocks(REPORT, 14, name="Route")
    (block,) = items
    assert block.startswith("<b>Possibly about it, without naming it</b>: 1 of 4 articles")
    assert "· close\n" in block
    assert "<i>Trains from Baku &lt;to&gt; Nakhchivan &amp; on.</i>" in block


def test_the_terminal_shows_them_after_the_names() -> None:
    text = dry_run_text(REPORT, days=14)
    assert text.splitlines()[1] == (
        "Possibly about 'Route', without naming it: 1 of the 4 article(s) that do not name it."
    )
    assert "close: “Trains from Baku <to> Nakhchivan & on.”" in text


def test_nothing_is_said_of_the_tier_when_it_did_not_run() -> None:
    plain = DryRun(watchlist="Route", checked=5)
    assert "Possibly" not in dry_run_text(plain, days=14)
    assert dry_run_blocks(plain, 14, name="Route")[1] == []


def test_showing_a_list_shows_its_about_sentences_and_thresholds() -> None:
    from bot.messages.watchlist_console import show_text
    from bot.messages.watchlist_screens import showlist_blocks
    from tests.semantic.about_fixture import ROUTE

    text = show_text(ROUTE, matching=0, history=[])
    assert "possibly about: close from 0.6, very close from 0.9 (calibrated)" in text
    assert f"  about: {ROUTE.about[0]}" in text
    assert f"  not about: {ROUTE.not_about[0]}" in text
    _, items, _ = showlist_blocks(
        ROUTE, file_name="route.toml", subscribers=0, matching=0, audit=[]
    )
    (block,) = [i for i in items if i.startswith("<b>Possibly about</b>")]
    assert f"✖️ not: {ROUTE.not_about[0]}" in block
