"""Personal watchlists: the lists a user keeps for themselves, in the database.

The owner follows each list from the moment it is made, so its alerts and digests reach
them; nobody else can see, resolve or follow it. An edit matches recent articles again,
as an edit of a shared list does: newly matching ones join the next digest, marked. The
rules and limits are `bot.lists.personal`'s; this module stores what they allow.

An edit's dry run and re-match read every recent article: `create`, `add_terms` and
`remove_term` are ``Steps`` too (``NAME_steps``), which the running bot runs off its event
loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

from bot.app.compiled_lists import CompiledLists
from bot.app.rematch import DryRun, dry_run_steps, rematch_steps
from bot.app.service import Service
from bot.app.steps import Steps, inline
from bot.domain.matching import Matcher
from bot.domain.models import AuditEntry, Term, watchlist_key
from bot.domain.text import fold
from bot.lists.files import terms_detail
from bot.lists.personal import PersonalError, PersonalList, find_list, new_list
from bot.lists.personal import add_terms as with_terms
from bot.lists.personal import remove_term as without_term

log = logging.getLogger(__name__)


class UnknownPersonalList(LookupError):
    """The owner has no list by that name (it went while they were typing)."""


@dataclass(frozen=True, slots=True)
class PersonalEdit:
    action: Literal["new", "add-term", "remove-term"]
    plist: PersonalList  # as saved
    terms: tuple[Term, ...]  # added (for "new", the list's), or the one removed
    report: DryRun  # what the list now matches, against what it matched before
    days: int


@dataclass(frozen=True, slots=True)
class Resumed:
    """/mynew NAME for a list the owner has: following it again, or already."""

    name: str
    resumed: bool


@dataclass(frozen=True, slots=True)
class Deleted:
    name: str
    terms: int
    # False: the name was not typed in full, so nothing was deleted (deleting is not
    # left to a forgiving reading of a typo).
    deleted: bool


def lists_of(service: Service, owner: int) -> list[PersonalList]:
    return service.store.personal.of(owner)


def names(service: Service, owner: int) -> list[str]:
    """The owner's list names, for a front end to read the start of "NAME rest" against."""
    return [p.name for p in lists_of(service, owner)]


def owns(service: Service, owner: int, name: str) -> bool:
    return find_list(lists_of(service, owner), name) is not None


def create(
    service: Service,
    now: datetime,
    *,
    owner: int,
    name: str,
    terms: Sequence[Term] | None,
    actor: str,
) -> PersonalEdit | Resumed:
    return inline(create_steps(service, now, owner=owner, name=name, terms=terms, actor=actor))


def create_steps(
    service: Service,
    now: datetime,
    *,
    owner: int,
    name: str,
    terms: Sequence[Term] | None,
    actor: str,
) -> Steps[PersonalEdit | Resumed]:
    """A new list; or, with no terms, the owner's list of that name followed again.
    PersonalError when refused."""
    existing = lists_of(service, owner)
    same = find_list(existing, name)
    if same is not None and terms is None:
        resumed = service.store.chats.subscribe(owner, same.internal_name, now)
        if resumed:
            log.info("chat=%d personal=%r action=resume status=saved", owner, same.name)
        return Resumed(same.name, resumed)
    plist = new_list(existing, owner, name, terms or ())
    return (yield from _save(service, now, plist, "new", plist.terms, actor))


def add_terms(
    service: Service, now: datetime, *, owner: int, name: str, terms: Sequence[Term], actor: str
) -> PersonalEdit:
    return inline(add_terms_steps(service, now, owner=owner, name=name, terms=terms, actor=actor))


def add_terms_steps(
    service: Service, now: datetime, *, owner: int, name: str, terms: Sequence[Term], actor: str
) -> Steps[PersonalEdit]:
    plist = _find(service, owner, name)
    changed = with_terms(plist, terms)
    added = changed.terms[len(plist.terms) :]
    return (yield from _save(service, now, changed, "add-term", added, actor))


def remove_term(
    service: Service, now: datetime, *, owner: int, name: str, term: str, actor: str
) -> PersonalEdit:
    return inline(remove_term_steps(service, now, owner=owner, name=name, term=term, actor=actor))


def remove_term_steps(
    service: Service, now: datetime, *, owner: int, name: str, term: str, actor: str
) -> Steps[PersonalEdit]:
    plist = _find(service, owner, name)
    changed = without_term(plist, term)
    return (yield from _save(service, now, changed, "remove-term", (Term(term.strip()),), actor))


