"""The buttons under an alert (pure): 👍 / 👎 ("not about TRIPP") for each article and
list it names, and "mute TRIPP for a week" for each list.

Built from (article, list) pairs, so that any kind of alert (named matches, "possibly
about") gets the same buttons. A button names its article and list by short keys
(``article_key``, ``watchlist_key``), which keeps the callback data within Telegram's 64
bytes whatever the article's id and the list's name:

    v:u:<article key, 12 hex>:<list key, 10 hex>    👍   (v:d:… 👎), 27 bytes
    mu:<list key>                                   mute the list for a week
    um:<list key>                                   unmute it (what "mute" turns into)

A lone alert has one row per list (👍, 👎 not about L) and a mute row per list. A combined
alert numbers its articles: one row per article and list (👍 3. L, 👎 3. not L), the mute
rows last; each part of a long combined alert carries the buttons of its own articles.
The vote in force shows as a ✅ on its button; tapping the other one changes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.models import Article, article_key, watchlist_key
from bot.lists.personal import display_name
from bot.messages.screens import Keyboard

# Telegram shows at most 100 buttons under a message; a part of a combined alert holds
# far fewer articles than this, which only bounds a pathological one.
MAX_PAIRS = 40
MAX_MUTE_ROWS = 10
_NAME = 24  # characters of a list's name on a button (Telegram cuts long labels anyway)
CHOSEN = "✅ "


@dataclass(frozen=True, slots=True)
class VoteButton:
    up: bool
    article_key: str
    list_key: str


@dataclass(frozen=True, slots=True)
class MuteButton:
    list_key: str
    mute: bool  # False: the unmute button a mute turns into


def vote_data(up: bool, article: str, watchlist: str) -> str:
    return f"v:{'u' if up else 'd'}:{article_key(article)}:{watchlist_key(watchlist)}"


def mute_data(watchlist: str, *, mute: bool = True) -> str:
    return f"{'mu' if mute else 'um'}:{watchlist_key(watchlist)}"


def _hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdef" for c in text)


def parse_button(data: str) -> VoteButton | MuteButton | None:
    """What an alert's button asks for; None for anything else (a forged or garbled
    button, or one of another screen)."""
    parts = data.split(":")
    if (
        len(parts) == 4
        and parts[0] == "v"
        and parts[1] in ("u", "d")
        and _hex(parts[2], 12)
        and _hex(parts[3], 10)
    ):
        return VoteButton(parts[1] == "u", parts[2], parts[3])
    if len(parts) == 2 and parts[0] in ("mu", "um") and _hex(parts[1], 10):
        return MuteButton(parts[1], parts[0] == "mu")
    return None


def is_alert_button(data: str) -> bool:
    return data.startswith(("v:", "mu:", "um:"))


def label_text(text: str, limit: int) -> str:
    """Text on a button: plain (labels are not HTML), one line, at most ``limit``
    characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(watchlist: str) -> str:
    return label_text(display_name(watchlist), _NAME)


def mute_label(watchlist: str, *, mute: bool = True) -> str:
    if mute:
        return f"🔕 mute {_name(watchlist)} for a week"
    return f"🔔 unmute {_name(watchlist)}"


def alert_keyboard(
    pairs: Sequence[tuple[Article, str]], *, first_number: int | None = None
) -> Keyboard:
    """The buttons for an alert's (article, internal list name) pairs. With
    ``first_number``, the articles are items of a combined alert numbered from it, in
    the order they first appear in ``pairs``."""
    keyed = list(dict.fromkeys((a.id, w) for a, w in pairs))[:MAX_PAIRS]
    numbers: dict[str, int] = {}
    rows: Keyboard = []
    for article_id, watchlist in keyed:
        name = _name(watchlist)
        if first_number is None:
            up, down = f"👍 about {name}", f"👎 not about {name}"
        else:
            n = numbers.setdefault(article_id, first_number + len(numbers))
            up, down = f"👍 {n}. {name}", f"👎 {n}. not {name}"
        rows.append(
            [
                (up, vote_data(True, article_id, watchlist)),
                (down, vote_data(False, article_id, watchlist)),
            ]
        )
    lists = list(dict.fromkeys(w for _, w in keyed))[:MAX_MUTE_ROWS]
    rows.extend([[(mute_label(w), mute_data(w))] for w in lists])
    return rows


def with_vote(keyboard: Keyboard, button: VoteButton) -> Keyboard:
    """The keyboard with the vote of ``button``'s pair shown as chosen (and its other
    button as not)."""
    out: Keyboard = []
    for row in keyboard:
        new_row = []
        for label, data in row:
            other = parse_button(data)
            if (
                isinstance(other, VoteButton)
                and other.article_key == button.article_key
                and other.list_key == button.list_key
            ):
                label = label.removeprefix(CHOSEN)
                if other.up == button.up:
                    label = CHOSEN + label
            new_row.append((label, data))
        out.append(new_row)
    return out


def with_mute(keyboard: Keyboard, watchlist: str, *, muted: bool) -> Keyboard:
    """The keyboard with the list's mute button turned into unmute (or back)."""
    key = watchlist_key(watchlist)
    out: Keyboard = []
    for row in keyboard:
        new_row = []
        for label, data in row:
            found = parse_button(data)
            if isinstance(found, MuteButton) and found.list_key == key:
                label, data = (
                    mute_label(watchlist, mute=not muted),
                    mute_data(watchlist, mute=not muted),
                )
            new_row.append((label, data))
        out.append(new_row)
    return out


def encode(keyboard: Keyboard) -> str:
    """The keyboard as the outbox keeps it ("" for none)."""
    return json.dumps(keyboard, ensure_ascii=False, separators=(",", ":")) if keyboard else ""


def decode(text: str) -> Keyboard:
    """A keyboard the outbox kept; [] for "" or anything that is not one."""
    if not text:
        return []
    try:
        rows = json.loads(text)
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    out: Keyboard = []
    for row in rows:
        if not isinstance(row, list):
            return []
        buttons = []
        for button in row:
            if not (
                isinstance(button, list)
                and len(button) == 2
                and all(isinstance(x, str) for x in button)
            ):
                return []
            buttons.append((button[0], button[1]))
        out.append(buttons)
    return out
