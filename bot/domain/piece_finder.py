"""Step 3 of `bot.domain.matching`: where a term is worth a look (pure, no I/O).

One Aho–Corasick pass over the normalised text finds every piece of every term at once
(the pieces are chosen in `bot.domain.pieces`). A piece counts only where the text word
holding it may be its term word (within that word's typos, or split or run together) and
the text word beside that may be the term's next word. Both checks are made once per text
word, however many terms share it, and remembered from article to article in a bounded
memo keyed on the words. `Matcher` verifies what this finds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.domain.compiled_terms import STOPWORDS, CompiledTerm
from bot.domain.edit_distance import osa_distance

__all__ = ["PieceFinder"]

_WORD_AFTER = re.compile(r" *([^ ]*)")
_SPLIT_PART = 3  # letters of a word split in two, at least, on the side found


_Beside = tuple[int, str, int]  # (1 after, -1 before; the word; its typos)
_Ref = tuple[int, int]  # (term, where a piece ends in " " + phrase + " ")
# The term words a piece is in: (word, its typos or -1 for the whole term, and for each
# word beside it in the terms holding it, the terms)
_Group = tuple[str, int, tuple[tuple["_Beside | None", tuple[_Ref, ...]], ...]]
# What a piece in a text word asks for (empty: nothing): the terms worth a look at once;
# those worth one if the word and its neighbour are the term word split in two (term
# word, its typos); and by side, those worth one if the neighbour there fits.
_Looks = (
    tuple[
        tuple[_Ref, ...],
        tuple[tuple[str, int, tuple[_Ref, ...], bool, bool], ...],
        tuple[tuple[int, tuple[tuple["_Beside", tuple[_Ref, ...]], ...]], ...],
    ]
    | tuple[()]
)
_MEMO_SIZE = 16_384  # entries each memo keeps (about 3.5 MB at most); then it starts afresh


def _may_be(written: str, expected: str, cap: int) -> bool:
    """Whether a text word may be `expected` within `cap` typos, or part of it split at a
    line break, or it run together with a neighbour (the looser test that every term
    holding `expected` shares; the word beside it then decides for each term)."""
    difference = len(written) - len(expected)
    if -cap <= difference <= cap:
        return osa_distance(expected, written, cap) <= cap
    # A typo that adds or drops a letter moves the end of the word by one.
    loose = cap + 1 if cap else 0
    if difference > 0:
        size = len(expected)
        return (
            osa_distance(expected, written[:size], loose) <= loose
            or osa_distance(expected, written[-size:], loose) <= loose
        )
    if len(written) < _SPLIT_PART:
        return False
    size = len(written)
    return (
        osa_distance(expected[:size], written, loose) <= loose
        or osa_distance(expected[-size:], written, loose) <= loose
    )


def _run_together(expected: str, cap: int, wanted: _Beside, written: str) -> bool:
    """A text word longer than term word `expected` is it run together with the term's
    word beside it (`middlecorridor`), within their typos and the missing space."""
    step, other, other_cap = wanted
    joined = expected + other if step > 0 else other + expected
    cap += other_cap + 1
    return osa_distance(joined, written, cap) <= cap


def _add(found: dict[int, set[int]], term: int, start: int) -> None:
    starts = found.get(term)
    if starts is None:
        found[term] = {start}
    else:
        starts.add(start)


def _word_looks(groups: tuple[_Group, ...], written: str) -> _Looks:
    """What a piece found in text word `written` asks for, term word by term word: the
    checks that need no neighbour are made here, once per word; those that do are
    grouped by the side the neighbour is on."""
    free: list[_Ref] = []
    splits: list[tuple[str, int, tuple[_Ref, ...], bool, bool]] = []
    sides: dict[int, list[tuple[_Beside, tuple[_Ref, ...]]]] = {}
    for expected, cap, besides in groups:
        short = longer = before = after = False
        if cap >= 0:
            if not _may_be(written, expected, cap):
                continue
            short = len(written) < len(expected) - cap
            longer = len(written) > len(expected) + cap
        if short:
            if not cap:
                continue  # a word that takes no typo is never split
            # The piece's word is the start of the term word, or its end: the joined word
            # carries at most `cap - 1` typos, and where it is split may move as far.
            size, loose = len(written), 2 * (cap - 1)
            after = osa_distance(expected[:size], written, loose) <= loose
            before = osa_distance(expected[-size:], written, loose) <= loose
            if not (before or after):
                continue
        for wanted, refs in besides:
            if short:
                splits.append((expected, cap, refs, before, after))
            elif wanted is None or cap < 0:
                free.extend(refs)
            elif not longer:
                sides.setdefault(wanted[0], []).append((wanted, refs))
            elif _run_together(expected, cap, wanted, written):
                free.extend(refs)
    if not (free or splits or sides):
        return ()
    return (
        tuple(free),
        tuple(splits),
        tuple((side, tuple(options)) for side, options in sides.items()),
    )


def _split(
    text: str, left: int, right: int, expected: str, cap: int, before: bool, after: bool
) -> bool:
    """`text[left:right]`, shorter than `expected`, and the word before it (`before`) or
    after it (`after`) are `expected` split in two (a line break without a hyphen: `Kam` /
    `chik`); the split is one of the word's typos (`bot.domain.typos.fits`)."""
    written = text[left:right]
    return (
        before
        and osa_distance(
            expected,
            _text_beside(text, left, right, -1, past_function_words=False) + written,
            cap,
        )
        <= cap
    ) or (
        after
        and osa_distance(
            expected,
            written + _text_beside(text, left, right, 1, past_function_words=False),
            cap,
        )
        <= cap
    )


