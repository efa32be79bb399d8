"""Reading one key of one section: its type, its range, its shape, checked and worded.

Each reader takes the section's :class:`Table`, the key and its default, and returns the
value typed, or raises :class:`ConfigError` naming the file, the section and the key.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot import __version__
from bot.app.config.durations import DURATION_HINT, format_duration, parse_duration, to_timedelta
from bot.app.config.settings import (
    DEFAULT_FEED_URLS,
    SCHEMA,
    TOKEN_KEYS,
    TOKEN_PROBLEM,
    USER_AGENT_DEFAULT,
    DigestEmpty,
    section_of,
)
from bot.app.config.wording import (
    TOKEN_RE,
    ConfigError,
    describe,
    did_you_mean,
    known_hint,
    quoted,
    shown_key,
    suggest,
)


class Table:
    """One section's raw values, with the section name kept for error messages."""

    def __init__(self, source: str, name: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.name = name
        self.data = data
        self._check_keys()

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, problem, f"[{self.name}] {shown_key(key)}")

    def get(self, key: str, default: object) -> object:
        return self.data.get(key, default)

    def _check_keys(self) -> None:
        known = SCHEMA[self.name]
        for key in self.data:
            if key in TOKEN_KEYS:
                raise self.error(key, TOKEN_PROBLEM)
            if key in known:
                continue
            home = section_of(key)
            if home is not None:
                raise self.error(key, f"unknown key here; it belongs in [{home}]")
            hint = suggest(key, known) or known_hint("keys", known)
            raise self.error(key, f"unknown key{hint}")


def read_str(t: Table, key: str, default: str) -> str:
    value = t.get(key, default)
    if not isinstance(value, str):
        raise t.error(key, f"expected a string, got {describe(value)}")
    return value


def read_bool(t: Table, key: str, default: bool) -> bool:
    value = t.get(key, default)
    if not isinstance(value, bool):
        raise t.error(key, f"expected true or false, got {describe(value)}")
    return value


def read_int(t: Table, key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    value = t.get(key, default)
    # bool is a subclass of int: `max_bytes = true` must not quietly mean 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise t.error(key, f"expected an integer, got {describe(value)}")
    if value < minimum:
        bound = "greater than 0" if minimum == 1 else f"at least {minimum}"
        raise t.error(key, f"must be {bound}, got {value}")
    if maximum is not None and value > maximum:
        raise t.error(key, f"must be at most {maximum}, got {describe(value)}")
    return value


# Far beyond any sensible interval, and far enough from datetime's year 9999 that adding
# one to now, or taking it away, cannot overflow.
MAX_DURATION = timedelta(days=3650)


def read_duration(
    t: Table, key: str, default: str, *, minimum: timedelta | None = None
) -> timedelta:
    value = t.get(key, default)
    duration = _duration_value(t, key, value)
    if duration <= timedelta(0):
        raise t.error(key, f"must be longer than zero, got {describe(value)}")
    if minimum is not None and duration < minimum:
        raise t.error(key, f"must be at least {format_duration(minimum)}, got {describe(value)}")
    if duration > MAX_DURATION:
        limit = format_duration(MAX_DURATION)
        raise t.error(key, f"must be at most {limit} (ten years), got {describe(value)}")
    return duration


def _duration_value(t: Table, key: str, value: object) -> timedelta:
    # A bare TOML integer means seconds, as a bare number does inside a string.
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return to_timedelta(seconds=value, text=str(value))
        except ValueError as exc:
            raise t.error(key, str(exc)) from None
    if not isinstance(value, str):
        raise t.error(key, f"{DURATION_HINT}, got {describe(value)}")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise t.error(key, str(exc)) from None


def read_path(t: Table, key: str, default: str, base_dir: Path | None) -> Path:
    text = read_str(t, key, default)
    if not text.strip():
        raise t.error(key, "expected a path, got an empty string")
    # A NUL makes every file call fail later with "embedded null byte".
    if not text.isprintable():
        raise t.error(key, f"must not contain control characters, got {describe(text)}")
    # Nothing here expands "~"; left alone it would create a directory literally named "~".
    if text.startswith("~"):
        raise t.error(
            key,
            f'"~" is not expanded; write the full path or one relative to the config file, '
            f"got {quoted(text)}",
        )
    path = Path(text)
    if base_dir is not None and not path.is_absolute():
        return base_dir / path
    return path


def read_feed_urls(t: Table) -> tuple[str, ...]:
    value = t.get("urls", list(DEFAULT_FEED_URLS))
    if not isinstance(value, list | tuple):
        raise t.error("urls", f"expected an array of feed URLs, got {describe(value)}")
    if not value:
        raise t.error("urls", "expected at least one feed URL, got an empty array")
    seen: dict[tuple[str, str, str, str], int] = {}
    for number, url in enumerate(value, start=1):
        if not isinstance(url, str):
            raise t.error("urls", f"item {number}: expected a string, got {describe(url)}")
        problem = http_url_problem(url)
        if problem is not None:
            raise t.error("urls", f"item {number}: {problem}, got {describe(url)}")
        identity = _url_identity(url)
        if identity in seen:
            raise t.error("urls", f"item {number} repeats item {seen[identity]}: {describe(url)}")
        seen[identity] = number
    return tuple(value)


def _url_identity(url: str) -> tuple[str, str, str, str]:
    # Scheme and host are case-insensitive and the fragment never reaches the server.
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query)


