"""config.toml is read once at start; every mistake must stop the bot with a message
naming the file and the key, and the shipped file must say exactly what the defaults are."""

from __future__ import annotations

import dataclasses
import pickle
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import __version__
from bot.app.config import (
    DEFAULT_FEED_URLS,
    Config,
    ConfigError,
    builtin_config,
    default_config_path,
    format_duration,
    load_config,
    parse_config,
    parse_duration,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config.toml"
FAKE_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


def defaults(base_dir: Path) -> Config:
    return parse_config({}, base_dir=base_dir)


# --- the shipped file and defaults -----------------------------------------------------


def test_shipped_config_loads_and_equals_the_defaults() -> None:
    config = load_config(SHIPPED)
    assert config == dataclasses.replace(defaults(ROOT), source=SHIPPED)


def test_shipped_config_spells_out_every_key() -> None:
    # A key left out of the file would be a default nobody can read about.
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert {section: set(keys) for section, keys in raw.items()} == {
        "feeds": {
            "urls",
            "poll_interval",
            "timeout",
            "max_bytes",
            "backfill_days",
            "stale_after",
            "max_backoff",
            "user_agent",
            "alert_admins_after",
        },
        "store": {"path"},
        "watchlists": {"dir", "rematch_days"},
        "digest": {"time", "timezone", "empty"},
        "telegram": {"api_url", "admins"},
        "logging": {"level"},
        "about": {"enabled"},
        "site": {"serve", "host", "port", "public_base_url"},
    }


def test_the_possibly_about_tier_is_on_unless_the_config_turns_it_off() -> None:
    assert parse_config({}).about.enabled is True
    assert parse_config({"about": {"enabled": False}}).about.enabled is False


def test_an_about_switch_that_is_not_true_or_false_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"\[about\] enabled.*true or false"):
        parse_config({"about": {"enabled": "no"}})


def test_defaults_are_the_documented_values(tmp_path: Path) -> None:
    config = defaults(tmp_path)
    feeds = config.feeds
    assert feeds.urls == DEFAULT_FEED_URLS
    assert all("cacianalyst.org/publications/" in url for url in feeds.urls)
    assert feeds.poll_interval == timedelta(minutes=15)
    assert feeds.timeout == timedelta(seconds=20)
    assert feeds.max_bytes == 5_000_000
    assert feeds.backfill_days == 0
    assert feeds.stale_after == timedelta(days=45)
    assert feeds.max_backoff == timedelta(hours=6)
    assert feeds.user_agent == f"caci-watch/{__version__} (+https://github.com/caci-watch)"
    assert config.store.path == tmp_path / "store" / "caci-watch.sqlite3"
    assert config.watchlists.dir == tmp_path / "watchlists"
    assert (config.digest.time, config.digest.timezone, config.digest.empty) == (
        time(8, 0),
        "UTC",
        "send",
    )
    assert config.telegram.api_url == "https://api.telegram.org"
    assert config.telegram.admins == ()
    assert config.logging.level == "INFO"
    assert config.source is None


def test_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert load_config(path) == dataclasses.replace(defaults(tmp_path), source=path)


def test_comment_only_section_gives_its_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "[feeds]\n# nothing set yet\n")
    assert load_config(path).feeds == defaults(tmp_path).feeds


