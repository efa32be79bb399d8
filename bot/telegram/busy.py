"""Showing a chat that its command is being worked on: "typing…" under the chat's name
while a dry run or an edit's re-match runs off the event loop, which can take a minute
over a large store. Telegram shows the action for five seconds, or until the bot's next
message, so it is sent again every few seconds until the work is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)

# Under the five seconds Telegram shows a chat action for.
TYPING_EVERY_SECONDS = 4.0


@contextlib.asynccontextmanager
async def typing(update: Update, bot: Bot) -> AsyncIterator[None]:
    """Show "typing…" in the update's chat for as long as the block runs."""
    chat = update.effective_chat
    if chat is None:
        yield
        return
    shown = asyncio.create_task(_keep_typing(bot, chat.id), name=f"typing-{chat.id}")
    try:
        yield
    finally:
        shown.cancel()
        await asyncio.wait({shown})


async def _keep_typing(bot: Bot, chat_id: int) -> None:
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            # Only a courtesy: the answer itself says whether Telegram is reachable.
            log.info("chat=%d status=typing_not_shown error=%r", chat_id, exc.message)
        await asyncio.sleep(TYPING_EVERY_SECONDS)
