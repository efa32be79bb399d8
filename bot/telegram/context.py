"""What every handler reaches, typed: the bot's state through PTB's ``ContextTypes``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Chat as TelegramChat
from telegram import Update
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.app.chats import Chat
from bot.app.service import Service


@dataclass
class BotContext:
    service: Service
    clock: Callable[[], datetime]
    wake_outbox: Callable[[], None]

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.service.config.telegram.admins


class BotData:
    """PTB's ``bot_data``: made by PTB with no arguments, given the bot once it is built."""

    def __init__(self) -> None:
        self._bot: BotContext | None = None

    def attach(self, bot: BotContext) -> None:
        self._bot = bot

    @property
    def bot(self) -> BotContext:
        if self._bot is None:
            raise RuntimeError("the application was built without its BotContext")
        return self._bot


Context = CallbackContext[ExtBot[str], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)


def bot_context(context: Context) -> BotContext:
    return context.bot_data.bot


def chat_of(update: Update) -> Chat:
    """The chat an update comes from, as the use cases take it."""
    chat = update.effective_chat
    assert chat is not None, "PTB routes only updates with a chat here"
    return Chat(chat.id, chat.type, _chat_title(chat))


def _chat_title(chat: TelegramChat) -> str:
    if chat.title:
        return chat.title
    return " ".join(x for x in (chat.first_name, chat.last_name) if x) or (chat.username or "")


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != TelegramChat.PRIVATE


def user_id_of(update: Update) -> int | None:
    user = update.effective_user
    return user.id if user else None


def actor(update: Update) -> str:
    """Who made an edit, for the audit."""
    user = update.effective_user
    return f"telegram:{user.id if user else 'unknown'}"
