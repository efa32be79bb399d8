"""Reading a command's whole text, and answering with more than one message."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import Update

from bot.domain.models import OutgoingMessage
from bot.messages.html import escape
from bot.messages.screens import quote_input
from bot.telegram.arguments import ArgumentError, check_size
from bot.telegram.handlers import BUSY, MAX_PENDING_FOR_REPLY, BotContext, reply

_COMMAND = re.compile(r"\S*\s*(.*)", re.DOTALL)


def command_text(update: Update) -> str:
    """What follows the command, line breaks kept (``context.args`` drops them, and
    `/newlist NAME` with a term a line lets people paste a list of terms)."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    found = _COMMAND.match(message.text)
    return found.group(1).strip() if found else ""


async def checked_arguments(update: Update, usage: str, *, hint: str = "") -> str:
    """The command's arguments; "" after telling the user what is wrong with them
    (missing, or too long to be a real argument)."""
    text = command_text(update)
    tail = f" {hint}" if hint else ""
    try:
        check_size(text)
    except ArgumentError as exc:
        await reply(update, f"{quote_input(text, 40)}: {escape(str(exc))}.{tail}")
        return ""
    if not text:
        await reply(update, f"Usage: {escape(usage)}.{tail}")
    return text


async def reply_parts(
    update: Update, ctx: BotContext, parts: Sequence[str], *, kind: str, queue: bool = False
) -> None:
    """Answer with `parts`: one goes straight back; several (or any, with `queue`) go
    through the outbox like /digest, so they are paced and arrive in order."""
    if not parts:
        return
    if len(parts) == 1 and not queue:
        await reply(update, parts[0])
        return
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if ctx.service.store.outbox.pending_count(chat.id) >= MAX_PENDING_FOR_REPLY:
        await reply(update, BUSY)
        return
    key = f"{kind}:{chat.id}:{message.message_id}"
    now = ctx.clock()
    ctx.service.store.outbox.enqueue(
        [
            OutgoingMessage(f"{key}:{i}", chat.id, "reply", text)
            for i, text in enumerate(parts, start=1)
        ],
        now,
    )
    ctx.wake_outbox()
