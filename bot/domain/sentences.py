"""Where sentences end in plain text (pure): the one rule for leads and snippets.

A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
white space and then something that may start a sentence, or at a blank line. A full
stop does not end one after an abbreviation: a title or a word from a short list ("Mr.",
"Dr.", "No.", "Art.", "Jan."), a dotted one ("U.S.", "e.g.", "a.m."), or an initial
("J. Smith"). Nor does any mark followed by a lower-case letter ("e.g. the route"). A
decimal ("3.5") has no white space after its point, so it never ends one. When in doubt
the rule keeps a sentence whole: "… in the U.S. The deal …" stays one sentence, which
costs a longer lead or snippet, never a cut inside a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Lower case, without the full stop. Words that often end a sentence ("etc.") are left
# out: after them, a capital starts a new sentence.
_ABBREVIATED = (
    # titles and ranks
    "mr mrs ms messrs dr prof sr jr st gen col lt maj capt cmdr sgt adm gov sen rep pres",
    "amb rev hon fr mt ft",
    # references and numbers
    "no nos vol vols art arts fig figs ch chap sec para pp p cf vs v ed eds approx ca est",
    "dept op nr tel",
    # months
    "jan feb mar apr jun jul aug sep sept oct nov dec",
    # companies
    "inc corp co ltd bros",
)
ABBREVIATIONS = frozenset(word for line in _ABBREVIATED for word in line.split())
# A sentence mark with its closing quotes and brackets, and the space after it; or a
# blank line (with the spaces before it, which belong to neither sentence).
_CANDIDATE = re.compile(r"[.!?][\"'”’»)\]]*(\s+)|(?P<blank>[ \t\r\f\v]*\n[ \t\r\f\v]*\n)\s*")
# How far back `sentence_start` searches at a time: most sentences start closer.
_STRETCH = 120
# The word before a full stop: everything back to white space, less opening marks.
_WORD_REACH = 24
_OPENERS = "\"'“‘«([{"


def _word_before(text: str, stop: int) -> str:
    if not stop or text[stop - 1].isspace():
        return ""
    # The last run of non-white-space in a few dozen characters before `stop` (split
    # treats as white space what `isspace` does); a longer word is walked back to its start.
    lo = max(0, stop - _WORD_REACH)
    parts = text[lo:stop].rsplit(None, 1)
    if len(parts) == 2 or not lo:
        return parts[-1].lstrip(_OPENERS)
    start = stop
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:stop].lstrip(_OPENERS)


def _is_abbreviation(word: str) -> bool:
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith"
    if "." in word and all(part.isalpha() and len(part) <= 2 for part in word.split(".")):
        return True  # dotted: "U.S", "e.g", "a.m", "U.K"
    return word.casefold() in ABBREVIATIONS


def _ends_here(text: str, candidate: re.Match[str], after: int) -> bool:
    """Whether the sentence mark `candidate` found, with the next sentence to start at
    `after`, ends a sentence."""
    if candidate.group("blank") is not None:
        return True
    if text[after].islower():
        return False
    return text[candidate.start()] != "." or not _is_abbreviation(
        _word_before(text, candidate.start())
    )


def boundaries(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Each sentence boundary whose mark is in `text[start:end]`, in order, as (where the
    sentence ends, where the next one starts): the end keeps the sentence's mark and
    closing quotes, the white space between is in neither."""
    end = len(text) if end is None else end
    size = len(text)
    for candidate in _CANDIDATE.finditer(text, start, end):
        after = candidate.end()
        while after < size and text[after].isspace():
            after += 1
        if after >= size:
            return  # only white space follows: no next sentence
        if _ends_here(text, candidate, after):
            stop = candidate.start(1) if candidate.group(1) is not None else candidate.start()
            yield stop, after


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The spans of `text`'s sentences, in order, without the white space around them."""
    spans = []
    begin = len(text) - len(text.lstrip())
    for stop, next_start in boundaries(text, begin):
        spans.append((begin, stop))
        begin = next_start
    stop = len(text.rstrip())
    if begin < stop:
        spans.append((begin, stop))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each as written (its inner white space kept)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def sentence_start(text: str, pos: int, reach: int) -> int | None:
    """Where the sentence holding `text[pos]` starts, looking back at most `reach`
    characters; None when no boundary (nor the text's start) is that close."""
    lo = max(0, pos - reach)
    size = len(text)
    # The last boundary is wanted, so the text is searched back from `pos` a stretch at a
    # time, and the marks of a stretch judged from the last one back (each on its own, as
    # `boundaries` judges them). A stretch starts after a letter or digit, which no
    # candidate holds: it finds the candidates a search from `lo` finds there.
    hi = pos
    while hi > lo:
        cut = max(lo, hi - _STRETCH)
        while cut > lo and not text[cut - 1].isalnum():
            cut -= 1
        for candidate in reversed(list(_CANDIDATE.finditer(text, cut, hi))):
            after = candidate.end()
            while after < size and text[after].isspace():
                after += 1
            if after < size and after <= pos and _ends_here(text, candidate, after):
                return after
        hi = cut
    return 0 if lo == 0 else None


def sentence_end(text: str, pos: int, reach: int) -> int | None:
    """Where the sentence holding `text[pos]` ends (after its mark), looking ahead at
    most `reach` characters; None when no boundary (nor the text's end) is that close."""
    hi = min(len(text), pos + reach)
    for stop, _ in boundaries(text, pos, hi):
        return stop
    if hi == len(text):
        return len(text.rstrip())
    return None
