"""Admin commands: only user ids listed in ``[telegram] admins`` may use them.

An edit writes the watchlist file, which stays the source of truth, through
`bot.lists.edit`, so every comment in it survives. The list is then reloaded, the
edit audited once as ``telegram:<user id>``, and recent articles matched again, as the
CLI (`caci-watch watchlist …`) does; its refusals are the same too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import health, watchlist_sync
from bot.app.rematch import dry_run_stored
from bot.domain.models import Watchlist
from bot.domain.resolve import resolve_watchlist
from bot.domain.text import fold
from bot.lists.edit import (
    EditError,
    add_exclude,
    add_term,
    new_watchlist_text,
    remove_term,
    watchlist_file_name,
)
from bot.lists.files import WatchlistError, load_watchlist, write_atomically
from bot.lists.personal import PERSONAL_PREFIX
from bot.messages import screens
from bot.messages.html import bold, code, escape, split_messages
from bot.messages.screens import echo, quote_input
from bot.messages.status import status_html_blocks
from bot.messages.watchlist_screens import (
    AUDIT_SHOWN,
    dry_run_blocks,
    edit_summary,
    showlist_blocks,
    terms_detail,
    terms_html,
)
from bot.telegram.arguments import (
    SEPARATOR,
    ArgumentError,
    ListAndRest,
    parse_term,
    parse_terms,
    split_days,
    split_list,
    split_name,
)
from bot.telegram.context import BotContext, Context, bot_context
from bot.telegram.replies import checked_arguments, reply, reply_parts

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
# (file text, its path, what followed the list's name, the list's name) ->
# (new file text, the audit's detail, what the reply says was done)
Change = Callable[[str, str, str, str], tuple[str, str, str]]

# /testlist looks this far back unless told otherwise, as `caci-watch watchlist test` does.
TEST_DAYS = 30

USAGE = {
    "showlist": "/showlist LIST, for example /showlist middle corridor",
    "newlist": "/newlist NAME | TERM, TERM (and optionally | DESCRIPTION), for example "
    "/newlist Rogun Dam | Rogun, Vakhsh cascade",
    "addterm": "/addterm LIST | TERM, for example /addterm Middle Corridor | Trans-Caspian "
    "route; add --exact for an acronym: /addterm TRIPP | TITR --exact",
    "rmterm": "/rmterm LIST | TERM, for example /rmterm TRIPP | Zangezour",
    "exclude": "/exclude LIST | PHRASE, for example /exclude Middle Corridor | Middle East "
    "corridor",
    "testlist": "/testlist LIST [DAYS], for example /testlist TRIPP 30",
}


def admin_only(handler: Handler) -> Handler:
    async def guarded(update: Update, context: Context) -> None:
        ctx = bot_context(context)
        user = update.effective_user
        user_id = user.id if user else None
        if not ctx.is_admin(user_id):
            message = update.effective_message
            command = message.text.split()[0] if message and message.text else "?"
            log.warning("user=%s command=%r status=refused reason=not_admin", user_id, command[:40])
            await reply(update, "Sorry, that command is for the bot's admins.")
            return
        await handler(update, context)

    return guarded


async def status(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    blocks = status_html_blocks(health.status_report(ctx.service, ctx.clock()))
    await reply_parts(update, ctx, split_messages(blocks[0], blocks[1:], ""), kind="status")


# -- reading ----------------------------------------------------------------------------


async def showlist(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    query = await _arguments(update, "showlist")
    w = await _find(update, ctx, query) if query else None
    if w is None:
        return
    store = ctx.service.store
    blocks = showlist_blocks(
        w,
        file_name=Path(w.source).name,
        subscribers=len(store.chats.subscribers_of(w.name)),
        matching=len(store.article_ids_matching(w.name)),
        audit=store.audit_for(w.name, limit=AUDIT_SHOWN),
    )
    await reply_parts(update, ctx, split_messages(*blocks), kind="showlist")


async def testlist(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, "testlist")
    if not text:
        return
    try:
        query, days = split_days(text, TEST_DAYS)
    except ArgumentError as exc:
        await reply(update, f"{echo(str(exc))}. Usage: {escape(USAGE['testlist'])}")
        return
    w = await _find(update, ctx, query)
    if w is None:
        return
    w, note = _as_on_disk(w)
    report = dry_run_stored(ctx.service.store, w, days=days, now=ctx.clock())
    parts = split_messages(*dry_run_blocks(report, days, name=w.name, note=note))
    await reply_parts(update, ctx, parts, kind="testlist", queue=True)


def _as_on_disk(w: Watchlist) -> tuple[Watchlist, str]:
    """The list as its file reads now, which may be up to a minute ahead of the version
    in force (the bot reloads every minute); and a note when they differ."""
    try:
        on_disk = load_watchlist(w.source)
    except WatchlistError as exc:
        line = f" (line {exc.line})" if exc.line is not None else ""
        return w, f"The file does not load{line}: {exc.reason}. This is the version in force."
    if on_disk != w:
        return on_disk, "This is the file as it reads now; the bot takes it up within a minute."
    return w, ""


# -- editing ----------------------------------------------------------------------------


async def newlist(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, "newlist")
    if not text:
        return
    service, now = ctx.service, ctx.clock()
    watchlist_sync.reload_watchlists(
        service, now
    )  # hand edits made so far are the file's, not this admin's
    name, rest = split_name(text)
    terms_text, _, description = rest.partition(SEPARATOR)
    try:
        _check_new_name(ctx, name)
        terms = parse_terms(terms_text)
        file_text = new_watchlist_text(name, terms, description=description.strip())
        path = service.config.watchlists.dir / watchlist_file_name(name)
        if path.exists():
            raise EditError(f"a file {path.name} already exists; pick another name")
        write_atomically(path, file_text)
    except ArgumentError as exc:
        await reply(update, f"Not created: {echo(str(exc))}. Usage: {escape(USAGE['newlist'])}")
        return
    except EditError as exc:
        await reply(update, f"Not created: {echo(str(exc))}.")
        return
    except OSError as exc:
        log.error("watchlist=%r status=write_failed error=%r", name, exc)
        await reply(update, f"Could not write the file: {escape(exc.strerror or str(exc))}.")
        return
    done = f"Created {bold(name)} in {code(path.name)} with {terms_html(terms)}."
    await _after_edit(update, ctx, name, "new", terms_detail(terms), done)


def _check_new_name(ctx: BotContext, name: str) -> None:
    if name.startswith(PERSONAL_PREFIX):
        # Personal lists are matched under "~<owner>/<name>": a shared one may not look alike.
        raise EditError(f"a watchlist name cannot start with {PERSONAL_PREFIX}")
    # Compared as /subscribe reads names, or people could not pick between the two.
    key = fold(name).replace(" ", "")
    for w in ctx.service.watchlists:
        if fold(w.name).replace(" ", "") == key:
            raise EditError(
                f'a watchlist named "{w.name}" already exists'
                " (names are compared ignoring case, accents, spaces and hyphens)"
            )


def _add_terms(text: str, path: str, rest: str, name: str) -> tuple[str, str, str]:
    terms = parse_terms(rest)
    for term in terms:
        text = add_term(text, term, path=path)
    return text, terms_detail(terms), f"Added {terms_html(terms)} to {bold(name)}."


def _remove_term(text: str, path: str, rest: str, name: str) -> tuple[str, str, str]:
    term = parse_term(rest).text
    return (
        remove_term(text, term, path=path),
        term,
        f"Removed the term “{escape(term)}” from {bold(name)}.",
    )


def _exclude(text: str, path: str, rest: str, name: str) -> tuple[str, str, str]:
    return (
        add_exclude(text, rest, path=path),
        rest,
        f"{bold(name)} now excludes “{escape(rest)}”: it cancels any match it overlaps.",
    )


def _editor(command: str, action: str, change: Change) -> Handler:
    async def edit(update: Update, context: Context) -> None:
        ctx = bot_context(context)
        text = await _arguments(update, command)
        if not text:
            return
        service, now = ctx.service, ctx.clock()
        watchlist_sync.reload_watchlists(
            service, now
        )  # hand edits made so far are the file's, not this admin's
        found = split_list(text, [w.name for w in service.watchlists])
        w = service.registry.find(found.name) if found.name else None
        if w is None:
            await reply(update, _unknown_list(found, command))
            return
        if not found.rest:
            await reply(
                update, f"What should change in {bold(w.name)}? Usage: {escape(USAGE[command])}"
            )
            return
        path = Path(w.source)
        try:
            before = path.read_text(encoding="utf-8")
            after, detail, done = change(before, str(path), found.rest, w.name)
            write_atomically(path, after)
        except ArgumentError as exc:
            await reply(
                update, f"Nothing changed: {echo(str(exc))}. Usage: {escape(USAGE[command])}"
            )
            return
        except EditError as exc:
            await reply(update, f"Nothing changed: {echo(str(exc))}.")
            return
        except OSError as exc:
            log.error("watchlist=%r status=write_failed error=%r", w.name, exc)
            await reply(
                update, f"Could not edit {code(path.name)}: {escape(exc.strerror or str(exc))}."
            )
            return
        await _after_edit(update, ctx, w.name, action, detail, done)

    return edit


async def _after_edit(
    update: Update, ctx: BotContext, name: str, action: str, detail: str, done: str
) -> None:
    """Reload the edited file, say what the list now matches, then audit and re-match."""
    service, now = ctx.service, ctx.clock()
    user = update.effective_user
    actor = f"telegram:{user.id if user else 'unknown'}"
    watchlist_sync.refresh_watchlists(service, now)
    current = service.registry.find(name)
    if current is None:
        # Only a race with a hand edit can get here: the edit itself was checked.
        ctx.wake_outbox()
        await reply(
            update,
            f"{done}\nBut the file did not load, so the version in force is unchanged;"
            " the admins have been sent the reason.",
        )
        return
    days = service.config.watchlists.rematch_days
    # Before the edit is applied, while the store still holds the old version's matches.
    report = dry_run_stored(service.store, current, days=days, now=now)
    watchlist_sync.apply_watchlist_edits(service, now, actor=actor, edit=(name, action, detail))
    log.info("watchlist=%r action=%s actor=%s status=saved", name, action, actor)
    ctx.wake_outbox()  # renamed or removed lists may have queued notices
    await reply(update, f"{done}\n{edit_summary(report, days)}")


# -- arguments --------------------------------------------------------------------------


async def _arguments(update: Update, command: str) -> str:
    return await checked_arguments(update, USAGE[command])


async def _find(update: Update, ctx: BotContext, query: str) -> Watchlist | None:
    found = resolve_watchlist(query, [w.name for w in ctx.service.watchlists])
    w = ctx.service.registry.find(found.name) if found.name else None
    if w is None:
        await reply(update, screens.unknown_watchlist(query, found.candidates))
    return w


def _unknown_list(found: ListAndRest, command: str) -> str:
    text = f"I could not tell which watchlist you meant by {quote_input(found.query, 40)}."
    if found.candidates:
        text += " Did you mean " + " or ".join(bold(c) for c in found.candidates) + "?"
    return f"{text} Put a | after the list's name: {escape(USAGE[command])}"


COMMANDS: dict[str, Handler] = {
    "status": admin_only(status),
    "showlist": admin_only(showlist),
    "newlist": admin_only(newlist),
    "addterm": admin_only(_editor("addterm", "add-term", _add_terms)),
    "rmterm": admin_only(_editor("rmterm", "remove-term", _remove_term)),
    "exclude": admin_only(_editor("exclude", "exclude", _exclude)),
    "testlist": admin_only(testlist),
}
