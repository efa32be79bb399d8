"""Personal watchlist commands: /mylists, /mynew, /myadd, /myrm.

Anyone may keep a few lists of their own, in their private chat with the bot. The owner
follows each list from the moment it is made, so its alerts and digests reach them, and
nobody else can see, resolve or follow it. An edit matches recent articles again, as an
edit of a shared list does: newly matching ones join the next digest, marked.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.app.rematch import dry_run_stored, rematch_recent
from bot.domain.models import AuditEntry
from bot.domain.text import fold
from bot.lists.personal import (
    MAX_LISTS,
    MAX_NAME_LENGTH,
    MAX_TERM_LENGTH,
    MAX_TERMS,
    PersonalError,
    PersonalList,
    add_terms,
    find_list,
    new_list,
    remove_term,
)
from bot.messages.html import bold, escape, split_messages
from bot.messages.screens import echo, quote_input
from bot.messages.watchlist_screens import edit_summary, personal_blocks, terms_detail, terms_html
from bot.telegram.admin import Handler
from bot.telegram.arguments import (
    ArgumentError,
    parse_terms,
    split_list,
    split_name,
)
from bot.telegram.context import BotContext, Context, bot_context, is_group
from bot.telegram.handlers import subscriber_for
from bot.telegram.replies import checked_arguments, reply, reply_parts

log = logging.getLogger(__name__)

USAGE = {
    "mynew": "/mynew NAME | TERM, TERM, for example /mynew Rogun Dam | Rogun, Vakhsh cascade",
    "myadd": "/myadd NAME | TERM, for example /myadd Rogun Dam | Nurek",
    "myrm": "/myrm NAME | TERM removes a term; /myrm NAME deletes the whole list",
}
LIMITS = (
    f"Limits: {MAX_LISTS} lists, {MAX_TERMS} terms a list, {MAX_TERM_LENGTH} characters a term,"
    f" {MAX_NAME_LENGTH} a name."
)
PRIVATE_ONLY = (
    "Personal watchlists are kept in your private chat with me: open it and send /mylists."
)


async def mylists(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    if await _refused_in_group(update):
        return
    sub = subscriber_for(update, ctx)
    lists = ctx.service.store.personal.of(sub.chat_id)
    parts = split_messages(*personal_blocks(lists, sub.watchlists))
    await reply_parts(update, ctx, parts, kind="mylists")


async def mynew(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "mynew")
    if not text:
        return
    owner = _owner(update)
    existing = ctx.service.store.personal.of(owner)
    name, rest = split_name(text)
    same = find_list(existing, name)
    if same is not None and not rest:
        await _resume(update, ctx, same)
        return
    try:
        plist = new_list(existing, owner, name, parse_terms(rest))
    except (ArgumentError, PersonalError) as exc:
        hint = USAGE["mynew"] if same is None else USAGE["myadd"]
        await reply(update, f"Not created: {echo(str(exc))}. {escape(hint)}")
        return
    done = f"Created {bold(plist.name)} with {terms_html(plist.terms)}; only you get its alerts."
    await _save(update, ctx, plist, "new", terms_detail(plist.terms), done)


async def myadd(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "myadd")
    plist, rest = await _which(update, ctx, text, "myadd") if text else (None, "")
    if plist is None:
        return
    try:
        terms = parse_terms(rest)
        changed = add_terms(plist, terms)
    except (ArgumentError, PersonalError) as exc:
        await reply(update, f"Nothing changed: {echo(str(exc))}. {escape(USAGE['myadd'])}")
        return
    done = f"Added {terms_html(terms)} to {bold(plist.name)}."
    await _save(update, ctx, changed, "add-term", terms_detail(terms), done)


async def myrm(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    text = await _arguments(update, ctx, "myrm")
    plist, rest = await _which(update, ctx, text, "myrm") if text else (None, "")
    if plist is None:
        return
    if not rest:
        await _delete(update, ctx, plist, typed=text)
        return
    try:
        changed = remove_term(plist, rest)
    except PersonalError as exc:
        await reply(update, f"Nothing changed: {echo(str(exc))}.")
        return
    done = f"Removed the term “{escape(rest)}” from {bold(plist.name)}."
    await _save(update, ctx, changed, "remove-term", rest, done)


# -- the shell around the pure rules ------------------------------------------------------


async def _save(
    update: Update, ctx: BotContext, plist: PersonalList, action: str, detail: str, done: str
) -> None:
    """Store the list, make sure its owner follows it, audit, and match recent articles."""
    store, now = ctx.service.store, ctx.clock()
    days = ctx.service.config.watchlists.rematch_days
    # Before the matches are replaced: what the list matched until now is the baseline.
    report = dry_run_stored(store, plist.watchlist, days=days, now=now)
    with store.transaction():
        store.personal.save(plist, now)
        store.chats.subscribe(plist.owner, plist.internal_name, now)
        store.record_audit(AuditEntry(now, _actor(update), plist.internal_name, action, detail))
    rematch_recent(store, [plist.watchlist], now=now, days=days)
    log.info("chat=%d personal=%r action=%s status=saved", plist.owner, plist.name, action)
    await reply(update, f"{done}\n{edit_summary(report, days)}")


async def _delete(update: Update, ctx: BotContext, plist: PersonalList, *, typed: str) -> None:
    if fold(typed) != fold(plist.name):
        # Deleting is not undone by a typo's luck: the whole name, please.
        await reply(
            update,
            f"To delete {bold(plist.name)} and its {len(plist.terms)} terms, send"
            f" /myrm {escape(plist.name)} (its whole name). {escape(USAGE['myrm'])}",
        )
        return
    store, now = ctx.service.store, ctx.clock()
    with store.transaction():
        store.personal.delete(plist)
        store.chats.unsubscribe(plist.owner, plist.internal_name)
        detail = terms_detail(plist.terms)
        store.record_audit(AuditEntry(now, _actor(update), plist.internal_name, "delete", detail))
    log.info("chat=%d personal=%r action=delete status=saved", plist.owner, plist.name)
    await reply(update, f"Deleted your list {bold(plist.name)}. /mylists shows the others.")


async def _resume(update: Update, ctx: BotContext, plist: PersonalList) -> None:
    store = ctx.service.store
    if store.chats.subscribe(plist.owner, plist.internal_name, ctx.clock()):
        log.info("chat=%d personal=%r action=resume status=saved", plist.owner, plist.name)
        await reply(update, f"Resumed {bold(plist.name)}: its alerts reach you again.")
    else:
        await reply(
            update,
            f"You already have {bold(plist.name)}. {escape(USAGE['myadd'])}",
        )


async def _which(
    update: Update, ctx: BotContext, text: str, command: str
) -> tuple[PersonalList | None, str]:
    """The caller's list the arguments start with, and the rest; None after saying why."""
    lists = ctx.service.store.personal.of(_owner(update))
    if not lists:
        await reply(update, "You have no personal watchlists yet. " + escape(USAGE["mynew"]))
        return None, ""
    found = split_list(text, [p.name for p in lists])
    plist = find_list(lists, found.name) if found.name else None
    if plist is None and found.candidates:
        *others, last = [bold(c) for c in found.candidates]
        which = f"{', '.join(others)} or {last}" if others else last
        await reply(update, f"Which of yours: {which}? Give more of its name.")
    elif plist is None:
        names = ", ".join(bold(p.name) for p in lists)
        await reply(
            update,
            f"You have no list called {quote_input(found.query, 40)}; yours are {names}."
            f" Put a | after the list's name: {escape(USAGE[command])}",
        )
    return plist, found.rest


async def _arguments(update: Update, ctx: BotContext, command: str) -> str:
    """The arguments in a private chat; "" after telling the user what is wrong."""
    if await _refused_in_group(update):
        return ""
    subscriber_for(update, ctx)  # the owner's row: alerts need it to be delivered
    return await checked_arguments(update, USAGE[command], hint=LIMITS)


async def _refused_in_group(update: Update) -> bool:
    if is_group(update):
        await reply(update, PRIVATE_ONLY)
        return True
    return False


def _owner(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # _arguments has made sure it is a private chat
    return chat.id


def _actor(update: Update) -> str:
    user = update.effective_user
    return f"telegram:{user.id if user else 'unknown'}"


COMMANDS: dict[str, Handler] = {
    "mylists": mylists,
    "mynew": mynew,
    "myadd": myadd,
    "myrm": myrm,
}
