"""A chat's own use cases: being known to the bot, following lists, its settings.

Front ends (Telegram today) read who is asking and what they typed, check what only
they can check (whether a group member is one of its admins), call one function here,
and word its outcome with ``bot.messages.screens``. Nothing here knows Telegram.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from bot.app import watchlist_sync
from bot.app.quiet_release import queue_held_alerts
from bot.app.service import Service
from bot.domain.models import MODES, Mode, Subscriber, Watchlist, watchlist_key
from bot.domain.mute import muted_lists
from bot.domain.quiet import chat_held_span, parse_quiet_hours
from bot.domain.resolve import (
    TimezoneReading,
    UnknownTimezone,
    resolve_timezone,
    resolve_watchlist,
    timezone_reading,
)
from bot.domain.routing import Route
from bot.domain.schedule import chat_next_digest, parse_cadence, parse_time_of_day
from bot.lists.personal import display_name, owner_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Chat:
    """Who is talking to the bot, as the front end saw it."""

    chat_id: int
    kind: str  # "private", "group", "supergroup" or "channel"
    title: str = ""

    @property
    def is_group(self) -> bool:
        return self.kind != "private"


def ensure_chat(service: Service, chat: Chat, now: datetime) -> Subscriber:
    """The chat's subscriber row, created with the deployment's defaults on first contact
    (and active again if it had blocked or removed the bot)."""
    digest = service.config.digest
    sub, created = service.store.chats.ensure(
        chat.chat_id,
        kind=chat.kind,
        title=chat.title,
        timezone=digest.timezone,
        digest_time=digest.time.strftime("%H:%M"),
        now=now,
    )
    if created:
        log.info("chat=%d kind=%s status=new_subscriber", chat.chat_id, chat.kind)
    return sub


# A chat as the use cases below take it: one talking to the bot (``Chat``: made known,
# active again) or one an operator names by its id from the server (never created, and
# never made active again: a chat that blocked the bot stays stopped).
ChatRef = Chat | int


def known_chat(service: Service, chat: ChatRef, now: datetime) -> Subscriber:
    """The subscriber ``chat`` is: ``ensure_chat`` for a ``Chat``; for an id, the row
    as it is (``UnknownChat`` when the bot has never met it)."""
    if isinstance(chat, Chat):
        return ensure_chat(service, chat, now)
    sub = service.store.chats.get(chat)
    if sub is None:
        raise UnknownChat(chat)
    return sub


class UnknownChat(LookupError):
    """An operator named a chat the bot has never talked to."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        super().__init__(f"no chat {chat_id}")


def shared_lists(service: Service, now: datetime) -> list[Watchlist]:
    """The shared lists as people see them, by name; the files are read again first, so
    a list deleted a moment ago is neither offered nor followed. (A list edited is
    matched again by the minute's look at the files, not here: see take_up_removals.)"""
    watchlist_sync.take_up_removals(service, now)
    return sorted(service.watchlists, key=lambda w: w.name.casefold())


# -- following ---------------------------------------------------------------------------

FollowResult = Literal["followed", "already", "stopped", "not_following", "unknown"]


@dataclass(frozen=True, slots=True)
class FollowOutcome:
    result: FollowResult
    name: str = ""  # the list as people see it ("Rogun (personal)")
    query: str = ""
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListMeant:
    """The list a chat's typed name means: as shown, and as subscriptions name it
    (``target``); ``target`` is "" with ``candidates`` when the name means none."""

    shown: str
    target: str
    candidates: tuple[str, ...] = ()


def list_meant(
    service: Service, sub: Subscriber, query: str, now: datetime, *, leaving: bool
) -> ListMeant:
    """Which of the names the chat may type (``typable_names``) ``query`` means."""
    choices = typable_names(service, sub, now, leaving=leaving)
    found = resolve_watchlist(query, list(choices))
    if found.name is None:
        return ListMeant("", "", found.candidates)
    return ListMeant(found.name, choices[found.name])


