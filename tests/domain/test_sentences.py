from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.sentences import (
    ABBREVIATIONS,
    boundaries,
    sentence_end,
    sentence_spans,
    sentence_start,
    split_sentences,
)
from bot.domain.snippets import make_snippet


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Mr. Aliyev spoke. He left.", ["Mr. Aliyev spoke.", "He left."]),
        ("Dr. Smith and Prof. Jones met.", ["Dr. Smith and Prof. Jones met."]),
        ("Resolution No. 5 passed. It binds.", ["Resolution No. 5 passed.", "It binds."]),
        ("The U.S. Congress voted. Baku agreed.", ["The U.S. Congress voted.", "Baku agreed."]),
        ("Routes, e.g. Baku to Kars, matter. Yes.", ["Routes, e.g. Baku to Kars, matter.", "Yes."]),
        ("J. Smith wrote it. Others did not.", ["J. Smith wrote it.", "Others did not."]),
        ("Trade grew 3.5 percent. It slowed.", ["Trade grew 3.5 percent.", "It slowed."]),
        ("It grew in 2025. Then it fell.", ["It grew in 2025.", "Then it fell."]),
        ("Why? Because. “Really!” he said.", ["Why?", "Because.", "“Really!” he said."]),
        ("He said “go.” Then he went.", ["He said “go.”", "Then he went."]),
        ("Heading\n\nThe body starts", ["Heading", "The body starts"]),
        ("wrapped\nline. Next one", ["wrapped\nline.", "Next one"]),
        ("  spaced out.   Twice.  ", ["spaced out.", "Twice."]),
        ("", []),
    ],
)
def test_sentences_end_at_marks_but_not_at_abbreviations_initials_or_decimals(
    text: str, sentences: list[str]
) -> None:
    assert split_sentences(text) == sentences


def test_a_full_stop_before_a_lower_case_word_ends_no_sentence() -> None:
    assert split_sentences("It runs to St. petersburg etc. and on. Then.") == [
        "It runs to St. petersburg etc. and on.",
        "Then.",
    ]


# -- properties ------------------------------------------------------------------------

PLAIN_WORDS = st.sampled_from(
    ["route", "corridor", "Baku", "Armenia", "transit", "2025", "peace", "the", "Zangezur"]
)
# Pieces that hold a full stop and white space or a capital after it, yet end nothing.
TRAPS = st.sampled_from(
    [
        "No. 5",
        "U.S. President",
        "Mr. Aliyev",
        "Dr. Pashinyan",
        "e.g. Baku",
        "i.e. Kars",
        "J. Smith",
        "3.5",
        "Art. 9",
        "Jan. 12",
        "U.K. ministers",
    ]
)
ENDS = st.sampled_from([".", "!", "?", ".”", ".)", "?’"])


@st.composite
def sentences(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(["The", "Baku", "It", "Armenia", "In"]))
    middle = draw(st.lists(st.one_of(PLAIN_WORDS, TRAPS), min_size=1, max_size=8))
    # The last word is a plain one: a sentence ending in "U.S." is the case the rule
    # gives up on (it keeps the sentence whole).
    return f"{first} {' '.join(middle)} {draw(PLAIN_WORDS)}{draw(ENDS)}"


@settings(max_examples=300)
@given(st.lists(sentences(), min_size=1, max_size=6), st.sampled_from([" ", "  ", "\n", "\n\n"]))
def test_sentences_joined_are_split_back_exactly(parts: list[str], gap: str) -> None:
    assert split_sentences(gap.join(parts)) == parts


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("aB. !?\n”3"), max_size=60))
def test_sentence_spans_cover_the_text_in_order_leaving_only_white_space(text: str) -> None:
    pos = 0
    for start, end in sentence_spans(text):
        assert pos <= start < end
        assert not text[pos:start].strip()
        assert text[start].strip() and text[end - 1].strip()
        pos = end
    assert not text[pos:].strip()


@settings(max_examples=200)
@given(st.sampled_from(sorted(ABBREVIATIONS)), PLAIN_WORDS)
def test_no_listed_abbreviation_ends_a_sentence(abbreviation: str, word: str) -> None:
    written = abbreviation.capitalize()
    text = f"See {written}. {word.capitalize()} now."
    assert split_sentences(text) == [text]


def test_sentence_start_and_end_find_the_sentence_around_a_position() -> None:
    text = "First one. The No. 5 route runs here. Last."
    at = text.index("route")
    assert text[sentence_start(text, at, 400) or 0 : sentence_end(text, at, 400)] == (
        "The No. 5 route runs here."
    )
    # Out of reach: no boundary that close.
    assert sentence_start(text, at, 3) is None
    assert sentence_end(text, at, 3) is None


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from(["a", "Bc", "No", ".", " ", "  ", "!", "\n", "”", "3", "J"]), max_size=200
    ).map("".join),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=450),
)
def test_sentence_start_is_the_last_boundary_within_reach(text: str, pos: int, reach: int) -> None:
    # `sentence_start` searches back a stretch at a time; what it finds is what every
    # boundary from the reach on says: the last next sentence's start up to `pos`.
    pos = min(pos, len(text))
    lo = max(0, pos - reach)
    starts = [after for _, after in boundaries(text, lo, pos) if after <= pos]
    expected = starts[-1] if starts else (0 if lo == 0 else None)
    assert sentence_start(text, pos, reach) == expected


def test_snippet_keeps_a_sentence_with_no_whole_across_the_abbreviation() -> None:
    plain = "Earlier text. Under Resolution No. 5 the TRIPP route opens. Later text."
    start = plain.index("TRIPP")
    snippet, ms, me = make_snippet(plain, start, start + 5)
    assert snippet == "Under Resolution No. 5 the TRIPP route opens."
    assert snippet[ms:me] == "TRIPP"


@settings(max_examples=200)
@given(
    st.lists(st.one_of(PLAIN_WORDS, TRAPS), min_size=1, max_size=40),
    st.lists(st.one_of(PLAIN_WORDS, TRAPS), min_size=0, max_size=40),
)
def test_snippet_is_cut_between_words_never_inside_one(left: list[str], right: list[str]) -> None:
    plain = f"{' '.join(left)} TRIPP {' '.join(right)}".strip()
    start = plain.index(" TRIPP") + 1
    snippet, ms, me = make_snippet(plain, start, start + 5)
    assert snippet[ms:me] == "TRIPP"
    body = snippet.removeprefix("… ").removesuffix(" …")
    # Each word of the snippet is a whole word of the text.
    words = plain.split()
    assert all(w in words for w in body.split())
    assert body in " ".join(words)
