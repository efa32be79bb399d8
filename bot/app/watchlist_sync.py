"""Keeping the store in step with the watchlists in force.

The files in ``watchlists/`` are the source of truth. Whoever changes them (a person
with an editor, ``caci-watch watchlist …``, an admin in Telegram) or notices a change
(the running bot, every minute and at start) comes through here: the change is audited
once, followers of a removed list are told, a renamed list keeps its followers and
matches, and recent articles are matched again against what changed.

Matching again is heavy, so the functions that may do it are ``Steps`` as well
(``reload_steps``, ``apply_steps``), which the running bot runs off its event loop; the
plain functions run them here and now. A command that only needs the lists in force
(``take_up_removals``: /watchlists, /subscribe) acts on removed and renamed lists and
leaves changed ones to the minute's look at the files.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from bot.app import possibly_about
from bot.app.rematch import RematchReport, rematch_steps
from bot.app.service import Service, log_invalid
from bot.app.steps import Steps, inline
from bot.domain.models import AuditEntry
from bot.lists.edit import EditError, watchlist_file_name
from bot.lists.files import MAX_FILE_BYTES
from bot.lists.personal import PERSONAL_PREFIX
from bot.lists.registry import WatchlistChange, fingerprint
from bot.messages.notices import (
    invalid_file_messages,
    removed_list_message,
    renamed_list_message,
)

log = logging.getLogger(__name__)


def reload_watchlists(service: Service, now: datetime) -> list[WatchlistChange]:
    """Pick up edited watchlist files: the running bot does this every minute (as
    ``reload_steps``, off its event loop), and once at start for edits made while it
    was stopped.

    A broken edit is reported and the last good version stays in force.
    """
    return inline(reload_steps(service, now))


def reload_steps(service: Service, now: datetime) -> Steps[list[WatchlistChange]]:
    changes = refresh_watchlists(service, now)
    yield from apply_steps(service, now)
    return changes


def take_up_removals(service: Service, now: datetime) -> None:
    """Read the files again and act on lists removed or renamed since (followers told,
    or following the new name); a changed list is left to ``reload_watchlists``, which
    the running bot does every minute, as matching again is heavy."""
    refresh_watchlists(service, now)
    inline(apply_steps(service, now, rematch=False))


def refresh_watchlists(service: Service, now: datetime) -> list[WatchlistChange]:
    """Bring the registry in step with the files, without acting on the changes.

    A file that fails to load is logged and told to the admins in Telegram, once
    per broken content; the last good version stays in force. Whoever refreshes
    must come through here: the registry reports a broken content only once.
    """
    changes = service.registry.refresh()
    log_invalid(changes)
    held, service.unreported = service.unreported, []
    admins = service.config.telegram.admins
    for change in [*held, *changes]:
        if change.kind == "invalid" and admins:
            messages = invalid_file_messages(change, _content_key(change), admins, now)
            service.store.outbox.enqueue(messages, now)
    return changes


def apply_watchlist_edits(
    service: Service,
    now: datetime,
    *,
    actor: str = "file",
    edit: tuple[str, str, str] | None = None,
) -> list[str]:
    """``apply_steps``, run here and now."""
    return inline(apply_steps(service, now, actor=actor, edit=edit))


def apply_steps(
    service: Service,
    now: datetime,
    *,
    actor: str = "file",
    edit: tuple[str, str, str] | None = None,
    rematch: bool = True,
) -> Steps[list[str]]:
    """Compare the lists in force with those the store last matched with; audit the
    differences and match recent articles again against the changed lists.

    The store remembers, so an edit is acted on once whoever notices it first: the
    CLI that made it, the running bot a minute later, or the bot at its next start.
    ``edit`` (watchlist, action, detail) says what the caller did to which list, for
    the audit; other differences are recorded as plain added/changed/removed.

    Without ``rematch``, changed lists are left as they are (not audited, not matched
    again, not remembered), for a later call with it. Removals are remembered before the
    re-match, which waits for its worker: a look at the files meanwhile (see
    ``take_up_removals``) then does not take them for removals again.
    """

    def audit(name: str, default: str) -> None:
        verb, detail = default, ""
        if edit is not None and edit[0] == name:
            verb, detail = edit[1], edit[2]
        log.info("watchlist=%r status=%s actor=%s", name, verb, actor)
        service.store.record_audit(AuditEntry(now, actor, name, verb, detail))

    current = {w.name: fingerprint(w) for w in service.watchlists}
    known = service.store.watchlist_fingerprints()
    changed = sorted(name for name, fp in current.items() if known.get(name) != fp)
    removed = sorted(set(known) - set(current))
    held = _maybe_broken(service, removed)
    if held:
        # A file that does not load may be one of these lists, broken rather than gone:
        # remember them, and decide once that file loads, before anyone is told or
        # dropped. A list whose own file is simply gone is removed now.
        current |= {name: known[name] for name in held}
        removed = [name for name in removed if name not in held]
    renamed = _renamed(service, removed)
    # Followers of a list that is gone but was not removed here: another process (the
    # CLI) removed it and told those it knew of, while this bot, still holding the old
    # version, let someone follow it from an old button. Decided from who follows what
    # rather than from the difference, so nobody is left following a list that is gone.
    stranded = [] if service.registry.unknown_broken else _stranded(service, set(current), removed)
    if not rematch:
        changed = []
    for name in changed:
        audit(name, "added" if name not in known else "changed")
    for name in removed:
        audit(name, "renamed" if name in renamed else "removed")
    _tell_followers(service, [*removed, *stranded], renamed, now)
    for old, new in renamed.items():
        # The list's earlier matches carry over to its new name; otherwise matching
        # again would take every recent match for news and repeat it in the digest.
        service.store.rename_matches(old, new)
        service.store.about.rename(old, new)
    _remember(service, dict.fromkeys(removed), now)
    service.paths = {w.name: w.source for w in service.watchlists}
    if changed:
        yield from rematch_changed_steps(service, set(changed), now)
        _remember(service, {name: current[name] for name in changed}, now)
    if rematch:
        # The tier reads the recent articles again for a list whose `about` changed; in
        # the background, after the next poll (bot.app.possibly_about.catch_up).
        possibly_about.owe_edited_lists(service, now)
    return changed


def _remember(service: Service, versions: Mapping[str, str | None], now: datetime) -> None:
    """Remember the version of each list in ``versions`` acted on (None: it is gone);
    the others stay as they were."""
    if not versions:
        return
    known = service.store.watchlist_fingerprints()
    for name, version in versions.items():
        if version is None:
            known.pop(name, None)
        else:
            known[name] = version
    service.store.save_watchlist_fingerprints(known, now)


def _stranded(service: Service, current: set[str], removed: Sequence[str]) -> list[str]:
    """Shared lists someone follows that are neither in force nor being removed now."""
    followed = service.store.chats.followed_watchlists()
    return sorted(
        name
        for name in followed
        if name not in current and name not in removed and not name.startswith(PERSONAL_PREFIX)
    )


def _maybe_broken(service: Service, removed: Sequence[str]) -> set[str]:
    """The removed lists that may be a file that does not load: the list's own file when
    this process knows it (it loaded the list from there), else any broken file."""
    broken = service.registry.unknown_broken
    if not broken:
        return set()
    return {name for name in removed if (path := service.paths.get(name)) is None or path in broken}


def _renamed(service: Service, removed: Sequence[str]) -> dict[str, str]:
    """Removed lists whose file now holds a list by another name: old name -> new."""
    at = {w.source: w.name for w in service.watchlists}
    found: dict[str, str] = {}
    for old in removed:
        path = service.paths.get(old)
        if path is None:
            # Renamed while the bot was stopped: a file named after the list tells.
            try:
                path = str(service.config.watchlists.dir / watchlist_file_name(old))
            except EditError:
                continue
        if path in at:
            found[old] = at[path]
    return found


def _tell_followers(
    service: Service, removed: Sequence[str], renamed: dict[str, str], now: datetime
) -> None:
    """Chats that followed a removed list are told once and stop following it; those
    that followed a renamed one follow it under its new name, and are told so.

    A removed list's rows are dropped rather than kept: a chat left following only
    lists that are gone would get an empty digest every day.
    """
    chats = service.store.chats
    with service.store.transaction():
        for name in removed:
            new = renamed.get(name)
            for chat_id in chats.subscribers_of(name):
                if new is not None:
                    chats.subscribe(chat_id, new, now)
                    service.store.routes.rename(chat_id, name, new)  # a route goes along
                chats.unsubscribe(chat_id, name)
                sub = chats.get(chat_id)
                if sub is None or not sub.active:
                    continue
                if new is None:
                    message = removed_list_message(chat_id, name, now)
                else:
                    message = renamed_list_message(chat_id, name, new, now)
                service.store.outbox.enqueue([message], now)
                log.info(
                    "chat=%d watchlist=%r status=told_%s",
                    chat_id,
                    name,
                    "removed" if new is None else "renamed",
                )


def rematch_changed(service: Service, names: set[str], now: datetime) -> RematchReport:
    return inline(rematch_changed_steps(service, names, now))


def rematch_changed_steps(service: Service, names: set[str], now: datetime) -> Steps[RematchReport]:
    lists = [w for w in service.watchlists if w.name in names]
    report = yield from rematch_steps(
        service.store, lists, now=now, days=service.config.watchlists.rematch_days
    )
    log.info(
        "rematch watchlists=%r checked=%d newly=%d no_longer=%d",
        sorted(names),
        report.checked,
        len(report.newly_matched),
        len(report.no_longer_matched),
    )
    return report


def _content_key(change: WatchlistChange) -> str:
    """Names a broken file's content: its path and bytes hashed (or, when it cannot be
    read, its error), so each broken version is reported once."""
    try:
        with Path(change.path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        data = change.error.encode("utf-8", "surrogatepass")
    key = hashlib.sha256(change.path.encode("utf-8", "surrogatepass") + b"\0" + data)
    return key.hexdigest()[:16]
