"""Shared watchlists: finding one by what people type, showing it, creating, editing and
deleting its file, and dry runs. The one home of these use cases for the CLI
(`caci-watch watchlist …`, `digest --watchlist`) and the admin commands in Telegram.

Every edit goes one way, whoever asks. The files are read again first, so that a hand
edit still pending is audited as the file's and not as this person's. The list is found
as Telegram finds names, forgivingly. Its file is edited through `bot.lists.edit`, which
keeps every comment, and written atomically; the directory is read again through
`watchlist_sync.refresh_watchlists`, which tells the admins of a file that does not
load; a dry run says what the list now matches, while the store still holds what it
matched before; and the edit is applied, audited once under the caller's name.

Reading the files again may match recent articles again (a hand edit pending), and a
dry run reads every recent article: each use case that may do either is ``Steps``
(``bot.app.steps``), ``NAME_steps``, which the running bot runs off its event loop, and
a plain function of the same name without the suffix that runs it here and now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.app import rematch, watchlist_sync
from bot.app.rematch import DryRun, Progress
from bot.app.service import Service
from bot.app.steps import Steps, inline
from bot.app.watchlist_files import FilesCheck as FilesCheck
from bot.app.watchlist_files import check_files as check_files
from bot.domain.models import AuditEntry, Term, Watchlist, watchlist_key
from bot.domain.resolve import resolve_watchlist
from bot.lists.edit import (
    EditError,
    new_watchlist_text,
    watchlist_file_name,
    with_terms,
)
from bot.lists.edit import add_exclude as add_exclude_text
from bot.lists.edit import add_term as add_term_text
from bot.lists.edit import remove_exclude as remove_exclude_text
from bot.lists.edit import remove_term as remove_term_text
from bot.lists.files import (
    WatchlistError,
    load_watchlist,
    parse_watchlist,
    terms_detail,
    write_atomically,
)
from bot.lists.registry import fingerprint
from bot.lists.rules import PERSONAL_PREFIX, same_name
from bot.messages.watchlist_console import file_taken, name_taken

log = logging.getLogger(__name__)

Action = Literal["new", "add-term", "remove-term", "exclude", "remove-exclude", "delete"]


class UnknownList(LookupError):
    """No shared list goes by what was typed; `candidates` are the close ones."""

    def __init__(self, query: str, candidates: Sequence[str] = ()) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        super().__init__(query)


class ListExists(EditError):
    """A new list refused: a list called `existing` is in force (names compared as people
    read them), or a file `file_name` is in the way. `str()` is the plain clause the
    front ends quote, worded in `bot.messages.watchlist_console`."""

    def __init__(self, *, existing: str = "", file_name: str = "") -> None:
        self.existing = existing
        self.file_name = file_name
        super().__init__(name_taken(existing) if existing else file_taken(file_name))


class WriteFailed(Exception):
    """A list's file could not be read or written (a full disk, a permission)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True, slots=True)
class EditOutcome:
    action: Action
    name: str
    path: Path
    terms: tuple[Term, ...] = ()  # added (for "new", the list's), or the one removed
    phrase: str = ""  # the exclude phrase added, or the one removed as the file had it
    # False when the written file did not load back, which only a hand edit racing this
    # one can cause: the version in force is unchanged and the admins have been told.
    reloaded: bool = True
    report: DryRun | None = None  # what the list now matches; None for "delete"
    days: int = 0  # how far back the report and the re-match looked
    followers: int = 0  # for "delete": the chats that followed it, told it is gone


# -- finding and reading -----------------------------------------------------------------


def names(service: Service, now: datetime) -> list[str]:
    return inline(names_steps(service, now))


def names_steps(service: Service, now: datetime) -> Steps[list[str]]:
    """The names of the lists in force, the files read again first: what a front end
    reads the start of "LIST rest" against."""
    yield from watchlist_sync.reload_steps(service, now)
    return [w.name for w in service.watchlists]


def find(service: Service, query: str) -> Watchlist:
    """The shared list in force that `query` names, read as forgivingly as everywhere
    ("tripp", "middle corridor"); UnknownList with the close ones otherwise."""
    found = resolve_watchlist(query, [w.name for w in service.watchlists])
    w = service.registry.find(found.name) if found.name else None
    if w is None:
        raise UnknownList(query, found.candidates)
    return w