def _text_beside(
    text: str, left: int, right: int, step: int, *, past_function_words: bool = True
) -> str:
    """The word after `text[left:right]` (`step` 1) or before it (-1), past one function
    word unless told not to; empty at the text's edge."""
    written = ""
    for _ in range(2 if past_function_words else 1):
        if step > 0:
            found = _WORD_AFTER.match(text, right)
            assert found is not None  # it matches the empty string too
            written = found[1]
            right = found.end()
        else:
            end = left
            while end > 0 and text[end - 1] == " ":
                end -= 1
            left = text.rfind(" ", 0, end) + 1
            written = text[left:end]
        if written not in STOPWORDS:
            return written
    return written


def _beside_fits(near: str, wanted: _Beside) -> bool:
    """The text word beside a word found (`near`) may be the term's word beside it, within
    its typos, or where it starts (ends) when split, or run together with the next."""
    step, expected, cap = wanted
    if near == expected:
        return True
    if not near or near in STOPWORDS:
        return False
    if len(near) > len(expected) + cap:
        near = near[: len(expected)] if step > 0 else near[-len(expected) :]
    elif len(near) < len(expected) - cap:
        if len(near) < _SPLIT_PART:
            return False
        expected = expected[: len(near)] if step > 0 else expected[-len(near) :]
    return osa_distance(expected, near, cap) <= cap


