"""Reading what people type after a watchlist command (pure).

List names and terms both may have spaces ("Middle Corridor", "Trans-Caspian route"),
so a `|` may separate them: `/addterm Middle Corridor | Trans-Caspian route`. Without
one, the list is the longest run of leading words that names a list, read forgivingly
("middle corridor", "tripp") but never from more words than the name has, so that a
fuzzy reading cannot swallow the first word of the term. Several terms are separated by
commas or line breaks; `--exact` or `--case-sensitive` after a term sets its flags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.app.rematch import MAX_DRY_RUN_DAYS
from bot.domain.models import Term
from bot.domain.resolve import resolve_watchlist
from bot.domain.text import fold
from bot.messages import arguments as reasons

__all__ = [
    "MAX_ARGUMENTS",
    "MAX_DAYS",
    "ArgumentError",
    "ListAndRest",
    "check_size",
    "parse_term",
    "parse_terms",
    "split_days",
    "split_list",
    "split_name",
    "split_trial",
]

SEPARATOR = "|"
# Twenty terms of a hundred characters fit; a pasted article does not.
MAX_ARGUMENTS = 2000
MAX_DAYS = MAX_DRY_RUN_DAYS
# A word of its own starting with "--", or with a dash: phones turn "--" into one as
# people type. A dash inside a term ("China–Kazakhstan") is not a flag.
_FLAG = re.compile(r"(?<!\S)(?:--|[—–])(\w[\w-]*)(?!\S)")
_FLAGS = {
    "exact": "exact",
    "case": "case_sensitive",
    "case-sensitive": "case_sensitive",
    "case_sensitive": "case_sensitive",
}
_TERM_SEPARATORS = re.compile(r"[,\n]")
_WORD = re.compile(r"\S+")
# A "+" starting a word marks a term to try (/testlist TRIPP +Syunik); "C5+1" is a term,
# and a last "+30" is a number of days, as it always was.
_TRIAL = re.compile(r"(?<!\S)\+(?!\d+\s*$)")


class ArgumentError(ValueError):
    """Arguments that cannot be read; `str()` is one plain line for the user, worded by
    `bot.messages.arguments`."""


@dataclass(frozen=True, slots=True)
class ListAndRest:
    """The list named at the start of the arguments, and what follows it.

    `name` is None when no list was recognised; `query` is then what was read as its
    name and `candidates` the lists it came close to.
    """

    name: str | None
    rest: str
    query: str
    candidates: tuple[str, ...] = ()


def check_size(text: str) -> None:
    if len(text) > MAX_ARGUMENTS:
        raise ArgumentError(reasons.too_long(len(text), MAX_ARGUMENTS))


def split_name(text: str) -> tuple[str, str]:
    """(name, the rest) of `NAME | rest`, or of a first line and the lines after it."""
    if SEPARATOR in text:
        name, _, rest = text.partition(SEPARATOR)
    else:
        name, _, rest = text.strip().partition("\n")
    return name.strip(), rest.strip()


def split_list(text: str, names: Sequence[str]) -> ListAndRest:
    """Which of `names` the arguments start with, and the rest (see the module doc)."""
    text = text.strip()
    if SEPARATOR in text:
        query, rest = split_name(text)
        found = resolve_watchlist(query, names)
        return ListAndRest(found.name, rest, query, found.candidates)
    words = list(_WORD.finditer(text))
    candidates: tuple[str, ...] = ()
    # A run longer than every name (give or take a stray dash) cannot be one.
    longest = max((len(fold(name).split()) for name in names), default=0)
    for count in range(min(len(words), longest + 2), 0, -1):
        query = text[: words[count - 1].end()]
        found = resolve_watchlist(query, names)
        if found.name is not None and len(fold(query).split()) <= len(fold(found.name).split()):
            return ListAndRest(found.name, text[len(query) :].strip(), query)
        candidates = candidates or found.candidates
    return ListAndRest(None, text, words[0].group() if words else "", candidates)


def split_days(text: str, default: int) -> tuple[str, int]:
    """`LIST [days]` or `LIST | days`: the list part and the number of days."""
    if SEPARATOR in text:
        query, days = split_name(text)
    else:
        words = text.split()
        last = words[-1] if len(words) > 1 else ""
        if re.fullmatch(r"[+-]?\d+", last):
            query, days = text[: text.rindex(last)], last
        else:
            query, days = text, ""
    if not days:
        return query.strip(), default
    if not re.fullmatch(r"[+-]?\d+", days) or not 0 <= int(days) <= MAX_DAYS:
        raise ArgumentError(reasons.days_refused(MAX_DAYS))
    return query.strip(), int(days)


def split_trial(text: str) -> tuple[str, list[Term]]:
    """`LIST [days] +TERM +TERM` (or `+TERM, TERM`): what comes before the first word
    starting with "+", and the terms to try; no terms when there is no such word."""
    found = _TRIAL.search(text)
    if found is None:
        return text.strip(), []
    items = [item for item in _TRIAL.split(text[found.start() :]) if item.strip()]
    terms = [term for item in items for term in parse_terms(item)]
    if not terms:
        raise ArgumentError(reasons.NO_TERM)
    return text[: found.start()].strip(), terms


def parse_term(text: str) -> Term:
    """One term with its flags: `TITR --exact`, `Aktau --case-sensitive`."""
    flags: dict[str, bool | None] = {"exact": False, "case_sensitive": None}
    for found in _FLAG.finditer(text):
        flag = _FLAGS.get(found.group(1).casefold())
        if flag is None:
            raise ArgumentError(reasons.unknown_option(found.group()))
        flags[flag] = True
    words = _FLAG.sub(" ", text).split()
    if not words:
        raise ArgumentError(reasons.ONLY_OPTIONS)
    return Term(" ".join(words), exact=bool(flags["exact"]), case_sensitive=flags["case_sensitive"])


def parse_terms(text: str) -> list[Term]:
    """Terms separated by commas or line breaks, each with its flags."""
    items = [item for item in _TERM_SEPARATORS.split(text) if item.strip()]
    if not items:
        raise ArgumentError(reasons.NO_TERM)
    return [parse_term(item) for item in items]
