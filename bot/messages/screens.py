"""What the bot says: reply texts and inline keyboards, built from plain data (pure).

Texts are Telegram HTML; every piece that comes from a user, a watchlist file or an
article goes through ``escape``. Buttons carry short callback data (Telegram allows 64
bytes), naming a watchlist by a hash of its name rather than the name itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.models import MODES, Subscriber, Watchlist, watchlist_key
from bot.domain.quiet import quiet_hours_of
from bot.domain.schedule import WEEKDAYS, zone
from bot.lists.personal import display_name
from bot.lists.rules import BIDI_CONTROLS
from bot.messages.dates import weekday_time_label, zone_name
from bot.messages.html import bold, escape
from bot.messages.words import plural

BUSY = "I am still sending earlier messages to this chat; ask again in a minute."

# Replies when a command fails: on the store (nothing it would have changed was saved),
# or in a way nobody expected.
STORE_BUSY_REPLY = "I'm busy right now and could not do that. Please try again in a minute."
STORE_FAILED_REPLY = (
    "I can't save anything right now (a problem on my server), so I could not do that. "
    "Please try again later."
)
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."

ADMINS_ONLY = "Sorry, that command is for the bot's admins."
GROUP_ADMINS_ONLY = "Only this group's admins can change what it follows and its settings."
PERSONAL_PRIVATE_ONLY = (
    "Personal watchlists are kept in your private chat with me: open it and send /mylists."
)

# (label, callback data) rows, converted to PTB's InlineKeyboardMarkup by the handlers.
Keyboard = list[list[tuple[str, str]]]

MODE_LABELS = {
    "instant": "instant alerts only",
    "daily": "daily digest only",
    "both": "instant alerts and a daily digest",
    "off": "nothing (paused)",
}

CHAT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and watchlists to follow"),
    ("help", "What I can do"),
    ("watchlists", "All watchlists; tap to follow"),
    ("subscribe", "Follow a watchlist: NAME"),
    ("unsubscribe", "Stop following: NAME"),
    ("mysubs", "Your subscriptions and settings"),
    ("digest", "Digest now: [today|yesterday|DATE]"),
    ("latest", "Latest matches: [LIST] [N]"),
    ("search", "Find articles"),
    ("export", "Matches as CSV"),
    ("trend", "Chart of matches per week: [LIST…] [WEEKS]"),
    ("time", "Digest time: HH:MM"),
    ("schedule", "Digest days, quiet hours"),
    ("timezone", "Time zone: Area/City or a city"),
    ("mode", "[LIST] instant|daily|both|off"),
    ("aboutalerts", "Possibly-about alerts: LIST on|off"),
    ("mute", "Mute a list: LIST [DAYS]"),
    ("unmute", "End a mute: LIST"),
    ("stop", "Unsubscribe from everything"),
)
# Refused in groups: /help there leaves them out (the command menu, published once for
# every chat, still lists them).
PERSONAL_COMMANDS: tuple[tuple[str, str], ...] = (
    ("mylists", "Your personal watchlists"),
    ("mynew", "New personal list: NAME | TERM, TERM"),
    ("myadd", "Add terms: NAME | TERM"),
    ("myrm", "Remove a term: NAME | TERM; delete a list: NAME"),
    ("feedback", "What votes say: [LIST]"),
)
# Everyone's commands, in the order /help and the command menu show them.
PUBLIC_COMMANDS = (*CHAT_COMMANDS, *PERSONAL_COMMANDS)

# In the menu of a group's admins (in groups only), after the chat commands.
GROUP_ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("route", "A list's alerts and digest to this topic: /route LIST here|off"),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("status", "Feeds, outbox, subscribers"),
    ("showlist", "A watchlist's terms and history: /showlist LIST"),
    ("newlist", "Create a watchlist: /newlist NAME | TERM[, TERM…]"),
    ("addterm", "Add terms: /addterm LIST | TERM[, TERM…] [--exact]"),
    ("rmterm", "Remove a term: /rmterm LIST | TERM"),
    ("exclude", "Add an exclusion: /exclude LIST | PHRASE"),
    ("rmexclude", "Remove an exclusion: /rmexclude LIST | PHRASE"),
    ("testlist", "Dry run: /testlist LIST [days] [+TERM]"),
    ("deletelist", "Delete a watchlist: /deletelist LIST"),
    ("route", "Deliver a list elsewhere: /route LIST @channel|here|off"),
)


# Embedding, override and isolate controls: echoed back unbalanced, one would turn the
# rest of the reply around ("\u202e" makes everything after it read right to left).
_WITHOUT_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def echo(text: str) -> str:
    """Text that repeats what someone typed (or a message quoting it), escaped and
    without text-direction controls."""
    return escape(text.translate(_WITHOUT_BIDI))


def quote_input(text: str, limit: int = 60) -> str:
    """A user's input echoed back: shortened and escaped, so a 10,000-character
    argument cannot make the reply too long."""
    text = " ".join(text.translate(_WITHOUT_BIDI).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{escape(text)}”"


def welcome(
    sub: Subscriber, watchlists: Sequence[Watchlist], *, next_digest: datetime | None
) -> str:
    group = sub.is_group
    who = "this group" if group else "you"
    lines = [
        "<b>CACI Watch</b> reads the <i>Central Asia-Caucasus Analyst</i> "
        f"(cacianalyst.org) and tells {who} when a new article touches a subject "
        f"{'it follows' if group else 'you follow'}: at once, and again in a daily digest.",
        "",
    ]
    if watchlists:
        lines.append("Tap a watchlist to follow it (✅ = following):")
    else:
        lines.append("There are no watchlists yet; an admin can create one.")
    lines.append("")
    lines.append(settings_line(sub, next_digest))
    lines.append("/help lists everything I can do.")
    return "\n".join(lines)


_DAY_WORDS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def cadence_words(digest_days: str) -> tuple[str, str]:
    """The digest's cadence as ("daily digest", "") / ("digest", " on weekdays") /
    ("weekly digest", " on Fridays"): the noun and what follows the time."""
    if digest_days == "weekdays":
        return "digest", " on weekdays"
    if digest_days in WEEKDAYS:
        return "weekly digest", f" on {_DAY_WORDS[WEEKDAYS.index(digest_days)]}"
    return "daily digest", ""


def settings_line(sub: Subscriber, next_digest: datetime | None = None) -> str:
    """What the chat receives and when, true in every mode: the one wording of the
    settings, used by /start, /mysubs, /mode and every settings confirmation."""
    who = "This group gets" if sub.is_group else "You get"
    noun, days = cadence_words(sub.digest_days)
    at = f"<b>{escape(sub.digest_time)}</b> {escape(zone_name(sub.timezone))}{days}"
    if sub.mode == "both":
        line = f"{who} instant alerts and a {noun} at {at}."
    elif sub.mode == "instant":
        line = f"{who} instant alerts only, no {noun} (it would come at {at})."
    elif sub.mode == "daily":
        line = f"{who} the {noun} only, at {at} (no instant alerts)."
    else:
        line = (
            f"{who} nothing (paused): /mode both turns alerts and the digest back on"
            f" (the digest at {at})."
        )
    if sub.list_modes:
        line += " (Lists with a mode of their own are marked in /mysubs.)"
    if quiet := quiet_hours_of(sub.quiet_hours):
        line += (
            f"\nQuiet hours {quiet.start:%H:%M}–{quiet.end:%H:%M}: alerts then are held and"
            f" come as one message at {quiet.end:%H:%M} (or in a digest due then)."
        )
    if sub.digest_skips_alerted:
        line += "\nThe digest leaves out what came as an instant alert."
    if next_digest is not None and sub.wants_digest and sub.watchlists:
        line += f"\nNext digest: {weekday_time_label(next_digest, zone(sub.timezone))}."
    return line


def toggle_keyboard(sub: Subscriber, watchlists: Sequence[Watchlist], screen: str) -> Keyboard:
    followed = set(sub.watchlists)
    rows: Keyboard = []
    for w in watchlists:
        mark = "✅" if w.name in followed else "➕"
        rows.append([(f"{mark} {w.name}", f"t:{screen}:{watchlist_key(w.name)}")])
    return rows


def help_text(*, is_admin: bool, group: bool) -> str:
    """/help: in a group without the personal-list commands, which work only in a
    private chat, and with a line saying where to find them."""
    lines = ["<b>What I can do</b>", ""]
    shown = CHAT_COMMANDS if group else PUBLIC_COMMANDS
    lines += [f"/{name} — {escape(about)}" for name, about in shown]
    if group:
        lines += ["", "In a group, only its admins can change what it follows and its settings."]
        lines += ["In a forum topic, /route LIST here sends the list's alerts and digest there."]
        lines += [PERSONAL_PRIVATE_ONLY]
    if is_admin:
        lines += ["", "<b>Admin</b>"]
        lines += [f"/{name} — {escape(about)}" for name, about in ADMIN_COMMANDS]
    lines += [
        "",
        "List names are forgiving: /subscribe tripp.",
    ]
    return "\n".join(lines)


def watchlists_text(sub: Subscriber, watchlists: Sequence[Watchlist]) -> str:
    if not watchlists:
        return "There are no watchlists yet."
    followed = set(sub.watchlists)
    lines = ["<b>Watchlists</b> (tap to follow or stop):", ""]
    for w in watchlists:
        mark = "✅" if w.name in followed else "▫️"
        about = f" — {escape(w.description)}" if w.description else ""
        terms = len(w.terms)
        lines.append(f"{mark} <b>{escape(w.name)}</b>{about} ({terms} term{'s' * (terms != 1)})")
    return "\n".join(lines)


def mysubs_text(
    sub: Subscriber,
    *,
    next_digest: datetime | None,
    missing: Sequence[str],
    muted: Mapping[str, datetime] | None = None,
    commands: bool = True,
) -> str:
    """/mysubs; ``muted``: the lists muted now, with when each mute ends. Without
    ``commands``, no hint of which command changes what (``caci-watch chat`` has its own)."""
    lines = ["<b>This group's subscriptions</b>" if sub.is_group else "<b>Your subscriptions</b>"]
    muted = muted or {}
    tz = zone(sub.timezone)
    if sub.watchlists:
        lines += [
            f"• {escape(display_name(name))}"
            + list_mode_mark(sub, name)
            + about_alerts_mark(sub, name)
            + (
                f" <i>(muted until {weekday_time_label(muted[name], tz)}"
                + (f"; /unmute {escape(display_name(name))}" if commands else "")
                + ")</i>"
                if name in muted
                else ""
            )
            for name in sub.watchlists
        ]
    else:
        lines.append("none yet: /watchlists to pick some" if commands else "none yet")
    lines += ["", settings_line(sub, next_digest)]
    if missing:
        names = ", ".join(escape(display_name(n)) for n in missing)
        lines.append(f"No longer available: {names}.")
    if not commands:
        return "\n".join(lines)
    lines += [
        "",
        "Change with /mode (or /mode LIST digest), /schedule, /time, /timezone,"
        " /aboutalerts, or tap below.",
    ]
    return "\n".join(lines)


# What a tapped button answers: plain text, shown briefly over the chat.
WATCHLIST_GONE = "That watchlist no longer exists."
STALE_BUTTON = "That button is out of date; send /start for fresh ones."


def toggled(followed: bool, name: str) -> str:
    """A watchlist's button tapped: whether the chat follows it now."""
    return f"{'Following' if followed else 'Stopped following'} {name}"


