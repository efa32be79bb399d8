"""Command and button handlers: read the update, change the store, reply.

Every handler ends in a reply; nothing a user types can raise out of here (the error
handler in ``app.py`` answers politely if something unexpected does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.app.service import Service
from bot.domain.digest import Digest
from bot.domain.models import MODES, Mode, Subscriber, Watchlist
from bot.domain.resolve import UnknownTimezone, resolve_timezone, resolve_watchlist
from bot.domain.schedule import local_day_window, next_digest_at, parse_day, parse_time_of_day, zone
from bot.lists.personal import display_name
from bot.messages import screens
from bot.messages.fanout import digest_messages, digest_texts
from bot.messages.html import escape
from bot.messages.screens import Keyboard, quote_input
from bot.telegram.sender import retry_after_seconds

log = logging.getLogger(__name__)

LATEST_DEFAULT, LATEST_MAX = 5, 20
# A long reply (/digest, /latest) waits while this many messages to the chat are queued.
MAX_PENDING_FOR_REPLY = 10
BUSY = "I am still sending you earlier messages; ask again in a minute."
# A reply Telegram throttles is retried once if the wait is at most this many seconds.
MAX_REPLY_WAIT = 5.0
# A reply Telegram failed to take (502, dropped connection) is tried once more after this.
REPLY_RETRY_SECONDS = 0.5
# /latest looks this far back for matching articles.
LATEST_WINDOW = timedelta(days=60)


@dataclass
class BotContext:
    service: Service
    clock: Callable[[], datetime]
    wake_outbox: Callable[[], None]

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.service.config.telegram.admins


Context = ContextTypes.DEFAULT_TYPE


def bot_context(context: Context) -> BotContext:
    found: BotContext = context.application.bot_data["caci"]
    return found


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
    message = update.effective_message
    if message is None:
        return None
    for attempt in (1, 2):
        try:
            return await message.reply_text(
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(keyboard or []),
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            # Someone typing faster than Telegram lets the bot answer: wait once, briefly,
            # rather than leave the command unanswered.
            wait = retry_after_seconds(exc)
            if attempt == 2 or wait > MAX_REPLY_WAIT:
                raise
            log.info("chat=%d status=reply_throttled wait=%gs", message.chat_id, wait)
            await asyncio.sleep(wait)
        except (TimedOut, BadRequest):
            # A timed-out reply may have been delivered after all, and a refused one
            # would be refused again (PTB counts both as network errors).
            raise
        except NetworkError as exc:
            # A 502 or a dropped connection: Telegram did not take the reply, so one
            # quick retry is safe and usually answers the user.
            if attempt == 2:
                raise
            log.info("chat=%d status=reply_retried error=%r", message.chat_id, exc.message)
            await asyncio.sleep(REPLY_RETRY_SECONDS)
    return None


def subscriber_for(update: Update, ctx: BotContext) -> Subscriber:
    """The chat's subscriber row, created with the deployment's defaults on first contact."""
    chat = update.effective_chat
    assert chat is not None
    digest = ctx.service.config.digest
    sub, created = ctx.service.store.chats.ensure(
        chat.id,
        kind=chat.type,
        title=_chat_title(chat),
        timezone=digest.timezone,
        digest_time=digest.time.strftime("%H:%M"),
        now=ctx.clock(),
    )
    if created:
        log.info("chat=%d kind=%s status=new_subscriber", chat.id, chat.type)
    return sub


def _chat_title(chat: Chat) -> str:
    if chat.title:
        return chat.title
    return " ".join(x for x in (chat.first_name, chat.last_name) if x) or (chat.username or "")


def is_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != Chat.PRIVATE


async def may_change_settings(update: Update, context: Context) -> bool:
    """In a private chat, yes; in a group, only its admins (checked with Telegram)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == Chat.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        # An anonymous group admin posts as the group itself.
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except BadRequest:
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


GROUP_ADMINS_ONLY = "Only this group's admins can change what it follows and its settings."


def args_text(context: Context) -> str:
    return " ".join(context.args or []).strip()


def lists(ctx: BotContext) -> list[Watchlist]:
    return sorted(ctx.service.watchlists, key=lambda w: w.name.casefold())


# -- commands -------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    text = screens.welcome(sub, lists(ctx), group=is_group(update))
    await reply(update, text, screens.toggle_keyboard(sub, lists(ctx), "s"))


