"""The snippet a match shows: the sentence around it, cut to about a dozen words each side."""

from __future__ import annotations

import re

_SNIPPET_WORDS = 12
_SNIPPET_REACH = 400  # characters searched each side for the sentence boundary
# A sentence ends at . ! ? (with any closing quote or bracket) or at a blank line; a
# single line break is only wrapping.
_SENTENCE_END_BEFORE = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*\n")
_SENTENCE_END_AFTER = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|\n\s*\n")
_SPACES = re.compile(r"\s+")


def make_snippet(plain: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence around `plain[start:end]`, cut to about ±12 words, on one line.

    Returns the snippet and the matched part's offsets in it. Whitespace runs become one
    space; `…` marks a cut inside a sentence.
    """
    left_from = max(0, start - _SNIPPET_REACH)
    boundaries = list(_SENTENCE_END_BEFORE.finditer(plain, left_from, start))
    sentence_start = boundaries[-1].end() if boundaries else left_from
    cut_left = not boundaries and left_from > 0
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