def test_config_is_frozen(tmp_path: Path) -> None:
    config = defaults(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.feeds.max_bytes = 1  # type: ignore[misc]


def test_set_values_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [feeds]
        urls = ["http://127.0.0.1:8080/a.feed"]
        poll_interval = "1h30m"
        timeout = 5
        max_bytes = 1_000
        backfill_days = 7
        stale_after = "2d"
        max_backoff = "1d"
        user_agent = "tester {version}"
        [digest]
        time = "18:30"
        timezone = "Asia/Tbilisi"
        empty = "skip"
        [telegram]
        api_url = "http://127.0.0.1:8081/"
        admins = [42, 1001]
        [logging]
        level = "debug"
        """,
    )
    config = load_config(path)
    assert config.feeds.urls == ("http://127.0.0.1:8080/a.feed",)
    assert config.feeds.poll_interval == timedelta(hours=1, minutes=30)
    assert config.feeds.timeout == timedelta(seconds=5)
    assert (config.feeds.max_bytes, config.feeds.backfill_days) == (1_000, 7)
    assert config.feeds.stale_after == timedelta(days=2)
    assert config.feeds.max_backoff == timedelta(days=1)
    assert config.feeds.user_agent == f"tester {__version__}"
    assert config.digest == dataclasses.replace(
        config.digest, time=time(18, 30), timezone="Asia/Tbilisi", empty="skip"
    )
    assert config.telegram.api_url == "http://127.0.0.1:8081"
    assert config.telegram.admins == (42, 1001)
    assert config.logging.level == "DEBUG"


def test_toml_local_time_is_accepted_for_digest_time(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[digest]\ntime = 07:45:00\n")).digest.time == time(7, 45)


# --- paths -------------------------------------------------------------------------------


def test_relative_paths_are_resolved_against_the_config_files_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    etc = tmp_path / "etc"
    etc.mkdir()
    path = write(etc, '[store]\npath = "db/x.sqlite3"\n[watchlists]\ndir = "../lists"\n')
    config = load_config(path)
    assert config.store.path == etc / "db" / "x.sqlite3"
    assert config.watchlists.dir == etc / ".." / "lists"


def test_relative_config_path_still_gives_absolute_store_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bot may chdir later; paths must not depend on the start directory.
    write(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("config.toml")).store.path.is_absolute()


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\npath = "/var/lib/caci-watch/db.sqlite3"\n')
    assert load_config(path).store.path == Path("/var/lib/caci-watch/db.sqlite3")


def test_parse_config_without_base_dir_keeps_relative_paths() -> None:
    assert parse_config({}).store.path == Path("store/caci-watch.sqlite3")


def test_home_directory_tilde_is_refused_rather_than_taken_literally() -> None:
    with pytest.raises(ConfigError, match=r'\[store\] path: "~" is not expanded'):
        parse_config({"store": {"path": "~/caci.sqlite3"}})


# --- choosing the file -----------------------------------------------------------------


def test_config_env_var_is_honoured(tmp_path: Path) -> None:
    chosen = tmp_path / "custom.toml"
    assert default_config_path({"CACI_WATCH_CONFIG": str(chosen)}, Path("/srv")) == chosen


def test_relative_config_env_var_is_relative_to_cwd() -> None:
    got = default_config_path({"CACI_WATCH_CONFIG": "conf/bot.toml"}, Path("/srv"))
    assert got == Path("/srv/conf/bot.toml")


@pytest.mark.parametrize("environ", [{}, {"CACI_WATCH_CONFIG": ""}])
def test_without_config_env_var_config_toml_in_cwd_is_used(environ: dict[str, str]) -> None:
    assert default_config_path(environ, Path("/srv")) == Path("/srv/config.toml")


def test_file_chosen_by_env_var_loads(tmp_path: Path) -> None:
    write(tmp_path, '[logging]\nlevel = "ERROR"\n', name="other.toml")
    path = default_config_path({"CACI_WATCH_CONFIG": "other.toml"}, tmp_path)
    assert load_config(path).logging.level == "ERROR"


# --- file-level errors -----------------------------------------------------------------


def test_missing_file_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "config.toml")
    assert str(info.value) == f"{tmp_path / 'config.toml'}: file not found"


def test_missing_file_message_with_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("config.toml"))
    assert str(info.value) == "config.toml: file not found"


def test_directory_instead_of_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    with pytest.raises(ConfigError, match=r"config\.toml: cannot read the file"):
        load_config(tmp_path / "config.toml")


def test_bad_toml_syntax_names_line_and_column(tmp_path: Path) -> None:
    text = '[feeds]\npoll_interval = "15m"\ntimeout = 20 s\n'
    message = load_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'config.toml'}: line 3, column 14: invalid TOML (")


def test_toml_error_at_end_of_file_still_names_a_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, "[feeds]\ntimeout =")
    assert "line 2, column 10 (end of file): invalid TOML" in message


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[digest]\ntimezone = "\xff"\n')
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path)


# --- section and key errors ------------------------------------------------------------


def test_unknown_section_is_named_with_a_suggestion(tmp_path: Path) -> None:
    message = load_error(tmp_path, "[feed]\n")
    assert message == f"{tmp_path / 'config.toml'}: unknown section [feed] (did you mean [feeds]?)"


def test_unknown_section_without_close_match_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown section \[zzz\] \(known sections: feeds, "):
        parse_config({"zzz": {}})


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[feeds]\npoll_intervall = "15m"\n')
    assert message.endswith(
        'config.toml: [feeds] poll_intervall: unknown key (did you mean "poll_interval"?)'
    )


def test_unknown_key_without_close_match_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"\[digest\] colour: unknown key \(known keys: time, "):
        parse_config({"digest": {"colour": "red"}})


def test_key_in_the_wrong_section_says_where_it_belongs() -> None:
    with pytest.raises(ConfigError, match=r"\[feeds\] timezone: .*belongs in \[digest\]"):
        parse_config({"feeds": {"timezone": "UTC"}})


def test_key_above_every_section_says_where_it_belongs(tmp_path: Path) -> None:
    message = load_error(tmp_path, 'poll_interval = "15m"\n[feeds]\n')
    assert message.endswith(
        "config.toml: poll_interval: unknown top-level key (it belongs in [feeds])"
    )


def test_section_written_as_a_value_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"config.toml: feeds: expected a table .*got integer 3"):
        parse_config({"feeds": 3})


def test_section_written_as_array_of_tables_is_refused(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[[feeds]]\nurls = ["https://a.example/f"]\n')
    assert "feeds: expected a table ([feeds]), got an array" in message


# --- the token --------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["token", "bot_token"])
def test_token_key_is_refused_with_the_environment_hint(tmp_path: Path, key: str) -> None:
    message = load_error(tmp_path, f'[telegram]\n{key} = "{FAKE_TOKEN}"\n')
    assert f"config.toml: [telegram] {key}: " in message
    assert "CACI_WATCH_TOKEN" in message
    assert "telegram-token" in message
    assert "never read from config.toml" in message
    assert FAKE_TOKEN not in message


def test_token_at_top_level_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="CACI_WATCH_TOKEN") as info:
        parse_config({"token": FAKE_TOKEN})
    assert FAKE_TOKEN not in str(info.value)


def test_token_inside_api_url_is_refused_without_echoing_it() -> None:
    url = f"https://api.telegram.org/bot{FAKE_TOKEN}/"
    with pytest.raises(ConfigError, match=r"\[telegram\] api_url: .*CACI_WATCH_TOKEN") as info:
        parse_config({"telegram": {"api_url": url}})
    assert FAKE_TOKEN not in str(info.value)


def test_token_shaped_values_are_redacted_in_any_message() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"logging": {"level": FAKE_TOKEN}})
    assert FAKE_TOKEN not in str(info.value)
    assert "redacted" in str(info.value)


# --- values -----------------------------------------------------------------------------

BAD_VALUES: list[tuple[str, dict[str, Any], str]] = [
    (
        "bad duration",
        {"feeds": {"poll_interval": "fast"}},
        r'\[feeds\] poll_interval: expected a duration like "15m", "1h30m" or "90s", got "fast"$',
    ),
    (
        "zero interval",
        {"feeds": {"poll_interval": "0m"}},
        r'\[feeds\] poll_interval: must be longer than zero, got "0m"',
    ),
    (
        "interval under a minute",
        {"feeds": {"poll_interval": "30s"}},
        r'\[feeds\] poll_interval: must be at least 1m, got "30s"',
    ),
    (
        "negative integer duration",
        {"feeds": {"timeout": -5}},
        r"\[feeds\] timeout: must be longer than zero, got integer -5",
    ),
    (
        "zero timeout",
        {"feeds": {"timeout": "0s"}},
        r"\[feeds\] timeout: must be longer than zero",
    ),
    (
        "bool as duration",
        {"feeds": {"stale_after": True}},
        r"\[feeds\] stale_after: expected a duration .*got boolean true",
    ),
    (
        "absurdly long duration",
        {"feeds": {"stale_after": "99999999999d"}},
        r"\[feeds\] stale_after: duration .* is too long",
    ),
    (
        "backoff below the poll interval",
        {"feeds": {"max_backoff": "5m"}},
        r'\[feeds\] max_backoff: must be at least poll_interval \(15m\), got "5m"',
    ),
    (
        "urls not an array",
        {"feeds": {"urls": "https://a.example/f"}},
        r"\[feeds\] urls: expected an array of feed URLs, got \"https://a.example/f\"",
    ),
    (
        "empty urls",
        {"feeds": {"urls": []}},
        r"\[feeds\] urls: expected at least one feed URL, got an empty array",
    ),
    (
        "non-http url",
        {"feeds": {"urls": ["https://a.example/f", "ftp://a.example/f"]}},
        r'\[feeds\] urls: item 2: expected an http\(s\) URL with a host, got "ftp://a.example/f"',
    ),
    (
        "url without host",
        {"feeds": {"urls": ["https:///feed"]}},
        r"\[feeds\] urls: item 1: expected an http\(s\) URL with a host",
    ),
    (
        "url with a space",
        {"feeds": {"urls": ["https://a.example/my feed"]}},
        r"\[feeds\] urls: item 1: expected an http\(s\) URL",
    ),
    (
        "url with a bad port",
        {"feeds": {"urls": ["https://a.example:http/f"]}},
        r"\[feeds\] urls: item 1: expected an http\(s\) URL",
    ),
    (
        "url not a string",
        {"feeds": {"urls": [42]}},
        r"\[feeds\] urls: item 1: expected a string, got integer 42",
    ),
    (
        "duplicate url",
        {"feeds": {"urls": ["https://a.example/f", "https://A.example/f"]}},
        r'\[feeds\] urls: item 2 repeats item 1: "https://A.example/f"',
    ),
    (
        "bool where int",
        {"feeds": {"max_bytes": True}},
        r"\[feeds\] max_bytes: expected an integer, got boolean true",
    ),
    (
        "float where int",
        {"feeds": {"max_bytes": 5e6}},
        r"\[feeds\] max_bytes: expected an integer, got float 5000000.0",
    ),
    (
        "string where int",
        {"feeds": {"backfill_days": "7"}},
        r'\[feeds\] backfill_days: expected an integer, got "7"',
    ),
    (
        "zero max_bytes",
        {"feeds": {"max_bytes": 0}},
        r"\[feeds\] max_bytes: must be greater than 0, got 0",
    ),
    (
        "negative backfill",
        {"feeds": {"backfill_days": -1}},
        r"\[feeds\] backfill_days: must be at least 0, got -1",
    ),
    (
        "int where string",
        {"feeds": {"user_agent": 3}},
        r"\[feeds\] user_agent: expected a string, got integer 3",
    ),
    (
        "newline in user agent",
        {"feeds": {"user_agent": "bot\r\nX-Evil: 1"}},
        r"\[feeds\] user_agent: must not contain control characters",
    ),
    (
        "empty store path",
        {"store": {"path": ""}},
        r"\[store\] path: expected a path, got an empty string",
    ),
    (
        "hour 25",
        {"digest": {"time": "25:00"}},
        r'\[digest\] time: expected a time of day as "HH:MM" .*got "25:00"',
    ),
    (
        "8am",
        {"digest": {"time": "8am"}},
        r'\[digest\] time: expected a time of day as "HH:MM" .*got "8am"',
    ),
    (
        "minute 60",
        {"digest": {"time": "08:60"}},
        r'\[digest\] time: .*got "08:60"',
    ),
    (
        "time as integer",
        {"digest": {"time": 800}},
        r"\[digest\] time: .*got integer 800",
    ),
    (
        "unknown timezone",
        {"digest": {"timezone": "Mars/Olympus_Mons"}},
        r'\[digest\] timezone: expected an IANA time zone name .*got "Mars/Olympus_Mons"$',
    ),
    (
        "bad empty mode",
        {"digest": {"empty": "silent"}},
        r'\[digest\] empty: expected "send" or "skip", got "silent"',
    ),
    (
        "empty mode typo",
        {"digest": {"empty": "skipp"}},
        r'\[digest\] empty: .*got "skipp" \(did you mean "skip"\?\)',
    ),
    (
        "api url not http",
        {"telegram": {"api_url": "api.telegram.org"}},
        r'\[telegram\] api_url: expected an http\(s\) URL with a host, got "api.telegram.org"',
    ),
    (
        "api url with query",
        {"telegram": {"api_url": "https://api.telegram.org/?x=1"}},
        r"\[telegram\] api_url: expected a server root without a query",
    ),
    (
        "admins with a string",
        {"telegram": {"admins": ["123456"]}},
        r'\[telegram\] admins: item 1: expected an integer user id, got "123456" '
        r"\(drop the quotes\)",
    ),
    (
        "admins with a name",
        {"telegram": {"admins": [1, "@alice"]}},
        r'\[telegram\] admins: item 2: expected an integer user id, got "@alice"$',
    ),
    (
        "admins with a bool",
        {"telegram": {"admins": [True]}},
        r"\[telegram\] admins: item 1: expected an integer user id, got boolean true",
    ),
    (
        "admins with a float",
        {"telegram": {"admins": [12.0]}},
        r"\[telegram\] admins: item 1: expected an integer user id, got float 12.0",
    ),
    (
        "admins with a group id",
        {"telegram": {"admins": [-1001234]}},
        r"\[telegram\] admins: item 1: user ids are positive, got -1001234",
    ),
    (
        "admins repeated",
        {"telegram": {"admins": [7, 8, 7]}},
        r"\[telegram\] admins: item 3 repeats item 1: 7",
    ),
    (
        "admins not an array",
        {"telegram": {"admins": 7}},
        r"\[telegram\] admins: expected an array of Telegram user ids, got integer 7",
    ),
    (
        "bad log level",
        {"logging": {"level": "LOUD"}},
        r'\[logging\] level: expected one of DEBUG, INFO, WARNING or ERROR, got "LOUD"$',
    ),
    (
        "log level typo",
        {"logging": {"level": "WARN"}},
        r'\[logging\] level: .*got "WARN" \(did you mean "WARNING"\?\)',
    ),
]


@pytest.mark.parametrize(
    ("data", "pattern"), [case[1:] for case in BAD_VALUES], ids=[case[0] for case in BAD_VALUES]
)
def test_bad_value_is_refused_naming_file_and_key(data: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="/etc/caci-watch/config.toml")
    message = str(info.value)
    assert message.startswith("/etc/caci-watch/config.toml: ")
    assert info.value.key is not None and info.value.key in message
    assert re.search(pattern, message), message


def test_bad_timezone_suggests_the_close_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"digest": {"timezone": "Europe/Berln"}})
    message = str(info.value)
    assert message.startswith("config.toml: [digest] timezone: expected an IANA time zone name")
    assert 'got "Europe/Berln" (did you mean "Europe/Berlin"' in message


@pytest.mark.parametrize(
    ("typed", "meant"), [("tbilisi", "Asia/Tbilisi"), ("asia/baku", "Asia/Baku")]
)
def test_timezone_city_or_wrong_case_suggests_the_zone(typed: str, meant: str) -> None:
    with pytest.raises(ConfigError, match=f'did you mean "{meant}"'):
        parse_config({"digest": {"timezone": typed}})


def test_wrong_type_in_file_names_expected_and_got(tmp_path: Path) -> None:
    message = load_error(tmp_path, "[feeds]\nmax_bytes = true\n")
    assert message == (
        f"{tmp_path / 'config.toml'}: [feeds] max_bytes: expected an integer, got boolean true"
    )


def test_error_exposes_parts_and_pickles() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"digest": {"time": "8am"}})
    error = info.value
    assert (error.source, error.key) == ("config.toml", "[digest] time")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


# --- builtin config -----------------------------------------------------------------------


def test_builtin_config_uses_given_places_and_defaults_otherwise(tmp_path: Path) -> None:
    config = builtin_config(
        store_path=tmp_path / "demo.sqlite3",
        watchlists_dir=tmp_path / "lists",
        feed_urls=["http://127.0.0.1:9999/a.feed"],
    )
    assert config.store.path == tmp_path / "demo.sqlite3"
    assert config.watchlists.dir == tmp_path / "lists"
    assert config.feeds.urls == ("http://127.0.0.1:9999/a.feed",)
    base = defaults(tmp_path)
    assert config.digest == base.digest
    assert config.telegram == base.telegram
    assert dataclasses.replace(config.feeds, urls=DEFAULT_FEED_URLS) == base.feeds


def test_builtin_config_validates_feed_urls(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="urls"):
        builtin_config(store_path=tmp_path / "d", watchlists_dir=tmp_path, feed_urls=[])


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("45d", timedelta(days=45)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("90m", timedelta(minutes=90)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("120", timedelta(seconds=120)),
        ("0", timedelta(0)),
        ("0s", timedelta(0)),
        (" 15M ", timedelta(minutes=15)),
    ],
)
def test_parse_duration_reads(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", " ", "fast", "-5m", "-5", "1.5h", "m", "30m1h", "1h1h", "1w", "15 minutes"]
)
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match='expected a duration like "15m", "1h30m" or "90s"'):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=6), "6h"),
        (timedelta(days=45), "45d"),
    ],
)
def test_format_duration_writes_the_shortest_form(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


hours = st.integers(min_value=0, max_value=10_000)
minutes = st.integers(min_value=0, max_value=10_000)
seconds = st.integers(min_value=0, max_value=10_000)


@given(hours, minutes, seconds)
def test_parse_duration_of_h_m_s_equals_the_timedelta(h: int, m: int, s: int) -> None:
    assert parse_duration(f"{h}h{m}m{s}s") == timedelta(hours=h, minutes=m, seconds=s)


@given(st.integers(min_value=0, max_value=10**9).map(lambda n: timedelta(seconds=n)))
def test_format_duration_round_trips(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value
