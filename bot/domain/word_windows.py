"""Word windows around a trigger: where they lie, and whether one is the term with typos.

Step 4 of `bot.domain.matching`: a phrase is scored against windows of n-1, n and n+1
words, which start and end on word boundaries of the normalised text, and a window must
line up with the term word for word (a split or run-together word, a dropped function
word) rather than add or lose a word.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from bot.domain.compiled_terms import STOPWORDS

# Word windows tried around a trigger, as (start, size) offsets from the term's own
# position and length; the term as written comes first so that it can end the search.
WINDOWS = tuple((start, size) for start in (0, -1, 1) for size in (0, -1, 1))
_WORD_FLOOR = 70  # least resemblance of each word when the window has the term's word count
# A word split in two must join up to nearly the term's word: "Inter national" is a
# split, "Caspian oil" is another word added.
_SPLIT_WORD_FLOOR = 90


def spans_before(text: str, start: int, count: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = start
    while len(spans) < count:
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        if j < 0:
            break
        word_start = text.rfind(" ", 0, j) + 1
        spans.append((word_start, j + 1))
        i = word_start
    spans.reverse()
    return spans


def spans_from(text: str, start: int, count: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = start
    size = len(text)
    while len(spans) < count:
        while i < size and text[i] == " ":
            i += 1
        if i >= size:
            break
        end = text.find(" ", i)
        end = size if end < 0 else end
        spans.append((i, end))
        i = end
    return spans


def _each_word_resembles(term_words: tuple[str, ...], words: list[str]) -> bool:
    """Word for word, no term word is mangled beyond a typo: a long name can absorb
    "mid" for "middle" in its overall score, but "mid-corridor" is not the Middle Corridor."""
    return all(
        fuzz.ratio(expected, seen) >= _WORD_FLOOR
        for expected, seen in zip(term_words, words, strict=True)
    )


def aligns(term_words: tuple[str, ...], words: list[str]) -> bool:
    """The window is the term written with typos, not the term with a word added or lost.

    A window one word longer must be a term word split in two ("Inter national"); one
    word shorter must have two term words run together ("MiddleCorridor") or leave out a
    function word ("Peace & Prosperity"). Otherwise "Trans-Caspian oil route" would pass
    for "Trans-Caspian route" on its overall score.
    """
    n = len(term_words)
    if len(words) == n:
        return _each_word_resembles(term_words, words)
    if len(words) == n + 1:
        return any(
            fuzz.ratio(term_words[i], words[i] + words[i + 1]) >= _SPLIT_WORD_FLOOR
            and _each_word_resembles(
                term_words, [*words[:i], words[i] + words[i + 1], *words[i + 2 :]]
            )
            for i in range(n)
        )
    if len(words) == n - 1:
        for i in range(n - 1):
            joined = (*term_words[:i], term_words[i] + term_words[i + 1], *term_words[i + 2 :])
            if _each_word_resembles(joined, words):
                return True
        return any(
            term_words[i] in STOPWORDS
            and _each_word_resembles((*term_words[:i], *term_words[i + 1 :]), words)
            for i in range(n)
        )
    return False
