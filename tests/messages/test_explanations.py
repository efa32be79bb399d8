from __future__ import annotations

import pytest

from bot.domain.models import Match
from bot.messages.explanations import place, quotes_snippet, spelling, why_matched


def found(term: str, written: str, *, field: str = "body", before: str = "a ") -> Match:
    snippet = f"{before}{written} opens."
    start = len(before)
    return Match("TRIPP", term, written, 90.0, field, snippet, start, start + len(written))


def test_a_match_as_written_names_the_term_and_where() -> None:
    assert why_matched(found("TRIPP", "TRIPP")) == "names TRIPP in the body"


def test_the_article_saying_the_puts_the_before_the_name() -> None:
    assert why_matched(found("Middle Corridor", "Middle Corridor", before="via the ")) == (
        "names the Middle Corridor in the body"
    )


@pytest.mark.parametrize(
    ("term", "before"),
    [
        ("TRIPP", "the "),  # "the TRIPP route": the route's "the"
        ("SCO", "The "),
        ("Azerbaijan", "the "),  # "the Azerbaijan government"
        ("Syunik", "across the "),
    ],
)
def test_an_acronym_or_a_one_word_name_is_named_bare_whatever_the_article_says(
    term: str, before: str
) -> None:
    assert why_matched(found(term, term, before=before)) == f"names {term} in the body"


def test_a_term_starting_with_the_keeps_its_own() -> None:
    assert why_matched(found("the Caspian", "the Caspian", before="across ")) == (
        "names the Caspian in the body"
    )


def test_a_name_ending_in_a_common_noun_reads_with_the() -> None:
    assert why_matched(found("Zangezur corridor", "Zangezur corridor")) == (
        "names the Zangezur corridor in the body"
    )


def test_another_spelling_is_shown_word_by_word() -> None:
    assert why_matched(found("Zangezur corridor", "Zangezour corridor")) == (
        "names the Zangezur corridor in the body, spelt “Zangezour”"
    )


def test_a_one_word_misspelling_is_shown_whole() -> None:
    assert spelling("Zangezur", "Zangezour") == "spelt “Zangezour”"


@pytest.mark.parametrize(
    "written", ["middle corridor", "Middle-Corridor", "MIDDLE CORRIDOR", "Middle  Corridor"]
)
def test_capitals_spaces_and_hyphens_are_no_other_spelling(written: str) -> None:
    assert spelling("Middle Corridor", written) == ""


def test_an_acronym_in_other_capitals_says_how_it_was_written() -> None:
    assert why_matched(found("TAP", "Tap")) == "names TAP in the body, written “Tap”"


@pytest.mark.parametrize(
    ("field", "where"),
    [("title", "in the title"), ("summary", "in the abstract"), ("body", "in the body")],
)
def test_the_place_is_said_in_words(field: str, where: str) -> None:
    assert place(field) == where
    assert why_matched(found("TRIPP", "TRIPP", field=field)).endswith(where)


def test_a_match_in_the_title_quotes_no_snippet() -> None:
    assert not quotes_snippet(found("TRIPP", "TRIPP", field="title"))
    assert quotes_snippet(found("TRIPP", "TRIPP"))


def test_no_score_in_the_words() -> None:
    assert "score" not in why_matched(found("Zangezur", "Zangezour"))
