"""Why an article matched, in plain words (pure, plain text): "names the Zangezur
corridor in the body, spelt “Zangezour”". One wording for alerts, digests, dry runs and
the terminal; each renderer escapes and cuts it its own way."""

from __future__ import annotations

import re

from bot.domain.models import Match
from bot.domain.term_kinds import is_acronym_shape

_PLACES = {"title": "in the title", "summary": "in the abstract", "body": "in the body"}
_WORDS = re.compile(r"\w+")
_ENDS_WITH_THE = re.compile(r"(?:^|\W)the\s*$", re.IGNORECASE)


def place(field: str) -> str:
    """Where in the article: "in the title", "in the abstract", "in the body"."""
    return _PLACES.get(field, f"in the {field}" if field else "in the article")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def spelling(term: str, written: str) -> str:
    """How the article wrote the term when that is more than a matter of capitals,
    spaces or hyphens: the words that differ ("Zangezour"), or the whole of it; for an
    acronym written in other capitals ("Tap" for TAP), that too; else nothing."""
    if not written or written == term:
        return ""
    mine, theirs = _words(term), _words(written)
    if mine == theirs:
        if is_acronym_shape(term) and written != term:
            return f"written “{written}”"
        return ""
    original = _WORDS.findall(written)
    if len(mine) == len(theirs) == len(original) and len(mine) > 1:
        differ = [o for o, a, b in zip(original, mine, theirs, strict=True) if a != b]
        if len(differ) < len(mine):
            return f"spelt “{' … '.join(differ)}”"
    return f"spelt “{written}”"


def _common_noun_phrase(term: str) -> bool:
    """A name that ends in a common noun ("Zangezur corridor", "3+3 format") reads with
    "the"; a proper name ("TRIPP", "Azerbaijan") does not."""
    words = term.split()
    return len(words) > 1 and words[-1][:1].islower() and not words[0][:1].islower()


def names(term: str, before: str = "") -> str:
    """The term as the list writes it, after "the" when it ends in a common noun ("names
    the Zangezur corridor"), or when it is a name of several words and the article says
    "the" before it ("names the Middle Corridor"). An acronym or a one-word name reads as
    the list's label, bare: the article's "the" is as often the next noun's ("the TRIPP
    route", "the Azerbaijan government") as the name's. A term starting with "the" keeps
    its own."""
    if term.casefold().startswith("the ") or is_acronym_shape(term):
        return term
    if _common_noun_phrase(term):
        return f"the {term}"
    if len(term.split()) > 1 and _ENDS_WITH_THE.search(before):
        return f"the {term}"
    return term


def why_matched(m: Match) -> str:
    """The plain-words explanation of one match, without the watchlist's name:
    ``names the Zangezur corridor in the body, spelt “Zangezour”``."""
    before = m.snippet[: max(0, min(m.mark_start, len(m.snippet)))]
    text = f"names {names(m.term, before)} {place(m.field)}"
    if spelt := spelling(m.term, m.matched_text):
        text += f", {spelt}"
    return text


def quotes_snippet(m: Match) -> bool:
    """Whether the match's snippet is worth showing: not for a match in the title, which
    the alert or digest item already shows."""
    return m.field != "title" and bool(m.snippet.strip())
