"""Load and validate ``config.toml`` into a frozen, typed :class:`Config`.

Everything is checked once, at start, so that a typo stops the bot with a message naming
the file and the key instead of surfacing hours later as a strange poll or digest time.
:func:`parse_config` is pure (a mapping in, a Config out); :func:`load_config` is the thin
shell that reads the file.

The Telegram bot token is deliberately not a setting: it comes from the environment
(``CACI_WATCH_TOKEN``) or a systemd credential, so config.toml can be committed and
shown to people without leaking it.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import difflib
import json
import re
import stat
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from bot import __version__

__all__ = [
    "DEFAULT_FEED_URLS",
    "Config",
    "ConfigError",
    "DigestConfig",
    "FeedsConfig",
    "LoggingConfig",
    "StoreConfig",
    "TelegramConfig",
    "WatchlistsConfig",
    "builtin_config",
    "default_config_path",
    "format_duration",
    "load_config",
    "parse_config",
    "parse_duration",
]

CONFIG_ENV_VAR = "CACI_WATCH_CONFIG"
TOKEN_ENV_VAR = "CACI_WATCH_TOKEN"
TOKEN_CREDENTIAL = "telegram-token"
USER_AGENT_DEFAULT = "caci-watch/{version} (+https://github.com/caci-watch)"

# The two section feeds rather than the site-wide feed: the home-page feed stopped
# updating in 2012 while still answering 200.
DEFAULT_FEED_URLS: tuple[str, ...] = (
    "https://www.cacianalyst.org/publications/analytical-articles.feed",
    "https://www.cacianalyst.org/publications/feature-articles.feed",
)

# A count of days the bot subtracts from now: beyond about 739,000 that passes year 1.
MAX_DAYS = 100_000

DigestEmpty = Literal["send", "skip"]
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    urls: tuple[str, ...]
    poll_interval: timedelta
    timeout: timedelta
    max_bytes: int
    backfill_days: int
    stale_after: timedelta
    max_backoff: timedelta
    user_agent: str
    # Admins are told in Telegram once a feed has been failing this long, and on recovery.
    alert_admins_after: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    path: Path


@dataclass(frozen=True, slots=True)
class WatchlistsConfig:
    dir: Path
    rematch_days: int = 14


@dataclass(frozen=True, slots=True)
class DigestConfig:
    time: dt.time
    timezone: str
    empty: DigestEmpty


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    api_url: str
    admins: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str


@dataclass(frozen=True, slots=True)
class Config:
    feeds: FeedsConfig
    store: StoreConfig
    watchlists: WatchlistsConfig
    digest: DigestConfig
    telegram: TelegramConfig
    logging: LoggingConfig
    # The file the settings came from; None when built in code (tests, the demo).
    source: Path | None = None


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


# ---------------------------------------------------------------------------------------
# Public entry points


def default_config_path(environ: Mapping[str, str], cwd: Path) -> Path:
    """``$CACI_WATCH_CONFIG`` if set and non-empty (relative to ``cwd``), else ./config.toml."""
    override = environ.get(CONFIG_ENV_VAR, "")
    if override:
        return cwd / override
    return cwd / "config.toml"


def load_config(path: Path) -> Config:
    """Read, parse and validate the config file at ``path``.

    Relative paths inside the file are resolved against the file's own directory, so
    the bot behaves the same whatever directory it is started from.
    """
    source = str(path)
    raw = _read(path, source)
    if raw.startswith(codecs.BOM_UTF8):
        # Some Windows editors add one; TOML does not allow it.
        raise ConfigError(
            source, "the file starts with a byte-order mark (BOM): save it as UTF-8 without one"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            source, f"byte {exc.start}: not valid UTF-8 (TOML files must be UTF-8)"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, _describe_toml_error(str(exc), text)) from None
    except RecursionError:
        # tomllib recurses once per level of nested arrays or inline tables.
        raise ConfigError(source, "invalid TOML (arrays or tables nested too deeply)") from None
    except ValueError as exc:
        # Python refuses to read an integer of more than 4,300 digits.
        reason = "a number with thousands of digits" if "digits" in str(exc) else str(exc)
        raise ConfigError(source, f"invalid TOML ({reason})") from None
    config = parse_config(data, source=source, base_dir=path.absolute().parent)
    return dataclasses.replace(config, source=path)


# The shipped file, comments and all, is a few kilobytes.
MAX_CONFIG_BYTES = 1_000_000


def _read(path: Path, source: str) -> bytes:
    try:
        mode = path.stat().st_mode
        # /dev/zero or /dev/stdin by mistake would be read forever or wait forever.
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise ConfigError(source, "cannot read the file (it is not a regular file)")
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(source, "file not found") from None
    except OSError as exc:
        raise ConfigError(source, f"cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            source, f"the file is larger than {MAX_CONFIG_BYTES:,} bytes; is it the config file?"
        )
    return raw


def parse_config(
    data: Mapping[str, Any], *, source: str = "config.toml", base_dir: Path | None = None
) -> Config:
    """Validate already-parsed TOML. Pure: touches neither disk nor clock.

    Relative paths are joined to ``base_dir``; with no base_dir they stay relative.
    """
    _check_top_level(data, source)
    tables = {name: _Table(source, name, data.get(name, {})) for name in _SCHEMA}
    return Config(
        feeds=_parse_feeds(tables["feeds"]),
        store=StoreConfig(
            path=_path(tables["store"], "path", "store/caci-watch.sqlite3", base_dir)
        ),
        watchlists=WatchlistsConfig(
            dir=_path(tables["watchlists"], "dir", "watchlists", base_dir),
            rematch_days=_int(
                tables["watchlists"], "rematch_days", 14, minimum=0, maximum=MAX_DAYS
            ),
        ),
        digest=_parse_digest(tables["digest"]),
        telegram=_parse_telegram(tables["telegram"]),
        logging=_parse_logging(tables["logging"]),
        source=None,
    )


def builtin_config(*, store_path: Path, watchlists_dir: Path, feed_urls: Sequence[str]) -> Config:
    """A Config with defaults except where the offline demo needs its own places.

    Goes through the same validation as a file, so a demo cannot run with settings a
    deployment would refuse.
    """
    data = {
        "feeds": {"urls": list(feed_urls)},
        "store": {"path": str(store_path)},
        "watchlists": {"dir": str(watchlists_dir)},
    }
    return parse_config(data, source="built-in config")


# ---------------------------------------------------------------------------------------
# Durations

_DURATION_RE = re.compile(
    r"(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s)?",
    re.ASCII,
)
_DURATION_HINT = 'expected a duration like "15m", "1h30m" or "90s"'


def parse_duration(text: str) -> timedelta:
    """Parse ``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"`` or a bare number of seconds.

    Units go largest first (d, h, m, s), each at most once; zero is accepted here and
    refused by the keys that need a positive value. Raises ValueError.
    """
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        return _timedelta(seconds=int(stripped), text=text)
    match = _DURATION_RE.fullmatch(stripped.lower())
    if not stripped or match is None:
        raise ValueError(f"{_DURATION_HINT}, got {_quote(text)}")
    parts = {unit: int(value) for unit, value in match.groupdict(default="0").items()}
    return _timedelta(
        days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"], text=text
    )


def format_duration(value: timedelta) -> str:
    """The shortest form :func:`parse_duration` reads back: ``"1h30m"``, ``"45d"``, ``"0s"``."""
    total = value // timedelta(seconds=1)
    if total < 0 or value != timedelta(seconds=total):
        raise ValueError(f"cannot write {value!r} as a duration of whole seconds")
    if total == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def _timedelta(
    *, text: str, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0
) -> timedelta:
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"duration {_quote(text)} is too long") from None


# ---------------------------------------------------------------------------------------
# Schema and the top level

_SCHEMA: dict[str, tuple[str, ...]] = {
    "feeds": (
        "urls",
        "poll_interval",
        "timeout",
        "max_bytes",
        "backfill_days",
        "stale_after",
        "max_backoff",
        "user_agent",
        "alert_admins_after",
    ),
    "store": ("path",),
    "watchlists": ("dir", "rematch_days"),
    "digest": ("time", "timezone", "empty"),
    "telegram": ("api_url", "admins"),
    "logging": ("level",),
}

# Names someone might reasonably reach for when pasting the token in.
_TOKEN_KEYS = frozenset({"token", "bot_token", "telegram_token", "api_token"})
_TOKEN_PROBLEM = (
    "the bot token is never read from config.toml; remove it from this file and set the "
    f"environment variable {TOKEN_ENV_VAR} or the systemd credential "
    f'"{TOKEN_CREDENTIAL}" instead'
)


def _check_top_level(data: Mapping[str, Any], source: str) -> None:
    for name, value in data.items():
        if name in _TOKEN_KEYS:
            raise ConfigError(source, _TOKEN_PROBLEM, name)
        if name in _SCHEMA:
            if not isinstance(value, Mapping):
                raise ConfigError(
                    source, f"expected a table ([{name}]), got {_describe(value)}", name
                )
            continue
        if isinstance(value, Mapping):
            hint = _suggest(name, _SCHEMA, quote=lambda s: f"[{s}]")
            raise ConfigError(
                source, f"unknown section [{_key(name)}]{hint or _known('sections', _SCHEMA)}"
            )
        home = _section_of(name)
        where = f" (it belongs in [{home}])" if home else _known("sections", _SCHEMA)
        raise ConfigError(source, f"unknown top-level key{where}", _key(name))


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _key(name: str) -> str:
    """A key or section name as a message shows it: bare keys as written, any other
    quoted like a value, so a newline, a pasted token or a page of text in a key still
    gives one short line."""
    return name if _BARE_KEY.fullmatch(name) else _quote(name)


def _section_of(key: str) -> str | None:
    return next((section for section, keys in _SCHEMA.items() if key in keys), None)


class _Table:
    """One section's raw values, with the section name kept for error messages."""

    def __init__(self, source: str, name: str, data: Mapping[str, Any]) -> None:
        self.source = source
        self.name = name
        self.data = data
        self._check_keys()

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, problem, f"[{self.name}] {_key(key)}")

    def get(self, key: str, default: object) -> object:
        return self.data.get(key, default)

    def _check_keys(self) -> None:
        known = _SCHEMA[self.name]
        for key in self.data:
            if key in _TOKEN_KEYS:
                raise self.error(key, _TOKEN_PROBLEM)
            if key in known:
                continue
            home = _section_of(key)
            if home is not None:
                raise self.error(key, f"unknown key here; it belongs in [{home}]")
            hint = _suggest(key, known) or _known("keys", known)
            raise self.error(key, f"unknown key{hint}")