def follow(service: Service, chat: Chat, query: str, now: datetime) -> FollowOutcome:
    """Follow the shared or own personal list ``query`` names (forgivingly)."""
    sub = ensure_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=False)
    if not meant.target:
        return FollowOutcome("unknown", query=query, candidates=meant.candidates)
    result: FollowResult = (
        "followed" if service.store.chats.subscribe(sub.chat_id, meant.target, now) else "already"
    )
    log.info("chat=%d action=subscribe watchlist=%r", sub.chat_id, meant.target)
    return FollowOutcome(result, meant.shown)


def unfollow(service: Service, chat: Chat, query: str, now: datetime) -> FollowOutcome:
    """Stop following ``query``; lists deleted since can be left too."""
    sub = ensure_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return FollowOutcome("unknown", query=query, candidates=meant.candidates)
    stopped = service.store.chats.unsubscribe(sub.chat_id, meant.target)
    log.info("chat=%d action=unsubscribe watchlist=%r", sub.chat_id, meant.target)
    return FollowOutcome("stopped" if stopped else "not_following", meant.shown)


def typable_names(
    service: Service, sub: Subscriber, now: datetime, *, leaving: bool
) -> dict[str, str]:
    """The names a chat may type for a list: shown name -> the name subscriptions use
    (personal lists are "~<owner>/<name>"). A chat's own personal list wins over a shared
    list shown alike. With ``leaving``, also lists followed that have gone since."""
    choices = {w.name: w.name for w in shared_lists(service, now)}
    for own in service.store.personal.of(sub.chat_id):
        choices[display_name(own.internal_name)] = own.internal_name
    if leaving:
        for gone in sub.watchlists:
            choices.setdefault(display_name(gone), gone)
    return choices


@dataclass(frozen=True, slots=True)
class ToggleOutcome:
    result: Literal["followed", "stopped", "gone"]
    name: str
    subscriber: Subscriber
    lists: tuple[Watchlist, ...]


def toggle(service: Service, chat: Chat, key_of: str, now: datetime) -> ToggleOutcome:
    """Follow or stop following the shared list a button names by its key
    (``bot.domain.models.watchlist_key``); "gone" when it no longer exists."""
    lists = shared_lists(service, now)
    sub = ensure_chat(service, chat, now)
    found = next((w for w in lists if watchlist_key(w.name) == key_of), None)
    if found is None:
        return ToggleOutcome("gone", "", sub, tuple(lists))
    chats = service.store.chats
    if found.name in sub.watchlists:
        chats.unsubscribe(sub.chat_id, found.name)
        result: Literal["followed", "stopped"] = "stopped"
    else:
        chats.subscribe(sub.chat_id, found.name, now)
        result = "followed"
    log.info("chat=%d action=toggle watchlist=%r", sub.chat_id, found.name)
    fresh = chats.get(sub.chat_id)
    assert fresh is not None
    return ToggleOutcome(result, found.name, fresh, tuple(lists))


def stop(service: Service, chat: Chat, now: datetime) -> list[str]:
    """Stop following everything; returns what was followed."""
    sub = ensure_chat(service, chat, now)
    gone = service.store.chats.unsubscribe_all(sub.chat_id)
    log.info("chat=%d action=stop unsubscribed=%d", sub.chat_id, len(gone))
    return gone


# -- settings ----------------------------------------------------------------------------


Setting = Literal["time", "timezone", "mode", "schedule"]


class SettingRefused(ValueError):
    """A value for the digest time, time zone, mode or schedule that cannot be used."""

    def __init__(self, setting: Setting, value: str, reason: str = "") -> None:
        self.setting = setting
        self.value = value
        self.reason = reason
        self.suggestions: tuple[str, ...] = ()
        super().__init__(reason or f"{value!r} is not a {setting}")


