"""The python-telegram-bot Application: handlers registered, commands published."""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
from typing import Any

from telegram import BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.feeds.tls import shared_tls_context
from bot.messages.screens import (
    ADMIN_COMMANDS,
    CHAT_COMMANDS,
    GROUP_ADMIN_COMMANDS,
    PUBLIC_COMMANDS,
    SOMETHING_WRONG,
    STORE_BUSY_REPLY,
    STORE_FAILED_REPLY,
)
from bot.storage.database import describe_store_fault, store_fault
from bot.telegram import deferred, handlers
from bot.telegram.api_request import telegram_request
from bot.telegram.context import CONTEXT_TYPES, BotContext, BotData, Context
from bot.telegram.errors import error_text
from bot.telegram.limiter import SharedPacer
from bot.telegram.ordering import OrderedPerChat

log = logging.getLogger(__name__)

BotApplication = Application[ExtBot[str], Context, dict[Any, Any], dict[Any, Any], BotData, None]

# (command, handler): the public surface first, then the admin commands (each admin
# handler checks the sender itself and refuses others politely).
COMMANDS = {
    "start": handlers.start,
    "help": handlers.help_command,
    "watchlists": handlers.watchlists_command,
    "subscribe": handlers.subscribe,
    "unsubscribe": handlers.unsubscribe,
    "mysubs": handlers.mysubs,
    "digest": handlers.digest_command,
    "latest": handlers.latest,
    **deferred.commands("search"),
    **deferred.commands("trends"),
    "time": handlers.time_command,
    "timezone": handlers.timezone_command,
    "mode": handlers.mode_command,
    "schedule": handlers.schedule_command,
    "aboutalerts": handlers.about_alerts_command,
    "stop": handlers.stop,
    **deferred.commands("feedback"),
    **deferred.commands("personal"),
    **deferred.commands("admin"),
    **deferred.commands("routes"),
}


# What ApplicationBuilder gives its own two clients: many connections for calls, one
# for the long poll.
_CALLS_POOL_SIZE = 256
_UPDATES_POOL_SIZE = 1


def build_application(
    token: str,
    api_url: str,
    ctx: BotContext,
    *,
    rate_limiter: SharedPacer,
    tls: ssl.SSLContext | None = None,
) -> BotApplication:
    """The bot's PTB application; ``tls`` is the TLS context to share with the feeds'
    client (one otherwise). Each context holds its own copy of the CA bundle, about
    0.8 MB, and PTB would build one for each of its two clients."""
    tls = tls or shared_tls_context()
    # Opt in to PTB 22's documented future behaviour (RetryAfter.retry_after as a
    # timedelta), which also silences the deprecation warning PTB raises on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    app = (
        ApplicationBuilder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .base_url(f"{api_url}/bot")
        # As the builder makes them, but sharing one TLS context. httpcore sets the ALPN
        # protocols on the context for each connection: every client sharing it must
        # speak HTTP/1.1 only, as these do.
        .request(_request(_CALLS_POOL_SIZE, tls))
        .get_updates_request(_request(_UPDATES_POOL_SIZE, tls))
        # Our own APScheduler instance runs the jobs; PTB's job queue would be a second,
        # idle scheduler.
        .job_queue(None)
        # Replies take their turn in the outbox's pacer (the outbox's own sends are
        # paced already and pass through).
        .rate_limiter(rate_limiter)
        # One chat's updates in order, different chats' at once: a long command (a dry
        # run, a re-match, its heavy part off the event loop) holds up only its own chat.
        .concurrent_updates(OrderedPerChat())
        .build()
    )
    app.bot_data.attach(ctx)
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback))
    # The deferred modules' buttons, each imported when first tapped.
    for pattern, module, name in deferred.BUTTONS:
        app.add_handler(CallbackQueryHandler(deferred.button(module, name), pattern=pattern))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(ChatMemberHandler(handlers.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.free_text))
    app.add_error_handler(_on_error)
    return app


def build_sender_bot(
    token: str,
    api_url: str,
    *,
    rate_limiter: SharedPacer,
    tls: ssl.SSLContext | None = None,
) -> ExtBot[str]:
    """A bot that only sends the outbox: a standby's, on a store where every instance
    drains (PostgreSQL); it never asks for updates, which the lease holder alone does."""
    tls = tls or shared_tls_context()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    return ExtBot(
        token,
        base_url=f"{api_url}/bot",
        request=_request(_CALLS_POOL_SIZE, tls),
        get_updates_request=_request(_UPDATES_POOL_SIZE, tls),
        rate_limiter=rate_limiter,
    )


def _request(pool_size: int, tls: ssl.SSLContext) -> BaseRequest:
    # Over httpcore, without httpx's client: half a send's CPU (bot.telegram.api_request).
    return telegram_request(pool_size, tls)


async def publish_commands(app: BotApplication, admins: tuple[int, ...]) -> None:
    """Register the command menu; admins also see the admin commands in their chat."""
    public = [BotCommand(name, about) for name, about in PUBLIC_COMMANDS]
    try:
        await app.bot.set_my_commands(public)
    except BadRequest as exc:
        # The menu is a convenience; typed commands work without it.
        log.warning("status=commands_not_set error=%r", exc.message)
        return
    group_admins = [
        BotCommand(name, about) for name, about in (*CHAT_COMMANDS, *GROUP_ADMIN_COMMANDS)
    ]
    try:
        await app.bot.set_my_commands(group_admins, scope=BotCommandScopeAllChatAdministrators())
    except TelegramError as exc:
        log.info("status=group_admin_commands_not_set error=%r", exc.message)
    everything = public + [BotCommand(name, about) for name, about in ADMIN_COMMANDS]
    for admin_id in admins:
        try:
            await app.bot.set_my_commands(everything, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:
            # An admin who never opened a chat with the bot: they can still type them.
            log.info("admin=%d status=commands_not_set error=%r", admin_id, exc.message)


async def _on_error(update: object, context: Context) -> None:
    error = context.error
    fault = store_fault(error) if error is not None else None
    text = SOMETHING_WRONG
    if error is not None and fault is not None:
        # The store is locked or full: the traceback would say no more than this line.
        log.log(
            logging.WARNING if fault == "busy" else logging.ERROR,
            "status=handler_error store=%s error=%r",
            fault,
            describe_store_fault(error),
        )
        text = STORE_BUSY_REPLY if fault == "busy" else STORE_FAILED_REPLY
    elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Telegram unreachable mid-command: nothing of ours is broken, no traceback.
        log.warning("status=handler_error telegram_error=%r", error_text(error))
    else:
        log.error("status=handler_error error=%r", error, exc_info=error)
    if isinstance(update, Update) and update.effective_message is not None:
        # If Telegram itself is failing, the log line above is what remains.
        with contextlib.suppress(TelegramError):
            await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)