def mode_chosen(mode: str) -> str:
    """A mode's button tapped."""
    return f"Mode: {MODE_LABELS[mode]}"


def mode_keyboard(sub: Subscriber) -> Keyboard:
    """The chat's mode, and a button to the schedule's."""
    row = [(("• " if sub.mode == m else "") + m, f"m:{m}") for m in MODES]
    return [row, [("⏰ Digest days and quiet hours", SCHEDULE_DATA)]]


SCHEDULE_DATA = "sch:"


def schedule_keyboard(sub: Subscriber) -> Keyboard:
    """/schedule's buttons: the digest's days (a weekly one on each day), quiet hours
    (a common choice, or off) and whether the digest repeats what came as alerts."""

    def mark(on: bool, label: str) -> str:
        return ("• " if on else "") + label

    days = sub.digest_days
    return [
        [
            (mark(days == "daily", "daily"), "sch:d:daily"),
            (mark(days == "weekdays", "weekdays"), "sch:d:weekdays"),
        ],
        [(mark(days == d, d.capitalize()), f"sch:d:{d}") for d in WEEKDAYS],
        [
            (mark(sub.quiet_hours == "22:00-07:00", "quiet 22–07"), "sch:q:22:00-07:00"),
            (mark(sub.quiet_hours == "23:00-08:00", "quiet 23–08"), "sch:q:23:00-08:00"),
            (mark(not sub.quiet_hours, "no quiet hours"), "sch:q:off"),
        ],
        [
            (mark(not sub.digest_skips_alerted, "digest repeats alerts"), "sch:r:on"),
            (mark(sub.digest_skips_alerted, "digest without them"), "sch:r:off"),
        ],
    ]


