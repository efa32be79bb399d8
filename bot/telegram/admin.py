"""Admin commands: only user ids listed in ``[telegram] admins`` may use them.

Thin: each reads its arguments, calls `bot.app.shared_lists` (the same use cases as
`caci-watch watchlist …`, so an edit is written, audited as ``telegram:<user id>`` and
re-matched the same way, and refused for the same reasons) and words the outcome with
`bot.messages.watchlist_screens`.

/deletelist asks first, with Yes / Cancel buttons (as /stop and /myrm do), and only an
admin's Yes counts.

A dry run and an edit's re-match read every recent article: they run off the event
loop (``Service.off_loop``), "typing…" showing meanwhile, while other chats' updates
are handled (``bot.telegram.ordering``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import health, routes, shared_lists
from bot.app.service import Service
from bot.app.shared_lists import EditOutcome, UnknownList, WriteFailed
from bot.app.steps import Steps
from bot.domain import confirm
from bot.lists.edit import EditError
from bot.messages import screens
from bot.messages.html import split_messages
from bot.messages.route_screens import list_routes_block
from bot.messages.status import status_html_blocks
from bot.messages.watchlist_console import dry_run_note
from bot.messages.watchlist_screens import (
    ADMIN_USAGE,
    AUDIT_SHOWN,
    EXAMPLES_SHOWN,
    SHARED_DELETE_GONE,
    dry_run_blocks,
    edit_done,
    edit_failed,
    edit_reply,
    gone_blocks,
    not_created,
    nothing_changed,
    nothing_to_change,
    nothing_to_try,
    refused_with_usage,
    shared_delete_keyboard,
    shared_delete_question,
    shared_deleted,
    showlist_blocks,
    trial_blocks,
    unknown_list_to_edit,
    write_failed,
)
from bot.telegram.arguments import (
    SEPARATOR,
    ArgumentError,
    parse_term,
    parse_terms,
    split_days,
    split_list,
    split_name,
    split_trial,
)
from bot.telegram.busy import typing
from bot.telegram.context import BotContext, Context, actor, bot_context
from bot.telegram.handlers import answer_expired
from bot.telegram.replies import checked_arguments, edit, reply, reply_parts

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
# (service, now, the list's name, what followed it, who) -> the edit, to run
Edit = Callable[[Service, datetime, str, str, str], Steps[EditOutcome]]

# /testlist looks this far back unless told otherwise, as `caci-watch watchlist test` does.
TEST_DAYS = 30


def admin_only(handler: Handler) -> Handler:
    async def guarded(update: Update, context: Context) -> None:
        ctx = bot_context(context)
        user = update.effective_user
        user_id = user.id if user else None
        if not ctx.is_admin(user_id):
            message = update.effective_message
            command = message.text.split()[0] if message and message.text else "?"
            log.warning("user=%s command=%r status=refused reason=not_admin", user_id, command[:40])
            await reply(update, screens.ADMINS_ONLY)
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
    if not query:
        return
    steps = shared_lists.details_steps(ctx.service, query, history=AUDIT_SHOWN, now=ctx.clock())
    try:
        found = await ctx.service.off_loop(steps)
    except UnknownList as exc:
        await reply(update, screens.unknown_watchlist(exc.query, exc.candidates))
        return
    if found.watchlist is None:
        assert found.gone is not None  # a list not in force is known by how it went
        blocks = gone_blocks(
            found.name,
            gone=found.gone,
            path=found.path,
            last_text=found.last_text,
            audit=found.history,
        )
    else:
        blocks = showlist_blocks(
            found.watchlist,
            file_name=Path(found.path).name,
            subscribers=found.subscribers,
            matching=found.matching,
            audit=found.history,
        )
        routed = list_routes_block(routes.list_routes(ctx.service, found.watchlist.name))
        if routed:
            head, items, foot = blocks
            blocks = head, [*items, routed], foot
    await reply_parts(update, ctx, split_messages(*blocks), kind="showlist")


async def testlist(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, "testlist")
    if not text:
        return
    try:
        text, trial = split_trial(text)
        query, days = split_days(text, TEST_DAYS)
    except ArgumentError as exc:
        await reply(update, refused_with_usage(str(exc), ADMIN_USAGE["testlist"]))
        return
    steps = shared_lists.dry_run_steps(
        ctx.service, ctx.clock(), query, days, shown=EXAMPLES_SHOWN, trial=trial
    )
    try:
        async with typing(update, context.bot):
            found = await ctx.service.off_loop(steps)
    except UnknownList as exc:
        await reply(update, screens.unknown_watchlist(exc.query, exc.candidates))
        return
    except EditError as exc:
        await reply(update, nothing_to_try(str(exc)))
        return
    if found.trial:
        blocks = trial_blocks(found.report, days, name=found.name, terms=found.trial)
    else:
        note = dry_run_note(found.note, found.error_line, found.error_reason)
        blocks = dry_run_blocks(found.report, days, name=found.name, note=note)
    await reply_parts(update, ctx, split_messages(*blocks), kind="testlist", queue=True)


# -- deleting -----------------------------------------------------------------------------


async def deletelist(update: Update, context: Context) -> None:
    """Asks first (Yes / Cancel): the Yes button deletes, in ``confirm_deletelist``."""
    ctx = bot_context(context)
    query = await _arguments(update, "deletelist")
    if not query:
        return
    now = ctx.clock()
    try:
        asked = await ctx.service.off_loop(shared_lists.ask_delete_steps(ctx.service, now, query))
    except UnknownList as exc:
        await reply(update, screens.unknown_watchlist(exc.query, exc.candidates))
        return
    await reply(
        update,
        shared_delete_question(asked.name, asked.terms, asked.followers),
        shared_delete_keyboard(asked.version, confirm.asked_at(now)),
    )


async def confirm_deletelist(update: Update, context: Context) -> None:
    """The "Yes" under /deletelist's question ("c:rmlist:VERSION:ASKED"): delete the list
    it asked about if it is still as it was, for an admin only."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    if not ctx.is_admin(query.from_user.id if query.from_user else None):
        await query.answer(screens.ADMINS_ONLY, show_alert=True)
        return
    now = ctx.clock()
    _, _, version, asked = (query.data or "").split(":")
    if not confirm.still_open(asked, now):
        await answer_expired(query)
        return
    steps = shared_lists.delete_confirmed_steps(ctx.service, now, version, actor=actor(update))
    try:
        done = await ctx.service.off_loop(steps)
    except WriteFailed as exc:
        await query.answer()
        await edit(query.message, edit_failed(exc.path.name, exc.reason), [])
        return
    await query.answer()
    ctx.wake_outbox()  # the followers' notices
    if done is None:
        await edit(query.message, SHARED_DELETE_GONE, [])
        return
    await edit(query.message, shared_deleted(done.name, done.path.name, done.followers), [])


