"""``caci-watch chat CHAT [SETTING ...]``: a subscriber's settings as /mysubs shows them,
changed from the server by the use cases /schedule, /mode, /timezone, /time, /mute and
/unmute call (``bot.app.chats``, ``bot.app.feedback``). An operator names a chat the bot
has met; it is never created, nor made active again, from here."""

from __future__ import annotations

import argparse
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from bot.app.config import Config
from bot.cli.common import UserError

_SWITCH = ("on", "off")


def add_parser(sub: Any) -> None:
    chat = sub.add_parser(
        "chat",
        help="a chat's lists, modes, mutes, routes, digest days and time, quiet hours: show"
        " (as /mysubs does), or change one setting",
    )
    chat.add_argument("chat", type=int, help="the chat's id (a group's is negative)")
    what = chat.add_subparsers(dest="setting", metavar="SETTING")
    schedule = what.add_parser(
        "schedule", help="the digest's days and time: daily|weekdays [HH:MM], weekly DAY [HH:MM]"
    )
    schedule.add_argument("days", nargs="+", help="daily, weekdays or weekly DAY; then HH:MM")
    quiet = what.add_parser("quiet", help="quiet hours, HH:MM-HH:MM (local), or off")
    quiet.add_argument("hours", help="e.g. 22:00-07:00, or off")
    repeats = what.add_parser(
        "repeats", help="whether the digest repeats what came as alerts (mode both)"
    )
    repeats.add_argument("switch", choices=_SWITCH)
    mode = what.add_parser(
        "mode", help="the chat's mode, or one list's: [LIST] instant|daily|both|off|default"
    )
    mode.add_argument("words", nargs="+", metavar="[LIST] MODE")
    timezone = what.add_parser("timezone", help="the chat's zone: a place (Asia/Baku, Tbilisi)")
    timezone.add_argument("zone", nargs="+")
    time = what.add_parser("time", help="the digest's time, HH:MM in the chat's zone")
    time.add_argument("at")
    mute = what.add_parser("mute", help="no alerts and no digest items for a list for DAYS days")
    mute.add_argument("watchlist", help="the list's name (quote it if it has spaces)")
    mute.add_argument("days", nargs="?", type=int, help="how many days (default: a week)")
    unmute = what.add_parser("unmute", help="end a list's mute")
    unmute.add_argument("watchlist")


def run(args: argparse.Namespace, config: Config) -> int:
    from bot.app import chats
    from bot.app.service import build_service
    from bot.messages.chat_console import no_chat_line

    now = datetime.now(UTC)
    with closing(build_service(config)) as service:
        try:
            chats.known_chat(service, args.chat, now)
        except chats.UnknownChat as exc:
            raise UserError(no_chat_line(args.chat)) from exc
        if args.setting in ("mute", "unmute"):
            print(_mute(service, args, now))
        elif args.setting is not None:
            print(_setting(service, args, now))
        else:
            print(_shown(service, args.chat, now))
    return 0


def _shown(service: Any, chat_id: int, now: datetime, before: str = "") -> str:
    from bot.app import chats
    from bot.messages.chat_console import chat_console

    summary = chats.settings_summary(service, chat_id, now)
    text = chat_console(
        summary.subscriber,
        next_digest=summary.next_digest,
        missing=summary.missing,
        muted=summary.muted,
        routes=summary.routes,
    )
    return f"{before}\n\n{text}" if before else text


def _setting(service: Any, args: argparse.Namespace, now: datetime) -> str:
    from bot.app import chats
    from bot.messages.chat_console import (
        list_mode_console,
        setting_refused_console,
        unknown_list_console,
        zone_read_as_console,
    )

    chat_id: int = args.chat
    setting: chats.Setting
    if args.setting == "mode":
        text = " ".join(args.words)
        asked = chats.list_mode_asked(text) if chats.mode_named(text) is None else None
        if asked is not None:
            outcome = chats.set_list_mode(service, chat_id, *asked, now)
            if outcome.result == "unknown":
                raise UserError(unknown_list_console(outcome.query, outcome.candidates))
            line = list_mode_console(chat_id, outcome.result, outcome.name, outcome.mode)
            if outcome.result != "set":
                raise UserError(line)
            return _shown(service, chat_id, now, line)
        setting, setter = "mode", chats.set_mode
    elif args.setting == "timezone":
        setting, setter, text = "timezone", chats.set_timezone, " ".join(args.zone)
    elif args.setting == "time":
        setting, setter, text = "time", chats.set_digest_time, args.at
    else:
        setting, setter = "schedule", chats.set_schedule
        text = {
            "schedule": lambda: " ".join(args.days),
            "quiet": lambda: f"quiet {args.hours}",
            "repeats": lambda: f"repeats {args.switch}",
        }[args.setting]()
    try:
        summary = setter(service, chat_id, text, now)
    except chats.SettingRefused as exc:
        raise UserError(
            setting_refused_console(setting, exc.value, exc.reason, exc.suggestions)
        ) from exc
    done = f"chat {chat_id}: done"
    if summary.zone_read_as is not None:
        done += f". {zone_read_as_console(*summary.zone_read_as)}"
    return _shown(service, chat_id, now, done)


def _mute(service: Any, args: argparse.Namespace, now: datetime) -> str:
    from bot.app import feedback
    from bot.domain.mute import BUTTON_MUTE_DAYS
    from bot.messages.chat_console import mute_console, mute_refused_console, unknown_list_console

    chat_id: int = args.chat
    if args.setting == "unmute":
        done = feedback.unmute(service, chat_id, args.watchlist, now)
    else:
        days = BUTTON_MUTE_DAYS if args.days is None else args.days
        try:
            done = feedback.mute(service, chat_id, args.watchlist, days, now)
        except ValueError as exc:
            raise UserError(mute_refused_console(str(exc))) from exc
    if done.result == "unknown":
        raise UserError(unknown_list_console(done.query, done.candidates))
    sub = service.store.chats.get(chat_id)
    line = mute_console(chat_id, done.result, done.watchlist, done.until, sub.timezone)
    if done.result == "not_following":
        raise UserError(line)
    return line
