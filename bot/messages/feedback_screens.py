"""What the bot says about feedback (pure): the answers to an alert's buttons, /feedback's
report and its buttons, /mute and /unmute, and the CLI's export line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from bot.domain.confirm import ANSWER_WITHIN
from bot.domain.feedback import DownVoted, VoteCounts
from bot.domain.models import watchlist_key
from bot.lists.personal import display_name
from bot.messages.alert_keyboard import label_text
from bot.messages.dates import date_label, weekday_time_label
from bot.messages.html import escape, fit, one_line
from bot.messages.screens import Keyboard, unknown_watchlist
from bot.messages.words import plural

# -- an alert's buttons (plain text, shown briefly over the chat) -------------------------


def vote_answer(result: str, up: bool, watchlist: str) -> str:
    name = display_name(watchlist)
    said = f"about {name}" if up else f"not about {name}"
    if result == "same":
        return f"Already noted: {said}."
    if result == "changed":
        return f"Changed: {said}. Thanks!"
    return f"Noted: {said}. Thanks!"


VOTE_ARTICLE_GONE = "I no longer know that article, so the vote was not kept."
VOTE_LIST_GONE = "That watchlist no longer matches this article; the vote was not kept."
STALE_ALERT_BUTTON = "That button is not one I can read; newer alerts carry working ones."
MUTE_NOT_FOLLOWING = "This chat no longer follows that watchlist, so there is nothing to mute."


def muted_answer(watchlist: str, until: datetime, tz: tzinfo) -> str:
    return f"Muted {display_name(watchlist)} until {weekday_time_label(until, tz)}."


def unmuted_answer(watchlist: str) -> str:
    return f"{display_name(watchlist)} is no longer muted."


def not_muted_answer(watchlist: str) -> str:
    return f"{display_name(watchlist)} is not muted."


# -- /mute and /unmute -------------------------------------------------------------------

MUTE_USAGE = "/mute LIST DAYS (for example /mute TRIPP 7), /unmute LIST"


def mute_reply(result: str, watchlist: str, until: datetime | None, tz: tzinfo) -> str:
    name = escape(display_name(watchlist))
    if result == "muted" and until is not None:
        return (
            f"Muted <b>{name}</b> until {weekday_time_label(until, tz)}: no alerts and no digest"
            f" items for it until then. /unmute {name} ends it sooner."
        )
    if result == "unmuted":
        return f"<b>{name}</b> is no longer muted."
    if result == "not_muted":
        return f"<b>{name}</b> is not muted."
    return f"This chat does not follow <b>{name}</b>, so there is nothing to mute."


def mute_unknown(query: str, candidates: Sequence[str]) -> str:
    return unknown_watchlist(query, candidates, then="/mysubs shows the lists this chat follows.")


def mute_refused(reason: str) -> str:
    return f"Nothing muted: {escape(reason)}.\nHow: {escape(MUTE_USAGE)}"


def muted_line(watchlist: str, until: datetime, tz: tzinfo) -> str:
    """A muted list in /mysubs."""
    return (
        f"• {escape(display_name(watchlist))} <i>(muted until {weekday_time_label(until, tz)})</i>"
    )


# -- /feedback ---------------------------------------------------------------------------

FEEDBACK_REFUSED = (
    "/feedback shows what people's 👍 and 👎 say about a watchlist: it is for the bot's"
    " admins, and for the owner of a personal list (make one with /mynew)."
)
FEEDBACK_USAGE = "/feedback [LIST]"
FEEDBACK_PRIVATE_ONLY = "Send /feedback in your private chat with me."
SUGGESTION_EXPIRED = (
    f"That suggestion was made more than {ANSWER_WITHIN.seconds // 60} minutes ago:"
    " send /feedback again for fresh ones."
)
SUGGESTION_GONE = (
    "That suggestion no longer stands (new votes, or the list changed): send /feedback again."
)
_DOWN_SHOWN = 10
_TITLE = 120
_PHRASE = 40  # characters of a phrase on a button


def feedback_unknown(query: str, candidates: Sequence[str]) -> str:
    """A /feedback LIST naming no list whose feedback the asker may see."""
    return unknown_watchlist(query, candidates, then=FEEDBACK_REFUSED)


def feedback_blocks(
    watchlist: str,
    counts: Sequence[VoteCounts],
    down: Sequence[DownVoted],
    excludes: Sequence[str],
    terms: Sequence[str],
    tz: tzinfo,
) -> str:
    """One list's feedback (Telegram HTML)."""
    lines = [f"<b>Feedback on {escape(display_name(watchlist))}</b>"]
    lines += [f"Last {c.days} days: 👍 {c.up} · 👎 {c.down}" for c in counts]
    if down:
        lines.append("\n<b>Voted not about it</b>")
        for d in down[:_DOWN_SHOWN]:
            title = escape(fit(one_line(d.article.title) or "(untitled)", _TITLE))
            fired = f" (term: {escape(d.term)})" if d.term else " (not named)"
            times = f" ×{d.votes}" if d.votes > 1 else ""
            when = date_label(d.article.published, tz)
            lines.append(f"• {title}{fired}{times}{' · ' + when if when else ''}")
        if len(down) > _DOWN_SHOWN:
            lines.append(f"… and {plural(len(down) - _DOWN_SHOWN, 'more article')}")
    if excludes:
        lines.append("\n<b>Suggested excludes</b> (recur around 👎, never around 👍)")
        lines += [f"• {escape(p)}" for p in excludes]
    if terms:
        lines.append("\n<b>Suggested terms</b> (names recurring in 👍 articles it does not name)")
        lines += [f"• {escape(t)}" for t in terms]
    if excludes or terms:
        lines.append("Tap one below to add it to the list (the change is audited).")
    elif not any(c.up or c.down for c in counts):
        lines.append("No votes yet: the 👍 and 👎 under alerts are counted here.")
    return "\n".join(lines)


def feedback_keyboard(
    watchlist: str, excludes: Sequence[str], terms: Sequence[str], keys: Sequence[str], asked: str
) -> Keyboard:
    """A button per suggestion: "fa:<x|t>:<list key>:<phrase key>:<asked>" (at most 40
    bytes). ``keys`` are the phrases' keys, excludes first."""
    rows: Keyboard = []
    lk = watchlist_key(watchlist)
    pairs = [("x", p) for p in excludes] + [("t", t) for t in terms]
    for (kind, phrase), key in zip(pairs, keys, strict=True):
        label = (
            f"➖ exclude “{label_text(phrase, _PHRASE)}”"
            if kind == "x"
            else f"➕ add “{label_text(phrase, _PHRASE)}”"
        )
        rows.append([(label, f"fa:{kind}:{lk}:{key}:{asked}")])
    return rows


# -- caci-watch feedback export ---------------------------------------------------------


# The label of `caci-watch feedback export`'s progress bar on a terminal.
EXPORT_PROGRESS = "reading votes"


def export_line(records: int, votes: int, path: str) -> str:
    return f"Wrote {plural(records, 'record')} ({plural(votes, 'vote')}) to {path}."
