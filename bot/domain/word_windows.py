"""Word windows where a term may start: word starts near a position, and the words
from one (pure).

Step 4 of `bot.domain.matching`: a piece found at some place says where its term would
start, give or take the typos it may carry; the windows tried start on a word start
there and end on a word end, so a match never starts or ends inside a word.
"""

from __future__ import annotations


def word_starts(text: str, lo: int, hi: int) -> list[int]:
    """Offsets in `lo..hi` (both included, clamped) where a word of `text` starts."""
    lo = max(lo, 0)
    hi = min(hi, len(text) - 1)
    if lo and text[lo - 1] != " ":
        lo = text.find(" ", lo) + 1  # past the word `lo` is inside
        if not lo:
            return []
    starts = []
    while lo <= hi:
        if text[lo] == " ":
            lo += 1
            continue
        starts.append(lo)
        lo = text.find(" ", lo) + 1
        if not lo:
            break
    return starts


def spans_from(text: str, start: int, count: int) -> list[tuple[int, int]]:
    """The spans of up to `count` words from `start` on."""
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