def schedule_shown(sub: Subscriber, next_digest: datetime | None) -> str:
    """/schedule without arguments: the settings, how to change them, and the buttons."""
    return (
        f"{settings_line(sub, next_digest)}\n\n{escape(SCHEDULE_USAGE)}\nOr tap (weekly: the"
        " day; the time stays):"
    )


SCHEDULE_USAGE = (
    "/schedule daily|weekdays [HH:MM], /schedule weekly fri [HH:MM],"
    " /schedule quiet 22:00-07:00|off, /schedule repeats on|off."
)

LIST_MODE_LABELS = {
    "instant": "alerts only",
    "daily": "digest only",
    "both": "alerts and digest",
    "off": "paused",
}


def list_mode_mark(sub: Subscriber, name: str) -> str:
    """After a followed list in /mysubs: its own mode, when it has one."""
    own = dict(sub.list_modes).get(name)
    return f" — {LIST_MODE_LABELS[own]}" if own else ""


def list_mode_reply(
    result: str, name: str, mode: str | None, *, query: str, candidates: Sequence[str]
) -> str:
    """The reply to /mode LIST MODE (``result`` as ``ListModeOutcome`` has it)."""
    if result == "unknown":
        return unknown_watchlist(query, candidates, then=escape(LIST_MODE_USAGE))
    shown = bold(name)
    if result == "not_following":
        return f"Follow {shown} first (/subscribe {escape(name)}), then give it a mode."
    if mode is None:
        return f"{shown} goes by this chat's mode again."
    return f"{shown}: {LIST_MODE_LABELS[mode]}, whatever the chat's mode."


