"""/route LIST here | @channel | off: a list's alerts delivered to a forum topic or a
channel (``bot.app.routes``).

Who may route what is checked here, with Telegram: a group's admins route its lists to
its topics (``here``, sent inside the topic) and back (``off``); only the bot's admins
route to a channel, and only to one where the bot is an admin that may post.
"""

from __future__ import annotations

import logging

from telegram import Chat as TelegramChat
from telegram import ChatFullInfo, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden

from bot.app import routes
from bot.app.routes import RouteOutcome
from bot.domain.routing import Destination
from bot.messages import screens
from bot.messages.route_screens import (
    ROUTE_CHANNEL_ADMINS_ONLY,
    ROUTE_GROUP_ADMINS_ONLY,
    ROUTE_HERE_NEEDS_TOPIC,
    ROUTE_USAGE,
    channel_refused,
    route_cleared,
    route_not_followed,
    route_not_set,
    route_set,
    routes_block,
    topic_title,
)
from bot.telegram.context import Context, actor, bot_context, chat_of, user_id_of
from bot.telegram.handlers import may_change_settings
from bot.telegram.replies import reply

log = logging.getLogger(__name__)


async def route_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    words = list(context.args or [])
    if len(words) < 2:
        routed = routes_block(routes.chat_routes(ctx.service, chat_of(update).chat_id))
        await reply(update, f"{routed}\n\n{ROUTE_USAGE}" if routed else ROUTE_USAGE)
        return
    *name, where = words
    query, target = " ".join(name), where.strip()
    chat, now = chat_of(update), ctx.clock()
    if target.lower() in ("off", "here"):
        if not await may_change_settings(update, context):
            await reply(update, ROUTE_GROUP_ADMINS_ONLY)
            return
        if target.lower() == "off":
            outcome = routes.clear_route(ctx.service, chat, query, now)
            await reply(update, _worded(outcome, target="", channel=False))
            return
        message = update.effective_message
        thread = message.message_thread_id if message and message.is_topic_message else None
        if thread is None:
            await reply(update, ROUTE_HERE_NEEDS_TOPIC)
            return
        title = topic_title(thread)
        outcome = routes.set_route(
            ctx.service,
            chat,
            query,
            Destination(chat.chat_id, thread),
            title=title,
            by=actor(update),
            now=now,
        )
        await reply(update, _worded(outcome, target=title, channel=False))
        return
    if not ctx.is_admin(user_id_of(update)):
        await reply(update, ROUTE_CHANNEL_ADMINS_ONLY)
        return
    found = await _channel(update, context, target)
    if isinstance(found, str):
        await reply(update, channel_refused(target, found))
        return
    title = found.title or (f"@{found.username}" if found.username else str(found.id))
    outcome = routes.set_route(
        ctx.service, chat, query, Destination(found.id), title=title, by=actor(update), now=now
    )
    await reply(update, _worded(outcome, target=title, channel=True))


async def _channel(update: Update, context: Context, target: str) -> ChatFullInfo | str:
    """The channel ``target`` names (@name or id) when the bot may post there, else why
    not (a key of ``route_screens.CHANNEL_REASONS``)."""
    chat_id: int | str = target if target.startswith("@") else _int(target)
    if chat_id == 0:
        return "not_found"
    try:
        found = await context.bot.get_chat(chat_id)
        if found.type != TelegramChat.CHANNEL:
            return "not_channel"
        me = await context.bot.get_chat_member(found.id, context.bot.id)
    except (BadRequest, Forbidden) as exc:
        log.info("route target=%r status=refused error=%r", target, exc.message)
        return "not_found"
    if me.status == ChatMemberStatus.OWNER:
        return found
    if (
        me.status != ChatMemberStatus.ADMINISTRATOR
        or getattr(me, "can_post_messages", None) is False
    ):
        return "not_admin"
    return found


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _worded(outcome: RouteOutcome, *, target: str, channel: bool) -> str:
    if outcome.result == "unknown":
        return screens.unknown_watchlist(outcome.query, outcome.candidates)
    if outcome.result == "not_followed":
        return route_not_followed(outcome.name)
    if outcome.result == "cleared":
        return route_cleared(outcome.name)
    if outcome.result == "not_set":
        return route_not_set(outcome.name)
    return route_set(outcome.name, target, channel=channel)


COMMANDS = {"route": route_command}
