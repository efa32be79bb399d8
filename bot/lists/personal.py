"""Personal watchlists: lists a user keeps for themselves (pure rules, no I/O).

They live in the database rather than in ``watchlists/``: they are one user's data, and
the shared directory stays curated by the admins. Each is compiled on its own
(``bot.app.compiled_lists``, so that an edit compiles that list alone) and matched with
the shared lists under an internal name, ``~<owner chat id>/<name>``, which no shared
list can take (`/newlist` refuses a leading ``~``); the owner follows it, so alerts and
digests reach them and no one else. `display_name` turns the internal name back into
what the owner typed, for every message that shows it.

The limits keep one user's lists from weighing on matching for everyone: every list
reads each article.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Term, Watchlist
from bot.domain.text import fold
from bot.lists.rules import (
    PERSONAL,
    PERSONAL_PREFIX,
    RuleError,
    checked_name,
    checked_terms,
    describe,
)

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
MAX_TERMS = PERSONAL.terms  # per list
MAX_TERM_LENGTH = PERSONAL.term_length
MAX_NAME_LENGTH = PERSONAL.name_length

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
    name = _checked_name(name)
    same = find_list(existing, name)
    if same is not None:
        raise PersonalError(f'you already have a list called "{same.name}"')
    return PersonalList(owner, name, _checked_terms(name, terms, ()))


def add_terms(plist: PersonalList, terms: Sequence[Term]) -> PersonalList:
    """`plist` with `terms` appended; refused past the limits or for a term it has."""
    added = _checked_terms(plist.name, terms, plist.terms)
    return dataclasses.replace(plist, terms=(*plist.terms, *added))


def remove_term(plist: PersonalList, text: str) -> PersonalList:
    """`plist` without the term matching `text`; its last term cannot go (delete the list)."""
    key = fold(text)
    index = next((i for i, t in enumerate(plist.terms) if key and fold(t.text) == key), None)
    if index is None:
        by_key = {fold(t.text): t.text for t in plist.terms}
        # Imported here: only a typo needs it, and the running bot does without its memory.
        import difflib

        close = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.6)
        hint = f' (did you mean "{by_key[close[0]]}"?)' if close else ""
        raise PersonalError(f'"{plist.name}" has no term "{text.strip()}"{hint}')
    if len(plist.terms) == 1:
        raise PersonalError(
            f'"{plist.terms[0].text}" is the only term of "{plist.name}";'
            f" /myrm {plist.name} deletes the whole list"
        )
    return dataclasses.replace(plist, terms=plist.terms[:index] + plist.terms[index + 1 :])


def _checked_name(name: str) -> str:
    try:
        return checked_name(name, PERSONAL)
    except RuleError as exc:
        if exc.rule == "empty":
            reason = (
                f"a personal list needs a name of 1–{exc.limit} characters,"
                " for example /mynew Rogun | Rogun dam"
            )
        elif exc.rule == "too-long":
            reason = (
                f"a personal list's name must be at most {exc.limit} characters"
                f" (this one has {exc.size})"
            )
        elif exc.rule == "prefix":
            reason = f"a name cannot start with {PERSONAL_PREFIX}"
        else:
            reason = describe(exc, "a name")
        raise PersonalError(reason) from None


def _checked_terms(name: str, terms: Sequence[Term], existing: Sequence[Term]) -> tuple[Term, ...]:
    try:
        return checked_terms(terms, PERSONAL, existing=existing)
    except RuleError as exc:
        if exc.rule == "too-many":
            reason = (
                f"a personal list has at most {exc.limit} terms"
                f" ({len(existing)} already, {len(terms)} more asked for)"
            )
        elif exc.rule == "too-long":
            reason = (
                f"a personal term must be at most {exc.limit} characters (this one has {exc.size})"
            )
        elif exc.rule == "same" and any(t.text == exc.texts[0] for t in existing):
            reason = f'"{name}" already has the term "{exc.texts[0]}"'
        else:
            reason = describe(exc, "a term")
        raise PersonalError(reason) from None