def http_url_problem(url: str) -> str | None:
    expected = "expected an http(s) URL with a host"
    if not url or any(ch.isspace() or not ch.isprintable() for ch in url):
        return f"{expected} and no spaces"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return expected
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return expected
    return None


def looks_like_token_url(url: str) -> bool:
    return TOKEN_RE.search(url) is not None


def read_user_agent(t: Table) -> str:
    # "{version}" lets config.toml spell out the default without going stale on upgrade.
    agent = read_str(t, "user_agent", USER_AGENT_DEFAULT).replace("{version}", __version__)
    if not agent.strip():
        raise t.error("user_agent", "expected a non-empty string")
    # A newline here would be header injection; httpx would fail later, less clearly.
    if not agent.isprintable():
        raise t.error("user_agent", f"must not contain control characters, got {describe(agent)}")
    return agent


_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def read_time_of_day(t: Table, key: str, default: str) -> dt.time:
    value = t.get(key, default)
    hint = 'expected a time of day as "HH:MM" on a 24-hour clock, like "08:00" or "18:30"'
    # A bare TOML local time (08:00:00) is unambiguous too, as long as it is whole minutes.
    if isinstance(value, dt.time) and value.second == value.microsecond == 0:
        return value
    if not isinstance(value, str):
        raise t.error(key, f"{hint}, got {describe(value)}")
    match = _CLOCK_RE.fullmatch(value.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise t.error(key, f"{hint}, got {describe(value)}")
    return dt.time(int(match[1]), int(match[2]))


# Files in the tz database that are not places: "localtime" is whatever the server is
# set to, so digests would move with it.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


def read_timezone(t: Table, key: str, default: str) -> str:
    name = read_str(t, key, default)
    try:
        if name in _NOT_ZONES:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = _suggest_timezone(name)
        raise t.error(
            key, f'expected an IANA time zone name like "Asia/Tbilisi", got {describe(name)}{hint}'
        ) from None
    return name


def _suggest_timezone(name: str) -> str:
    zones = zoneinfo.available_timezones()
    by_folded = {zone.casefold(): zone for zone in zones}
    folded = name.strip().casefold()
    # People often write just the city ("Tbilisi") or the wrong case ("europe/berlin").
    exact = by_folded.get(folded) or next(
        (zone for zone in sorted(zones) if zone.casefold().rsplit("/", 1)[-1] == folded), None
    )
    if exact is not None:
        return f" (did you mean {quoted(exact)}?)"
    # Imported here: only a typo needs it, and the running bot does without its memory.
    import difflib

    close = difflib.get_close_matches(folded, by_folded, n=3, cutoff=0.75)
    return did_you_mean([by_folded[c] for c in close], quoted)


def read_digest_empty(t: Table) -> DigestEmpty:
    value = read_str(t, "empty", "send")
    if value == "send":
        return "send"
    if value == "skip":
        return "skip"
    hint = suggest(value, ("send", "skip"))
    raise t.error("empty", f'expected "send" or "skip", got {describe(value)}{hint}')


def read_admins(t: Table) -> tuple[int, ...]:
    value = t.get("admins", [])
    if not isinstance(value, list | tuple):
        raise t.error("admins", f"expected an array of Telegram user ids, got {describe(value)}")
    admins: list[int] = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, str) and item.strip().isdigit():
            raise t.error(
                "admins",
                f"item {number}: expected an integer user id, got {describe(item)} "
                "(drop the quotes)",
            )
        if isinstance(item, bool) or not isinstance(item, int):
            raise t.error(
                "admins", f"item {number}: expected an integer user id, got {describe(item)}"
            )
        # Negative ids are groups and channels, which cannot issue admin commands.
        if item <= 0:
            raise t.error("admins", f"item {number}: user ids are positive, got {item}")
        # Telegram's ids have at most 52 bits; a longer number is a typo, and would not
        # fit the store's integer column when the bot writes to that admin.
        if item >= 2**52:
            raise t.error(
                "admins", f"item {number}: too large for a Telegram user id, got {describe(item)}"
            )
        if item in admins:
            raise t.error("admins", f"item {number} repeats item {admins.index(item) + 1}: {item}")
        admins.append(item)
    return tuple(admins)
