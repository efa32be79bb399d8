"""Step 3 of `bot.domain.matching`: where a term is worth a look (pure, no I/O).

One Aho–Corasick pass over the normalised text finds every piece of every term at once
(the pieces are chosen in `bot.domain.pieces`). A piece counts only where the text word
holding it may be its term word (within that word's typos, or split or run together) and
the text word beside that may be the term's next word. Both checks are made once per text
word, however many terms share it, and remembered from article to article in a bounded
memo keyed on the words. `Matcher` verifies what this finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.compiled_terms import STOPWORDS, CompiledTerm
from bot.domain.edit_distance import osa_distance

__all__ = ["PieceFinder"]

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
_At = tuple[int, int]  # (term, where it starts counted from the start of a text word)
_Joined = tuple[tuple[str, int, tuple[_At, ...]], ...]  # (term word, its typos, terms)
# What a text word's neighbour on one side decides: the side, the words wanted there, and
# what each word found there gave.
_Side = tuple[int, tuple[tuple[_Beside, tuple[_At, ...]], ...], dict[str, tuple[_At, ...]]]
# What the pieces in a text word ask for (empty: nothing): the terms worth a look at
# once; those worth one if the word joined with the word before (after) it is a term word
# split in two; and by side, for each word wanted there, those worth one if it fits. A
# word whose one neighbour alone decides (most) is that side's `_Side` alone.
_WordLooks = tuple[tuple[_At, ...], _Joined, _Joined, tuple[_Side, ...]] | _Side | tuple[()]
# Entries each memo keeps, and neighbours the word memo's entries keep all together
# (about 3.5 MB at most); then it starts afresh.
_MEMO_SIZE = 16_384


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


def _shifted(refs: tuple[_Ref, ...], end: int) -> tuple[_At, ...]:
    """Refs of a piece ending at `end` of " " + word + " ": where each term would start,
    counted from the word's start."""
    return tuple((term, end + 1 - piece_end) for term, piece_end in refs)


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


def _joined(options: tuple[tuple[str, int, tuple[_At, ...]], ...], joined: str) -> tuple[_At, ...]:
    """The terms whose word `expected` is `joined`, a text word shorter than it joined with
    the word beside it (a line break without a hyphen: `Kam` / `chik`), the split one of
    the word's typos (`bot.domain.typos.fits`)."""
    return tuple(
        dict.fromkeys(
            ref
            for expected, cap, refs in options
            if osa_distance(expected, joined, cap) <= cap
            for ref in refs
        )
    )


def _word_after(text: str, right: int) -> tuple[str, int]:
    """The word after offset `right` of `text` (a word's end) and where it ends; empty at
    the text's end."""
    size = len(text)
    while right < size and text[right] == " ":
        right += 1
    end = text.find(" ", right)
    if end < 0:
        end = size
    return text[right:end], end


def _word_before(text: str, left: int) -> tuple[str, int]:
    """The word before offset `left` of `text` (a word's start) and where it starts; empty
    at the text's start."""
    while left > 0 and text[left - 1] == " ":
        left -= 1
    start = text.rfind(" ", 0, left) + 1
    return text[start:left], start


def _text_beside(
    text: str, left: int, right: int, step: int, *, past_function_words: bool = True
) -> str:
    """The word after `text[left:right]` (`step` 1) or before it (-1), past one function
    word unless told not to; empty at the text's edge."""
    written = ""
    for _ in range(2 if past_function_words else 1):
        if step > 0:
            written, right = _word_after(text, right)
        else:
            written, left = _word_before(text, left)
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


def _fitting(options: tuple[tuple[_Beside, tuple[_At, ...]], ...], near: str) -> tuple[_At, ...]:
    """The terms worth a look when `near` is the text word beside the word found: those of
    the options `_beside_fits`. Worked out once per word and neighbour, but that is
    thousands of times over a first thousand articles, so `_beside_fits` is written out
    here with the letters `near` has counted once for all the options: words that differ
    in more letters than the typos allowed (the bound `osa_distance` tries first) are
    turned away without computing a distance."""
    if not near or near in STOPWORDS:
        return tuple(
            dict.fromkeys(
                ref for (_, expected, _), at_refs in options if expected == near for ref in at_refs
            )
        )
    size = len(near)
    letters = frozenset(near)
    fitting: dict[_At, None] = {}
    for (step, expected, cap), at_refs in options:
        if near != expected:
            written, theirs = near, expected
            if size > len(expected) + cap:
                written = near[: len(expected)] if step > 0 else near[-len(expected) :]
            elif size < len(expected) - cap:
                if size < _SPLIT_PART:
                    continue
                theirs = expected[:size] if step > 0 else expected[-size:]
            if written != theirs:
                ours = letters if written is near else frozenset(written)
                wanted_letters = frozenset(theirs)
                if len(wanted_letters - ours) > cap or len(ours - wanted_letters) > cap:
                    continue
                if osa_distance(theirs, written, cap) > cap:
                    continue
        fitting.update(dict.fromkeys(at_refs))
    return tuple(fitting)