@dataclass(frozen=True, slots=True)
class ListDetails:
    """A list for /showlist and `watchlist show`: in force, or gone with its history."""

    name: str
    watchlist: Watchlist | None  # None: the list is no longer in force
    path: str  # its file, or the one it was deleted from ("" when not known)
    subscribers: int
    matching: int  # stored articles it matches
    history: tuple[AuditEntry, ...]  # newest first
    # For a list no longer in force: the audit entry saying how it went, and the file's
    # text as it was deleted ("" unless it was deleted through the CLI or Telegram).
    gone: AuditEntry | None = None
    last_text: str = ""


def details(
    service: Service, query: str, *, history: int = 20, now: datetime | None = None
) -> ListDetails:
    return inline(details_steps(service, query, history=history, now=now))


def details_steps(
    service: Service, query: str, *, history: int = 20, now: datetime | None = None
) -> Steps[ListDetails]:
    """The list `query` names; a list deleted or removed since is found in the audit.
    With ``now`` the files are read first, so a list deleted by hand a moment ago shows
    as deleted."""
    if now is not None:
        yield from watchlist_sync.reload_steps(service, now)
    store = service.store
    try:
        w = find(service, query)
    except UnknownList as unknown:
        return _gone_details(service, unknown, history=history)
    return ListDetails(
        name=w.name,
        watchlist=w,
        path=w.source,
        subscribers=len(store.chats.subscribers_of(w.name)),
        matching=len(store.article_ids_matching(w.name)),
        history=tuple(store.audit_for(w.name, limit=history)),
    )


def _gone_details(service: Service, unknown: UnknownList, *, history: int) -> ListDetails:
    store = service.store
    in_force = [w.name for w in service.watchlists]
    gone = [
        name
        for name in store.audited_watchlists()
        # Personal lists are their owners' alone; a list only renamed in case is in force.
        if not name.startswith(PERSONAL_PREFIX)
        and not any(name.casefold() == n.casefold() for n in in_force)
    ]
    found = resolve_watchlist(unknown.query, gone)
    if found.name is None:
        raise UnknownList(unknown.query, unknown.candidates or found.candidates)
    entries = tuple(store.audit_for(found.name, limit=max(history, 1)))
    last = entries[0]
    path, text = "", ""
    if last.action == "delete":
        path, _, text = last.detail.partition("\n")
    return ListDetails(
        name=found.name,
        watchlist=None,
        path=path,
        subscribers=0,
        matching=len(store.article_ids_matching(found.name)),
        history=entries[:history],
        gone=last,
        last_text=text,
    )


NoteKind = Literal["", "ahead", "broken"]


@dataclass(frozen=True, slots=True)
class DryRunOutcome:
    name: str
    report: DryRun
    days: int
    # "ahead": the file reads differently from the version in force (the running bot
    # takes it up within a minute); "broken": it does not load, so the version in force
    # was run, and `error_line` and `error_reason` say why.
    note: NoteKind = ""
    error_line: int | None = None
    error_reason: str = ""
    # The terms tried on the list (`dry_run(trial=…)`): the report is of the list with
    # them, against what it matches now, its examples only what they would add.
    trial: tuple[Term, ...] = ()


def dry_run(
    service: Service,
    now: datetime,
    query: str,
    days: int,
    *,
    shown: int = 10,
    progress: Progress | None = None,
    trial: Sequence[Term] = (),
) -> DryRunOutcome:
    return inline(
        dry_run_steps(service, now, query, days, shown=shown, progress=progress, trial=trial)
    )


def dry_run_steps(
    service: Service,
    now: datetime,
    query: str,
    days: int,
    *,
    shown: int = 10,
    progress: Progress | None = None,
    trial: Sequence[Term] = (),
) -> Steps[DryRunOutcome]:
    """What the list, as its file reads now, would match among the articles first seen
    in the last `days` days, against what it matches now, with the first `shown`
    examples of each kind; `progress` hears how far it has got. Nothing is stored.

    With `trial` terms, the list in force with them added (refused as `/addterm` would
    refuse them: EditError), and only the articles they would add as examples."""
    w = find(service, query)
    if trial:
        tried = with_terms(w, trial)
        report = yield from rematch.dry_run_steps(
            service.store, tried, days=days, now=now, shown=shown, progress=progress, only_new=True
        )
        return DryRunOutcome(w.name, report, days, trial=tried.terms[len(w.terms) :])
    note: NoteKind = ""
    line, reason = None, ""
    try:
        on_disk = load_watchlist(w.source)
    except WatchlistError as exc:
        note, line, reason = "broken", exc.line, exc.reason
    else:
        if on_disk != w:
            w, note = on_disk, "ahead"
    report = yield from rematch.dry_run_steps(
        service.store,
        w,
        days=days,
        now=now,
        shown=shown,
        progress=progress,
        about=service.config.about.enabled,
    )
    return DryRunOutcome(w.name, report, days, note, line, reason)


