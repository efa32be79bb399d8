"""A term with fewer than three letters or digits, once matching has folded it, is refused
with the reason, for shared and personal lists alike (``bot.lists.rules``): "a" alerted
followers to "sells [a] lot of oil", and "(a+)+$" became the one-letter term "a"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.models import Term
from bot.lists.edit import EditError, add_term, new_watchlist_text
from bot.lists.files import WatchlistError, load_watchlists, parse_watchlist
from bot.lists.personal import PersonalError, add_terms, new_list
from bot.lists.rules import SHARED, RuleError, checked_terms
from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.fake_telegram import FakeTelegram
from tests.watchlist_copy import FROZEN_WATCHLISTS

SHORT = {"a": 1, "(a+)+$": 1, "EU": 2, "R&D": 2, " x-1 ": 2, "--a--": 1}
LONG_ENOUGH = ["TAP", "9/11", "Oil", "Ü-Öl", "C-130"]
LIST = new_watchlist_text("Oil", [Term("Rosneft")])


@pytest.mark.parametrize("text", SHORT)
def test_the_validator_refuses_a_term_of_fewer_than_three_letters_or_digits(text: str) -> None:
    with pytest.raises(RuleError) as refused:
        checked_terms([Term(text)], SHARED)
    assert (refused.value.rule, refused.value.size, refused.value.limit) == (
        "too-short",
        SHORT[text],
        3,
    )


@pytest.mark.parametrize("text", LONG_ENOUGH)
def test_three_letters_or_digits_are_enough(text: str) -> None:
    assert checked_terms([Term(text, exact=True)], SHARED)[0].text == text


@pytest.mark.parametrize("text", SHORT)
def test_shared_and_personal_edits_refuse_it_saying_why(text: str) -> None:
    why = f"needs at least 3 letters or digits to match (“{text.strip()}” has {SHORT[text]})"
    with pytest.raises(EditError, match=rf"^a term {re.escape(why)}$"):
        add_term(LIST, Term(text))
    with pytest.raises(EditError, match="needs at least 3 letters or digits"):
        new_watchlist_text("Oil", [Term("Rosneft"), Term(text)])
    with pytest.raises(PersonalError, match="needs at least 3 letters or digits"):
        new_list([], 42, "Oil", [Term(text)])
    plist = new_list([], 42, "Oil", [Term("Rosneft")])
    with pytest.raises(PersonalError, match="needs at least 3 letters or digits"):
        add_terms(plist, [Term(text)])


def test_a_file_with_a_short_term_does_not_load_and_says_which_line() -> None:
    text = 'name = "Oil"\nterms = [\n  "Rosneft",\n  "a",\n]\n'
    with pytest.raises(WatchlistError) as refused:
        parse_watchlist(text, "oil.toml")
    assert refused.value.line == 4
    assert "terms[1]: needs at least 3 letters or digits to match (“a” has 1)" in str(refused.value)


def test_the_shipped_lists_still_load() -> None:
    lists, errors = load_watchlists(FROZEN_WATCHLISTS)
    assert errors == [] and sorted(w.name for w in lists) == [
        "Abraham Accords",
        "Middle Corridor",
        "TRIPP",
    ]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


def test_an_admin_and_a_user_are_told_why_in_telegram(tmp_path: Path, fake: FakeTelegram) -> None:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none"])
    tripp = tmp_path / "watchlists" / "tripp.toml"
    before = tripp.read_text()

    async def scenario() -> None:
        async with BotUnderTest(config, fake, Clock(), pacer=fast_pacer()) as b:
            [answer] = await b.send("/addterm TRIPP | a", user_id=ADMIN_ID)
            assert "needs at least 3 letters or digits to match (“a” has 1)" in answer.text
            [answer] = await b.send("/addterm TRIPP | (a+)+$", user_id=ADMIN_ID)
            assert "(“(a+)+$” has 1)" in answer.text
            [answer] = await b.send("/mynew Oil | EU", user_id=4242)
            assert "needs at least 3 letters or digits to match (“EU” has 2)" in answer.text
            assert b.store.personal.of(4242) == []

    asyncio.run(scenario())
    assert tripp.read_text() == before
