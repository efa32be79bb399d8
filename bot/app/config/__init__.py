"""The bot's settings: load and validate ``config.toml`` into a frozen, typed :class:`Config`.

Callers import from here; the parts are ``settings`` (the dataclasses, defaults and the
keys each section takes), ``loading`` (file -> TOML -> Config), ``values`` (one key's
checks), ``durations`` ("1h30m" <-> timedelta) and ``wording`` (:class:`ConfigError` and
how a message shows a value).
"""

from __future__ import annotations

from bot.app.config.durations import format_duration, parse_duration
from bot.app.config.loading import builtin_config, default_config_path, load_config, parse_config
from bot.app.config.settings import (
    CONFIG_ENV_VAR,
    DEFAULT_FEED_URLS,
    TOKEN_CREDENTIAL,
    TOKEN_ENV_VAR,
    AboutConfig,
    Config,
    DigestConfig,
    DigestEmpty,
    FeedsConfig,
    LoggingConfig,
    SiteConfig,
    StoreConfig,
    TelegramConfig,
    WatchlistsConfig,
)
from bot.app.config.wording import ConfigError

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_FEED_URLS",
    "TOKEN_CREDENTIAL",
    "TOKEN_ENV_VAR",
    "AboutConfig",
    "Config",
    "ConfigError",
    "DigestConfig",
    "DigestEmpty",
    "FeedsConfig",
    "LoggingConfig",
    "SiteConfig",
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
