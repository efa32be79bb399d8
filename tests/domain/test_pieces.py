"""The rare pieces of a term (`bot.domain.pieces`): a match with the typos a term may carry
always shows one of them, which is what lets the matcher look only where one is found."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.compiled_terms import CompiledTerm, compile_term
from bot.domain.edit_distance import osa_distance
from bot.domain.models import Term, Watchlist
from bot.domain.piece_finder import _beside_fits, _fitting
from bot.domain.typos import fits

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)


@st.composite
def _edited(draw: st.DrawFn) -> tuple[str, str]:
    """(a term, the term with one typo in a word that may take one)."""
    words = draw(st.lists(_WORD, min_size=1, max_size=4))
    term = compile_term(Term(" ".join(words)), Watchlist("W", ()), 0)
    assert term is not None
    typo_words = [i for i, cap in enumerate(term.caps) if cap and term.budget]
    if not typo_words:
        return term.phrase, term.phrase
    i = draw(st.sampled_from(typo_words))
    word = term.words[i]
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    kind = draw(st.sampled_from(["insert", "delete", "substitute", "transpose"]))
    if kind == "insert":
        word = word[:at] + letter + word[at:]
    elif kind == "delete":
        word = word[:at] + word[at + 1 :]
    elif kind == "substitute":
        word = word[:at] + letter + word[at + 1 :]
    else:
        at = min(at, len(word) - 2)
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    edited = list(term.words)
    edited[i] = word
    return term.phrase, " ".join(edited)


@settings(max_examples=400)
@given(_edited())
def test_a_term_with_one_typo_still_shows_one_of_its_pieces(case: tuple[str, str]) -> None:
    phrase, edited = case
    term = compile_term(Term(phrase), Watchlist("W", ()), 0)
    assert term is not None
    padded = f" {edited} "
    assert any(piece in padded for piece, _, _ in term.pieces), (term.pieces, edited)


_EDIT_LETTERS = "abcdefghijklmnopqrstuvwxyz "


@st.composite
def _edits(draw: st.DrawFn) -> tuple[CompiledTerm, str]:
    """(a term, the term with up to its whole typo budget of edits anywhere in it, spaces
    included: a word split in two, two run together, a letter added before the first)."""
    words = draw(st.lists(_WORD | st.sampled_from(["of", "and", "the"]), min_size=1, max_size=4))
    term = compile_term(Term(" ".join(words)), Watchlist("W", ()), 0)
    assert term is not None
    written = term.phrase
    for _ in range(draw(st.integers(0, term.budget))):
        kind = draw(st.sampled_from(["insert", "delete", "substitute", "transpose"]))
        at = draw(st.integers(0, len(written)))
        letter = draw(st.sampled_from(_EDIT_LETTERS))
        if kind == "insert":
            written = written[:at] + letter + written[at:]
        elif kind == "delete":
            written = written[:at] + written[at + 1 :]
        elif kind == "substitute":
            written = written[:at] + letter + written[at + 1 :]
        elif len(written) >= 2:
            at = min(at, len(written) - 2)
            written = written[:at] + written[at + 1] + written[at] + written[at + 2 :]
    return term, written


def _accepted(term: CompiledTerm, written: str) -> bool:
    """Whether the matcher takes `written` (whole words, one space apart) for `term`: a
    form of it within the term's typos, each word within its own (`typos.fits`)."""
    seen = written.split()
    joined = " ".join(seen)
    if not term.budget:
        return joined == term.phrase
    return any(
        osa_distance(form.phrase, joined, term.budget) <= term.budget
        and fits(form.words, form.caps, seen)
        for form in term.forms
    )


@settings(max_examples=1500, deadline=None)
@given(_edits())
def test_any_text_the_matcher_takes_for_a_term_shows_one_of_its_pieces(
    case: tuple[CompiledTerm, str],
) -> None:
    # The prefilter's guarantee, for every typo budget and edits to spaces too: whatever
    # the verifier would accept as the term shows a piece, so looking only where pieces
    # are loses no match.
    term, written = case
    if _accepted(term, written):
        padded = " " + " ".join(written.split()) + " "
        assert any(piece in padded for piece, _, _ in term.pieces), (term.pieces, written)


@settings(max_examples=200)
@given(st.lists(_WORD, min_size=1, max_size=4))
def test_a_term_as_written_shows_every_piece_where_it_says(words: list[str]) -> None:
    term = compile_term(Term(" ".join(words)), Watchlist("W", ()), 0)
    assert term is not None
    padded = f" {term.phrase} "
    if len(term.pieces) != (term.budget + 1 if term.budget else 1):
        # or one piece: a whole word that takes no typo
        [(piece, _, word)] = term.pieces
        assert term.caps[word] == 0
        assert piece.strip() == term.words[word]
    for piece, end, _ in term.pieces:
        assert padded[end - len(piece) : end] == piece


def test_a_word_that_takes_no_typo_may_stand_for_its_term() -> None:
    term = compile_term(Term("Meghri port"), Watchlist("W", ()), 0)
    assert term is not None
    assert term.budget == 2
    assert [piece for piece, _, _ in term.pieces] == ["port "]


_NEAR_WORD = st.text(alphabet="abcdeor", max_size=10) | st.sampled_from(["the", "of", "and"])


@settings(max_examples=500)
@given(
    _NEAR_WORD,
    st.lists(
        st.tuples(
            st.sampled_from([1, -1]),
            st.text(alphabet="abcdeor", min_size=1, max_size=10),
            st.integers(0, 3),
        ),
        max_size=5,
        unique=True,
    ),
)
def test_a_neighbour_is_judged_for_every_word_wanted_beside_as_for_each_alone(
    near: str, wanted: list[tuple[int, str, int]]
) -> None:
    # The prefilter judges a text word's neighbour against all the words wanted there at
    # once, for speed; each verdict is the one `_beside_fits` gives.
    options = tuple((w, ((i, 0), (i, 1))) for i, w in enumerate(wanted))
    expected = tuple(
        dict.fromkeys(ref for w, refs in options if _beside_fits(near, w) for ref in refs)
    )
    assert _fitting(options, near) == expected
