"""A watchlist file's `about`, `not_about` and calibrated scores: read into the list,
held to the rules' limits, and each problem named with its key and line."""

from __future__ import annotations

import pytest

from bot.domain.models import Term
from bot.lists.edit import add_term
from bot.lists.files import WatchlistError, parse_watchlist
from bot.lists.rules import SHARED

HEAD = 'name = "Route"\nterms = ["Syunik route"]\n'


def test_about_and_not_about_sentences_and_scores_are_read_into_the_list() -> None:
    w = parse_watchlist(
        HEAD + 'about = ["A route across southern Armenia.", "Rail to Nakhchivan."]\n'
        'not_about = ["The Lachin corridor."]\nabout_close = 0.75\nabout_very_close = 1\n'
    )
    assert w.about == ("A route across southern Armenia.", "Rail to Nakhchivan.")
    assert w.not_about == ("The Lachin corridor.",)
    assert (w.about_close, w.about_very_close) == (0.75, 1.0)


def test_a_list_without_about_has_none_and_no_calibration() -> None:
    w = parse_watchlist(HEAD)
    assert (w.about, w.not_about, w.about_close, w.about_very_close) == ((), (), None, None)


@pytest.mark.parametrize(
    ("extra", "line", "reason"),
    [
        ('about = "A route."\n', 3, "about must be a list of strings"),
        ("about = [1]\n", 3, "about[0]: must be a string with letters or digits"),
        ('not_about = ["..."]\n', 3, "not_about[0]: must be a string with letters or digits"),
        (
            f'about = ["{"x" * (SHARED.about_length + 1)}"]\n',
            3,
            f"about[0]: must be at most {SHARED.about_length} characters",
        ),
        (
            "about = [" + ", ".join(['"A route."'] * (SHARED.about_sentences + 1)) + "]\n",
            3,
            f"about: at most {SHARED.about_sentences} sentences",
        ),
        ("about_close = true\n", 3, "about_close must be a number from -5 to 5"),
        ("about_close = 9.5\n", 3, "about_close must be a number from -5 to 5"),
        (
            "about_close = 0.9\nabout_very_close = 0.8\n",
            4,
            "about_very_close must not be below about_close",
        ),
    ],
)
def test_a_bad_about_key_is_refused_with_its_line_and_reason(
    extra: str, line: int, reason: str
) -> None:
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist(HEAD + extra, "route.toml")
    assert caught.value.line == line
    assert caught.value.reason.startswith(reason)


def test_editing_the_terms_keeps_the_about_sentences() -> None:
    text = HEAD + 'about = ["A route across southern Armenia."]\nabout_close = 0.8\n'
    edited = parse_watchlist(add_term(text, Term("Meghri line")))
    assert edited.about == ("A route across southern Armenia.",)
    assert edited.about_close == 0.8