# -- editing ----------------------------------------------------------------------------


async def newlist(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, "newlist")
    if not text:
        return
    name, rest = split_name(text)
    terms_text, _, description = rest.partition(SEPARATOR)
    try:
        terms = parse_terms(terms_text)
        steps = shared_lists.create_steps(
            ctx.service, ctx.clock(), name, terms, description=description, actor=actor(update)
        )
        async with typing(update, context.bot):
            done = await ctx.service.off_loop(steps)
    except ArgumentError as exc:
        await reply(update, not_created(str(exc), usage=ADMIN_USAGE["newlist"]))
        return
    except EditError as exc:
        await reply(update, not_created(str(exc)))
        return
    except WriteFailed as exc:
        await reply(update, write_failed(exc.reason))
        return
    await _edited(update, ctx, done)


def _editor(command: str, edit: Edit) -> Handler:
    async def handler(update: Update, context: Context) -> None:
        ctx = bot_context(context)
        text = await _arguments(update, command)
        if not text:
            return
        service, now, usage = ctx.service, ctx.clock(), ADMIN_USAGE[command]
        names = await service.off_loop(shared_lists.names_steps(service, now))
        found = split_list(text, names)
        if found.name is None:
            await reply(update, unknown_list_to_edit(found.query, found.candidates, usage))
            return
        if not found.rest:
            await reply(update, nothing_to_change(found.name, usage))
            return
        try:
            steps = edit(service, now, found.name, found.rest, actor(update))
            async with typing(update, context.bot):
                done = await service.off_loop(steps)
        except ArgumentError as exc:
            await reply(update, nothing_changed(str(exc), usage=usage))
            return
        except EditError as exc:
            await reply(update, nothing_changed(str(exc)))
            return
        except UnknownList as exc:
            # Deleted between reading the names and the edit.
            await reply(update, unknown_list_to_edit(exc.query, exc.candidates, usage))
            return
        except WriteFailed as exc:
            await reply(update, edit_failed(exc.path.name, exc.reason))
            return
        await _edited(update, ctx, done)

    return handler


def _add_terms(
    service: Service, now: datetime, name: str, rest: str, who: str
) -> Steps[EditOutcome]:
    return shared_lists.add_terms_steps(service, now, name, parse_terms(rest), actor=who)


def _remove_term(
    service: Service, now: datetime, name: str, rest: str, who: str
) -> Steps[EditOutcome]:
    return shared_lists.remove_term_steps(service, now, name, parse_term(rest).text, actor=who)


def _exclude(service: Service, now: datetime, name: str, rest: str, who: str) -> Steps[EditOutcome]:
    return shared_lists.add_exclude_steps(service, now, name, rest, actor=who)


def _remove_exclude(
    service: Service, now: datetime, name: str, rest: str, who: str
) -> Steps[EditOutcome]:
    return shared_lists.remove_exclude_steps(service, now, name, rest, actor=who)


async def _edited(update: Update, ctx: BotContext, done: EditOutcome) -> None:
    ctx.wake_outbox()  # a broken file, or renamed and removed lists, may have queued notices
    said = edit_done(
        done.action, done.name, file_name=done.path.name, terms=done.terms, phrase=done.phrase
    )
    await reply(update, edit_reply(said, done.report, done.days, reloaded=done.reloaded))


async def _arguments(update: Update, command: str) -> str:
    return await checked_arguments(update, ADMIN_USAGE[command])


COMMANDS: dict[str, Handler] = {
    "status": admin_only(status),
    "showlist": admin_only(showlist),
    "newlist": admin_only(newlist),
    "addterm": admin_only(_editor("addterm", _add_terms)),
    "rmterm": admin_only(_editor("rmterm", _remove_term)),
    "exclude": admin_only(_editor("exclude", _exclude)),
    "rmexclude": admin_only(_editor("rmexclude", _remove_exclude)),
    "testlist": admin_only(testlist),
    "deletelist": admin_only(deletelist),
}
