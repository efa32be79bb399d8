"""Personal watchlists: lists a user keeps for themselves (pure rules, no I/O).

They live in the database rather than in ``watchlists/``: they are one user's data, and
the shared directory stays curated by the admins. Each is matched by the same matcher
as the shared lists under an internal name, ``~<owner chat id>/<name>``, which no shared
list can take (`/newlist` refuses a leading ``~``); the owner follows it, so alerts and
digests reach them and no one else. `display_name` turns the internal name back into
what the owner typed, for every message that shows it.

The limits keep one user's lists from weighing on matching for everyone: every term is
compiled into the one matcher that reads each article.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Term, Watchlist
from bot.domain.text import fold
from bot.lists.edit import EditError, new_watchlist_text
from bot.lists.files import parse_watchlist

__all__ = [
    "MAX_LISTS",
    "MAX_NAME_LENGTH",
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "PERSONAL_PREFIX",
    "PersonalError",
    "PersonalList",
    "add_terms",
    "display_name",
    "find_list",
    "internal_name",
    "new_list",
    "owner_of",
    "remove_term",
]

MAX_LISTS = 5  # per user
MAX_TERMS = 20  # per list
MAX_TERM_LENGTH = 60
MAX_NAME_LENGTH = 40

PERSONAL_PREFIX = "~"
_INTERNAL = re.compile(r"~(-?\d+)/(.+)", re.DOTALL)


class PersonalError(ValueError):
    """A personal-list edit that was refused; `str()` is one line for the user."""


@dataclass(frozen=True, slots=True)
class PersonalList:
    owner: int  # the chat id of the owner's private chat, which is their user id
    name: str  # as the owner typed it
    terms: tuple[Term, ...]

    @property
    def internal_name(self) -> str:
        return internal_name(self.owner, self.name)

    @property
    def watchlist(self) -> Watchlist:
        """The list as the matcher and the store see it."""
        return Watchlist(
            name=self.internal_name, terms=self.terms, source=f"personal list of {self.owner}"
        )


def internal_name(owner: int, name: str) -> str:
    return f"{PERSONAL_PREFIX}{owner}/{name}"


def owner_of(name: str) -> int | None:
    """The owner of a personal list's internal name; None for a shared list's name."""
    found = _INTERNAL.fullmatch(name)
    return int(found.group(1)) if found else None


def display_name(name: str) -> str:
    """What a message shows for a watchlist: "Rogun (personal)" for a personal list."""
    found = _INTERNAL.fullmatch(name)
    return f"{found.group(2)} (personal)" if found else name


def find_list(lists: Sequence[PersonalList], name: str) -> PersonalList | None:
    """The list called `name`, ignoring case, accents and hyphens as matching does."""
    key = fold(name)
    return next((p for p in lists if key and fold(p.name) == key), None)


def new_list(
    existing: Sequence[PersonalList], owner: int, name: str, terms: Sequence[Term]
) -> PersonalList:
    """A new list for `owner`, who already has `existing`; PersonalError if refused."""
    if len(existing) >= MAX_LISTS:
        raise PersonalError(
            f"you have {len(existing)} personal watchlists, the most allowed;"
            " delete one first with /myrm NAME"
        )
    name = name.strip()
    if not name:
        raise PersonalError(
            f"a personal list needs a name of 1–{MAX_NAME_LENGTH} characters,"
            " for example /mynew Rogun | Rogun dam"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise PersonalError(
            f"a personal list's name must be at most {MAX_NAME_LENGTH} characters"
            f" (this one has {len(name)})"
        )
    if name.startswith(PERSONAL_PREFIX):
        raise PersonalError(f"a name cannot start with {PERSONAL_PREFIX}")
    same = find_list(existing, name)
    if same is not None:
        raise PersonalError(f'you already have a list called "{same.name}"')
    _check_terms(terms, already=0)
    return _validated(PersonalList(owner, name, tuple(terms)))


def add_terms(plist: PersonalList, terms: Sequence[Term]) -> PersonalList:
    """`plist` with `terms` appended; refused past the limits or for a term it has."""
    _check_terms(terms, already=len(plist.terms))
    for term in terms:
        for existing in plist.terms:
            if fold(existing.text) == fold(term.text):
                raise PersonalError(f'"{plist.name}" already has the term "{existing.text}"')
    return _validated(dataclasses.replace(plist, terms=(*plist.terms, *terms)))


def remove_term(plist: PersonalList, text: str) -> PersonalList:
    """`plist` without the term matching `text`; its last term cannot go (delete the list)."""
    key = fold(text)
    index = next((i for i, t in enumerate(plist.terms) if key and fold(t.text) == key), None)
    if index is None:
        by_key = {fold(t.text): t.text for t in plist.terms}
        close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
        hint = f' (did you mean "{by_key[close[0]]}"?)' if close else ""
        raise PersonalError(f'"{plist.name}" has no term "{text.strip()}"{hint}')
    if len(plist.terms) == 1:
        raise PersonalError(
            f'"{plist.terms[0].text}" is the only term of "{plist.name}";'
            f" /myrm {plist.name} deletes the whole list"
        )
    return dataclasses.replace(plist, terms=plist.terms[:index] + plist.terms[index + 1 :])


def _check_terms(terms: Sequence[Term], *, already: int) -> None:
    if not terms:
        raise PersonalError("give at least one term")
    if already + len(terms) > MAX_TERMS:
        raise PersonalError(
            f"a personal list has at most {MAX_TERMS} terms"
            f" ({already} already, {len(terms)} more asked for)"
        )
    for term in terms:
        size = len(term.text.strip())
        if size > MAX_TERM_LENGTH:
            raise PersonalError(
                f"a personal term must be at most {MAX_TERM_LENGTH} characters"
                f" (this one has {size})"
            )


def _validated(plist: PersonalList) -> PersonalList:
    """`plist` cleaned by the rules every watchlist follows (no line breaks or control
    characters, a letter or digit in each term, no two terms alike), or PersonalError.

    The rules are the watchlist file editor's, applied by writing the list as a file
    and reading it back, so a personal list is never held to weaker ones.
    """
    try:
        text = new_watchlist_text(plist.name, plist.terms)
    except EditError as exc:
        raise PersonalError(str(exc)) from exc
    parsed = parse_watchlist(text)
    return dataclasses.replace(plist, name=parsed.name, terms=parsed.terms)
