"""The rare pieces of a term (`bot.domain.pieces`): a match with the typos a term may carry
always shows one of them, which is what lets the matcher look only where one is found."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.compiled_terms import compile_term
from bot.domain.models import Term, Watchlist
from bot.domain.piece_finder import _beside_fits, _fitting

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
