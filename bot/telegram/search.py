"""/search (paged with buttons) and /export (a CSV document): read the command, call
``bot/app/search.py``, answer with ``bot/messages/search_screens.py``'s words.

A search's pages are turned with buttons whose data name the search by a number kept in
the chat's data (a button's data holds 64 bytes, fewer than a search's words may take);
after a restart, or once the chat has made many searches since, a button says to search
again.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.constants import ParseMode

from bot.app import search as search_app
from bot.app.search import SearchRefused, SearchRequest
from bot.domain.schedule import zone
from bot.messages import search_screens as words
from bot.telegram.busy import typing
from bot.telegram.context import Context, bot_context
from bot.telegram.handlers import args_text, subscriber_for
from bot.telegram.replies import edit, reply

# Searches a chat can still page through: older ones' buttons say to search again.
_KEPT = 20
_DAYS = re.compile(r"\d{1,6}")
EXPORT_DEFAULT_DAYS = 30


def _kept(context: Context) -> dict[int, Any]:
    data = context.chat_data if context.chat_data is not None else {}
    kept: dict[int, Any] = data.setdefault("searches", {})
    return kept


async def search(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    now = ctx.clock()
    try:
        request = search_app.read_request(ctx.service, sub, args_text(context), now)
    except SearchRefused as exc:
        text = words.search_refused(
            exc.reason, detail=exc.detail, query=exc.query, candidates=exc.candidates
        )
        await reply(update, text)
        return
    async with typing(update, context.bot):
        page = await search_app.search_page(ctx.service, request)
    kept = _kept(context)
    serial = max(kept, default=0) + 1
    kept[serial] = request
    for old in sorted(kept)[:-_KEPT]:
        del kept[old]
    text = words.search_page_text(page, label=request.label, tz=zone(sub.timezone))
    await reply(update, text, words.search_buttons(serial, page, search_app.PAGE_SIZE))


async def search_page(update: Update, context: Context) -> None:
    """◀ / ▶ under a search's results ("search:SERIAL:OFFSET"): that page, in place."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    _, serial_text, offset_text = (query.data or "").split(":")
    request = _kept(context).get(int(serial_text))
    if not isinstance(request, SearchRequest):
        await query.answer(words.SEARCH_EXPIRED)
        return
    sub = subscriber_for(update, ctx)
    page = await search_app.search_page(ctx.service, request, offset=int(offset_text))
    if not page.hits and page.offset > 0:
        # Past the last result (a forged button, or the store has fewer articles now):
        # "No stored article holds …" in place of the results would not be true.
        await query.answer(words.SEARCH_EXPIRED)
        return
    await query.answer()
    text = words.search_page_text(page, label=request.label, tz=zone(sub.timezone))
    await edit(
        query.message, text, words.search_buttons(int(serial_text), page, search_app.PAGE_SIZE)
    )


async def export(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    now = ctx.clock()
    pieces = args_text(context).split()
    days = EXPORT_DEFAULT_DAYS
    if len(pieces) > 1 and _DAYS.fullmatch(pieces[-1]):
        days = int(pieces.pop())
    if not pieces or not 1 <= days <= search_app.EXPORT_MAX_DAYS:
        await reply(update, words.export_usage(search_app.EXPORT_MAX_DAYS))
        return
    try:
        async with typing(update, context.bot):
            found = await search_app.chat_export(ctx.service, sub, " ".join(pieces), days, now)
    except SearchRefused as exc:
        text = words.search_refused(
            exc.reason, detail=exc.detail, query=exc.query, candidates=exc.candidates
        )
        await reply(update, f"{text} {words.EXPORT_USAGE}".strip())
        return
    if found.count == 0:
        await reply(update, words.export_none(found.label, days))
        return
    message = update.effective_message
    if message is None:
        return
    await message.reply_document(
        document=found.csv,
        filename=words.export_file_name(found.label, days),
        caption=words.export_caption(found.label, days, found.count),
        parse_mode=ParseMode.HTML,
    )


COMMANDS = {"search": search, "export": export}