# ---------------------------------------------------------------------------------------
# Sections


def _parse_feeds(t: _Table) -> FeedsConfig:
    poll_interval = _duration(t, "poll_interval", "15m", minimum=timedelta(minutes=1))
    max_backoff = _duration(t, "max_backoff", "6h")
    # Backing off to less than the normal interval would poll a failing feed faster.
    if max_backoff < poll_interval:
        raise t.error(
            "max_backoff",
            f"must be at least poll_interval ({format_duration(poll_interval)}), "
            f"got {_quote(format_duration(max_backoff))}",
        )
    return FeedsConfig(
        urls=_feed_urls(t),
        poll_interval=poll_interval,
        timeout=_duration(t, "timeout", "20s"),
        max_bytes=_int(t, "max_bytes", 5_000_000, minimum=1),
        backfill_days=_int(t, "backfill_days", 0, minimum=0, maximum=MAX_DAYS),
        stale_after=_duration(t, "stale_after", "45d"),
        max_backoff=max_backoff,
        user_agent=_user_agent(t),
        alert_admins_after=_duration(t, "alert_admins_after", "1h"),
    )


def _parse_digest(t: _Table) -> DigestConfig:
    return DigestConfig(
        time=_time_of_day(t, "time", "08:00"),
        timezone=_timezone(t, "timezone", "UTC"),
        empty=_digest_empty(t),
    )