async def help_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    subscriber_for(update, ctx)
    user = update.effective_user
    admin = ctx.is_admin(user.id if user else None)
    await reply(update, screens.help_text(is_admin=admin, group=is_group(update)))


async def watchlists_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    await reply(
        update,
        screens.watchlists_text(sub, lists(ctx)),
        screens.toggle_keyboard(sub, lists(ctx), "w"),
    )


async def subscribe(update: Update, context: Context) -> None:
    await _change_subscription(update, context, follow=True)


async def unsubscribe(update: Update, context: Context) -> None:
    await _change_subscription(update, context, follow=False)


async def _change_subscription(update: Update, context: Context, *, follow: bool) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    query = args_text(context)
    verb = "subscribe" if follow else "unsubscribe"
    if not query:
        await reply(
            update,
            f"Which one? For example /{verb} middle corridor — or tap:",
            screens.toggle_keyboard(sub, lists(ctx), "w"),
        )
        return
    if not await may_change_settings(update, context):
        await reply(update, GROUP_ADMINS_ONLY)
        return
    store, now = ctx.service.store, ctx.clock()
    # Shown name -> the name subscriptions use (personal lists are "~<owner>/<name>").
    choices = {w.name: w.name for w in lists(ctx)}
    for own in store.personal.of(sub.chat_id):
        choices[display_name(own.internal_name)] = own.internal_name
    if not follow:
        # Also lists that were deleted since, so people can leave them.
        for gone in sub.watchlists:
            choices.setdefault(display_name(gone), gone)
    found = resolve_watchlist(query, list(choices))
    if found.name is None:
        await reply(update, screens.unknown_watchlist(query, found.candidates))
        return
    target, name = choices[found.name], escape(found.name)
    if follow:
        if store.chats.subscribe(sub.chat_id, target, now):
            text = f"Following <b>{name}</b>. New articles that mention it will reach you."
        else:
            text = f"Already following <b>{name}</b>."
    elif store.chats.unsubscribe(sub.chat_id, target):
        text = f"Stopped following <b>{name}</b>."
    else:
        text = f"You were not following <b>{name}</b>."
    log.info("chat=%d action=%s watchlist=%r", sub.chat_id, verb, target)
    await reply(update, text)


