"""How a watchlist term matches, decided from how it is written and its flags (pure).

- An *acronym* is a term written in capitals of up to six letters (`TAP`, `SCO`, `TITR`):
  exact, whole word, and case-sensitive unless the list says `case_sensitive = false`
  ("tap" is a verb, "TAP" a pipeline).
- A *literal* term has digits or punctuation (`3+3 format`, `C5+1`, `9/11`): it matches
  only as written, ignoring letter case, with any spacing around its punctuation and a
  space, hyphen, dash or line break wherever it has a space or a hyphen.
- An *exact* term (`exact = true`) matches its words as written, as whole words.
- Anything else is a *phrase*: whole words, any letter case, and typos within the
  budget of `bot.domain.typos`.

`case_sensitive` left out (None) means: acronyms are case-sensitive, the rest are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.models import Term

ACRONYM_MAX_LETTERS = 6
# Written between two words of a name, these only separate them (`Trans-Caspian`).
WORD_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")

# Quotes and brackets around a term only set it off: `[Syunik]` is the name Syunik. Each
# opening mark with the marks that close it.
_ENCLOSING = {
    '"': '"',
    "'": "'",
    "“": "”",
    "”": "”",
    "„": "“”",
    "‘": "’",
    "’": "’",
    "«": "»",
    "»": "«",
    "(": ")",
    "[": "]",
    "{": "}",
    "<": ">",
}

Kind = Literal["acronym", "literal", "exact", "phrase"]


@dataclass(frozen=True, slots=True)
class TermKind:
    kind: Kind
    case_sensitive: bool

    @property
    def typos(self) -> bool:
        """Whether typos may count (only phrases)."""
        return self.kind == "phrase"


def _encloses(text: str) -> bool:
    """Whether the mark `text` opens with is closed by its last character and by none
    before: `(BTK)` is enclosed, `Baku-Tbilisi-Kars (BTK)` and `(a) or (b)` are not."""
    if len(text) < 2:
        return False
    opening, closing = text[0], _ENCLOSING.get(text[0], "")
    if text[-1] not in closing:
        return False
    depth = 0
    for i, c in enumerate(text[:-1]):
        if c in closing and (i or c != opening):
            depth -= 1
            if not depth:
                return False
        elif c == opening:
            depth += 1
    return depth == 1


def core(text: str) -> str:
    """The term without the quotes or brackets that enclose the whole of it."""
    text = text.strip()
    while _encloses(text):
        text = text[1:-1].strip()
    return text


def leading_symbols(text: str) -> str:
    """What a term is written with before its first letter or digit (`$` of `$100`, `🚀 `
    of `🚀 rocket`): the matching form drops it, so a match starts that far before."""
    text = core(text)
    for i, c in enumerate(text):
        if c.isalnum():
            return text[:i]
    return text


def is_acronym_shape(text: str) -> bool:
    """Capitals of up to six letters and nothing else (`TITR`, not `Titr` or `C5`)."""
    text = core(text)
    return 0 < len(text) <= ACRONYM_MAX_LETTERS and text.isalpha() and text.isupper()


def is_literal_shape(text: str) -> bool:
    """Digits, or punctuation other than a hyphen between words."""
    return any(
        c.isdigit() or not (c.isalpha() or c.isspace() or c in WORD_SEPARATORS) for c in core(text)
    )


def term_kind(term: Term) -> TermKind:
    if is_acronym_shape(term.text):
        sensitive = term.case_sensitive is not False
        return TermKind("acronym", sensitive)
    sensitive = term.case_sensitive is True
    if is_literal_shape(term.text):
        return TermKind("literal", sensitive)
    return TermKind("exact" if term.exact else "phrase", sensitive)