def _parse_telegram(t: _Table) -> TelegramConfig:
    api_url = _str(t, "api_url", "https://api.telegram.org")
    if _looks_like_token_url(api_url):
        # Checked before the value can be echoed into a message or a log.
        raise t.error("api_url", f"contains a bot token; {_TOKEN_PROBLEM}")
    problem = _http_url_problem(api_url)
    if problem is None and (urlsplit(api_url).query or urlsplit(api_url).fragment):
        problem = "expected a server root without a query or fragment"
    if problem is not None:
        raise t.error("api_url", f"{problem}, got {_describe(api_url)}")
    return TelegramConfig(api_url=api_url.rstrip("/"), admins=_admins(t))


def _parse_logging(t: _Table) -> LoggingConfig:
    level = _str(t, "level", "INFO")
    if level.upper() not in LOG_LEVELS:
        hint = _suggest(level.upper(), LOG_LEVELS)
        raise t.error(
            "level", f"expected one of {_or_list(LOG_LEVELS)}, got {_describe(level)}{hint}"
        )
    return LoggingConfig(level=level.upper())


# ---------------------------------------------------------------------------------------
# Values


def _str(t: _Table, key: str, default: str) -> str:
    value = t.get(key, default)
    if not isinstance(value, str):
        raise t.error(key, f"expected a string, got {_describe(value)}")
    return value


