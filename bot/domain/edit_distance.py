"""Optimal string alignment distance, cut off at a small number of edits (pure).

The typo count of ``bot.domain.typos``: letters inserted, deleted or replaced, and two
neighbours swapped, no substring edited twice. Written here rather than taken from
rapidfuzz, which gives the same figures, because the bot would otherwise load rapidfuzz
for it alone: importing any part of rapidfuzz imports all of it (its fuzz, process and
utils extensions and the C++ runtime), about 4 MB of a bot that idles near 50 MB. The
matcher asks only whether a word is within a typo or two of a term word, some tens of
times an article after its prefilter, so each question is answered the cheapest way
that is still exact: most words lack letters the other has (a bound worked out in C);
one typo leaves, past the common prefix and suffix, a letter or two; two typos are one
typo after some first edit where the words first differ; only a larger cutoff (a word
run together with its neighbour) takes the table, in a band 2 × cutoff + 1 wide. On the
matching bench's articles a call costs about 0.7 µs on average, rapidfuzz's 0.15 µs.
"""

from __future__ import annotations

import functools


def osa_distance(s1: str, s2: str, score_cutoff: int) -> int:
    """The optimal string alignment distance of ``s1`` and ``s2`` if it is at most
    ``score_cutoff``, else ``score_cutoff + 1`` (as rapidfuzz's ``OSA.distance``)."""
    if s1 == s2:
        return 0
    over = score_cutoff + 1
    n1, n2 = len(s1), len(s2)
    if n1 - n2 > score_cutoff or n2 - n1 > score_cutoff:
        return over
    # Each letter of one that the other lacks takes an edit of its own: a bound below
    # the distance that turns most words away at once.
    letters1, letters2 = set(s1), set(s2)
    if len(letters1 - letters2) > score_cutoff or len(letters2 - letters1) > score_cutoff:
        return over
    if score_cutoff <= 2:
        if _one_apart(s1, s2):
            return 1 if score_cutoff else over
        if score_cutoff < 2:
            return over
        # Two: an edit where they first differ leaves them one apart, or equal.
        shorter = min(n1, n2)
        start = 0
        while start < shorter and s1[start] == s2[start]:
            start += 1
        a, b = s1[start:], s2[start:]
        a1, b1 = a[1:], b[1:]
        for x, y in ((a1, b1), (a1, b), (a, b1)):
            if x == y or _one_apart(x, y):
                return 2
        if len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]:
            x, y = a[2:], b[2:]
            if x == y or _one_apart(x, y):
                return 2
        return over
    return _banded(s1, s2, score_cutoff)


def _one_apart(a: str, b: str) -> bool:
    """Whether unequal ``a`` and ``b`` are one typo apart: past their common prefix and
    suffix, one letter against one or none, or two swapped."""
    la, lb = len(a), len(b)
    if la - lb > 1 or lb - la > 1:
        return False
    shorter = min(la, lb)
    start = 0
    while start < shorter and a[start] == b[start]:
        start += 1
    end = 0
    while end < shorter - start and a[la - 1 - end] == b[lb - 1 - end]:
        end += 1
    ra, rb = la - start - end, lb - start - end
    if ra + rb == 1 or (ra == 1 and rb == 1):
        return True
    return ra == 2 and rb == 2 and a[start] == b[start + 1] and a[start + 1] == b[start]


def _banded(s1: str, s2: str, score_cutoff: int) -> int:
    """``osa_distance`` by the table, for unequal strings of lengths within the cutoff."""
    over = score_cutoff + 1
    n1, n2 = len(s1), len(s2)
    # The common prefix and suffix cost nothing, and leave the table small.
    shorter = min(n1, n2)
    start = 0
    while start < shorter and s1[start] == s2[start]:
        start += 1
    end = 0
    while end < shorter - start and s1[n1 - 1 - end] == s2[n2 - 1 - end]:
        end += 1
    a, b = s1[start : n1 - end], s2[start : n2 - end]
    la, lb = len(a), len(b)
    if not la or not lb:
        return la + lb if la + lb <= score_cutoff else over
    # Row i of the table holds the distances of a[:i] to each b[:j]; a cell further than
    # the cutoff from the diagonal is past it anyway, so only the band is computed.
    before: list[int] = []
    previous = [j if j <= score_cutoff else over for j in range(lb + 1)]
    for i in range(1, la + 1):
        current = [over] * (lb + 1)
        if i <= score_cutoff:
            current[0] = i
        lowest = current[0]
        letter = a[i - 1]
        for j in range(max(1, i - score_cutoff), min(lb, i + score_cutoff) + 1):
            cost = previous[j - 1] if letter == b[j - 1] else previous[j - 1] + 1
            if previous[j] + 1 < cost:
                cost = previous[j] + 1
            if current[j - 1] + 1 < cost:
                cost = current[j - 1] + 1
            # Two neighbours swapped.
            if (
                i > 1
                and j > 1
                and letter == b[j - 2]
                and a[i - 2] == b[j - 1]
                and before[j - 2] + 1 < cost
            ):
                cost = before[j - 2] + 1
            if cost > over:
                cost = over
            current[j] = cost
            if cost < lowest:
                lowest = cost
        if lowest > score_cutoff:
            return over
        before, previous = previous, current
    return previous[lb] if previous[lb] <= score_cutoff else over


@functools.lru_cache(maxsize=4096)
def _letter_masks(pattern: str) -> tuple[dict[str, int], dict[str, int], frozenset[str]]:
    """For each letter of ``pattern``: the bits of its places, how often it occurs; and
    its letters as a set."""
    masks: dict[str, int] = {}
    counts: dict[str, int] = {}
    for i, ch in enumerate(pattern):
        masks[ch] = masks.get(ch, 0) | (1 << i)
        counts[ch] = counts.get(ch, 0) + 1
    return masks, counts, frozenset(masks)


def lcs_at_least(pattern: str, text: str, need: int) -> bool:
    """Whether ``pattern`` and ``text`` share a common subsequence of ``need`` letters
    (as rapidfuzz's ``LCSseq.similarity`` with ``score_cutoff=need`` is non-zero).

    Bit-parallel (Allison and Dix, Hyyrö): one bit per letter of ``pattern``, a few
    integer operations per letter of ``text``; the pattern's masks are kept per pattern,
    the matcher asking of the same term forms article after article."""
    if need <= 0:
        return True
    size = len(pattern)
    if need > size or need > len(text):
        return False
    if pattern in text:
        return True  # the common case where a term is written as it is
    masks, counts, letters = _letter_masks(pattern)
    # Each occurrence of a letter ``text`` lacks is outside any common subsequence: a
    # bound worked out in C that answers most places the matcher asks about (a term's
    # place-name word beside unrelated words) without the loop below.
    missing = letters.difference(text)
    if missing and size - sum(counts[ch] for ch in missing) < need:
        return False
    full = (1 << size) - 1
    rows = full
    for mask in map(masks.get, text):
        if mask:
            u = rows & mask
            rows = ((rows + u) | (rows - u)) & full
    return size - rows.bit_count() >= need
