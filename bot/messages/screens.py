"""What the bot says: reply texts and inline keyboards, built from plain data (pure).

Texts are Telegram HTML; every piece that comes from a user, a watchlist file or an
article goes through ``escape``. Buttons carry short callback data (Telegram allows 64
bytes), naming a watchlist by a hash of its name rather than the name itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from bot.domain.models import MODES, Subscriber, Watchlist
from bot.domain.schedule import zone
from bot.lists.personal import display_name
from bot.messages.dates import weekday_time_label
from bot.messages.html import escape

# (label, callback data) rows, converted to PTB's InlineKeyboardMarkup by the handlers.
Keyboard = list[list[tuple[str, str]]]

MODE_LABELS = {
    "instant": "instant alerts only",
    "daily": "daily digest only",
    "both": "instant alerts and a daily digest",
    "off": "nothing (paused)",
}

PUBLIC_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Welcome and watchlists to follow"),
    ("help", "What I can do"),
    ("watchlists", "All watchlists; tap to follow"),
    ("subscribe", "Follow a watchlist: /subscribe NAME"),
    ("unsubscribe", "Stop following: /unsubscribe NAME"),
    ("mysubs", "Your subscriptions and settings"),
    ("digest", "Digest now: /digest [today|yesterday|YYYY-MM-DD]"),
    ("latest", "Latest matching articles: /latest [N]"),
    ("time", "Daily digest time: /time HH:MM"),
    ("timezone", "Your time zone: /timezone Area/City"),
    ("mode", "instant, daily, both or off"),
    ("stop", "Unsubscribe from everything"),
    ("mylists", "Your personal watchlists (only you see them)"),
    ("mynew", "New personal list: /mynew NAME | TERM, TERM"),
    ("myadd", "Add terms to yours: /myadd NAME | TERM"),
    ("myrm", "Remove a term: /myrm NAME | TERM; delete a list: /myrm NAME"),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("status", "Feeds, outbox, subscribers"),
    ("showlist", "A watchlist's terms and history: /showlist LIST"),
    ("newlist", "Create a watchlist: /newlist NAME | TERM[, TERM…]"),
    ("addterm", "Add terms: /addterm LIST | TERM[, TERM…] [--exact]"),
    ("rmterm", "Remove a term: /rmterm LIST | TERM"),
    ("exclude", "Add an exclusion: /exclude LIST | PHRASE"),
    ("testlist", "Dry run: /testlist LIST [days]"),
)


def watchlist_key(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


# Embedding, override and isolate controls: echoed back unbalanced, one would turn the
# rest of the reply around ("\u202e" makes everything after it read right to left).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def echo(text: str) -> str:
    """Text that repeats what someone typed (or a message quoting it), escaped and
    without text-direction controls."""
    return escape(_BIDI_CONTROLS.sub("", text))


def quote_input(text: str, limit: int = 60) -> str:
    """A user's input echoed back: shortened and escaped, so a 10,000-character
    argument cannot make the reply too long."""
    text = " ".join(_BIDI_CONTROLS.sub("", text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{escape(text)}”"


def welcome(sub: Subscriber, watchlists: Sequence[Watchlist], *, group: bool) -> str:
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
    lines.append(settings_line(sub))
    lines.append("/help lists everything I can do.")
    return "\n".join(lines)


def settings_line(sub: Subscriber) -> str:
    return (
        f"You get {MODE_LABELS[sub.mode]}; the digest comes at "
        f"<b>{escape(sub.digest_time)}</b> {escape(sub.timezone)}."
    )


def toggle_keyboard(sub: Subscriber, watchlists: Sequence[Watchlist], screen: str) -> Keyboard:
    followed = set(sub.watchlists)
    rows: Keyboard = []
    for w in watchlists:
        mark = "✅" if w.name in followed else "➕"
        rows.append([(f"{mark} {w.name}", f"t:{screen}:{watchlist_key(w.name)}")])
    return rows


def help_text(*, is_admin: bool, group: bool) -> str:
    lines = ["<b>What I can do</b>", ""]
    lines += [f"/{name} — {escape(about)}" for name, about in PUBLIC_COMMANDS]
    if group:
        lines += ["", "In a group, only its admins can change what it follows and its settings."]
    if is_admin:
        lines += ["", "<b>Admin</b>"]
        lines += [f"/{name} — {escape(about)}" for name, about in ADMIN_COMMANDS]
    lines += [
        "",
        "Watchlist names are forgiving: /subscribe middle corridor, /subscribe tripp.",
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


def mysubs_text(sub: Subscriber, *, next_digest: datetime | None, missing: Sequence[str]) -> str:
    lines = ["<b>Your subscriptions</b>"]
    if sub.watchlists:
        lines += [f"• {escape(display_name(name))}" for name in sub.watchlists]
    else:
        lines.append("none yet: /watchlists to pick some")
    lines += ["", settings_line(sub)]
    if next_digest is not None and sub.wants_digest and sub.watchlists:
        lines.append(f"Next digest: {weekday_time_label(next_digest, zone(sub.timezone))}.")
    if missing:
        names = ", ".join(escape(display_name(n)) for n in missing)
        lines.append(f"No longer available: {names}.")
    lines += ["", "Change with /mode, /time, /timezone; tap below for the mode."]
    return "\n".join(lines)


def mode_keyboard(sub: Subscriber) -> Keyboard:
    row = [(("• " if sub.mode == m else "") + m, f"m:{m}") for m in MODES]
    return [row]


def unknown_watchlist(query: str, candidates: Sequence[str]) -> str:
    text = f"I know no watchlist called {quote_input(query)}."
    if candidates:
        text += " Did you mean " + " or ".join(f"<b>{escape(c)}</b>" for c in candidates) + "?"
    return text + " /watchlists lists them all."