def _int(t: _Table, key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    value = t.get(key, default)
    # bool is a subclass of int: `max_bytes = true` must not quietly mean 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise t.error(key, f"expected an integer, got {_describe(value)}")
    if value < minimum:
        bound = "greater than 0" if minimum == 1 else f"at least {minimum}"
        raise t.error(key, f"must be {bound}, got {value}")
    if maximum is not None and value > maximum:
        raise t.error(key, f"must be at most {maximum}, got {_describe(value)}")
    return value


# Far beyond any sensible interval, and far enough from datetime's year 9999 that adding
# one to now, or taking it away, cannot overflow.
MAX_DURATION = timedelta(days=3650)


def _duration(t: _Table, key: str, default: str, *, minimum: timedelta | None = None) -> timedelta:
    value = t.get(key, default)
    duration = _duration_value(t, key, value)
    if duration <= timedelta(0):
        raise t.error(key, f"must be longer than zero, got {_describe(value)}")
    if minimum is not None and duration < minimum:
        raise t.error(key, f"must be at least {format_duration(minimum)}, got {_describe(value)}")
    if duration > MAX_DURATION:
        limit = format_duration(MAX_DURATION)
        raise t.error(key, f"must be at most {limit} (ten years), got {_describe(value)}")
    return duration


def _duration_value(t: _Table, key: str, value: object) -> timedelta:
    # A bare TOML integer means seconds, as a bare number does inside a string.
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return _timedelta(seconds=value, text=str(value))
        except ValueError as exc:
            raise t.error(key, str(exc)) from None
    if not isinstance(value, str):
        raise t.error(key, f"{_DURATION_HINT}, got {_describe(value)}")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise t.error(key, str(exc)) from None


def _path(t: _Table, key: str, default: str, base_dir: Path | None) -> Path:
    text = _str(t, key, default)
    if not text.strip():
        raise t.error(key, "expected a path, got an empty string")
    # A NUL makes every file call fail later with "embedded null byte".
    if not text.isprintable():
        raise t.error(key, f"must not contain control characters, got {_describe(text)}")
    # Nothing here expands "~"; left alone it would create a directory literally named "~".
    if text.startswith("~"):
        raise t.error(
            key,
            f'"~" is not expanded; write the full path or one relative to the config file, '
            f"got {_quote(text)}",
        )
    path = Path(text)
    if base_dir is not None and not path.is_absolute():
        return base_dir / path
    return path


def _feed_urls(t: _Table) -> tuple[str, ...]:
    value = t.get("urls", list(DEFAULT_FEED_URLS))
    if not isinstance(value, list | tuple):
        raise t.error("urls", f"expected an array of feed URLs, got {_describe(value)}")
    if not value:
        raise t.error("urls", "expected at least one feed URL, got an empty array")
    seen: dict[tuple[str, str, str, str], int] = {}
    for number, url in enumerate(value, start=1):
        if not isinstance(url, str):
            raise t.error("urls", f"item {number}: expected a string, got {_describe(url)}")
        problem = _http_url_problem(url)
        if problem is not None:
            raise t.error("urls", f"item {number}: {problem}, got {_describe(url)}")
        identity = _url_identity(url)
        if identity in seen:
            raise t.error("urls", f"item {number} repeats item {seen[identity]}: {_describe(url)}")
        seen[identity] = number
    return tuple(value)


def _url_identity(url: str) -> tuple[str, str, str, str]:
    # Scheme and host are case-insensitive and the fragment never reaches the server.
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query)


def _http_url_problem(url: str) -> str | None:
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


_TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


def _looks_like_token_url(url: str) -> bool:
    return _TOKEN_RE.search(url) is not None


def _user_agent(t: _Table) -> str:
    # "{version}" lets config.toml spell out the default without going stale on upgrade.
    agent = _str(t, "user_agent", USER_AGENT_DEFAULT).replace("{version}", __version__)
    if not agent.strip():
        raise t.error("user_agent", "expected a non-empty string")
    # A newline here would be header injection; httpx would fail later, less clearly.
    if not agent.isprintable():
        raise t.error("user_agent", f"must not contain control characters, got {_describe(agent)}")
    return agent


