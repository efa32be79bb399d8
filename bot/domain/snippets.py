"""The snippet a match shows: the sentence around it, cut to about a dozen words each side."""

from __future__ import annotations

import re

from bot.domain.sentences import sentence_end, sentence_start

_SNIPPET_WORDS = 12
_SNIPPET_REACH = 400  # characters searched each side for the sentence boundary
_WORD = re.compile(r"\S+")
_SPACES = re.compile(r"\s+")
# What marks a snippet that starts or ends inside its sentence.
LEFT_CUT = "… "
RIGHT_CUT = " …"


def make_snippet(plain: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence around `plain[start:end]`, cut to about ±12 words, on one line.

    Returns the snippet and the matched part's offsets in it. Whitespace runs become one
    space; `…` marks a cut inside a sentence. Sentences end where `bot.domain.sentences`
    says (never at "No." or "U.S."), and a cut falls between words.
    """
    found_start = sentence_start(plain, start, _SNIPPET_REACH)
    sentence_begin = max(0, start - _SNIPPET_REACH) if found_start is None else found_start
    cut_left = found_start is None
    left_words = list(_WORD.finditer(plain, sentence_begin, start))
    if len(left_words) > _SNIPPET_WORDS:
        sentence_begin = left_words[-_SNIPPET_WORDS].start()
        cut_left = True
    elif cut_left and left_words:
        sentence_begin = left_words[0].start()
        if sentence_begin > 0 and not plain[sentence_begin - 1].isspace():
            # The reach ended inside a word: start at the next whole one.
            sentence_begin = left_words[1].start() if len(left_words) > 1 else start
    found_end = sentence_end(plain, end, _SNIPPET_REACH)
    sentence_stop = min(len(plain), end + _SNIPPET_REACH) if found_end is None else found_end
    sentence_stop = max(sentence_stop, end)
    cut_right = found_end is None
    right_words = list(_WORD.finditer(plain, end, sentence_stop))
    if len(right_words) > _SNIPPET_WORDS:
        sentence_stop = right_words[_SNIPPET_WORDS - 1].end()
        cut_right = True
    elif cut_right and right_words:
        last = right_words[-1]
        if last.end() < len(plain) and not plain[last.end()].isspace():
            # The reach ended inside a word: stop after the last whole one.
            sentence_stop = right_words[-2].end() if len(right_words) > 1 else end
    before = _SPACES.sub(" ", plain[sentence_begin:start]).lstrip()
    matched = _SPACES.sub(" ", plain[start:end])
    after = _SPACES.sub(" ", plain[end:sentence_stop]).rstrip()
    if cut_left:
        before = LEFT_CUT + before
    if cut_right:
        after += RIGHT_CUT
    return before + matched + after, len(before), len(before) + len(matched)