def _function_word_runs(words: Sequence[str]) -> list[list[str]]:
    """The runs of function words in a term, at least one (empty) run."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in STOPWORDS:
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return runs


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
        # The most function words any term has in a row ("Bank of the South"): a word's
        # neighbour in the text is sought past as many.
        self._between = max([1, *(len(run) for t in terms for run in _function_word_runs(t.words))])
        self._automaton: Any = None
        if found_by:
            # Imported here: commands that never match (--version, status) skip loading it.
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for piece, in_words in found_by.items():
                groups: tuple[_Group, ...] = tuple(
                    (word, cap, tuple((b, tuple(refs)) for b, refs in besides.items()))
                    for (word, cap), besides in in_words.items()
                )
                if all(cap < 0 for _, cap, _ in groups):  # whole terms: no word to check
                    whole = tuple(
                        ref for _, _, besides in groups for _, refs in besides for ref in refs
                    )
                    automaton.add_word(piece, (True, whole))
                else:
                    automaton.add_word(piece, (False, groups))
            automaton.make_automaton()
            self._automaton = automaton
        # text word → what the pieces in it ask for, with, by side, neighbour → the terms
        # then worth a look. Words recur from article to article, so most words holding a
        # piece cost a look-up or two; the memos are only ever added to (or emptied when
        # full), which keeps `find` safe from several threads.
        self._word_memo: dict[str, _WordLooks] = {}
        self._neighbours = 0  # neighbours remembered in the word memo's entries
        # (text word, side, the word just there) → the terms worth a look because the
        # two words are one of theirs split in two.
        self._split_memo: dict[tuple[str, int, str], tuple[_At, ...]] = {}

    def _looks(self, written: str) -> _WordLooks:
        """What every piece in text word `written` asks for, where the term would start
        counted from the word's start: the word is scanned alone, so a word holding
        several pieces (" rai", "way " in "railway") is checked once for all of them, and
        each word wanted beside it or joined to it once for all the terms wanting it."""
        free: dict[_At, None] = {}
        joined: tuple[dict[tuple[str, int], dict[_At, None]], ...] = ({}, {})  # before, after
        sides: dict[int, dict[_Beside, dict[_At, None]]] = {}
        # `end` counts from the space before the word, as the text's pieces do from the
        # space before the term: a term starts `end + 1 - piece_end` after that space.
        for end, (whole, groups) in self._automaton.iter(" " + written + " "):
            if whole:
                continue  # found in the whole text's pass
            looks = _word_looks(groups, written)
            if not looks:
                continue
            free_refs, split_refs, side_refs = looks
            free.update(dict.fromkeys(_shifted(free_refs, end)))
            for expected, cap, refs, before, after in split_refs:
                for wanted, by in zip((before, after), joined, strict=True):
                    if wanted:
                        by.setdefault((expected, cap), {}).update(
                            dict.fromkeys(_shifted(refs, end))
                        )
            for side, options in side_refs:
                by_word = sides.setdefault(side, {})
                for beside, refs in options:
                    by_word.setdefault(beside, {}).update(dict.fromkeys(_shifted(refs, end)))
        if not (free or joined[0] or joined[1] or sides):
            return ()
        joined_before, joined_after = (
            tuple((expected, cap, tuple(refs)) for (expected, cap), refs in by.items())
            for by in joined
        )
        by_side: tuple[_Side, ...] = tuple(
            (side, tuple((beside, tuple(refs)) for beside, refs in by_word.items()), {})
            for side, by_word in sides.items()
        )
        if not (free or joined_before or joined_after) and len(by_side) == 1:
            return by_side[0]  # the common case: one neighbour decides
        return (tuple(free), joined_before, joined_after, by_side)

    def find(self, text: str) -> dict[int, set[int]]:
        """term → where its pieces in `text` (normalised) say it starts, where worth a look."""
        if self._automaton is None:
            return {}
        memo = self._word_memo
        if len(memo) > _MEMO_SIZE or self._neighbours > _MEMO_SIZE:
            memo.clear()
            self._neighbours = 0
        neighbours = 0
        split_memo = self._split_memo
        if len(split_memo) > _MEMO_SIZE:
            split_memo.clear()
        remembered = memo.get
        between = self._between
        found: dict[int, set[int]] = {}
        size = len(text)
        done = -1  # hits ending up to here are in a word already looked at
        # Padded so that a piece may be anchored at the first or last word. A piece
        # ending at `end` says its term starts at `end + 1 - piece_end` in `text`. This
        # loop runs for every piece found (tens to a hundred an article), so it is
        # written for few steps a piece.
        for end, (whole, refs) in self._automaton.iter(" " + text + " "):
            if whole:  # whole terms: nothing to check per word
                for term_index, piece_end in refs:
                    _add(found, term_index, end + 1 - piece_end)
                continue
            if end <= done:
                continue
            # The text word holding the piece: the piece's last character is
            # `text[end - 1]`, a letter of the word or the space after it (at the text's
            # end, the padding). Most pieces found are in words that cannot be their
            # term word (" ro" in "road"): the memo, keyed on the word, says so in one
            # look however many articles hold it.
            left = text.rfind(" ", 0, end - 1) + 1
            right = text.find(" ", end - 1)
            if right < 0:
                right = size
            done = right + 1
            written = text[left:right]
            looks = remembered(written)
            if looks is None:
                looks = memo[written] = self._looks(written)
            if not looks:
                continue
            if len(looks) == 3:
                sides: tuple[_Side, ...] = (looks,)
            else:
                free, split_before, split_after, sides = looks
                for term_index, at in free:
                    _add(found, term_index, left + at)
                # The word may be a term word split in two (`Kam` / `chik`) with the word
                # before it or after it.
                if split_before:
                    before = _word_before(text, left)[0]
                    passed = split_memo.get((written, -1, before))
                    if passed is None:
                        passed = split_memo[written, -1, before] = _joined(
                            split_before, before + written
                        )
                    for term_index, at in passed:
                        _add(found, term_index, left + at)
                if split_after:
                    after = _word_after(text, right)[0]
                    passed = split_memo.get((written, 1, after))
                    if passed is None:
                        passed = split_memo[written, 1, after] = _joined(
                            split_after, written + after
                        )
                    for term_index, at in passed:
                        _add(found, term_index, left + at)
            for side, options, fits_by_near in sides:
                # " ro" in "route" is no look at "Trump Route" unless "Trump" is beside
                # it; nor "Baku" in "Baku officials" one at "Baku port". The word beside
                # is found as `_word_after` (`_word_before`) finds it, in a step or two
                # when one space comes between (nearly always).
                if side > 0:
                    start = right + 1
                    near_end = text.find(" ", start)
                    if near_end == start:
                        near, near_end = _word_after(text, right)
                    else:
                        if near_end < 0:
                            near_end = size
                        near = text[start:near_end]
                    if near in STOPWORDS:  # past the function words a term has there
                        near, near_end = _word_after(text, near_end)
                        skipped = 1
                        while skipped < between and near in STOPWORDS:
                            near, near_end = _word_after(text, near_end)
                            skipped += 1
                else:
                    if left > 1 and text[left - 2] != " ":
                        near_start = text.rfind(" ", 0, left - 1) + 1
                        near = text[near_start : left - 1]
                    else:
                        near, near_start = _word_before(text, left)
                    if near in STOPWORDS:
                        near, near_start = _word_before(text, near_start)
                        skipped = 1
                        while skipped < between and near in STOPWORDS:
                            near, near_start = _word_before(text, near_start)
                            skipped += 1
                fitting = fits_by_near.get(near)
                if fitting is None:
                    neighbours += 1
                    fitting = fits_by_near[near] = _fitting(options, near)
                for term_index, at in fitting:
                    _add(found, term_index, left + at)
        self._neighbours += neighbours
        return found
