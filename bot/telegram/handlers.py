"""Handlers for everyone's commands and buttons: read the update, call a use case in
``bot.app``, reply with its outcome worded by ``bot.messages.screens``.

Every handler ends in a reply; nothing a user types can raise out of here (the error
handler in ``app.py`` answers politely if something unexpected does).
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Update
from telegram import Chat as TelegramChat
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest

from bot.app import chats, digests, routes
from bot.app.chats import SettingRefused, SettingsSummary
from bot.domain import confirm
from bot.domain.models import Mode, Subscriber
from bot.domain.schedule import zone
from bot.messages import screens
from bot.messages.fanout import digest_texts, latest_texts
from bot.messages.html import escape
from bot.messages.route_screens import CHANNEL_LEFT, routes_block
from bot.telegram.context import (
    BotContext,
    Context,
    bot_context,
    chat_of,
    is_group,
    user_id_of,
)
from bot.telegram.replies import edit, reply, reply_parts

_COUNT = re.compile(r"[+-]?\d+")


async def may_change_settings(update: Update, context: Context) -> bool:
    """In a private chat, yes; in a group, only its admins (checked with Telegram)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == "private":
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


def args_text(context: Context) -> str:
    return " ".join(context.args or []).strip()


def subscriber_for(update: Update, ctx: BotContext) -> Subscriber:
    return chats.ensure_chat(ctx.service, chat_of(update), ctx.clock())


def _summary(ctx: BotContext, sub: Subscriber) -> SettingsSummary:
    return chats.settings_summary(ctx.service, sub.chat_id, ctx.clock())


def _mysubs(summary: SettingsSummary) -> str:
    text = screens.mysubs_text(
        summary.subscriber,
        next_digest=summary.next_digest,
        missing=summary.missing,
        muted=summary.muted,
    )
    routed = routes_block(summary.routes)
    return f"{text}\n\n{routed}" if routed else text


# -- commands -------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    lists = chats.shared_lists(ctx.service, ctx.clock())
    text = screens.welcome(sub, lists, next_digest=_summary(ctx, sub).next_digest)
    await reply(update, text, screens.toggle_keyboard(sub, lists, "s"))


async def help_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    subscriber_for(update, ctx)
    admin = ctx.is_admin(user_id_of(update))
    await reply(update, screens.help_text(is_admin=admin, group=is_group(update)))


async def watchlists_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    lists = chats.shared_lists(ctx.service, ctx.clock())
    await reply(
        update, screens.watchlists_text(sub, lists), screens.toggle_keyboard(sub, lists, "w")
    )


async def subscribe(update: Update, context: Context) -> None:
    await _change_subscription(update, context, follow=True)


async def unsubscribe(update: Update, context: Context) -> None:
    await _change_subscription(update, context, follow=False)


async def _change_subscription(update: Update, context: Context, *, follow: bool) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    query = args_text(context)
    if not query:
        lists = chats.shared_lists(ctx.service, ctx.clock())
        verb = "subscribe" if follow else "unsubscribe"
        await reply(update, screens.which_one(verb), screens.toggle_keyboard(sub, lists, "w"))
        return
    if not await may_change_settings(update, context):
        await reply(update, screens.GROUP_ADMINS_ONLY)
        return
    change = chats.follow if follow else chats.unfollow
    outcome = change(ctx.service, chat_of(update), query, ctx.clock())
    text = screens.follow_reply(
        outcome.result,
        outcome.name,
        query=outcome.query,
        candidates=outcome.candidates,
        group=is_group(update),
    )
    await reply(update, text)