# -- editing -------------------------------------------------------------------------------


def create(
    service: Service,
    now: datetime,
    name: str,
    terms: Sequence[Term],
    *,
    description: str = "",
    actor: str,
) -> EditOutcome:
    return inline(create_steps(service, now, name, terms, description=description, actor=actor))


def create_steps(
    service: Service,
    now: datetime,
    name: str,
    terms: Sequence[Term],
    *,
    description: str = "",
    actor: str,
) -> Steps[EditOutcome]:
    """A new list's file, with comments explaining each key; EditError when refused."""
    yield from watchlist_sync.reload_steps(service, now)
    name = name.strip()
    for w in service.watchlists:
        if same_name(w.name, name):
            raise ListExists(existing=w.name)
    text = new_watchlist_text(name, terms, description=description.strip())
    path = service.config.watchlists.dir / watchlist_file_name(name)
    if path.exists():
        raise ListExists(file_name=path.name)
    made = parse_watchlist(text, path)
    _write(path, text, made.name)
    return (yield from _applied(service, now, "new", made.name, path, actor, terms=made.terms))


def add_terms(
    service: Service, now: datetime, query: str, terms: Sequence[Term], *, actor: str
) -> EditOutcome:
    return inline(add_terms_steps(service, now, query, terms, actor=actor))


def add_terms_steps(
    service: Service, now: datetime, query: str, terms: Sequence[Term], *, actor: str
) -> Steps[EditOutcome]:
    def change(text: str, path: str) -> str:
        for term in terms:
            text = add_term_text(text, term, path=path)
        return text

    return (yield from _edit(service, now, query, "add-term", actor, change, terms=tuple(terms)))


def remove_term(
    service: Service, now: datetime, query: str, term: str, *, actor: str
) -> EditOutcome:
    return inline(remove_term_steps(service, now, query, term, actor=actor))


def remove_term_steps(
    service: Service, now: datetime, query: str, term: str, *, actor: str
) -> Steps[EditOutcome]:
    def change(text: str, path: str) -> str:
        return remove_term_text(text, term, path=path)

    removed = (Term(term.strip()),)
    return (yield from _edit(service, now, query, "remove-term", actor, change, terms=removed))


def add_exclude(
    service: Service, now: datetime, query: str, phrase: str, *, actor: str
) -> EditOutcome:
    return inline(add_exclude_steps(service, now, query, phrase, actor=actor))


def add_exclude_steps(
    service: Service, now: datetime, query: str, phrase: str, *, actor: str
) -> Steps[EditOutcome]:
    def change(text: str, path: str) -> str:
        return add_exclude_text(text, phrase, path=path)

    return (yield from _edit(service, now, query, "exclude", actor, change, phrase=phrase.strip()))


def remove_exclude(
    service: Service, now: datetime, query: str, phrase: str, *, actor: str
) -> EditOutcome:
    return inline(remove_exclude_steps(service, now, query, phrase, actor=actor))


def remove_exclude_steps(
    service: Service, now: datetime, query: str, phrase: str, *, actor: str
) -> Steps[EditOutcome]:
    """The exclude phrase matching `phrase` (compared as duplicates are) taken out;
    EditError, with the closest phrase as a hint, when the list has none such."""
    removed: list[str] = []

    def change(text: str, path: str) -> str:
        edited = remove_exclude_text(text, phrase, path=path)
        before = parse_watchlist(text, path).exclude
        removed.extend(p for p in before if p not in parse_watchlist(edited, path).exclude)
        return edited

    def said() -> str:
        # The phrase as the file had it, which is what the audit and the reply quote.
        return removed[0] if removed else phrase.strip()

    return (yield from _edit(service, now, query, "remove-exclude", actor, change, phrase=said))


@dataclass(frozen=True, slots=True)
class DeleteQuestion:
    """What to ask before deleting a shared list from Telegram."""

    name: str
    terms: int
    followers: int
    version: str  # names the list as it is now (`version_of`), for the "Yes" button