LIST_MODE_USAGE = "Use /mode LIST instant|daily|both|off, or /mode LIST default."


def timezone_read_as(typed: str, key: str, reading: str) -> str:
    """/timezone took an abbreviation for its place, or an offset for a fixed zone: say
    which, before the settings."""
    if reading == "abbreviation":
        return (
            f"I read {quote_input(typed, 20)} as <b>{escape(key)}</b>, which keeps its clock"
            " changes (a fixed offset would be an hour off half the year)."
        )
    return (
        f"I read {quote_input(typed, 20)} as a fixed <b>{escape(zone_name(key))}</b> all year"
        f" ({escape(key)}: the tz database writes the sign the other way round). A place,"
        " such as /timezone Baku, follows its clock changes."
    )


def one_of(names: Sequence[str], *, html: bool = True) -> str:
    """ "A", "A or B", "A, B or C": each name in bold (HTML) or in quotes (plain text)."""
    shown = [bold(n) if html else f"“{n}”" for n in names]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} or {shown[-1]}"


def did_you_mean(candidates: Sequence[str], *, html: bool = True) -> str:
    """The one "Did you mean A or B?" of every reply offering names close to what was
    typed (Telegram HTML, or plain text for the terminal); "" with nothing to offer."""
    return f"Did you mean {one_of(candidates, html=html)}?" if candidates else ""


ALL_WATCHLISTS = "/watchlists lists them all."


