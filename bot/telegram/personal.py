"""Personal watchlist commands: /mylists, /mynew, /myadd, /myrm.

Anyone may keep a few lists of their own, in their private chat with the bot. Thin:
each reads its arguments, calls `bot.app.personal_lists` and words the outcome with
`bot.messages.watchlist_screens`. An edit's dry run and re-match run off the event loop,
"typing…" showing meanwhile; /myrm NAME asks before it deletes (``confirm_delete``).
"""

from __future__ import annotations

from telegram import Update

from bot.app import personal_lists
from bot.app.personal_lists import PersonalEdit, PersonalError, UnknownPersonalList
from bot.domain import confirm
from bot.messages.html import split_messages
from bot.messages.screens import PERSONAL_PRIVATE_ONLY, STALE_BUTTON
from bot.messages.watchlist_screens import (
    PERSONAL_DELETE_GONE,
    PERSONAL_LIMITS,
    PERSONAL_USAGE,
    edit_summary,
    no_personal_lists,
    not_created,
    nothing_changed,
    personal_blocks,
    personal_delete_asks_whole_name,
    personal_delete_keyboard,
    personal_delete_question,
    personal_deleted,
    personal_done,
    personal_resumed,
    unknown_personal_list,
)
from bot.telegram.arguments import ArgumentError, parse_terms, split_list, split_name
from bot.telegram.busy import typing
from bot.telegram.context import BotContext, Context, actor, bot_context, is_group
from bot.telegram.deferred import Handler
from bot.telegram.handlers import answer_expired, subscriber_for
from bot.telegram.replies import checked_arguments, edit, reply, reply_parts


async def mylists(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    if await _refused_in_group(update):
        return
    sub = subscriber_for(update, ctx)
    lists = personal_lists.lists_of(ctx.service, sub.chat_id)
    parts = split_messages(*personal_blocks(lists, sub.watchlists))
    await reply_parts(update, ctx, parts, kind="mylists")


async def mynew(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "mynew")
    if not text:
        return
    service, owner = ctx.service, _owner(update)
    name, rest = split_name(text)
    try:
        terms = parse_terms(rest) if rest else None
        steps = personal_lists.create_steps(
            service, ctx.clock(), owner=owner, name=name, terms=terms, actor=actor(update)
        )
        async with typing(update, context.bot):
            done = await service.off_loop(steps)
    except (ArgumentError, PersonalError) as exc:
        exists = personal_lists.owns(service, owner, name)
        hint = PERSONAL_USAGE["myadd"] if exists else PERSONAL_USAGE["mynew"]
        await reply(update, not_created(str(exc), hint=hint))
        return
    if isinstance(done, personal_lists.Resumed):
        await reply(
            update, personal_resumed(done.name, resumed=done.resumed, usage=PERSONAL_USAGE["myadd"])
        )
        return
    await _edited(update, done)


async def myadd(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "myadd")
    name, rest = await _which(update, ctx, text, "myadd") if text else (None, "")
    if name is None:
        return
    try:
        steps = personal_lists.add_terms_steps(
            ctx.service,
            ctx.clock(),
            owner=_owner(update),
            name=name,
            terms=parse_terms(rest),
            actor=actor(update),
        )
        async with typing(update, context.bot):
            done = await ctx.service.off_loop(steps)
    except (ArgumentError, PersonalError) as exc:
        await reply(update, nothing_changed(str(exc), hint=PERSONAL_USAGE["myadd"]))
        return
    except UnknownPersonalList:
        await reply(update, no_personal_lists(PERSONAL_USAGE["mynew"]))
        return
    await _edited(update, done)


async def myrm(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "myrm")
    name, rest = await _which(update, ctx, text, "myrm") if text else (None, "")
    if name is None:
        return
    service, now, owner, who = ctx.service, ctx.clock(), _owner(update), actor(update)
    try:
        if not rest:
            question = personal_lists.ask_delete(service, owner=owner, name=name, typed=text)
            if question.whole_name:
                await reply(
                    update,
                    personal_delete_question(question.name, question.terms),
                    personal_delete_keyboard(question.version, confirm.asked_at(now)),
                )
            else:
                asked = personal_delete_asks_whole_name(
                    question.name, question.terms, PERSONAL_USAGE["myrm"]
                )
                await reply(update, asked)
            return
        steps = personal_lists.remove_term_steps(
            service, now, owner=owner, name=name, term=rest, actor=who
        )
        async with typing(update, context.bot):
            done = await service.off_loop(steps)
    except PersonalError as exc:
        await reply(update, nothing_changed(str(exc)))
        return
    except UnknownPersonalList:
        await reply(update, no_personal_lists(PERSONAL_USAGE["mynew"]))
        return
    await _edited(update, done)


async def confirm_delete(update: Update, context: Context) -> None:
    """The "Yes" under /myrm NAME's question ("c:myrm:VERSION:ASKED"): delete the list
    it asked about, if it is still as it was, in the chat of its owner."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    now = ctx.clock()
    parts = (query.data or "").split(":")
    if len(parts) != 4 or is_group(update):
        await query.answer(STALE_BUTTON)  # personal lists live in private chats only
        return
    version, asked = parts[2], parts[3]
    if not confirm.still_open(asked, now):
        await answer_expired(query)
        return
    gone = personal_lists.delete_confirmed(
        ctx.service, now, owner=_owner(update), version=version, actor=actor(update)
    )
    await query.answer()
    said = PERSONAL_DELETE_GONE if gone is None else personal_deleted(gone.name)
    await edit(query.message, said, [])


async def _edited(update: Update, done: PersonalEdit) -> None:
    said = personal_done(done.action, done.plist.name, done.terms)
    await reply(update, f"{said}\n{edit_summary(done.report, done.days)}")


async def _which(
    update: Update, ctx: BotContext, text: str, command: str
) -> tuple[str | None, str]:
    """The caller's list the arguments start with, and the rest; None after saying why."""
    names = personal_lists.names(ctx.service, _owner(update))
    if not names:
        await reply(update, no_personal_lists(PERSONAL_USAGE["mynew"]))
        return None, ""
    found = split_list(text, names)
    if found.name is None:
        await reply(
            update,
            unknown_personal_list(found.query, found.candidates, names, PERSONAL_USAGE[command]),
        )
    return found.name, found.rest


async def _arguments(update: Update, ctx: BotContext, command: str) -> str:
    """The arguments in a private chat; "" after telling the user what is wrong."""
    if await _refused_in_group(update):
        return ""
    subscriber_for(update, ctx)  # the owner's row: alerts need it to be delivered
    return await checked_arguments(update, PERSONAL_USAGE[command], hint=PERSONAL_LIMITS)


async def _refused_in_group(update: Update) -> bool:
    if is_group(update):
        await reply(update, PERSONAL_PRIVATE_ONLY)
        return True
    return False


def _owner(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # _arguments has made sure it is a private chat
    return chat.id


COMMANDS: dict[str, Handler] = {
    "mylists": mylists,
    "mynew": mynew,
    "myadd": myadd,
    "myrm": myrm,
}