async def mysubs(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    await reply(update, _mysubs(_summary(ctx, sub)), screens.mode_keyboard(sub))


async def _change_setting(update: Update, context: Context, setting: chats.Setting) -> None:
    """The shape shared by /time, /timezone, /mode and /schedule: no argument shows the
    setting; an argument changes it (in a group, for its admins only) and confirms."""
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    arg = args_text(context)
    if not arg:
        if setting == "schedule":
            shown = screens.schedule_shown(sub, _summary(ctx, sub).next_digest)
            await reply(update, shown, screens.schedule_keyboard(sub))
            return
        keyboard = screens.mode_keyboard(sub) if setting == "mode" else []
        await reply(update, screens.setting_shown(sub, setting), keyboard)
        return
    if not await may_change_settings(update, context):
        await reply(update, screens.GROUP_ADMINS_ONLY)
        return
    if setting == "mode" and chats.mode_named(arg) is None:
        asked = chats.list_mode_asked(arg)
        if asked is not None:
            await _change_list_mode(update, ctx, *asked)
            return
    setter = {
        "time": chats.set_digest_time,
        "timezone": chats.set_timezone,
        "mode": chats.set_mode,
        "schedule": chats.set_schedule,
    }[setting]
    try:
        summary = setter(ctx.service, chat_of(update), arg, ctx.clock())
    except SettingRefused as exc:
        text = screens.setting_refused(exc.setting, exc.value, exc.reason, exc.suggestions)
        await reply(update, text)
        return
    done = screens.settings_done(
        summary.subscriber, next_digest=summary.next_digest, missing=summary.missing
    )
    if summary.zone_read_as is not None:
        done = screens.timezone_read_as(*summary.zone_read_as) + "\n\n" + done
    keyboard = (
        screens.schedule_keyboard(summary.subscriber)
        if setting == "schedule"
        else screens.mode_keyboard(summary.subscriber)
    )
    await reply(update, done, keyboard)


async def _change_list_mode(update: Update, ctx: BotContext, query: str, mode: Mode | None) -> None:
    """/mode LIST MODE: that list's own mode (``default``: the chat's again)."""
    outcome = chats.set_list_mode(ctx.service, chat_of(update), query, mode, ctx.clock())
    text = screens.list_mode_reply(
        outcome.result,
        outcome.name,
        outcome.mode,
        query=outcome.query,
        candidates=outcome.candidates,
    )
    if outcome.summary is not None:
        text += "\n\n" + _mysubs(outcome.summary)
    await reply(update, text)


async def time_command(update: Update, context: Context) -> None:
    await _change_setting(update, context, "time")


async def timezone_command(update: Update, context: Context) -> None:
    await _change_setting(update, context, "timezone")


async def mode_command(update: Update, context: Context) -> None:
    await _change_setting(update, context, "mode")


async def schedule_command(update: Update, context: Context) -> None:
    await _change_setting(update, context, "schedule")


_SWITCH = {"on": True, "off": False}


async def about_alerts_command(update: Update, context: Context) -> None:
    """/aboutalerts LIST on|off: alerts for articles possibly about LIST too; without
    on or off, whether they are on; without arguments, what it does."""
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    words = args_text(context).split()
    if not words:
        await reply(update, screens.about_alerts_usage(sub))
        return
    on = _SWITCH.get(words[-1].casefold())
    if on is not None:
        words.pop()
        if not await may_change_settings(update, context):
            await reply(update, screens.GROUP_ADMINS_ONLY)
            return
    if not words:
        await reply(update, screens.about_alerts_usage(sub))
        return
    outcome = chats.about_alerts(ctx.service, sub.chat_id, " ".join(words), on, ctx.clock())
    text = screens.about_alerts_reply(
        outcome.result,
        outcome.name,
        query=outcome.query,
        candidates=outcome.candidates,
        sub=outcome.subscriber,
    )
    await reply(update, text)


async def stop(update: Update, context: Context) -> None:
    """Asks first (Yes / Cancel): the Yes button does it, in ``button``."""
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    if not await may_change_settings(update, context):
        await reply(update, screens.GROUP_ADMINS_ONLY)
        return
    group = is_group(update)
    if not sub.watchlists:
        await reply(update, screens.stop_reply([], group=group))
        return
    asked = confirm.asked_at(ctx.clock())
    await reply(
        update,
        screens.stop_question(sub.watchlists, group=group),
        screens.stop_keyboard(asked),
    )


async def digest_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    if not sub.watchlists:
        await reply(update, screens.follows_nothing(group=sub.is_group))
        return
    now = ctx.clock()
    try:
        day = digests.parse_digest_day(sub, args_text(context), now)
    except ValueError as exc:
        await reply(update, escape(str(exc)))
        return
    digest = digests.day_digest(ctx.service, sub, day, now)
    texts = digest_texts(
        digest,
        now=now,
        tz=zone(sub.timezone),
        stale_after=ctx.service.stale_after,
        empty="send",
    )
    kind = f"ondemand-{day.isoformat()}"
    await reply_parts(update, ctx, texts, kind=kind, queue=True, message_kind="digest")


async def latest(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    sub = subscriber_for(update, ctx)
    words = args_text(context).split()
    count = int(words.pop()) if words and _COUNT.fullmatch(words[-1]) else None
    now = ctx.clock()
    try:
        found = digests.latest(ctx.service, sub, query=" ".join(words), count=count, now=now)
    except digests.LatestRefused as exc:
        await reply(update, screens.latest_refused(exc.most))
        return
    if found.digest is None:
        text = screens.unknown_watchlist(
            found.unknown or "", found.candidates, then=screens.LATEST_USAGE
        )
        await reply(update, text)
        return
    if found.digest.is_empty:
        await reply(update, screens.latest_none(found.watchlist, digests.LATEST_WINDOW.days))
        return
    texts = latest_texts(
        found.digest, now=now, tz=zone(sub.timezone), stale_after=ctx.service.stale_after
    )
    if found.capped:
        texts[-1] += "\n\n" + screens.latest_capped(found.count)
    await reply_parts(update, ctx, texts, kind="latest", queue=True, message_kind="digest")


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0]
    addressee = command.partition("@")[2].casefold()
    if addressee and addressee != (context.bot.username or "").casefold():
        return  # a command for another bot in the same group: not ours to answer
    await reply(update, screens.unknown_command(command))


async def free_text(update: Update, context: Context) -> None:
    if is_group(update):
        return  # people talk to each other in groups; only commands are for the bot
    await reply(update, screens.FREE_TEXT_REPLY)


async def membership(update: Update, context: Context) -> None:
    """Telegram tells the bot when a user blocks it or a group removes it (and when they
    come back): stop or resume delivery at once rather than at the next failed send."""
    changed = update.my_chat_member
    if changed is None:
        return
    ctx = bot_context(context)
    status = changed.new_chat_member.status
    if changed.chat.type == TelegramChat.CHANNEL:
        # A channel is no subscriber (it sends no commands): it only receives the alerts
        # routed to it, so being added makes nothing; being removed, or made a plain
        # member who may not post, sends its routes back to their chats.
        if status != ChatMemberStatus.ADMINISTRATOR and status != ChatMemberStatus.OWNER:
            routes.channel_left(ctx.service, changed.chat.id, CHANNEL_LEFT, ctx.clock())
        return
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        chats.bot_removed(ctx.service, chat_of(update), ctx.clock())
    elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        chats.bot_added(ctx.service, chat_of(update), ctx.clock())


# -- buttons --------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    data = query.data or ""
    if not await may_change_settings(update, context):
        await query.answer(screens.GROUP_ADMINS_ONLY, show_alert=True)
        return
    now = ctx.clock()
    if data.startswith("t:") and data.count(":") == 2:
        _, screen, key = data.split(":")
        toggled = chats.toggle(ctx.service, chat_of(update), key, now)
        if toggled.result == "gone":
            await query.answer(screens.WATCHLIST_GONE, show_alert=True)
        else:
            await query.answer(screens.toggled(toggled.result == "followed", toggled.name))
        fresh, lists = toggled.subscriber, toggled.lists
        if screen == "s":
            text = screens.welcome(fresh, lists, next_digest=_summary(ctx, fresh).next_digest)
        else:
            text = screens.watchlists_text(fresh, lists)
        await edit(query.message, text, screens.toggle_keyboard(fresh, lists, screen))
    elif data.startswith("m:") and chats.mode_named(data.removeprefix("m:")):
        summary = chats.set_mode(ctx.service, chat_of(update), data.removeprefix("m:"), now)
        fresh = summary.subscriber
        await query.answer(screens.mode_chosen(fresh.mode))
        await edit(query.message, _mysubs(summary), screens.mode_keyboard(fresh))
    elif data == screens.SCHEDULE_DATA or data.startswith("sch:"):
        await _schedule_button(query, update, ctx, data)
    elif data == screens.CANCEL_DATA:
        await query.answer()
        await edit(query.message, screens.CONFIRM_CANCELLED, [])
    elif data.startswith("c:stop:"):
        if not confirm.still_open(data.removeprefix("c:stop:"), now):
            await answer_expired(query)
            return
        # The button sits under the question in this very chat; in a group, only its
        # admins got past the check above.
        gone = chats.stop(ctx.service, chat_of(update), now)
        await query.answer()
        await edit(query.message, screens.stop_reply(gone, group=is_group(update)), [])
    else:
        await query.answer(screens.STALE_BUTTON)


# A schedule button's data to the /schedule arguments it stands for.
_SCHEDULE_BUTTONS = {"d": "{}", "q": "quiet {}", "r": "repeats {}"}


async def _schedule_button(
    query: CallbackQuery, update: Update, ctx: BotContext, data: str
) -> None:
    """ "⏰" under /mysubs opens the schedule's buttons; each of those changes one thing."""
    sub = subscriber_for(update, ctx)
    if data == screens.SCHEDULE_DATA:
        summary = _summary(ctx, sub)
    else:
        what, _, value = data.removeprefix(screens.SCHEDULE_DATA).partition(":")
        if what not in _SCHEDULE_BUTTONS or not value:
            await query.answer(screens.STALE_BUTTON)
            return
        arg = _SCHEDULE_BUTTONS[what].format(value)
        try:
            summary = chats.set_schedule(ctx.service, chat_of(update), arg, ctx.clock())
        except SettingRefused:
            await query.answer(screens.STALE_BUTTON)
            return
    await query.answer()
    fresh = summary.subscriber
    await edit(
        query.message,
        screens.schedule_shown(fresh, summary.next_digest),
        screens.schedule_keyboard(fresh),
    )


async def answer_expired(query: CallbackQuery) -> None:
    """A "Yes" tapped too long after the question: nothing done, and the buttons go."""
    await query.answer(screens.CONFIRM_EXPIRED, show_alert=True)
    await edit(query.message, screens.CONFIRM_EXPIRED, [])