def unknown_watchlist(query: str, candidates: Sequence[str], *, then: str = ALL_WATCHLISTS) -> str:
    """No watchlist goes by what was typed: the close ones, then what to do (`then`)."""
    text = f"I know no watchlist called {quote_input(query)}."
    if candidates:
        text += " " + did_you_mean(candidates)
    return f"{text} {then}"


# -- a command's arguments ----------------------------------------------------------------


def usage(how: str, hint: str = "") -> str:
    """A command sent without the arguments it needs: how to type it, then `hint`."""
    return f"Usage: {escape(how)}." + (f" {escape(hint)}" if hint else "")


def arguments_refused(typed: str, reason: str, hint: str = "") -> str:
    """Arguments that cannot be read (`reason`, a plain clause), quoted back shortened."""
    return f"{quote_input(typed, 40)}: {escape(reason)}." + (f" {escape(hint)}" if hint else "")


# -- following and settings replies ------------------------------------------------------


def which_one(verb: str) -> str:
    """/subscribe or /unsubscribe (`verb`) without a name, above the watchlists' buttons."""
    return f"Which one? For example /{verb} middle corridor — or tap:"


def follow_reply(
    result: str, name: str, *, query: str, candidates: Sequence[str], group: bool
) -> str:
    """The reply to /subscribe and /unsubscribe (``result`` as ``FollowOutcome`` has it)."""
    if result == "unknown":
        return unknown_watchlist(query, candidates)
    name = f"<b>{escape(name)}</b>"
    who = "this group" if group else "you"
    if result == "followed":
        return f"Following {name}. New articles that mention it will reach {who}."
    if result == "already":
        return f"{'This group is' if group else 'You are'} already following {name}."
    if result == "stopped":
        return f"Stopped following {name}."
    return f"{'This group was' if group else 'You were'} not following {name}."


# -- questions answered with a button ("c:…"; see bot.domain.confirm) --------------------

CONFIRM_CANCELLED = "Cancelled: nothing was changed."
CONFIRM_EXPIRED = "That question has expired, so nothing was changed; send the command again."
CANCEL_DATA = "c:no"


def stop_question(followed: Sequence[str], *, group: bool) -> str:
    """/stop asks first: everything the chat follows would go."""
    names = ", ".join(bold(display_name(n)) for n in followed)
    who = "this group follows" if group else "you follow"
    return (
        f"Stop following everything? That is {plural(len(followed), 'watchlist')} {who}:"
        f" {names}. You can pick them again with /start."
    )


def stop_keyboard(asked: str) -> Keyboard:
    """Yes (carrying when it was asked) and Cancel, under /stop's question."""
    return [[("Yes, stop everything", f"c:stop:{asked}"), ("Cancel", CANCEL_DATA)]]


def stop_reply(gone: Sequence[str], *, group: bool) -> str:
    if gone:
        return "Unsubscribed from everything. /start to pick watchlists again."
    who = "This group was" if group else "You were"
    return f"{who} not following anything. /start to pick watchlists."


def setting_shown(sub: Subscriber, setting: str) -> str:
    """/time, /timezone or /mode without an argument."""
    if setting == "time":
        at = f"<b>{escape(sub.digest_time)}</b> {escape(zone_name(sub.timezone))}"
        return f"The digest time is {at}. Change it with /time 07:30.\n{settings_line(sub)}"
    if setting == "timezone":
        return (
            f"The time zone is <b>{escape(zone_name(sub.timezone))}</b>"
            + (f" ({escape(sub.timezone)})" if zone_name(sub.timezone) != sub.timezone else "")
            + ". "
            "Change it with /timezone Europe/Berlin (or a city: /timezone Tbilisi)."
        )
    return settings_line(sub) + "\nChoose:"


def setting_refused(setting: str, value: str, reason: str, suggestions: Sequence[str]) -> str:
    if setting == "time":
        return escape(reason)
    if setting == "schedule":
        return f"{escape(reason)} {escape(SCHEDULE_USAGE)}"
    if setting == "timezone":
        text = f"I don't know the time zone {quote_input(value, 40)}."
        if suggestions:
            text += " " + did_you_mean(suggestions[:3])
        return text + " Use Area/City, like Europe/Berlin or Asia/Tbilisi."
    return (
        f"{quote_input(value)} is not a mode. "
        "Use /mode instant, /mode daily, /mode both or /mode off."
    )


