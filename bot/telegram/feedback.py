"""The feedback front end: the buttons under alerts (👍, 👎, mute for a week),
/feedback and its suggestion buttons, /mute and /unmute. Thin: each reads the update,
calls `bot.app.feedback` and words the outcome with `bot.messages.feedback_screens`."""

from __future__ import annotations

import logging
import re

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError

from bot.app import feedback
from bot.app.feedback import FeedbackRefused, SuggestionGone, apply_steps, suggestion_key
from bot.app.personal_lists import PersonalEdit
from bot.app.shared_lists import UnknownList, WriteFailed
from bot.domain import confirm
from bot.domain.mute import BUTTON_MUTE_DAYS
from bot.domain.schedule import zone
from bot.lists.edit import EditError
from bot.lists.personal import PersonalError
from bot.messages import feedback_screens as words
from bot.messages import screens
from bot.messages.alert_keyboard import (
    MuteButton,
    VoteButton,
    parse_button,
    with_mute,
    with_vote,
)
from bot.messages.html import split_messages
from bot.messages.watchlist_screens import (
    edit_done,
    edit_failed,
    edit_reply,
    edit_summary,
    nothing_changed,
    personal_done,
)
from bot.telegram.busy import typing
from bot.telegram.context import Context, actor, bot_context, chat_of, is_group, user_id_of
from bot.telegram.errors import error_text
from bot.telegram.handlers import may_change_settings, subscriber_for
from bot.telegram.replies import checked_arguments, command_text, markup, reply

log = logging.getLogger(__name__)

_SUGGESTION = re.compile(r"fa:([xt]):([0-9a-f]{10}):([0-9a-f]{8}):([0-9a-z]{1,12})")


def _keyboard_of(message: object) -> screens.Keyboard:
    """The buttons under the message a button was tapped on, as they are now."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return []
    return [
        [(b.text, b.callback_data) for b in row if isinstance(b.callback_data, str)]
        for row in message.reply_markup.inline_keyboard
    ]


async def _show(query: CallbackQuery, keyboard: screens.Keyboard) -> None:
    """Update the buttons under the alert (its text stays as it is)."""
    if not isinstance(query.message, Message) or not keyboard:
        return  # too old for Telegram to show us: the answer alone says it
    try:
        await query.edit_message_reply_markup(reply_markup=markup(keyboard))
    except TelegramError as exc:
        # The vote or mute is kept and the answer has said so: buttons Telegram would not
        # update (a double tap, a message it no longer edits, a flood limit) are no error
        # to report in the chat, where it would read as if the tap had failed.
        if "not modified" not in exc.message.lower():
            log.info("alert_buttons status=not_updated error=%r", error_text(exc))


async def alert_button(update: Update, context: Context) -> None:
    """👍, 👎 or mute under an alert: answered with a short notice over the chat, and
    the buttons updated to show the vote (or the mute) in force; no new message."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    now = ctx.clock()
    button = parse_button(query.data or "")
    if button is None:
        await query.answer(words.STALE_ALERT_BUTTON, show_alert=True)
        return
    chat = chat_of(update)
    if isinstance(button, VoteButton):
        voted = feedback.vote(
            ctx.service, chat, button.article_key, button.list_key, button.up, now
        )
        if voted.result == "gone":
            await query.answer(words.VOTE_ARTICLE_GONE, show_alert=True)
            return
        if voted.result == "not_listed":
            await query.answer(words.VOTE_LIST_GONE, show_alert=True)
            return
        await query.answer(words.vote_answer(voted.result, voted.up, voted.watchlist))
        if voted.result != "same":
            await _show(query, with_vote(_keyboard_of(query.message), button))
        return
    assert isinstance(button, MuteButton)
    if not await may_change_settings(update, context):
        await query.answer(screens.GROUP_ADMINS_ONLY, show_alert=True)
        return
    done = feedback.mute_button(ctx.service, chat, button.list_key, now, mute=button.mute)
    tz = zone(subscriber_for(update, ctx).timezone)
    if done.result == "muted" and done.until is not None:
        await query.answer(words.muted_answer(done.watchlist, done.until, tz))
    elif done.result == "unmuted":
        await query.answer(words.unmuted_answer(done.watchlist))
    elif done.result == "not_muted":
        await query.answer(words.not_muted_answer(done.watchlist))
    else:
        await query.answer(words.MUTE_NOT_FOLLOWING, show_alert=True)
        return
    muted = done.result == "muted"
    await _show(query, with_mute(_keyboard_of(query.message), done.watchlist, muted=muted))


# -- /mute and /unmute -------------------------------------------------------------------


async def mute_command(update: Update, context: Context) -> None:
    """/mute LIST [DAYS]: no alerts and no digest items for the list for DAYS days
    (a week when not said)."""
    text = await checked_arguments(update, words.MUTE_USAGE)
    if not text:
        return
    name, days = text, BUTTON_MUTE_DAYS
    # Any number of digits: "/mute TRIPP 1000000" is a length to refuse, not a list name.
    if (found := re.fullmatch(r"(.+?)\s+([+-]?\d+)", text, re.DOTALL)) is not None:
        name, days = found.group(1), int(found.group(2))
    await _mute(update, context, name, days)