@dataclass(frozen=True, slots=True)
class DeleteQuestion:
    """/myrm NAME: the list it names, and whether NAME was its whole name (the only
    way to be asked whether to delete it)."""

    name: str
    terms: int
    whole_name: bool
    version: str  # names the list as it is now (`version_of`), for the "Yes" button


def version_of(plist: PersonalList) -> str:
    """A short key naming a list and its terms as they are: a "Yes" to deleting it is
    not taken for a list made since under the same name, or changed since."""
    terms = "\n".join(f"{t.text}\t{t.exact:d}{t.case_sensitive is True:d}" for t in plist.terms)
    return watchlist_key(f"{plist.internal_name}\n{terms}")


def ask_delete(service: Service, *, owner: int, name: str, typed: str) -> DeleteQuestion:
    """What to ask before deleting the owner's list `name` (`typed` as they wrote it)."""
    plist = _find(service, owner, name)
    whole = fold(typed) == fold(plist.name)
    return DeleteQuestion(plist.name, len(plist.terms), whole, version_of(plist))


def delete_confirmed(
    service: Service, now: datetime, *, owner: int, version: str, actor: str
) -> Deleted | None:
    """Delete the owner's list whose `version_of` is `version`, once they said yes;
    None when there is none (deleted already, or changed since they were asked)."""
    plist = next((p for p in lists_of(service, owner) if version_of(p) == version), None)
    if plist is None:
        return None
    return _delete(service, now, plist, actor)


def delete(
    service: Service, now: datetime, *, owner: int, name: str, typed: str, actor: str
) -> Deleted:
    """Delete the list `name` when `typed` is its whole name, its matches with it."""
    plist = _find(service, owner, name)
    if fold(typed) != fold(plist.name):
        return Deleted(plist.name, len(plist.terms), deleted=False)
    return _delete(service, now, plist, actor)


def _delete(service: Service, now: datetime, plist: PersonalList, actor: str) -> Deleted:
    store = service.store
    with store.transaction():
        store.personal.delete(plist)
        store.chats.unsubscribe(plist.owner, plist.internal_name)
        detail = terms_detail(plist.terms)
        store.record_audit(AuditEntry(now, actor, plist.internal_name, "delete", detail))
    log.info("chat=%d personal=%r action=delete status=saved", plist.owner, plist.name)
    return Deleted(plist.name, len(plist.terms), deleted=True)


def _find(service: Service, owner: int, name: str) -> PersonalList:
    plist = find_list(lists_of(service, owner), name)
    if plist is None:
        raise UnknownPersonalList(name)
    return plist


def _save(
    service: Service,
    now: datetime,
    plist: PersonalList,
    action: Literal["new", "add-term", "remove-term"],
    terms: tuple[Term, ...],
    actor: str,
) -> Steps[PersonalEdit]:
    """Store the list, make sure its owner follows it, audit, and match recent articles.

    The list is compiled once, by the dry run, into the service's compiled lists: the
    re-match, and the matcher that polls use from now on, take it from there.
    """
    store = service.store
    days = service.config.watchlists.rematch_days
    compiled = partial(_compiled, service.compiled, plist)
    # Before the matches are replaced: what the list matched until now is the baseline.
    report = yield from dry_run_steps(
        store, plist.watchlist, days=days, now=now, shown=0, compiled=compiled
    )
    with store.transaction():
        store.personal.save(plist, now)
        store.chats.subscribe(plist.owner, plist.internal_name, now)
        detail = terms[0].text if action == "remove-term" else terms_detail(terms)
        store.record_audit(AuditEntry(now, actor, plist.internal_name, action, detail))
    yield from rematch_steps(store, [plist.watchlist], now=now, days=days, compiled=compiled)
    log.info("chat=%d personal=%r action=%s status=saved", plist.owner, plist.name, action)
    return PersonalEdit(action, plist, terms, report, days)


def _compiled(lists: CompiledLists, plist: PersonalList) -> Matcher:
    return lists.personal(plist).matcher


__all__ = [
    "DeleteQuestion",
    "Deleted",
    "PersonalEdit",
    "PersonalError",
    "Resumed",
    "UnknownPersonalList",
    "add_terms",
    "add_terms_steps",
    "ask_delete",
    "create",
    "create_steps",
    "delete",
    "delete_confirmed",
    "lists_of",
    "names",
    "owns",
    "remove_term",
    "remove_term_steps",
    "version_of",
]