def settings_done(sub: Subscriber, *, next_digest: datetime | None, missing: Sequence[str]) -> str:
    return "Done. " + mysubs_text(sub, next_digest=next_digest, missing=missing)


def follows_nothing(*, group: bool) -> str:
    who = "This group follows" if group else "You follow"
    return f"{who} no watchlist yet: /watchlists to pick some."


FREE_TEXT_REPLY = (
    "I answer commands: /watchlists to pick subjects, /latest for recent articles, "
    "/help for the rest."
)


def unknown_command(command: str) -> str:
    return f"I don't know {quote_input(command, 40)}. /help lists what I can do."


# After "I know no watchlist called …" (`unknown_watchlist`) in reply to /latest.
LATEST_USAGE = "Use /latest [LIST] [number], for example /latest 10 or /latest TRIPP 5."


def latest_refused(most: int) -> str:
    """/latest with a count it cannot show (0, negative)."""
    return f"Give a number from 1 to {most}, for example /latest 10 or /latest TRIPP 10."


def latest_none(watchlist: str | None, days: int) -> str:
    """/latest found nothing in the `days` it looks back over."""
    if watchlist is not None:
        return f"No articles matched <b>{escape(watchlist)}</b> in the last {plural(days, 'day')}."
    return f"No matching articles in the last {plural(days, 'day')}."


def latest_capped(count: int) -> str:
    return f"(/latest shows at most {count} articles.)"


# -- possibly-about alerts (/aboutalerts) -------------------------------------------------

ABOUT_ALERTS_USAGE = (
    "Use /aboutalerts LIST on or /aboutalerts LIST off, e.g. /aboutalerts TRIPP on."
)


def about_alerts_mark(sub: Subscriber, name: str) -> str:
    """After a followed list in /mysubs: whether its possibly-about articles alert too."""
    return " (+ possibly-about alerts)" if name in sub.about_alerts else ""


def about_alerts_usage(sub: Subscriber) -> str:
    """/aboutalerts without arguments: what it does, and for which lists it is on."""
    on = [n for n in sub.watchlists if n in sub.about_alerts]
    where = ", ".join(bold(display_name(n)) for n in on) if on else "no list"
    return (
        "Articles that discuss a list's subject without naming it are in the daily digest"
        " under “Possibly about”. /aboutalerts sends them at once too, like the other"
        f" alerts. On for: {where}.\n{escape(ABOUT_ALERTS_USAGE)}"
    )


def about_alerts_reply(
    result: str,
    name: str,
    *,
    query: str,
    candidates: Sequence[str],
    sub: Subscriber | None,
) -> str:
    """The reply to /aboutalerts (``result`` as ``AboutAlertsOutcome`` has it)."""
    if result == "unknown":
        return unknown_watchlist(query, candidates, then=escape(ABOUT_ALERTS_USAGE))
    shown = bold(name)
    if result == "not_following":
        return (
            f"Follow {shown} first (/subscribe {escape(name)}):"
            " these alerts are for lists followed."
        )
    if result == "no_about":
        return (
            f"{shown} does not say what it is about (no <code>about</code> in its file), so no"
            " article is found as possibly about it; an admin can add that."
        )
    if result == "personal":
        return (
            f"{shown} is a personal list: those are matched by name only, so no article is"
            " found as possibly about it."
        )
    if result == "tier_off":
        return (
            f"Possibly-about alerts for {shown} stay off: this bot does not look for articles"
            " possibly about a list (its config says <code>[about] enabled = false</code>)."
        )
    if result == "on":
        text = (
            f"Possibly-about alerts for {shown} are on: articles that discuss it without"
            " naming it come at once too."
        )
        if sub is not None and not sub.wants_alerts:
            text += " (Your mode sends no instant alerts now: /mode both turns them on.)"
        return text
    return (
        f"Possibly-about alerts for {shown} are off: articles that discuss it without naming"
        " it are in the daily digest only."
    )
