"""From config.toml to a :class:`Config`: read the file, parse the TOML, check every section.

Everything is checked once, at start, so that a typo stops the bot with a message naming
the file and the key instead of surfacing hours later as a strange poll or digest time.
:func:`parse_config` is pure (a mapping in, a Config out); :func:`load_config` is the thin
shell that reads the file.
"""

from __future__ import annotations

import codecs
import dataclasses
import ipaddress
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.app.config.durations import format_duration
from bot.app.config.settings import (
    CONFIG_ENV_VAR,
    LOG_LEVELS,
    MAX_DAYS,
    SCHEMA,
    TOKEN_KEYS,
    TOKEN_PROBLEM,
    AboutConfig,
    Config,
    DigestConfig,
    FeedsConfig,
    LoggingConfig,
    SiteConfig,
    StoreConfig,
    TelegramConfig,
    WatchlistsConfig,
    section_of,
)
from bot.app.config.values import (
    Table,
    http_url_problem,
    looks_like_token_url,
    read_admins,
    read_bool,
    read_digest_empty,
    read_duration,
    read_feed_urls,
    read_int,
    read_path,
    read_str,
    read_time_of_day,
    read_timezone,
    read_user_agent,
)
from bot.app.config.wording import (
    ConfigError,
    describe,
    known_hint,
    or_list,
    quoted,
    shown_key,
    suggest,
)


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


def parse_config(
    data: Mapping[str, Any], *, source: str = "config.toml", base_dir: Path | None = None
) -> Config:
    """Validate already-parsed TOML. Pure: touches neither disk nor clock.

    Relative paths are joined to ``base_dir``; with no base_dir they stay relative.
    """
    _check_top_level(data, source)
    tables = {name: Table(source, name, data.get(name, {})) for name in SCHEMA}
    return Config(
        feeds=_parse_feeds(tables["feeds"]),
        store=StoreConfig(
            path=read_path(tables["store"], "path", "store/caci-watch.sqlite3", base_dir),
            url=_read_store_url(tables["store"]),
        ),
        watchlists=WatchlistsConfig(
            dir=read_path(tables["watchlists"], "dir", "watchlists", base_dir),
            rematch_days=read_int(
                tables["watchlists"], "rematch_days", 14, minimum=0, maximum=MAX_DAYS
            ),
        ),
        digest=_parse_digest(tables["digest"]),
        telegram=_parse_telegram(tables["telegram"]),
        logging=_parse_logging(tables["logging"]),
        about=AboutConfig(enabled=read_bool(tables["about"], "enabled", True)),
        site=_parse_site(tables["site"]),
        source=None,
    )


def _read_store_url(t: Table) -> str:
    url = read_str(t, "url", "")
    if not url:
        return ""
    if not url.startswith(("postgresql://", "postgres://")):
        raise t.error("url", f"expected a postgresql:// url, got {describe(url.split(':')[0])}")
    if not url.isprintable():
        raise t.error("url", "must not contain control characters")
    if "path" in t.data:
        raise t.error("url", "set either [store] path (SQLite) or url (PostgreSQL), not both")
    return url


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


def _check_top_level(data: Mapping[str, Any], source: str) -> None:
    for name, value in data.items():
        if name in TOKEN_KEYS:
            raise ConfigError(source, TOKEN_PROBLEM, name)
        if name in SCHEMA:
            if not isinstance(value, Mapping):
                raise ConfigError(
                    source, f"expected a table ([{name}]), got {describe(value)}", name
                )
            continue
        if isinstance(value, Mapping):
            hint = suggest(name, SCHEMA, quote=lambda s: f"[{s}]")
            raise ConfigError(
                source,
                f"unknown section [{shown_key(name)}]{hint or known_hint('sections', SCHEMA)}",
            )
        home = section_of(name)
        where = f" (it belongs in [{home}])" if home else known_hint("sections", SCHEMA)
        raise ConfigError(source, f"unknown top-level key{where}", shown_key(name))


def _parse_feeds(t: Table) -> FeedsConfig:
    poll_interval = read_duration(t, "poll_interval", "15m", minimum=timedelta(minutes=1))
    max_backoff = read_duration(t, "max_backoff", "6h")
    # Backing off to less than the normal interval would poll a failing feed faster.
    if max_backoff < poll_interval:
        raise t.error(
            "max_backoff",
            f"must be at least poll_interval ({format_duration(poll_interval)}), "
            f"got {quoted(format_duration(max_backoff))}",
        )
    return FeedsConfig(
        urls=read_feed_urls(t),
        poll_interval=poll_interval,
        timeout=read_duration(t, "timeout", "20s"),
        max_bytes=read_int(t, "max_bytes", 5_000_000, minimum=1),
        backfill_days=read_int(t, "backfill_days", 0, minimum=0, maximum=MAX_DAYS),
        stale_after=read_duration(t, "stale_after", "45d"),
        max_backoff=max_backoff,
        user_agent=read_user_agent(t),
        alert_admins_after=read_duration(t, "alert_admins_after", "1h"),
    )


def _parse_digest(t: Table) -> DigestConfig:
    return DigestConfig(
        time=read_time_of_day(t, "time", "08:00"),
        timezone=read_timezone(t, "timezone", "UTC"),
        empty=read_digest_empty(t),
    )


def _parse_telegram(t: Table) -> TelegramConfig:
    api_url = read_str(t, "api_url", "https://api.telegram.org")
    if looks_like_token_url(api_url):
        # Checked before the value can be echoed into a message or a log.
        raise t.error("api_url", f"contains a bot token; {TOKEN_PROBLEM}")
    problem = http_url_problem(api_url)
    if problem is None and (urlsplit(api_url).query or urlsplit(api_url).fragment):
        problem = "expected a server root without a query or fragment"
    if problem is not None:
        raise t.error("api_url", f"{problem}, got {describe(api_url)}")
    return TelegramConfig(api_url=api_url.rstrip("/"), admins=read_admins(t))


def _parse_logging(t: Table) -> LoggingConfig:
    level = read_str(t, "level", "INFO")
    if level.upper() not in LOG_LEVELS:
        hint = suggest(level.upper(), LOG_LEVELS)
        raise t.error(
            "level", f"expected one of {or_list(LOG_LEVELS)}, got {describe(level)}{hint}"
        )
    return LoggingConfig(level=level.upper())


def _parse_site(t: Table) -> SiteConfig:
    host = read_str(t, "host", "127.0.0.1").strip()
    if not host or not host.isprintable() or any(ch.isspace() for ch in host):
        raise t.error("host", f"expected an address to listen on, got {describe(host)}")
    if ":" in host or "[" in host:
        # Only an IPv6 address has a colon: "localhost:8080" would be taken for one.
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise t.error(
                "host",
                "expected an address or a name without a port or brackets (the port is "
                f"[site] port), got {describe(host)}",
            ) from None
    base = read_str(t, "public_base_url", "")
    problem = http_url_problem(base) if base else None
    if problem is None and base and (urlsplit(base).query or urlsplit(base).fragment):
        problem = "expected the archive's root without a query or fragment"
    if problem is not None:
        raise t.error("public_base_url", f"{problem}, got {describe(base)}")
    return SiteConfig(
        serve=read_bool(t, "serve", False),
        host=host,
        port=read_int(t, "port", 8080, minimum=1, maximum=65535),
        public_base_url=base.rstrip("/") + "/" if base else "",
    )
