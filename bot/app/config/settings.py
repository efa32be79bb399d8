"""What the settings are: the frozen, typed :class:`Config`, its defaults and limits, and
the keys each section of config.toml may hold.

The Telegram bot token is deliberately not a setting: it comes from the environment
(``CACI_WATCH_TOKEN``) or a systemd credential, so config.toml can be committed and
shown to people without leaking it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

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
    # A PostgreSQL database ("postgresql://user@host/db") instead of the SQLite file.
    url: str = ""

    @property
    def location(self) -> str:
        """What ``open_store`` opens: the url when set, else the file."""
        return self.url or str(self.path)

    @property
    def shown(self) -> str:
        """The location as messages show it: a url's password hidden."""
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", self.url) if self.url else str(self.path)


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
class AboutConfig:
    # The "possibly about" tier (lists with `about` sentences); off, only names match.
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SiteConfig:
    # `run` also serves the digest archive, read-only, on host:port (off: nothing of it
    # is loaded).
    serve: bool = False
    host: str = "127.0.0.1"
    port: int = 8080
    # Where the archive is published ("" for nowhere): digests link to their day there.
    public_base_url: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    feeds: FeedsConfig
    store: StoreConfig
    watchlists: WatchlistsConfig
    digest: DigestConfig
    telegram: TelegramConfig
    logging: LoggingConfig
    about: AboutConfig = AboutConfig()
    site: SiteConfig = SiteConfig()
    # The file the settings came from; None when built in code (tests, the demo).
    source: Path | None = None


SCHEMA: dict[str, tuple[str, ...]] = {
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
    "store": ("path", "url"),
    "watchlists": ("dir", "rematch_days"),
    "digest": ("time", "timezone", "empty"),
    "telegram": ("api_url", "admins"),
    "logging": ("level",),
    "about": ("enabled",),
    "site": ("serve", "host", "port", "public_base_url"),
}

# Names someone might reasonably reach for when pasting the token in.
TOKEN_KEYS = frozenset({"token", "bot_token", "telegram_token", "api_token"})
TOKEN_PROBLEM = (
    "the bot token is never read from config.toml; remove it from this file and set the "
    f"environment variable {TOKEN_ENV_VAR} or the systemd credential "
    f'"{TOKEN_CREDENTIAL}" instead'
)


def section_of(key: str) -> str | None:
    """The section a key belongs in, for "it belongs in [feeds]"; None if it is nobody's."""
    return next((section for section, keys in SCHEMA.items() if key in keys), None)
