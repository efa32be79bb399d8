"""The matcher's typo count (`bot.domain.edit_distance`) gives rapidfuzz's figures: the
optimal string alignment distance, cut off where rapidfuzz cuts it off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA, LCSseq

from bot.domain.edit_distance import lcs_at_least, osa_distance

REPO = Path(__file__).resolve().parents[2]
# A small alphabet makes near misses, swaps and repeated letters common.
_NEAR = st.text(alphabet="abc -", max_size=10)
_WIDE = st.text(max_size=14)
_CUTOFF = st.integers(min_value=0, max_value=6)


@settings(max_examples=2000)
@given(_NEAR, _NEAR, _CUTOFF)
def test_near_strings_get_rapidfuzz_distance_within_the_cutoff(
    s1: str, s2: str, cutoff: int
) -> None:
    assert osa_distance(s1, s2, cutoff) == OSA.distance(s1, s2, score_cutoff=cutoff)


@settings(max_examples=500)
@given(_WIDE, _WIDE, _CUTOFF)
def test_any_strings_get_rapidfuzz_distance_within_the_cutoff(
    s1: str, s2: str, cutoff: int
) -> None:
    assert osa_distance(s1, s2, cutoff) == OSA.distance(s1, s2, score_cutoff=cutoff)


@settings(max_examples=1000)
@given(_NEAR, st.text(alphabet="abcd -", max_size=24), st.integers(min_value=-1, max_value=12))
def test_a_common_subsequence_of_at_least_need_letters_is_found_as_rapidfuzz_finds_it(
    pattern: str, text: str, need: int
) -> None:
    expected = need <= 0 or LCSseq.similarity(pattern, text, score_cutoff=need) != 0
    assert lcs_at_least(pattern, text, need) is expected


@st.composite
def _with_typos(draw: st.DrawFn) -> tuple[str, str]:
    """(a word, the word after up to three typos of every kind)."""
    word = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=16))
    edited = list(word)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, max(0, len(edited) - 1)))
        kind = draw(st.sampled_from(["insert", "delete", "substitute", "transpose"]))
        letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
        if kind == "insert":
            edited.insert(at, letter)
        elif kind == "delete" and edited:
            del edited[at]
        elif kind == "substitute" and edited:
            edited[at] = letter
        elif kind == "transpose" and at + 1 < len(edited):
            edited[at], edited[at + 1] = edited[at + 1], edited[at]
    return word, "".join(edited)


@settings(max_examples=1000)
@given(_with_typos(), _CUTOFF)
def test_a_word_with_typos_gets_rapidfuzz_distance(pair: tuple[str, str], cutoff: int) -> None:
    word, edited = pair
    assert osa_distance(word, edited, cutoff) == OSA.distance(word, edited, score_cutoff=cutoff)


def test_a_swap_of_neighbours_is_one_typo_and_an_edited_swap_is_not() -> None:
    assert osa_distance("corridor", "corirdor", 2) == 1
    # Optimal string alignment edits no substring twice: "ca" -> "ac" -> "abc" is 3.
    assert osa_distance("ca", "abc", 5) == 3


def test_past_the_cutoff_is_the_cutoff_plus_one() -> None:
    assert osa_distance("azerbaijan", "kazakhstan", 2) == 3
    assert osa_distance("", "abcdef", 2) == 3


def test_the_running_bot_matches_typos_without_loading_rapidfuzz() -> None:
    # Why this module exists: rapidfuzz is some 4 MB of the idle bot's memory. `run`'s
    # modules, a list compiled and an article with typos matched: still not loaded.
    probe = (
        "import sys\n"
        "import bot.cli.main, bot.runtime.runner\n"
        "from bot.domain.matching import compile_watchlists\n"
        "from bot.domain.models import Term, Watchlist\n"
        "lists = [Watchlist('A', (Term('Middle Corridor'),)),"
        " Watchlist('B', (Term('Trans-Caspian route'),))]\n"
        "found = compile_watchlists(lists).match([('body', 'The Midle Coridor and the"
        " Trans-Caspain route grew.')])\n"
        "print(len(found), 'rapidfuzz' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "False"]