async def unmute_command(update: Update, context: Context) -> None:
    text = await checked_arguments(update, words.MUTE_USAGE)
    if text:
        await _mute(update, context, text, None)


async def _mute(update: Update, context: Context, name: str, days: int | None) -> None:
    """Mute the list for ``days`` days; None: unmute it."""
    ctx = bot_context(context)
    if not await may_change_settings(update, context):
        await reply(update, screens.GROUP_ADMINS_ONLY)
        return
    sub = subscriber_for(update, ctx)
    try:
        if days is None:
            done = feedback.unmute(ctx.service, chat_of(update), name, ctx.clock())
        else:
            done = feedback.mute(ctx.service, chat_of(update), name, days, ctx.clock())
    except ValueError as exc:
        await reply(update, words.mute_refused(str(exc)))
        return
    if done.result == "unknown":
        await reply(update, words.mute_unknown(done.query, done.candidates))
        return
    await reply(
        update, words.mute_reply(done.result, done.watchlist, done.until, zone(sub.timezone))
    )


# -- /feedback ---------------------------------------------------------------------------


async def feedback_command(update: Update, context: Context) -> None:
    ctx = bot_context(context)
    if is_group(update):
        # It may show the asker's personal lists, which are theirs alone.
        await reply(update, words.FEEDBACK_PRIVATE_ONLY)
        return
    sub = subscriber_for(update, ctx)
    user = user_id_of(update)
    now = ctx.clock()
    query = command_text(update)
    if user is None:
        await reply(update, words.FEEDBACK_REFUSED)
        return
    try:
        lists = feedback.report(ctx.service, user, query, now, is_admin=ctx.is_admin(user))
    except FeedbackRefused as exc:
        if exc.query:
            await reply(update, words.feedback_unknown(exc.query, exc.candidates))
        else:
            await reply(update, words.FEEDBACK_REFUSED)
        return
    tz = zone(sub.timezone)
    asked = confirm.asked_at(now)
    for one in lists:
        text = words.feedback_blocks(
            one.watchlist, one.counts, one.down, one.excludes, one.terms, tz
        )
        keys = [suggestion_key(p) for p in (*one.excludes, *one.terms)]
        keyboard = words.feedback_keyboard(one.watchlist, one.excludes, one.terms, keys, asked)
        # A list's report is far below 4,096 characters; split only a pathological one.
        parts = split_messages(text, [], "")
        for i, part in enumerate(parts):
            await reply(update, part, keyboard if i == len(parts) - 1 else None)


async def apply_suggestion(update: Update, context: Context) -> None:
    """A suggestion tapped under /feedback: the edit made (audited as the one who
    tapped), unless the button is stale or the list's suggestions changed since."""
    query = update.callback_query
    if query is None:
        return
    ctx = bot_context(context)
    now = ctx.clock()
    found = _SUGGESTION.fullmatch(query.data or "")
    user = user_id_of(update)
    if found is None or user is None:
        await query.answer(words.STALE_ALERT_BUTTON, show_alert=True)
        return
    kind, list_key, phrase_key, asked = found.groups()
    if not confirm.still_open(asked, now):
        # The report stays as it is (it is still worth reading); only the tap is refused.
        await query.answer(words.SUGGESTION_EXPIRED, show_alert=True)
        return
    service = ctx.service
    try:
        steps = apply_steps(
            service,
            user,
            "x" if kind == "x" else "t",
            list_key,
            phrase_key,
            now,
            is_admin=ctx.is_admin(user),
            actor=actor(update),
        )
        async with typing(update, context.bot):
            done = await service.off_loop(steps)
    except FeedbackRefused:
        await query.answer(words.FEEDBACK_REFUSED, show_alert=True)
        return
    except SuggestionGone:
        await query.answer(words.SUGGESTION_GONE, show_alert=True)
        return
    except (EditError, PersonalError) as exc:
        await query.answer()
        await reply(update, nothing_changed(str(exc)))
        return
    except UnknownList:
        await query.answer(screens.WATCHLIST_GONE, show_alert=True)
        return
    except WriteFailed as exc:
        await query.answer()
        await reply(update, edit_failed(exc.path.name, exc.reason))
        return
    await query.answer()
    ctx.wake_outbox()
    if isinstance(done, PersonalEdit):
        said = personal_done(done.action, done.plist.name, done.terms)
        await reply(update, f"{said}\n{edit_summary(done.report, done.days)}")
    else:
        said = edit_done(
            done.action, done.name, file_name=done.path.name, terms=done.terms, phrase=done.phrase
        )
        await reply(update, edit_reply(said, done.report, done.days, reloaded=done.reloaded))


COMMANDS = {
    "feedback": feedback_command,
    "mute": mute_command,
    "unmute": unmute_command,
}