@dataclass(frozen=True, slots=True)
class SettingsSummary:
    """What a chat receives and when: the one source of every settings reply."""

    subscriber: Subscriber
    next_digest: datetime | None
    missing: tuple[str, ...]  # followed lists that no longer exist
    # Followed lists muted at the time asked, with when each mute ends.
    muted: dict[str, datetime] = field(default_factory=dict)
    # Followed lists delivered elsewhere (a topic, a channel).
    routes: tuple[Route, ...] = ()
    # (typed, zone, how read) when /timezone took an abbreviation for its place ("EST":
    # America/New_York) or an offset for a fixed zone ("UTC+4": Etc/GMT-4): the reply
    # says so.
    zone_read_as: tuple[str, str, TimezoneReading] | None = None


def settings_summary(service: Service, chat_id: int, now: datetime) -> SettingsSummary:
    sub = service.store.chats.get(chat_id)
    assert sub is not None, "ensure_chat comes first"
    known = {w.name for w in service.watchlists}
    known |= {p.internal_name for p in service.store.personal.of(chat_id)}
    upcoming = chat_next_digest(sub, service.store.chats.last_digest(chat_id), now)
    missing = tuple(n for n in sub.watchlists if n not in known)
    routes = tuple(service.store.routes.of_chat(chat_id))
    return SettingsSummary(sub, upcoming, missing, muted_lists(sub, now), routes)


def set_digest_time(service: Service, chat: ChatRef, text: str, now: datetime) -> SettingsSummary:
    try:
        at = parse_time_of_day(text).strftime("%H:%M")
    except ValueError as exc:
        raise SettingRefused("time", text, str(exc)) from exc
    return _update(service, chat, now, digest_time=at)


def set_timezone(service: Service, chat: ChatRef, text: str, now: datetime) -> SettingsSummary:
    try:
        key = resolve_timezone(text).key
    except UnknownTimezone as exc:
        refused = SettingRefused("timezone", text, str(exc))
        refused.suggestions = exc.suggestions
        raise refused from exc
    sub = known_chat(service, chat, now)
    if key != sub.timezone:
        _send_held(service, sub, now)
    summary = _update(service, chat, now, timezone=key)
    reading = timezone_reading(text)
    if reading != "name":
        summary = replace(summary, zone_read_as=(text.strip(), key, reading))
    return summary


def _send_held(service: Service, sub: Subscriber, now: datetime) -> None:
    """Before the chat's quiet hours or zone change: the new spans would not start where
    the old ones did (and "off" has none), so what the old ones held so far goes out
    now, to someone awake to change them, rather than never."""
    held = chat_held_span(sub, now)
    if held is not None:
        queue_held_alerts(service, replace(sub, quiet_hours=""), held, now)
        # From here the new setting holds afresh.
        service.store.chats.set_quiet_released(sub.chat_id, now)


# -- /schedule: which days, quiet hours, repeats -------------------------------------------

_SWITCH = {"on": True, "off": False, "yes": True, "no": False}


def set_schedule(service: Service, chat: ChatRef, text: str, now: datetime) -> SettingsSummary:
    """``/schedule`` with arguments: "daily|weekdays|weekly DAY [HH:MM]" for the digest's
    days (and time), "quiet HH:MM-HH:MM|off" for quiet hours, "repeats on|off" for
    whether the digest repeats what came as alerts (mode both)."""
    words = text.split()
    head = words[0].casefold() if words else ""
    rest = " ".join(words[1:])
    if head == "quiet":
        try:
            quiet = parse_quiet_hours(rest)
        except ValueError as exc:
            raise SettingRefused("schedule", text, str(exc)) from exc
        sub = known_chat(service, chat, now)
        if sub.quiet_hours != (quiet.stored() if quiet else ""):
            _send_held(service, sub, now)
        service.store.chats.set_quiet_hours(sub.chat_id, quiet.stored() if quiet else "", now)
        return _logged(service, sub.chat_id, now)
    if head == "repeats":
        on = _SWITCH.get(rest.strip().casefold())
        if on is None:
            raise SettingRefused("schedule", text, "Say repeats on or repeats off.")
        return _update(service, chat, now, digest_skips_alerted=not on)
    # Days first, then an optional time: "weekly fri 9:00", "weekdays 7:30", "daily".
    digest_time = None
    if len(words) > 1 and any(c.isdigit() for c in words[-1]):
        try:
            digest_time = parse_time_of_day(words[-1]).strftime("%H:%M")
        except ValueError as exc:
            raise SettingRefused("schedule", text, str(exc)) from exc
        words = words[:-1]
    try:
        days = parse_cadence(" ".join(words))
    except ValueError as exc:
        raise SettingRefused("schedule", text, str(exc)) from exc
    return _update(service, chat, now, digest_days=days, digest_time=digest_time)


