"""The snippet a match shows: the sentence around it, cut to about a dozen words each side."""

from __future__ import annotations

import re
from collections.abc import Iterator

_SNIPPET_WORDS = 12
_SNIPPET_REACH = 400  # characters searched each side for the sentence boundary
# A sentence ends at . ! ? (with any closing quote or bracket) or at a blank line; a
# single line break is only wrapping.
_SENTENCE_END_BEFORE = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*\n")
_SENTENCE_END_AFTER = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|\n\s*\n")
_SPACES = re.compile(r"\s+")
_OUTSIDE_SENTENCE_END = re.compile(r"[^.!?\"'”’)\]\s]")  # a character no sentence end holds
_NEAR_REACH = 100  # characters searched first for the sentence's start


def _last_sentence_end(plain: str, left_from: int, start: int) -> int:
    """Where the last sentence end in `plain[left_from:start]` ends (-1: none there).

    The sentence ends are looked for near `start` first. The answer is the one a search
    from `left_from` gives once a character that no sentence end holds stands between
    where the near search began and the end it found: both searches are past any sentence
    end in progress there, so they find the same ones from then on.
    """
    near_from = max(left_from, start - _NEAR_REACH)
    last = _last(_SENTENCE_END_BEFORE.finditer(plain, near_from, start))
    if near_from > left_from and (
        last is None or _OUTSIDE_SENTENCE_END.search(plain, near_from, last.start()) is None
    ):
        last = _last(_SENTENCE_END_BEFORE.finditer(plain, left_from, start))
    return last.end() if last is not None else -1


def _last(found: Iterator[re.Match[str]]) -> re.Match[str] | None:
    last = None
    for last in found:  # noqa: B007 (the loop is for the last one)
        pass
    return last


def make_snippet(plain: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence around `plain[start:end]`, cut to about ±12 words, on one line.

    Returns the snippet and the matched part's offsets in it. Whitespace runs become one
    space; `…` marks a cut inside a sentence.
    """
    left_from = max(0, start - _SNIPPET_REACH)
    sentence_start = _last_sentence_end(plain, left_from, start)
    cut_left = sentence_start < 0 and left_from > 0
    if sentence_start < 0:
        sentence_start = left_from
    # Split from the right at most a dozen times (str.split's whitespace is regex `\s`):
    # more parts than that, and the first holds the words cut off.
    left = plain[sentence_start:start]
    parts = left.rsplit(None, _SNIPPET_WORDS)
    if len(parts) > _SNIPPET_WORDS:
        kept = left[len(parts[0]) :]
        sentence_start += len(left) - len(kept.lstrip())
        cut_left = True
    right_to = min(len(plain), end + _SNIPPET_REACH)
    boundary = _SENTENCE_END_AFTER.search(plain, end, right_to)
    sentence_end = boundary.end() if boundary else right_to
    cut_right = boundary is None and right_to < len(plain)
    right = plain[end:sentence_end]
    parts = right.split(None, _SNIPPET_WORDS)
    if len(parts) > _SNIPPET_WORDS:
        sentence_end = end + len(right[: len(right) - len(parts[-1])].rstrip())
        cut_right = True
    before = _SPACES.sub(" ", plain[sentence_start:start]).lstrip()
    matched = _SPACES.sub(" ", plain[start:end])
    after = _SPACES.sub(" ", plain[end:sentence_end]).rstrip()
    if cut_left:
        before = "… " + before
    if cut_right:
        after += " …"
    return before + matched + after, len(before), len(before) + len(matched)
