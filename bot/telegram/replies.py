"""Answering: one reply straight back (retried once when Telegram stumbles, queued
behind its chat's turn when the flood limits say wait), several through the outbox,
buttons as PTB markup; and reading a command's whole text."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.app.replies import queue_reply
from bot.messages.screens import BUSY, Keyboard, arguments_refused, usage
from bot.telegram.arguments import ArgumentError, check_size
from bot.telegram.context import BotContext
from bot.telegram.errors import error_text
from bot.telegram.limiter import SharedPacer

log = logging.getLogger(__name__)

# A reply that would wait longer than this for its turn (seconds) is sent in the
# background, so that the next update (another chat's command) is not held up.
REPLY_INLINE_WAIT = 0.5
# A reply Telegram failed to take (502, dropped connection) is tried once more after this.
REPLY_RETRY_SECONDS = 0.5


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


async def reply(update: Update, text: str, keyboard: Keyboard | None = None) -> Message | None:
    """Answer in the chat the update came from.

    The reply goes at once when the chat's and the bot's limits allow; otherwise it
    waits its turn in the background (never dropped: a 429 is waited out, as often as
    Telegram says it) and this returns None at once.
    """
    message = update.effective_message
    if message is None:
        return None
    chat_id = message.chat_id
    limiter = _shared_pacer(message)

    async def send_later() -> None:
        while True:
            try:
                await _reply_now(message, text, keyboard)
                return
            except RetryAfter:
                continue  # the pacer holds the chat (or the bot) for the wait: go again

    if limiter is not None and limiter.reply_wait(chat_id) > REPLY_INLINE_WAIT:
        log.info("chat=%d status=reply_queued", chat_id)
        limiter.later(chat_id, send_later)
        return None
    try:
        return await _reply_now(message, text, keyboard)
    except RetryAfter:
        if limiter is None:
            raise
        # Someone typing faster than Telegram lets the bot answer, or the bot paused as a
        # whole: the reply waits its turn rather than go unanswered.
        log.info("chat=%d status=reply_queued reason=429", chat_id)
        limiter.later(chat_id, send_later)
        return None


async def _reply_now(message: Message, text: str, keyboard: Keyboard | None) -> Message:
    try:
        return await _send(message, text, keyboard)
    except (TimedOut, BadRequest):
        # A timed-out reply may have been delivered after all, and a refused one
        # would be refused again (PTB counts both as network errors).
        raise
    except NetworkError as exc:
        # A 502 or a dropped connection: Telegram did not take the reply, so one
        # quick retry is safe and usually answers the user.
        log.info("chat=%d status=reply_retried error=%r", message.chat_id, error_text(exc))
        await asyncio.sleep(REPLY_RETRY_SECONDS)
        return await _send(message, text, keyboard)


async def _send(message: Message, text: str, keyboard: Keyboard | None) -> Message:
    return await message.reply_text(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup(keyboard or []),
        disable_web_page_preview=True,
    )


def _shared_pacer(message: Message) -> SharedPacer | None:
    """The bot's limiter, when it is ours (it always is in the running bot)."""
    try:
        limiter = getattr(message.get_bot(), "rate_limiter", None)
    except RuntimeError:
        return None  # a message object made by hand, with no bot
    return limiter if isinstance(limiter, SharedPacer) else None


async def edit(message: object, text: str, keyboard: Keyboard) -> None:
    """Update the message a button sits under."""
    if not isinstance(message, Message):
        return  # too old for Telegram to show us: nothing to update
    try:
        await message.edit_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup(keyboard),
            disable_web_page_preview=True,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


_COMMAND = re.compile(r"\S*\s*(.*)", re.DOTALL)


def command_text(update: Update) -> str:
    """What follows the command, line breaks kept (``context.args`` drops them, and
    `/newlist NAME` with a term a line lets people paste a list of terms)."""
    message = update.effective_message
    if message is None or not message.text:
        return ""
    found = _COMMAND.match(message.text)
    return found.group(1).strip() if found else ""


async def checked_arguments(update: Update, how: str, *, hint: str = "") -> str:
    """The command's arguments; "" after telling the user what is wrong with them
    (missing, or too long to be a real argument)."""
    text = command_text(update)
    try:
        check_size(text)
    except ArgumentError as exc:
        await reply(update, arguments_refused(text, str(exc), hint))
        return ""
    if not text:
        await reply(update, usage(how, hint))
    return text


async def reply_parts(
    update: Update,
    ctx: BotContext,
    parts: Sequence[str],
    *,
    kind: str,
    queue: bool = False,
    message_kind: str = "reply",
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
    key = f"{kind}:{chat.id}:{message.message_id}"
    queued = queue_reply(ctx.service, chat.id, parts, key=key, now=ctx.clock(), kind=message_kind)
    if not queued:
        await reply(update, BUSY)