# -- a mode per list -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListModeOutcome:
    """A followed list's own mode set (``mode`` None: back to the chat's), or why not:
    ``result`` "set", "unknown" (``candidates``) or "not_following"."""

    result: Literal["set", "unknown", "not_following"]
    name: str = ""
    mode: Mode | None = None
    query: str = ""
    candidates: tuple[str, ...] = ()
    summary: SettingsSummary | None = None


def list_mode_asked(text: str) -> tuple[str, Mode | None] | None:
    """``/mode LIST MODE`` read as (list, mode; None for "default"), or None when the
    text is not that shape (a mode alone is the chat's)."""
    name, _, last = text.strip().rpartition(" ")
    if not name.strip():
        return None
    if last.casefold() == "default":
        return name.strip(), None
    mode = mode_named(last)
    return None if mode is None else (name.strip(), mode)


def set_list_mode(
    service: Service, chat: ChatRef, query: str, mode: Mode | None, now: datetime
) -> ListModeOutcome:
    """Give the followed list ``query`` names a mode of its own (None: the chat's)."""
    sub = known_chat(service, chat, now)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return ListModeOutcome("unknown", query=query, candidates=meant.candidates)
    if not service.store.chats.set_list_mode(sub.chat_id, meant.target, mode):
        return ListModeOutcome("not_following", meant.shown)
    _alerts_resumed(service, sub, now)
    log.info("chat=%d action=list_mode watchlist=%r mode=%s", sub.chat_id, meant.target, mode)
    return ListModeOutcome(
        "set", meant.shown, mode, summary=settings_summary(service, sub.chat_id, now)
    )


def mode_named(text: str) -> Mode | None:
    folded = text.strip().casefold()
    return next((m for m in MODES if m == folded), None)


def set_mode(service: Service, chat: ChatRef, text: str, now: datetime) -> SettingsSummary:
    mode = mode_named(text)
    if mode is None:
        raise SettingRefused("mode", text)
    return _update(service, chat, now, mode=mode)


def _update(
    service: Service,
    chat: ChatRef,
    now: datetime,
    *,
    timezone: str | None = None,
    digest_time: str | None = None,
    mode: Mode | None = None,
    digest_days: str | None = None,
    digest_skips_alerted: bool | None = None,
) -> SettingsSummary:
    sub = known_chat(service, chat, now)
    service.store.chats.update_settings(
        sub.chat_id,
        now,
        timezone=timezone,
        digest_time=digest_time,
        mode=mode,
        digest_days=digest_days,
        digest_skips_alerted=digest_skips_alerted,
    )
    _alerts_resumed(service, sub, now)
    return _logged(service, sub.chat_id, now)


def _alerts_resumed(service: Service, before: Subscriber, now: datetime) -> None:
    """A chat that got no instant alerts and gets them again from ``now`` has nothing
    held from before: what came meanwhile went into its digests, and quiet hours ending
    must not send it all again as one alert."""
    if before.wants_alerts:
        return
    after = service.store.chats.get(before.chat_id)
    if after is not None and after.wants_alerts:
        service.store.chats.set_quiet_released(before.chat_id, now)


