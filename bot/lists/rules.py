"""The rules every watchlist follows, shared or personal (pure).

A hand-edited file, an edit typed in the CLI or in Telegram, and a personal list are
held to one set of rules; only the limits differ, and personal lists are the smaller.
A refusal is a `RuleError` saying which rule and by how much, not a sentence: the file
loader names the key and line, the editors name what was typed, and each keeps its words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeGuard

from bot.domain.models import Term
from bot.domain.text import fold

__all__ = [
    "ABOUT_SCORE_RANGE",
    "BIDI_CONTROLS",
    "DEFAULT_THRESHOLD",
    "MIN_TERM_LETTERS",
    "PERSONAL",
    "PERSONAL_PREFIX",
    "SHARED",
    "Limits",
    "RuleError",
    "checked_name",
    "checked_term_text",
    "checked_terms",
    "checked_text",
    "describe",
    "same_name",
    "same_text",
    "too_short",
    "valid_about_score",
    "valid_threshold",
]

DEFAULT_THRESHOLD = 88
# Personal lists are matched under "~<owner>/<name>": no shared list may look like one.
PERSONAL_PREFIX = "~"
# A term must keep at least this many letters or digits once matching has folded it:
# "a" (or "(a+)+$", which folds to "a") would match in nearly every article, and alert
# for "sells [a] lot of oil". Two-letter acronyms ("EU") go with them.
MIN_TERM_LETTERS = 3


@dataclass(frozen=True, slots=True)
class Limits:
    name_length: int
    term_length: int  # an exclude phrase's too
    terms: int  # and as many exclude phrases
    description_length: int = 0
    # The "possibly about" tier's sentences (`about`, and as many `not_about`): each is
    # embedded for every article, so they stay few and short; personal lists have none.
    about_sentences: int = 0
    about_length: int = 0


# Beyond these a name or description no longer fits a Telegram message or button, and
# compiling the matcher, which the running bot does in a worker thread, takes seconds (a
# thousand terms) to minutes (a term of ten thousand characters).
SHARED = Limits(
    name_length=100,
    term_length=200,
    terms=300,
    description_length=1000,
    about_sentences=20,
    about_length=300,
)
# Every personal list is compiled on its own and reads every article, for every user:
# one user's lists must stay light.
PERSONAL = Limits(name_length=40, term_length=60, terms=20)

Rule = Literal[
    "line-break",  # a line break, or a line or paragraph separator
    "control",  # a control character such as a tab
    "surrogate",  # a lone surrogate: not valid Unicode
    "bidi",  # an embedding, override or isolate control
    "empty",
    "too-long",
    "no-letters",  # nothing left to type or match it by
    "too-short",  # a term with fewer than MIN_TERM_LETTERS letters or digits
    "prefix",  # a name starting like a personal list's internal name
    "none",  # no term at all
    "too-many",  # more terms (or about sentences) than the limit
    "same",  # two terms alike
]

# Everything str.splitlines() splits on: any of them would break the one-item-per-line
# layout, and most would end a TOML comment or string early if written raw.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# They reorder how a line is displayed, so a file holding them can read differently from
# what it says ("Trojan source"), and one echoed in a message turns the rest around.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RuleError(ValueError):
    """A rule broken: `rule`, with `size` (the length or count found), `limit`, and for
    "same" the two alike texts in `texts`."""

    def __init__(
        self, rule: Rule, *, size: int = 0, limit: int = 0, texts: tuple[str, ...] = ()
    ) -> None:
        self.rule = rule
        self.size = size
        self.limit = limit
        self.texts = texts
        super().__init__(rule)


def checked_text(
    value: str,
    *,
    max_length: int,
    required: bool = True,
    letters: bool = True,
    one_line: bool = True,
) -> str:
    """`value` stripped, or RuleError. Without `one_line` (a description in a file, which
    TOML lets people write over several lines) line breaks and tabs are allowed."""
    value = value.strip()
    if one_line and any(c in _LINE_BREAKS for c in value):
        raise RuleError("line-break")
    categories = {unicodedata.category(c) for c in value if one_line or not c.isspace()}
    if "Cc" in categories:
        raise RuleError("control")
    if "Cs" in categories:
        raise RuleError("surrogate")
    if any(c in BIDI_CONTROLS for c in value):
        raise RuleError("bidi")
    if required and not value:
        raise RuleError("empty", limit=max_length)
    if len(value) > max_length:
        raise RuleError("too-long", size=len(value), limit=max_length)
    if letters and value and not fold(value):
        raise RuleError("no-letters")
    return value


def checked_term_text(text: str, *, max_length: int) -> str:
    """A term's text, stripped, or RuleError: `checked_text`'s rules, and at least
    MIN_TERM_LETTERS letters or digits as matching reads it ("too-short", with `size`
    the letters and digits found)."""
    text = checked_text(text, max_length=max_length)
    found = sum(c.isalnum() for c in fold(text))
    if found < MIN_TERM_LETTERS:
        raise RuleError("too-short", size=found, limit=MIN_TERM_LETTERS, texts=(text,))
    return text


def checked_name(name: str, limits: Limits) -> str:
    """A list's name, stripped, or RuleError."""
    name = checked_text(name, max_length=limits.name_length)
    if name.startswith(PERSONAL_PREFIX):
        raise RuleError("prefix")
    return name