def version_of(w: Watchlist) -> str:
    """A short key naming a list as it matches now: a "Yes" to deleting it is not taken
    for a list changed since, or made since under the same name."""
    return watchlist_key(fingerprint(w))


def ask_delete(service: Service, now: datetime, query: str) -> DeleteQuestion:
    return inline(ask_delete_steps(service, now, query))


def ask_delete_steps(service: Service, now: datetime, query: str) -> Steps[DeleteQuestion]:
    """The list `query` names, for the question asked before deleting it."""
    yield from watchlist_sync.reload_steps(service, now)
    w = find(service, query)
    followers = len(service.store.chats.subscribers_of(w.name))
    return DeleteQuestion(w.name, len(w.terms), followers, version_of(w))


def delete_confirmed(
    service: Service, now: datetime, version: str, *, actor: str
) -> EditOutcome | None:
    return inline(delete_confirmed_steps(service, now, version, actor=actor))


def delete_confirmed_steps(
    service: Service, now: datetime, version: str, *, actor: str
) -> Steps[EditOutcome | None]:
    """Delete the list whose `version_of` is `version`, once an admin said yes; None when
    there is none in force (deleted already, or changed since they were asked)."""
    yield from watchlist_sync.reload_steps(service, now)
    w = next((w for w in service.watchlists if version_of(w) == version), None)
    if w is None:
        return None
    return (yield from delete_steps(service, now, w.name, actor=actor))


def delete(service: Service, now: datetime, query: str, *, actor: str) -> EditOutcome:
    return inline(delete_steps(service, now, query, actor=actor))


def delete_steps(service: Service, now: datetime, query: str, *, actor: str) -> Steps[EditOutcome]:
    """Delete the list's file; the audit keeps its whole text, so it can be restored."""
    yield from watchlist_sync.reload_steps(service, now)
    w = find(service, query)
    path = Path(w.source)
    followers = len(service.store.chats.subscribers_of(w.name))
    try:
        text = path.read_text(encoding="utf-8")
        path.unlink()
    except OSError as exc:
        log.error("watchlist=%r status=delete_failed error=%r", w.name, exc)
        raise WriteFailed(path, exc.strerror or str(exc)) from exc
    watchlist_sync.refresh_watchlists(service, now)
    yield from watchlist_sync.apply_steps(
        service, now, actor=actor, edit=(w.name, "delete", f"{path}\n{text}")
    )
    log.info("watchlist=%r action=delete actor=%s status=saved", w.name, actor)
    return EditOutcome("delete", w.name, path, followers=followers)


def _edit(
    service: Service,
    now: datetime,
    query: str,
    action: Action,
    actor: str,
    change: Callable[[str, str], str],
    *,
    terms: tuple[Term, ...] = (),
    phrase: str | Callable[[], str] = "",
) -> Steps[EditOutcome]:
    """``phrase`` may be known only once ``change`` has run (as the file wrote it)."""
    yield from watchlist_sync.reload_steps(service, now)
    w = find(service, query)
    path = Path(w.source)
    try:
        before = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WriteFailed(path, exc.strerror or str(exc)) from exc
    _write(path, change(before, str(path)), w.name)
    said = phrase() if callable(phrase) else phrase
    return (
        yield from _applied(service, now, action, w.name, path, actor, terms=terms, phrase=said)
    )


def _write(path: Path, text: str, name: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        log.error("watchlist=%r status=write_failed error=%r", name, exc)
        raise WriteFailed(path, exc.strerror or str(exc)) from exc


def _applied(
    service: Service,
    now: datetime,
    action: Action,
    name: str,
    path: Path,
    actor: str,
    *,
    terms: tuple[Term, ...] = (),
    phrase: str = "",
) -> Steps[EditOutcome]:
    """Read the edited file back, say what the list now matches, then audit and re-match."""
    watchlist_sync.refresh_watchlists(service, now)
    current = service.registry.find(name)
    if current is None:
        return EditOutcome(action, name, path, terms, phrase, reloaded=False)
    days = service.config.watchlists.rematch_days
    # Before the edit is applied, while the store still holds the old version's matches.
    report = yield from rematch.dry_run_steps(service.store, current, days=days, now=now, shown=0)
    detail = phrase if action in ("exclude", "remove-exclude") else terms_detail(terms)
    yield from watchlist_sync.apply_steps(service, now, actor=actor, edit=(name, action, detail))
    log.info("watchlist=%r action=%s actor=%s status=saved", name, action, actor)
    return EditOutcome(action, name, path, terms, phrase, True, report, days)