def _logged(service: Service, chat_id: int, now: datetime) -> SettingsSummary:
    summary = settings_summary(service, chat_id, now)
    fresh = summary.subscriber
    log.info(
        "chat=%d action=settings mode=%s time=%s days=%s tz=%s quiet=%r skips_alerted=%s",
        fresh.chat_id,
        fresh.mode,
        fresh.digest_time,
        fresh.digest_days,
        fresh.timezone,
        fresh.quiet_hours,
        fresh.digest_skips_alerted,
    )
    return summary


# -- membership --------------------------------------------------------------------------


def bot_removed(service: Service, chat: Chat, now: datetime) -> None:
    """The user blocked the bot, or the group removed it: stop delivering at once rather
    than at the next failed send, and drop what is queued for the chat."""
    store = service.store
    if store.chats.get(chat.chat_id) is None:
        return
    reason = "removed the bot" if chat.is_group else "blocked the bot"
    with store.transaction():
        store.chats.deactivate(chat.chat_id, reason, now)
        dropped = store.outbox.fail_pending_for_chat(chat.chat_id, reason)
    log.info("chat=%d status=deactivated reason=%r dropped=%d", chat.chat_id, reason, dropped)


def bot_added(service: Service, chat: Chat, now: datetime) -> None:
    """Back again: active, with its settings and subscriptions kept."""
    ensure_chat(service, chat, now)
    log.info("chat=%d status=reactivated", chat.chat_id)


# -- possibly-about alerts ---------------------------------------------------------------

AboutAlertsResult = Literal[
    "on", "off", "unknown", "not_following", "no_about", "personal", "tier_off", "unknown_chat"
]


@dataclass(frozen=True, slots=True)
class AboutAlertsOutcome:
    """Whether the chat gets instant alerts for articles possibly about a list it follows
    (``result`` "on" or "off", now), or why that cannot be set."""

    result: AboutAlertsResult
    name: str = ""  # the list as people see it
    changed: bool = False
    query: str = ""
    candidates: tuple[str, ...] = ()
    subscriber: Subscriber | None = None


def about_alerts(
    service: Service, chat_id: int, query: str, on: bool | None, now: datetime
) -> AboutAlertsOutcome:
    """Turn the chat's possibly-about alerts for the list ``query`` names on or off (None:
    only say which). The chat must follow the list, and for "on" the list must say what
    it is about (`about` in its file), or there would be nothing to alert."""
    chats_ = service.store.chats
    sub = chats_.get(chat_id)
    if sub is None:
        return AboutAlertsOutcome("unknown_chat", query=query)
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        return AboutAlertsOutcome("unknown", query=query, candidates=meant.candidates)
    if meant.target not in sub.watchlists:
        return AboutAlertsOutcome("not_following", meant.shown, subscriber=sub)
    was = meant.target in sub.about_alerts
    if on is None or on == was:
        return AboutAlertsOutcome("on" if was else "off", meant.shown, subscriber=sub)
    if on and not service.config.about.enabled:
        # (The tier never runs: "on" would promise alerts that never come.)
        return AboutAlertsOutcome("tier_off", meant.shown, subscriber=sub)
    if on and owner_of(meant.target) is not None:
        return AboutAlertsOutcome("personal", meant.shown, subscriber=sub)
    if on and not any(w.name == meant.target and w.about for w in service.watchlists):
        return AboutAlertsOutcome("no_about", meant.shown, subscriber=sub)
    chats_.set_about_alerts(sub.chat_id, meant.target, on)
    log.info("chat=%d action=about_alerts watchlist=%r on=%s", sub.chat_id, meant.target, on)
    return AboutAlertsOutcome(
        "on" if on else "off", meant.shown, changed=True, subscriber=chats_.get(sub.chat_id)
    )