class PieceFinder:
    """The prefilter (step 3): the pieces of many terms in one Aho–Corasick automaton, and
    what a piece found asks of the words around it. One finder may serve the terms of
    several matchers (`Matchers`), so an article is scanned once for all of them."""

    def __init__(self, terms: Sequence[CompiledTerm]) -> None:
        # piece → the term words it is in, and for each the word beside it in its terms:
        # {(word, its typos): {(side, word beside, its typos) or None: [(term, where the
        # piece ends in " " + phrase + " ")]}}. A piece is checked once against each word
        # and each word beside, however many terms share them.
        found_by: dict[str, dict[tuple[str, int], dict[_Beside | None, list[_Ref]]]] = {}
        for index, term in enumerate(terms):
            for piece, end, word in term.pieces:
                held_by = (term.words[word], term.caps[word]) if word >= 0 else ("", -1)
                beside = term.beside[word] if word >= 0 else None
                by_beside = found_by.setdefault(piece, {}).setdefault(held_by, {})
                by_beside.setdefault(beside, []).append((index, end))
        self._automaton: Any = None
        if found_by:
            # Imported here: commands that never match (--version, status) skip loading it.
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for key, (piece, in_words) in enumerate(found_by.items()):
                groups: tuple[_Group, ...] = tuple(
                    (word, cap, tuple((b, tuple(refs)) for b, refs in besides.items()))
                    for (word, cap), besides in in_words.items()
                )
                if all(cap < 0 for _, cap, _ in groups):  # whole terms: no word to check
                    whole = tuple(
                        ref for _, _, besides in groups for _, refs in besides for ref in refs
                    )
                    automaton.add_word(piece, (-1, whole, 0))
                else:
                    # Where the word holding the piece starts, counted back from where the
                    # piece ends, when the piece starts with its space (0: unknown).
                    automaton.add_word(
                        piece, (key, groups, len(piece) - 1 if piece[0] == " " else 0)
                    )
            automaton.make_automaton()
            self._automaton = automaton
        # (piece, text word) → what it asks for; (piece, text word, side, neighbour) → the
        # terms then worth a look. Words recur from article to article, so most pieces
        # found cost a look-up or two; both are only ever added to (or emptied when full),
        # which keeps `match` safe from several threads.
        self._word_memo: dict[tuple[int, str], _Looks] = {}
        self._beside_memo: dict[tuple[int, str, int, str], tuple[_Ref, ...]] = {}

    def find(self, text: str) -> dict[int, set[int]]:
        """term → where its pieces in `text` (normalised) say it starts, where worth a look."""
        if self._automaton is None:
            return {}
        memo = self._word_memo
        if len(memo) > _MEMO_SIZE:
            memo.clear()
        near_memo = self._beside_memo
        if len(near_memo) > _MEMO_SIZE:
            near_memo.clear()
        found: dict[int, set[int]] = {}
        beside: dict[int, str] = {}  # the text's word beside each word found
        # Padded so that a piece may be anchored at the first or last word. A piece
        # ending at `end` says its term starts at `end + 1 - piece_end` in `text`.
        for end, (key, groups, back) in self._automaton.iter(" " + text + " "):
            if key < 0:  # whole terms: nothing to check per word
                for term_index, piece_end in groups:
                    _add(found, term_index, end + 1 - piece_end)
                continue
            # The text word holding the piece. Most pieces found are in words that cannot
            # be their term word (" ro" in "road"): the memo, keyed on the word, says so
            # in one look however many articles hold it.
            if back:
                left = end - back
            else:
                last = end - 1 if text[end - 1 : end] not in ("", " ") else end - 2
                left = text.rfind(" ", 0, max(last, 0)) + 1
            right = text.find(" ", left)
            if right < 0:
                right = len(text)
            written = text[left:right]
            looks = memo.get((key, written))
            if looks is None:
                looks = memo[key, written] = _word_looks(groups, written)
            if not looks:
                continue
            free, splits, sides = looks
            for term_index, piece_end in free:
                _add(found, term_index, end + 1 - piece_end)
            for expected, cap, refs, before, after in splits:
                if _split(text, left, right, expected, cap, before, after):
                    for term_index, piece_end in refs:
                        _add(found, term_index, end + 1 - piece_end)
            for side, options in sides:
                # " ro" in "route" is no look at "Trump Route" unless "Trump" is beside
                # it; nor "Baku" in "Baku officials" one at "Baku port".
                where = 2 * left + (side > 0)
                near = beside.get(where)
                if near is None:
                    near = beside[where] = _text_beside(text, left, right, side)
                fitting = near_memo.get((key, written, side, near))
                if fitting is None:
                    fitting = near_memo[key, written, side, near] = tuple(
                        ref
                        for wanted, refs in options
                        if _beside_fits(near, wanted)
                        for ref in refs
                    )
                for term_index, piece_end in fitting:
                    _add(found, term_index, end + 1 - piece_end)
        return found
