"""Admin commands: only user ids listed in ``[telegram] admins`` may use them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.telegram.handlers import Context, bot_context, reply

log = logging.getLogger(__name__)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


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
    store = ctx.service.store
    counts = store.outbox.counts()
    subs = store.chats.counts()
    lines = ["<b>Status</b>", f"Subscribers: {subs['active']} active of {subs['total']}"]
    lines.append(
        f"Outbox: {counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed"
    )
    await reply(update, "\n".join(lines))


COMMANDS: dict[str, Handler] = {"status": admin_only(status)}
