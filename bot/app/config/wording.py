"""How config.toml problems are worded: :class:`ConfigError`, and values as a message shows them.

Every message names the file and the key, shows the offending value as TOML would (never
a whole page of it, never something shaped like a bot token), and where it can, suggests
the name that was probably meant ("did you mean ...?").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence


class ConfigError(Exception):
    """A problem with the configuration, worded for the person editing the file.

    ``str()`` reads ``<file>: [section] key: problem``; ``key`` is None for problems that
    belong to the file as a whole (not found, invalid TOML).
    """

    def __init__(self, source: str, problem: str, key: str | None = None) -> None:
        # All three go to args so that the exception survives pickling intact.
        super().__init__(source, problem, key)
        self.source = source
        self.problem = problem
        self.key = key

    def __str__(self) -> str:
        if self.key is None:
            return f"{self.source}: {self.problem}"
        return f"{self.source}: {self.key}: {self.problem}"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")


def shown_key(name: str) -> str:
    """A key or section name as a message shows it: bare keys as written, any other
    quoted like a value, so a newline, a pasted token or a page of text in a key still
    gives one short line."""
    return name if _BARE_KEY.fullmatch(name) else quoted(name)


# A Telegram bot token: messages never echo one (see `quoted`).
TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


def describe(value: object) -> str:
    """A value as TOML would show it, prefixed by its type where that helps."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        digits = str(value)
        return f"integer {digits if len(digits) <= 30 else digits[:27] + '...'}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, dt.datetime):
        return f"datetime {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"time {value.isoformat()}"
    return type(value).__name__


def quoted(text: str) -> str:
    # Error messages end up in logs: never echo something shaped like a bot token.
    if TOKEN_RE.search(text):
        return '"<redacted: looks like a bot token>"'
    shown = text if len(text) <= 80 else text[:77] + "..."
    return json.dumps(shown, ensure_ascii=False)


def suggest(
    word: str, choices: Sequence[str] | Mapping[str, object], quote: Callable[[str], str] = quoted
) -> str:
    # Imported here: only a typo needs it, and the running bot does without its memory.
    import difflib

    return did_you_mean(difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6), quote)


def did_you_mean(candidates: Sequence[str], quote: Callable[[str], str]) -> str:
    if not candidates:
        return ""
    return f" (did you mean {or_list([quote(c) for c in candidates])}?)"


def known_hint(kind: str, names: Sequence[str] | Mapping[str, object]) -> str:
    return f" (known {kind}: {', '.join(names)})"


def or_list(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"