def checked_terms(
    terms: Sequence[Term], limits: Limits, *, existing: Sequence[Term] = ()
) -> tuple[Term, ...]:
    """`terms` cleaned, to be added to a list holding `existing`; RuleError when there is
    none, too many, one unfit (`checked_text`), or one alike another (compared as matching
    sees text: ignoring case, accents and the kind of hyphen)."""
    if not terms:
        raise RuleError("none")
    if len(existing) + len(terms) > limits.terms:
        raise RuleError("too-many", size=len(existing) + len(terms), limit=limits.terms)
    cleaned: list[Term] = []
    for term in terms:
        text = checked_term_text(term.text, max_length=limits.term_length)
        for earlier in (*existing, *cleaned):
            if same_text(earlier.text, text):
                raise RuleError("same", texts=(earlier.text, text))
        cleaned.append(Term(text, exact=bool(term.exact), case_sensitive=term.case_sensitive))
    return tuple(cleaned)


def same_name(a: str, b: str) -> bool:
    """Whether two list names read the same to people: compared as /subscribe reads them
    (ignoring case, accents, hyphens and spaces), or they could not pick between the two."""
    return fold(a).replace(" ", "") == fold(b).replace(" ", "")


def same_text(a: str, b: str) -> bool:
    """Whether two terms or phrases are the same to matching."""
    return fold(a) == fold(b)


def describe(error: RuleError, what: str) -> str:
    """The refusal of what someone typed (`what`: "a term", "a name"), as the editors
    and the personal-list commands say it."""
    rule = error.rule
    if rule == "line-break":
        return f"{what} cannot contain a line break"
    if rule == "control":
        return f"{what} cannot contain control characters such as tabs"
    if rule == "surrogate":
        return f"{what} is not valid Unicode (it has a lone surrogate)"
    if rule == "bidi":
        return f"{what} cannot contain invisible text-direction controls"
    if rule in ("empty", "too-long"):
        counted = f" (this one has {error.size})" if error.size else ""
        return f"{what} must be 1–{error.limit} characters{counted}"
    if rule == "no-letters":
        return f"{what} needs at least one letter or digit"
    if rule == "too-short":
        return f"{what} needs at least {too_short(error)}"
    if rule == "prefix":
        return f"{what} cannot start with {PERSONAL_PREFIX}"
    if rule == "none":
        return "give at least one term"
    if rule == "too-many":
        return f"a watchlist has at most {error.limit} terms"
    return f'"{error.texts[0]}" and "{error.texts[1]}" are the same term'


def too_short(error: RuleError) -> str:
    """The end of a "too-short" refusal, after "needs at least": how many letters or
    digits a term needs, and how few the refused one has."""
    return f"{error.limit} letters or digits to match (“{error.texts[0]}” has {error.size})"


def valid_threshold(value: object) -> TypeGuard[int]:
    """A fuzzy score from 0 to 100, as a whole number (a boolean is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


# The tier's score adds a mean similarity, a margin and a difference of means
# (`bot/domain/aboutness.py`): anything it can reach lies within these bounds.
ABOUT_SCORE_RANGE = (-5.0, 5.0)


def valid_about_score(value: object) -> TypeGuard[float | int]:
    """A calibrated "possibly about" score: a number (not a boolean) the tier can reach."""
    low, high = ABOUT_SCORE_RANGE
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
