"""Optimal string alignment distance, cut off at a small number of edits (pure).

The typo count of ``bot.domain.typos``: letters inserted, deleted or replaced, and two
neighbours swapped, no substring edited twice. Written here rather than taken from
rapidfuzz, which gives the same figures, because the bot would otherwise load rapidfuzz
for it alone: importing any part of rapidfuzz imports all of it (its fuzz, process and
utils extensions and the C++ runtime), about 4 MB of a bot that idles near 50 MB. The
matcher asks only whether a word is within two or three typos of a term word, a few
times an article, after its prefilter: the common prefix and suffix come off first, and
what remains, a letter or two for a typo, goes through a band of the table 2 × cutoff + 1
wide, so a call costs a microsecond or so.
"""

from __future__ import annotations


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
    # the distance, worked out in C, that turns most words away at once.
    letters1, letters2 = set(s1), set(s2)
    if len(letters1 - letters2) > score_cutoff or len(letters2 - letters1) > score_cutoff:
        return over
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