async def mysubs(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    await reply(update, _mysubs_text(ctx, sub), screens.mode_keyboard(sub))


def _mysubs_text(ctx: BotContext, sub: Subscriber) -> str:
    known = {w.name for w in ctx.service.watchlists}
    known |= {p.internal_name for p in ctx.service.store.personal.of(sub.chat_id)}
    last = ctx.service.store.chats.last_digest(sub.chat_id)
    nxt = next_digest_at(
        now=ctx.clock(),
        at=parse_time_of_day(sub.digest_time),
        tz=zone(sub.timezone),
        last_date=last.local_date if last else None,
        subscribed_at=sub.created_at,
    )
    missing = [n for n in sub.watchlists if n not in known]
    return screens.mysubs_text(sub, next_digest=nxt, missing=missing)


def _mode_named(text: str) -> Mode | None:
    folded = text.casefold()
    return next((m for m in MODES if m == folded), None)


class SettingRefused(ValueError):
    """The argument of /time, /timezone or /mode cannot be used; the text is the reply."""


@dataclass(frozen=True)
class SettingsChange:
    timezone: str | None = None
    digest_time: str | None = None
    mode: Mode | None = None


async def _change_setting(
    update: Update,
    context: Context,
    *,
    show: Callable[[Subscriber], tuple[str, Keyboard]],
    parse: Callable[[str], SettingsChange],
) -> None:
    """The shape shared by /time, /timezone and /mode: no argument shows the setting;
    an argument changes it (in a group, for its admins only) and confirms."""
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    arg = args_text(context)
    if not arg:
        await reply(update, *show(sub))
        return
    if not await may_change_settings(update, context):
        await reply(update, GROUP_ADMINS_ONLY)
        return
    try:
        change = parse(arg)
    except SettingRefused as exc:
        await reply(update, str(exc))
        return
    ctx.service.store.chats.update_settings(
        sub.chat_id,
        ctx.clock(),
        timezone=change.timezone,
        digest_time=change.digest_time,
        mode=change.mode,
    )
    await _confirm_settings(update, ctx, sub.chat_id)


async def time_command(update: Update, context: Context) -> None:
    def show(sub: Subscriber) -> tuple[str, Keyboard]:
        return f"Your digest comes at <b>{sub.digest_time}</b>. Change it with /time 07:30.", []

    def parse(arg: str) -> SettingsChange:
        try:
            return SettingsChange(digest_time=parse_time_of_day(arg).strftime("%H:%M"))
        except ValueError as exc:
            raise SettingRefused(escape(str(exc))) from exc

    await _change_setting(update, context, show=show, parse=parse)


async def timezone_command(update: Update, context: Context) -> None:
    def show(sub: Subscriber) -> tuple[str, Keyboard]:
        text = (
            f"Your time zone is <b>{escape(sub.timezone)}</b>. "
            "Change it with /timezone Europe/Berlin (or a city: /timezone Tbilisi)."
        )
        return text, []

    def parse(arg: str) -> SettingsChange:
        try:
            return SettingsChange(timezone=resolve_timezone(arg).key)
        except UnknownTimezone as exc:
            text = f"I don't know the time zone {quote_input(arg, 40)}."
            if exc.suggestions:
                text += " Did you mean " + " or ".join(escape(s) for s in exc.suggestions[:3])
                text += "?"
            raise SettingRefused(
                text + " Use Area/City, like Europe/Berlin or Asia/Tbilisi."
            ) from exc

    await _change_setting(update, context, show=show, parse=parse)


async def mode_command(update: Update, context: Context) -> None:
    def show(sub: Subscriber) -> tuple[str, Keyboard]:
        return screens.settings_line(sub) + "\nChoose:", screens.mode_keyboard(sub)

    def parse(arg: str) -> SettingsChange:
        mode = _mode_named(arg)
        if mode is not None:
            return SettingsChange(mode=mode)
        raise SettingRefused(
            f"{quote_input(arg)} is not a mode. "
            "Use /mode instant, /mode daily, /mode both or /mode off."
        )

    await _change_setting(update, context, show=show, parse=parse)


async def _confirm_settings(update: Update, ctx: BotContext, chat_id: int) -> None:
    sub = ctx.service.store.chats.get(chat_id)
    assert sub is not None
    log.info(
        "chat=%d action=settings mode=%s time=%s tz=%s",
        chat_id,
        sub.mode,
        sub.digest_time,
        sub.timezone,
    )
    await reply(update, "Done. " + _mysubs_text(ctx, sub))


async def stop(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    if not await may_change_settings(update, context):
        await reply(update, GROUP_ADMINS_ONLY)
        return
    gone = ctx.service.store.chats.unsubscribe_all(sub.chat_id)
    log.info("chat=%d action=stop unsubscribed=%d", sub.chat_id, len(gone))
    if gone:
        await reply(update, "Unsubscribed from everything. /start brings you back.")
    else:
        await reply(update, "You were not following anything. /start to pick watchlists.")


async def digest_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    if not sub.watchlists:
        await reply(update, "You follow no watchlist yet: /watchlists to pick some.")
        return
    tz, now = zone(sub.timezone), ctx.clock()
    try:
        day = parse_day(args_text(context), now=now, tz=tz)
    except ValueError as exc:
        await reply(update, escape(str(exc)))
        return
    since, until = local_day_window(day, tz)
    digest = ctx.service.digest(since, min(until, now), sub.watchlists)
    await _queue_reply(update, ctx, sub, digest, kind=f"ondemand-{day.isoformat()}")


async def latest(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    arg = args_text(context)
    try:
        count = int(arg) if arg else LATEST_DEFAULT
    except ValueError:
        await reply(update, f"Give a number, for example /latest 10 (at most {LATEST_MAX}).")
        return
    count = max(1, min(count, LATEST_MAX))
    names = sub.watchlists or tuple(w.name for w in ctx.service.watchlists)
    now = ctx.clock()
    digest = ctx.service.digest(now - LATEST_WINDOW, now, names)
    if digest.is_empty:
        await reply(update, "No matching articles in the last 60 days.")
        return
    trimmed = replace(digest, entries=digest.entries[:count], unmatched_count=0)
    await _queue_reply(update, ctx, sub, trimmed, kind="latest")


async def _queue_reply(
    update: Update, ctx: BotContext, sub: Subscriber, digest: Digest, *, kind: str
) -> None:
    """A reply that may need several messages goes through the outbox, paced like the rest."""
    message = update.effective_message
    assert message is not None
    if ctx.service.store.outbox.pending_count(sub.chat_id) >= MAX_PENDING_FOR_REPLY:
        # Someone repeating /latest 20 in a group must not fill the outbox for everyone.
        await reply(update, BUSY)
        return
    now = ctx.clock()
    texts = digest_texts(
        digest, now=now, tz=zone(sub.timezone), stale_after=ctx.service.stale_after, empty="send"
    )
    messages = digest_messages(
        texts, chat_id=sub.chat_id, key=f"{kind}:{sub.chat_id}:{message.message_id}"
    )
    ctx.service.store.outbox.enqueue(messages, now)
    ctx.wake_outbox()


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    addressee = command.partition("@")[2].casefold()
    if addressee and addressee != (context.bot.username or "").casefold():
        return  # a command for another bot in the same group: not ours to answer
    await reply(update, f"I don't know {quote_input(command, 40)}. /help lists what I can do.")


async def free_text(update: Update, context: Context) -> None:
    if is_group(update):
        return  # people talk to each other in groups; only commands are for the bot
    await reply(
        update,
        "I answer commands: /watchlists to pick subjects, /latest for recent articles, "
        "/help for the rest.",
    )


async def membership(update: Update, context: Context) -> None:
    """Telegram tells the bot when a user blocks it or a group removes it (and when they
    come back): stop or resume delivery at once rather than at the next failed send."""
    changed = update.my_chat_member
    if changed is None:
        return
    ctx = bot_context(context)
    chat_id, status = changed.chat.id, changed.new_chat_member.status
    store, now = ctx.service.store, ctx.clock()
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        if store.chats.get(chat_id) is None:
            return
        reason = "blocked the bot" if changed.chat.type == Chat.PRIVATE else "removed the bot"
        with store.transaction():
            store.chats.deactivate(chat_id, reason, now)
            dropped = store.outbox.fail_pending_for_chat(chat_id, reason)
        log.info("chat=%d status=deactivated reason=%r dropped=%d", chat_id, reason, dropped)
    elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        subscriber_for(update, ctx)  # active again, settings and subscriptions kept
        log.info("chat=%d status=reactivated", chat_id)


# -- buttons --------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    data = query.data or ""
    if not await may_change_settings(update, context):
        await query.answer(GROUP_ADMINS_ONLY, show_alert=True)
        return
    sub = subscriber_for(update, ctx)
    now = ctx.clock()
    store = ctx.service.store
    if data.startswith("t:") and data.count(":") == 2:
        _, screen, key = data.split(":")
        found = next((w for w in lists(ctx) if screens.watchlist_key(w.name) == key), None)
        if found is None:
            await query.answer("That watchlist no longer exists.", show_alert=True)
            return
        if found.name in sub.watchlists:
            store.chats.unsubscribe(sub.chat_id, found.name)
            note = f"Stopped following {found.name}"
        else:
            store.chats.subscribe(sub.chat_id, found.name, now)
            note = f"Following {found.name}"
        log.info("chat=%d action=toggle watchlist=%r", sub.chat_id, found.name)
        await query.answer(note)
        fresh = store.chats.get(sub.chat_id)
        assert fresh is not None
        if screen == "s":
            text = screens.welcome(fresh, lists(ctx), group=is_group(update))
        else:
            text = screens.watchlists_text(fresh, lists(ctx))
        await _edit(query.message, text, screens.toggle_keyboard(fresh, lists(ctx), screen))
    elif (mode := _mode_named(data.removeprefix("m:"))) and data.startswith("m:"):
        store.chats.update_settings(sub.chat_id, now, mode=mode)
        await query.answer(f"Mode: {screens.MODE_LABELS[mode]}")
        fresh = store.chats.get(sub.chat_id)
        assert fresh is not None
        await _edit(query.message, _mysubs_text(ctx, fresh), screens.mode_keyboard(fresh))
    else:
        await query.answer("That button is out of date; send /start for fresh ones.")


async def _edit(message: object, text: str, keyboard: Keyboard) -> None:
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
