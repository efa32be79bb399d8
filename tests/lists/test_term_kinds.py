"""How a term matches is decided by how it is written and what its list says: capitals of
up to six letters are an acronym, exact and case-sensitive unless `case_sensitive = false`;
the file, the editors and `watchlist show` keep and say which."""

from __future__ import annotations

import pytest

from bot.domain.models import Term
from bot.domain.term_kinds import term_kind
from bot.lists.edit import add_term, new_watchlist_text
from bot.lists.files import how_term_matches, parse_watchlist
from bot.messages.watchlist_console import show_text
from bot.messages.watchlist_screens import term_line

FILE = """name = "Gas"
terms = [
  "TAP",
  { text = "TITR", case_sensitive = false },
  { text = "Rogun", case_sensitive = true },
  "Middle Corridor",
  { text = "Port of Aktau", exact = true },
  "3+3 format",
]
"""


def test_a_flag_left_out_is_none_and_a_false_one_is_kept() -> None:
    terms = parse_watchlist(FILE).terms
    assert [t.case_sensitive for t in terms] == [None, False, True, None, None, None]


@pytest.mark.parametrize(
    ("term", "said"),
    [
        (Term("TAP"), "acronym: exact, case-sensitive"),
        (Term("TITR", case_sensitive=False), "acronym: exact, any case"),
        (Term("Middle Corridor"), "typos allowed"),
        (Term("Rogun", case_sensitive=True), "typos allowed, case-sensitive"),
        (Term("Port of Aktau", exact=True), "exact, any case"),
        (Term("3+3 format"), "as written, any case"),
        (Term("Tap"), "typos allowed"),
        (Term("ZANGEZUR"), "typos allowed"),
    ],
)
def test_each_term_says_how_it_matches(term: Term, said: str) -> None:
    assert how_term_matches(term) == said


def test_acronym_shape_is_capitals_of_up_to_six_letters() -> None:
    assert term_kind(Term("CAREC")).kind == "acronym"
    assert term_kind(Term("SCO")).case_sensitive
    assert term_kind(Term("Sco")).kind == "phrase"
    assert term_kind(Term("C5+1")).kind == "literal"


def test_watchlist_show_says_how_each_term_matches() -> None:
    text = show_text(parse_watchlist(FILE), matching=0, history=[])
    assert "  TAP  (acronym: exact, case-sensitive)" in text
    assert "  TITR  (acronym: exact, any case)" in text
    assert "<i>(acronym: exact, case-sensitive)</i>" in term_line(Term("TAP"))


def test_an_edit_writes_an_explicit_false_and_leaves_an_unsaid_flag_out() -> None:
    text = new_watchlist_text("Gas", [Term("Rosneft")])
    text = add_term(text, Term("TAP", case_sensitive=False))
    text = add_term(text, Term("SCO"))
    assert '{ text = "TAP", case_sensitive = false }' in text
    assert '  "SCO",' in text
    terms = parse_watchlist(text).terms
    assert [t.case_sensitive for t in terms] == [None, False, None]