_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def _time_of_day(t: _Table, key: str, default: str) -> dt.time:
    value = t.get(key, default)
    hint = 'expected a time of day as "HH:MM" on a 24-hour clock, like "08:00" or "18:30"'
    # A bare TOML local time (08:00:00) is unambiguous too, as long as it is whole minutes.
    if isinstance(value, dt.time) and value.second == value.microsecond == 0:
        return value
    if not isinstance(value, str):
        raise t.error(key, f"{hint}, got {_describe(value)}")
    match = _CLOCK_RE.fullmatch(value.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise t.error(key, f"{hint}, got {_describe(value)}")
    return dt.time(int(match[1]), int(match[2]))


# Files in the tz database that are not places: "localtime" is whatever the server is
# set to, so digests would move with it.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


def _timezone(t: _Table, key: str, default: str) -> str:
    name = _str(t, key, default)
    try:
        if name in _NOT_ZONES:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        hint = _suggest_timezone(name)
        raise t.error(
            key, f'expected an IANA time zone name like "Asia/Tbilisi", got {_describe(name)}{hint}'
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
        return f" (did you mean {_quote(exact)}?)"
    close = difflib.get_close_matches(folded, by_folded, n=3, cutoff=0.75)
    return _did_you_mean([by_folded[c] for c in close], _quote)


def _digest_empty(t: _Table) -> DigestEmpty:
    value = _str(t, "empty", "send")
    if value == "send":
        return "send"
    if value == "skip":
        return "skip"
    hint = _suggest(value, ("send", "skip"))
    raise t.error("empty", f'expected "send" or "skip", got {_describe(value)}{hint}')


def _admins(t: _Table) -> tuple[int, ...]:
    value = t.get("admins", [])
    if not isinstance(value, list | tuple):
        raise t.error("admins", f"expected an array of Telegram user ids, got {_describe(value)}")
    admins: list[int] = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, str) and item.strip().isdigit():
            raise t.error(
                "admins",
                f"item {number}: expected an integer user id, got {_describe(item)} "
                "(drop the quotes)",
            )
        if isinstance(item, bool) or not isinstance(item, int):
            raise t.error(
                "admins", f"item {number}: expected an integer user id, got {_describe(item)}"
            )
        # Negative ids are groups and channels, which cannot issue admin commands.
        if item <= 0:
            raise t.error("admins", f"item {number}: user ids are positive, got {item}")
        # Telegram's ids have at most 52 bits; a longer number is a typo, and would not
        # fit the store's integer column when the bot writes to that admin.
        if item >= 2**52:
            raise t.error(
                "admins", f"item {number}: too large for a Telegram user id, got {_describe(item)}"
            )
        if item in admins:
            raise t.error("admins", f"item {number} repeats item {admins.index(item) + 1}: {item}")
        admins.append(item)
    return tuple(admins)


# ---------------------------------------------------------------------------------------
# Wording


def _describe_toml_error(message: str, text: str) -> str:
    # tomllib (3.11) exposes the position only inside its message text.
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match is not None:
        reason = message[: match.start()]
        return f"line {match[1]}, column {match[2]}: invalid TOML ({reason})"
    match = re.search(r"\s*\(at end of document\)$", message)
    if match is not None:
        lines = text.split("\n")
        where = f"line {len(lines)}, column {len(lines[-1]) + 1} (end of file)"
        return f"{where}: invalid TOML ({message[: match.start()]})"
    return f"invalid TOML ({message})"


def _describe(value: object) -> str:
    """A value as TOML would show it, prefixed by its type where that helps."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        digits = str(value)
        return f"integer {digits if len(digits) <= 30 else digits[:27] + '...'}"
    if isinstance(value, float):
        return f"float {value}"
    if isinstance(value, str):
        return _quote(value)
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


def _quote(text: str) -> str:
    # Error messages end up in logs: never echo something shaped like a bot token.
    if _TOKEN_RE.search(text):
        return '"<redacted: looks like a bot token>"'
    shown = text if len(text) <= 80 else text[:77] + "..."
    return json.dumps(shown, ensure_ascii=False)


def _suggest(
    word: str, choices: Sequence[str] | Mapping[str, object], quote: Callable[[str], str] = _quote
) -> str:
    return _did_you_mean(difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6), quote)


def _did_you_mean(candidates: Sequence[str], quote: Callable[[str], str]) -> str:
    if not candidates:
        return ""
    return f" (did you mean {_or_list([quote(c) for c in candidates])}?)"


def _known(kind: str, names: Sequence[str] | Mapping[str, object]) -> str:
    return f" (known {kind}: {', '.join(names)})"


def _or_list(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"
