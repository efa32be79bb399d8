"""How many typos a phrase term may carry, and whether a window of words is it (pure).

A typo is one edit: a letter inserted, deleted, replaced, or two neighbours swapped
(optimal string alignment distance), a space included, so a word split in two
(`Inter national`) or two run together (`MiddleCorridor`) is one typo.

- A term of fewer than 5 letters takes none, one of 5–9 letters one, longer ones two.
- A word takes none under 5 letters (`port`, `gas`, `dam`), one at 5 letters and two from 6;
  in a name of three content words or more, words of 3–4 letters take one too (the
  context makes it safe).
- The list's `threshold` (default 88) tightens this for strict lists: typos may touch at
  most 2 × (100 − threshold) % of the term's letters, so 94 allows one per 8 letters
  and 100 none.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.edit_distance import osa_distance

TERM_ONE_TYPO_LETTERS = 5
TERM_TWO_TYPOS_LETTERS = 10
WORD_ONE_TYPO_LETTERS = 5
WORD_TWO_TYPOS_LETTERS = 6
_LONG_NAME_WORDS = 3
_SHORT_WORD_IN_LONG_NAME = 3


def term_budget(letters: int, threshold: int) -> int:
    """Typos a phrase of `letters` letters and digits may carry under `threshold`."""
    if letters < TERM_ONE_TYPO_LETTERS:
        by_length = 0
    elif letters < TERM_TWO_TYPOS_LETTERS:
        by_length = 1
    else:
        by_length = 2
    by_threshold = letters * 2 * (100 - threshold) // 100
    return max(0, min(by_length, by_threshold))


def word_caps(words: Sequence[str], content: Sequence[int]) -> tuple[int, ...]:
    """Typos each word of a term may carry (0 for function words and words with digits)."""
    long_name = len(content) >= _LONG_NAME_WORDS
    caps = []
    for i, word in enumerate(words):
        if i not in content or not word.isalpha():
            caps.append(0)
        elif len(word) >= WORD_TWO_TYPOS_LETTERS:
            caps.append(2)
        elif len(word) >= WORD_ONE_TYPO_LETTERS:
            caps.append(1)
        else:
            caps.append(1 if long_name and len(word) >= _SHORT_WORD_IN_LONG_NAME else 0)
    return tuple(caps)


def _word_for_word(expected: Sequence[str], caps: Sequence[int], seen: Sequence[str]) -> bool:
    return all(osa_distance(e, s, c) <= c for e, s, c in zip(expected, seen, caps, strict=True))


def fits(term_words: Sequence[str], caps: Sequence[int], words: Sequence[str]) -> bool:
    """The window is the term written with each word's typos within its cap.

    A window one word longer must be a term word split in two, the split one of that
    word's typos; one word shorter, two term words run together, a word that takes no
    typo written as it is. So a word that takes none is in any match as written, which
    lets it stand for the term in the prefilter (`bot.domain.pieces`). (The whole
    window's distance is checked by the caller.)
    """
    n = len(term_words)
    if len(words) == n:
        return _word_for_word(term_words, caps, words)
    if len(words) == n + 1:
        return any(
            _word_for_word(
                term_words,
                [*caps[:i], caps[i] - 1, *caps[i + 1 :]],
                [*words[:i], words[i] + words[i + 1], *words[i + 2 :]],
            )
            for i in range(n)
            if caps[i]
        )
    if len(words) == n - 1:
        return any(
            (caps[i] or words[i].startswith(term_words[i]))
            and (caps[i + 1] or words[i].endswith(term_words[i + 1]))
            and _word_for_word(
                [*term_words[:i], term_words[i] + term_words[i + 1], *term_words[i + 2 :]],
                [*caps[:i], caps[i] + caps[i + 1], *caps[i + 2 :]],
                words,
            )
            for i in range(n - 1)
        )
    return False
