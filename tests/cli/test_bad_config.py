"""Bad files: a malformed config.toml stops the bot at once with one clear line, and a
malformed watchlist file is reported (once, to the admins too) while the last good
version stays in force.

Every bad config.toml goes through the command line's entry point,
``caci-watch --config X check`` and ``... run`` (with no token), in this process: exit
status 2, one line on stderr naming the file and the key, no traceback, nothing created,
and ``run`` stops before it starts anything. A couple of cases also run as real processes,
``python -m bot``, as a person at a terminal or systemd would see them. The value-by-value
wording is pinned in ``test_config.py``; here every case runs end to end.

The catalogue of bad Telegram input is ``test_bad_commands.py``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.runtime.process
import bot.runtime.runner
from bot.cli.main import main
from bot.domain.matching import compile_watchlists
from bot.lists.files import MAX_TERMS
from bot.lists.registry import WatchlistRegistry
from tests.bot_harness import ADMIN_ID, REPO, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.watchlist_copy import FROZEN_WATCHLISTS, copy_watchlists

FAKE_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
# Generous: a refused config is reported in well under a second. The deadline of each
# `caci-watch` process, and of each test that runs the command in this process.
QUICKLY = 20

# -- config.toml -------------------------------------------------------------------------


@dataclass(frozen=True)
class BadConfig:
    name: str
    content: bytes | None  # None: the case makes its own path (see SPECIAL_PATHS)
    message: str  # a regular expression the one error line must match


def toml(text: str) -> bytes:
    return text.encode("utf-8")


BAD_CONFIGS = [
    # -- the file itself
    BadConfig("missing file", None, r": file not found$"),
    BadConfig("a directory", None, r": cannot read the file \(Is a directory\)$"),
    BadConfig("a path through a file", None, r": cannot read the file \(Not a directory\)$"),
    BadConfig("a device, not a file", None, r"^caci-watch: error: /dev/zero: .*not a regular"),
    BadConfig("over a megabyte", toml("# comment\n" * 120_000), r"larger than 1,000,000 bytes"),
    BadConfig("not TOML at all", toml("just some words\n"), r": line 1, column 6: invalid TOML"),
    BadConfig("binary garbage", bytes(range(256)) * 4, r": byte 128: not valid UTF-8"),
    BadConfig(
        "invalid UTF-8 in a value", b'[digest]\ntimezone = "\xff"\n', r": byte 21: not valid UTF-8"
    ),
    BadConfig(
        "a byte-order mark", b"\xef\xbb\xbf[feeds]\n", r"byte-order mark \(BOM\): save it as UTF-8"
    ),
    BadConfig("a NUL byte", b"[feeds]\x00\n", r": line 1, column 8: invalid TOML"),
    BadConfig(
        "cut off mid-string", toml('[digest]\ntimezone = "Asia/Tbil'), r": line 2, .*invalid TOML"
    ),
    BadConfig(
        "nested ten thousand deep",
        toml("x = " + "[" * 10_000 + "]" * 10_000 + "\n"),
        r": invalid TOML \(arrays or tables nested too deeply\)$",
    ),
    BadConfig(
        "a 5,000-digit number",
        toml("[feeds]\nmax_bytes = " + "9" * 5_000 + "\n"),
        r": invalid TOML \(a number with thousands of digits\)$",
    ),
    BadConfig(
        "a key given twice",
        toml("[feeds]\ntimeout = 5\ntimeout = 6\n"),
        r": line 3, column 12: invalid TOML \(Cannot overwrite a value\)$",
    ),
    BadConfig(
        "a section given twice", toml("[feeds]\n[feeds]\n"), r": line 2, .*invalid TOML \(Cannot"
    ),
    # -- sections and keys
    BadConfig("unknown section", toml("[feed]\n"), r": unknown section \[feed\] \(did you mean"),
    BadConfig("unknown section, nothing close", toml("[colours]\n"), r"known sections: feeds,"),
    BadConfig(
        "unknown key",
        toml('[feeds]\npoll_intervall = "15m"\n'),
        r': \[feeds\] poll_intervall: unknown key \(did you mean "poll_interval"\?\)$',
    ),
    BadConfig(
        "a key in the wrong section",
        toml('[feeds]\ntimezone = "UTC"\n'),
        r"\[feeds\] timezone: unknown key here; it belongs in \[digest\]$",
    ),
    BadConfig(
        "a section name with a line break",
        toml('["feeds\\nstore"]\n'),
        r'unknown section \["feeds\\nstore"\]',
    ),
    BadConfig(
        "a key shaped like a bot token",
        toml(f'[telegram]\n"{FAKE_TOKEN}" = 1\n'),
        r'\[telegram\] "<redacted: looks like a bot token>": unknown key',
    ),
    BadConfig(
        "a 10,000-character key",
        toml("[feeds]\n" + "k" * 10_000 + " = 1\n"),
        r'\[feeds\] "k{77}\.\.\.": unknown key',
    ),
    BadConfig(
        "the bot token",
        toml(f'[telegram]\ntoken = "{FAKE_TOKEN}"\n'),
        r"\[telegram\] token: the bot token is never read from config.toml.*CACI_WATCH_TOKEN",
    ),
    BadConfig(
        "the bot token in api_url",
        toml(f'[telegram]\napi_url = "https://api.telegram.org/bot{FAKE_TOKEN}"\n'),
        r"\[telegram\] api_url: contains a bot token",
    ),
    BadConfig("a section as a value", toml("feeds = 3\n"), r": feeds: expected a table"),
    # -- values
    BadConfig(
        "a string for an integer",
        toml('[feeds]\nmax_bytes = "lots"\n'),
        r'\[feeds\] max_bytes: expected an integer, got "lots"$',
    ),
    BadConfig(
        "a list for a string",
        toml('[feeds]\nuser_agent = ["a"]\n'),
        r"\[feeds\] user_agent: expected a string, got an array$",
    ),
    BadConfig(
        "a negative duration",
        toml('[feeds]\ntimeout = "-5s"\n'),
        r'\[feeds\] timeout: expected a duration like "15m", "1h30m" or "90s", got "-5s"$',
    ),
    BadConfig(
        "a zero duration",
        toml("[feeds]\ntimeout = 0\n"),
        r"\[feeds\] timeout: must be longer than zero, got integer 0$",
    ),
    BadConfig(
        '"15 minutes" for "15m"',
        toml('[feeds]\npoll_interval = "15 minutes"\n'),
        r'\[feeds\] poll_interval: expected a duration like "15m".*got "15 minutes"$',
    ),
    BadConfig(
        "a duration of millennia",
        toml('[feeds]\npoll_interval = "3000000d"\nmax_backoff = "3000000d"\n'),
        r'\[feeds\] poll_interval: must be at most 3650d \(ten years\), got "3000000d"$',
    ),
    BadConfig(
        "a duration beyond any date",
        toml('[feeds]\nstale_after = "99999999999d"\n'),
        r"\[feeds\] stale_after: duration .* is too long$",
    ),
    BadConfig(
        "a huge number of days",
        toml("[feeds]\nbackfill_days = 100000000000000000000\n"),
        r"\[feeds\] backfill_days: must be at most 100000, got integer 100000000000000000000$",
    ),
    BadConfig(
        "a huge rematch window",
        toml("[watchlists]\nrematch_days = 9999999\n"),
        r"\[watchlists\] rematch_days: must be at most 100000",
    ),
    BadConfig(
        "NaN for a duration",
        toml("[feeds]\ntimeout = nan\n"),
        r"\[feeds\] timeout: expected a duration .*got float nan$",
    ),
    BadConfig(
        "infinity for an integer",
        toml("[feeds]\nmax_bytes = inf\n"),
        r"\[feeds\] max_bytes: expected an integer, got float inf$",
    ),
    BadConfig(
        "a float duration",
        toml("[feeds]\ntimeout = 1.5\n"),
        r"\[feeds\] timeout: expected a duration .*got float 1.5$",
    ),
    BadConfig(
        "no feeds",
        toml("[feeds]\nurls = []\n"),
        r"\[feeds\] urls: expected at least one feed URL, got an empty array$",
    ),
    BadConfig(
        "a non-http feed",
        toml('[feeds]\nurls = ["ftp://cacianalyst.org/feed"]\n'),
        r'\[feeds\] urls: item 1: expected an http\(s\) URL with a host, got "ftp://',
    ),
    BadConfig(
        "a javascript: feed",
        toml('[feeds]\nurls = ["javascript:alert(1)"]\n'),
        r"\[feeds\] urls: item 1: expected an http\(s\) URL",
    ),
    BadConfig(
        "a NUL in a feed URL",
        toml('[feeds]\nurls = ["https://cacianalyst.org/\\u0000"]\n'),
        r"\[feeds\] urls: item 1: expected an http\(s\) URL with a host and no spaces",
    ),
    BadConfig(
        "admins as strings",
        toml('[telegram]\nadmins = ["42"]\n'),
        r'\[telegram\] admins: item 1: expected an integer user id, got "42" \(drop the quotes\)$',
    ),
    BadConfig(
        "an admin id too large for Telegram",
        toml("[telegram]\nadmins = [99999999999999999999999999]\n"),
        r"\[telegram\] admins: item 1: too large for a Telegram user id",
    ),
    BadConfig(
        "a bad time zone",
        toml('[digest]\ntimezone = "Mars/Olympus_Mons"\n'),
        r'\[digest\] timezone: expected an IANA time zone name .*got "Mars/Olympus_Mons"$',
    ),
    BadConfig(
        "a path for a time zone",
        toml('[digest]\ntimezone = "../../etc/passwd"\n'),
        r"\[digest\] timezone: expected an IANA time zone name",
    ),
    BadConfig(
        "the server's own time zone",
        toml('[digest]\ntimezone = "localtime"\n'),
        r'\[digest\] timezone: expected an IANA time zone name .*got "localtime"',
    ),
    BadConfig(
        "a NUL in the time zone",
        toml('[digest]\ntimezone = "UTC\\u0000"\n'),
        r'\[digest\] timezone: .*got "UTC\\u0000"',
    ),
    BadConfig(
        'digest time "25:00"',
        toml('[digest]\ntime = "25:00"\n'),
        r'\[digest\] time: expected a time of day as "HH:MM" .*got "25:00"$',
    ),
    BadConfig(
        "a date and time for the digest time",
        toml("[digest]\ntime = 1979-05-27T07:32:00Z\n"),
        r"\[digest\] time: .*got datetime 1979-05-27T07:32:00\+00:00$",
    ),
    BadConfig(
        'log level "LOUD"',
        toml('[logging]\nlevel = "LOUD"\n'),
        r'\[logging\] level: expected one of DEBUG, INFO, WARNING or ERROR, got "LOUD"$',
    ),
    BadConfig(
        "a NUL in the store path",
        toml('[store]\npath = "store/a\\u0000b.sqlite3"\n'),
        r'\[store\] path: must not contain control characters, got "store/a\\u0000b',
    ),
    BadConfig(
        "a line break in the user agent",
        toml('[feeds]\nuser_agent = "bot\\r\\nX-Evil: 1"\n'),
        r"\[feeds\] user_agent: must not contain control characters",
    ),
]

SPECIAL_PATHS: dict[str, Callable[[Path], Path]] = {
    "missing file": lambda d: d / "config.toml",
    "a directory": lambda d: _mkdir(d / "config.toml"),
    "a path through a file": lambda d: _touch(d / "config.toml") / "inner.toml",
    "a device, not a file": lambda d: Path("/dev/zero"),
}


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _touch(path: Path) -> Path:
    path.write_text("")
    return path


@dataclass(frozen=True)
class Outcome:
    config: Path
    workdir: Path
    returncode: int | None  # None: it did not exit in time
    stdout: str
    stderr: str


def case_config(workdir: Path, case: BadConfig) -> Path:
    """The case's config file in ``workdir``, beside a copy of the shipped watchlists."""
    copy_watchlists(workdir / "watchlists")
    if case.content is None:
        return SPECIAL_PATHS[case.name](workdir)
    path = workdir / "config.toml"
    path.write_bytes(case.content)
    return path


def caci_watch(config: Path, command: str, workdir: Path) -> Outcome:
    """``python -m bot --config CONFIG COMMAND`` as a user runs it: no token anywhere."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ")}
    env["PYTHONPATH"] = str(REPO)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), command],
            capture_output=True,
            text=True,
            cwd=workdir,
            env=env,
            timeout=QUICKLY,
        )
    except subprocess.TimeoutExpired as exc:
        # Reported by the case's own test: still running after the deadline.
        return Outcome(config, workdir, None, str(exc.stdout), f"timed out: {exc.stderr!r}")
    return Outcome(config, workdir, result.returncode, result.stdout, result.stderr)


def _must_not_start(*args: object, **kwargs: object) -> None:
    pytest.fail("`run` went past its config and started the bot")


@pytest.fixture
def in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[Path, str, Path], Outcome]:
    """``caci-watch --config CONFIG COMMAND`` through ``bot.cli.main.main``, in this
    process, as ``caci_watch`` runs it: no token anywhere, in ``workdir``. Should `run`
    ever get past its config here, it fails the test instead of starting the bot."""
    for name in ("CACI_WATCH_TOKEN", "CACI_WATCH_CONFIG", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bot.runtime.runner, "BotRunner", _must_not_start)
    monkeypatch.setattr(bot.runtime.process, "serve", _must_not_start)

    def run(config: Path, command: str, workdir: Path) -> Outcome:
        capsys.readouterr()
        # A good config sets up logging (onto this test's stderr): put it back after.
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            with monkeypatch.context() as m:
                m.chdir(workdir)
                code = main(["--config", str(config), command])
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        out, err = capsys.readouterr()
        return Outcome(config, workdir, code, out, err)

    return run


def assert_refused(out: Outcome, case: BadConfig) -> None:
    assert "Traceback" not in out.stderr
    [line] = out.stderr.splitlines()
    assert line.startswith(f"caci-watch: error: {out.config}: "), line
    assert re.search(case.message, line), line
    assert len(line) < 400
    assert FAKE_TOKEN not in line
    assert out.returncode == 2
    assert out.stdout == ""
    # Refused before anything was opened: no store, no log file, nothing.
    assert not (out.workdir / "store").exists()


@pytest.mark.timeout(QUICKLY)
@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("case", BAD_CONFIGS, ids=[case.name for case in BAD_CONFIGS])
def test_a_bad_config_stops_with_one_line_naming_the_file_and_what_is_wrong(
    tmp_path: Path,
    in_process: Callable[[Path, str, Path], Outcome],
    case: BadConfig,
    command: str,
) -> None:
    assert_refused(in_process(case_config(tmp_path, case), command, tmp_path), case)


@pytest.mark.parametrize(
    ("name", "command"),
    [("the bot token in api_url", "run"), ("a key shaped like a bot token", "check")],
)
def test_the_real_process_exits_2_with_one_line_and_no_token(
    tmp_path: Path, name: str, command: str
) -> None:
    [case] = [case for case in BAD_CONFIGS if case.name == name]
    out = caci_watch(case_config(tmp_path, case), command, tmp_path)
    assert_refused(out, case)
    assert FAKE_TOKEN not in out.stdout + out.stderr


@pytest.mark.timeout(QUICKLY)
@pytest.mark.parametrize(
    "content",
    [b"", b"# only a comment\n", b"[feeds]\r\n# Windows line ends\r\n", b"\n\n[digest]\n"],
    ids=["empty", "comments only", "CRLF line ends", "an empty section"],
)
def test_an_empty_or_comment_only_config_means_every_default(
    tmp_path: Path,
    watchlists_dir: Path,
    in_process: Callable[[Path, str, Path], Outcome],
    content: bytes,
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    out = in_process(config, "check", tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"config: {config}: ok\n")
    assert "cacianalyst.org/publications/analytical-articles.feed" in out.stdout
    assert out.stderr == ""


# -- watchlist files ---------------------------------------------------------------------

GOOD_TRIPP = (FROZEN_WATCHLISTS / "tripp.toml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class BadWatchlist:
    name: str
    content: bytes
    reason: str  # a regular expression the error (after "<file>:<line>: ") must match


def watchlist(body: str, name: str = "TRIPP") -> bytes:
    return f'name = "{name}"\n{body}'.encode()


BAD_WATCHLISTS = [
    BadWatchlist("invalid TOML", watchlist('terms = ["Zangezur"\n'), r"invalid TOML: "),
    BadWatchlist("not UTF-8", b'name = "Caf\xe9"\nterms = ["xyz"]\n', r"not UTF-8"),
    BadWatchlist("a binary file", bytes(range(256)) * 64, r"not UTF-8"),
    BadWatchlist("a byte-order mark", b"\xef\xbb\xbf" + watchlist('terms = ["xyz"]\n'), r"BOM"),
    BadWatchlist(
        "nested ten thousand deep",
        watchlist("terms = " + "[" * 10_000 + "]" * 10_000 + "\n"),
        r"nested too deeply",
    ),
    BadWatchlist(
        "a 5,000-digit threshold",
        watchlist('terms = ["xyz"]\nthreshold = ' + "9" * 5_000 + "\n"),
        r"a number with thousands of digits",
    ),
    BadWatchlist("no name", b'terms = ["Zangezur"]\n', r"name is required"),
    BadWatchlist("a number for the name", b'name = 3\nterms = ["xyz"]\n', r"name must be a string"),
    BadWatchlist(
        "a line break in the name",
        b'name = "TRIPP\\nroute"\nterms = ["xyz"]\n',
        r"name must not contain line breaks",
    ),
    BadWatchlist(
        "a text-direction control in the name",
        watchlist('terms = ["xyz"]\n', name="\\u202ePPIRT"),
        r"text-direction",
    ),
    BadWatchlist(
        "a 101-character name", watchlist('terms = ["xyz"]\n', name="N" * 101), r"at most 100"
    ),
    BadWatchlist(
        "a name like a personal list's",
        watchlist('terms = ["xyz"]\n', name="~4242/Rogun"),
        r"must not start with '~'",
    ),
    BadWatchlist(
        "a name of emoji only", watchlist('terms = ["xyz"]\n', name="🇦🇿🇦🇲"), r"no letters or digits"
    ),
    BadWatchlist("no terms", watchlist(""), r"terms is required"),
    BadWatchlist("empty terms", watchlist("terms = []\n"), r"terms must not be empty"),
    BadWatchlist("terms as a string", watchlist('terms = "Zangezur"\n'), r"terms must be a list"),
    BadWatchlist("a number as a term", watchlist("terms = [42]\n"), r"must be a string or a table"),
    BadWatchlist(
        "a term of only punctuation", watchlist('terms = ["?!.,;"]\n'), r"no letters or digits"
    ),
    BadWatchlist("a term of only spaces", watchlist('terms = ["   "]\n'), r"no letters or digits"),
    BadWatchlist(
        "a term of zero-width characters",
        watchlist('terms = ["\\u200b\\u200d\\u2060"]\n'),
        r"no letters or digits",
    ),
    BadWatchlist("an empty term", watchlist('terms = ["Zangezur", ""]\n'), r"terms\[1\]: "),
    BadWatchlist(
        "a 201-character term", watchlist(f'terms = ["{"w" * 201}"]\n'), r"at most 200 characters"
    ),
    BadWatchlist(
        f"{MAX_TERMS + 1} terms",
        watchlist("terms = [" + ", ".join(f'"t{i}"' for i in range(MAX_TERMS + 1)) + "]\n"),
        rf"terms: at most {MAX_TERMS} \(this list has {MAX_TERMS + 1}\)",
    ),
    BadWatchlist(
        "10 MB of terms",
        watchlist("terms = [" + ", ".join(f'"t{i}"' for i in range(1_000_000)) + "]\n"),
        r"larger than 1,000,000 bytes",
    ),
    BadWatchlist(
        "a 1,001-character description",
        watchlist(f'description = "{"d" * 1001}"\nterms = ["xyz"]\n'),
        r"description must be at most 1000",
    ),
    BadWatchlist(
        "a fractional threshold",
        watchlist('terms = ["xyz"]\nthreshold = 88.5\n'),
        r"threshold must be a whole number",
    ),
    BadWatchlist(
        "a text-direction control in a term",
        watchlist('terms = ["Zangezur \\u202e"]\n'),
        r"terms\[0\]: must not contain text-direction controls",
    ),
    BadWatchlist("an unknown key", watchlist('terms = ["xyz"]\ntreshold = 80\n'), r"unknown key"),
    BadWatchlist(
        "an empty exclude", watchlist('terms = ["xyz"]\nexclude = [""]\n'), r"exclude\[0\]: must be"
    ),
]


def test_the_registry_reports_each_bad_watchlist_once_and_keeps_the_last_good_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tripp.toml"
    path.write_text(GOOD_TRIPP, encoding="utf-8")
    registry = WatchlistRegistry(tmp_path)
    registry.refresh()
    good = registry.find("TRIPP")
    assert good is not None
    failures = []
    for case in BAD_WATCHLISTS:
        path.write_bytes(case.content)
        changes = registry.refresh()
        again = registry.refresh()
        if [c.kind for c in changes] != ["invalid"] or again != []:
            failures.append(f"{case.name}: {changes} then {again}")
            continue
        error = changes[0].error
        where = re.match(rf"{re.escape(str(path))}(?::\d+)?: (?P<reason>.*)$", error, re.DOTALL)
        if where is None or not re.search(case.reason, where["reason"]):
            failures.append(f"{case.name}: {error[:300]!r}")
        if "\n" in error or len(error) > 500:
            failures.append(f"{case.name}: not one short line: {error[:300]!r}")
        if (
            registry.find("TRIPP") != good
            or compile_watchlists(registry.watchlists).match(
                [("body", "the Trump Route for International Peace and Prosperity")]
            )
            == []
        ):
            failures.append(f"{case.name}: the last good version is not in force")
    assert failures == []


def test_regex_like_terms_are_plain_text_and_match_quickly(tmp_path: Path) -> None:
    (tmp_path / "odd.toml").write_text(
        'name = "Odd"\nterms = ["(aaa+)+$", "\\\\d{1,9}", "C++ route", "[Syunik]", "a|b|c"]\n',
        encoding="utf-8",
    )
    registry = WatchlistRegistry(tmp_path)
    assert [c.kind for c in registry.refresh()] == ["added"]
    matched = compile_watchlists(registry.watchlists).match(
        [("body", "a" * 50_000 + "! Ships took the 2025 route.")]
    )
    # Nothing reads them as patterns: "\d{1,9}" does not match a number, "(aaa+)+$" does
    # not backtrack through fifty thousand a's. ("(a+)+$" itself is refused: it would be
    # the one-letter term "a"; see test_short_terms.)
    assert "\\d{1,9}" not in {m.term for m in matched}
    assert compile_watchlists(registry.watchlists).match([("body", "Syunik")])


def test_a_second_file_with_the_same_name_in_other_case_is_refused_and_the_first_kept(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-tripp.toml").write_text(GOOD_TRIPP, encoding="utf-8")
    registry = WatchlistRegistry(tmp_path)
    registry.refresh()
    (tmp_path / "b-tripp.toml").write_bytes(watchlist('terms = ["Syunik"]\n', name="tripp"))
    [change] = registry.refresh()
    assert change.kind == "invalid" and "already used by" in change.error
    assert registry.find("TRIPP") is not None
    assert registry.find("TRIPP").source.endswith("a-tripp.toml")  # type: ignore[union-attr]


@pytest.mark.timeout(QUICKLY)
def test_check_lists_every_bad_watchlist_on_its_own_line_and_fails(
    tmp_path: Path, watchlists_dir: Path, in_process: Callable[[Path, str, Path], Outcome]
) -> None:
    for number, case in enumerate(BAD_WATCHLISTS):
        name = f"bad-{number:02}.toml"
        content = case.content.replace(b'"TRIPP"', f'"Bad {number}"'.encode(), 1)
        (watchlists_dir / name).write_bytes(content)
    config = tmp_path / "config.toml"
    config.write_text("")
    out = in_process(config, "check", tmp_path)
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    errors = [line for line in out.stdout.splitlines() if line.startswith("watchlist error: ")]
    assert len(errors) == len(BAD_WATCHLISTS)
    for name in ("TRIPP", "Abraham Accords", "Middle Corridor"):
        assert f"watchlist '{name}'" in out.stdout


# -- the running bot: the admins are told once, nothing else changes -----------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242
TRIPP_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the Trump Route for International Peace and Prosperity.</p>",
    NOW - timedelta(hours=1),
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def test_the_running_bot_tells_the_admins_once_per_broken_version_and_keeps_matching(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock(NOW)
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    path = tmp_path / "watchlists" / "tripp.toml"
    # A few kinds, not the whole catalogue: the bot writes to one chat at most once a
    # second after a burst of three, and the registry test above covers every kind.
    kinds = {"invalid TOML", "a binary file", "nested ten thousand deep", "empty terms"}
    shown = [c for c in BAD_WATCHLISTS if c.name in kinds | {f"{MAX_TERMS + 1} terms"}]
    failures: list[str] = []

    async def tick(b: BotUnderTest) -> None:
        clock.set(clock.now + timedelta(minutes=1))
        await b.runner.watchlist_job()
        b.runner.wake_outbox()
        assert await b.outbox_settled()

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.poll()
            await b.send("/subscribe TRIPP", user_id=ANN)
            for case in shown:
                before = len(fake.messages_to(ADMIN_ID))
                path.write_bytes(case.content)
                await tick(b)
                await tick(b)
                notices = fake.messages_to(ADMIN_ID)[before:]
                if len(notices) != 1:
                    failures.append(f"{case.name}: {len(notices)} notices")
                    continue
                text = notices[0].text
                if "File: tripp.toml" not in text or "stays in force" not in text:
                    failures.append(f"{case.name}: {text[:200]!r}")
                reason = text.split("Reason: ", 1)[-1]
                if not re.search(case.reason, reason):
                    failures.append(f"{case.name}: reason {reason[:200]!r}")
            # A new file that clashes with a list in force: nothing of it is in force.
            before = len(fake.messages_to(ADMIN_ID))
            (tmp_path / "watchlists" / "tripp-copy.toml").write_bytes(
                watchlist('terms = ["Syunik"]\n', name="tripp")
            )
            await tick(b)
            [clash] = fake.messages_to(ADMIN_ID)[before:]
            assert "File: tripp-copy.toml" in clash.text
            assert "Nothing from this file is in force" in clash.text

            feeds.publish("/a.feed", rss([TRIPP_ITEM]))
            clock.set(clock.now + timedelta(minutes=20))
            await b.poll()
            assert await b.outbox_settled()
            [_, alert] = fake.messages_to(ANN)
            assert "Iran Watches the New Route" in alert.text
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)

    asyncio.run(scenario())
    assert failures == []
    assert len(fake.calls_to("sendMessage")) == len(fake.sent)
    # Each broken file is logged as such, on one line; nothing else went wrong.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("status=invalid" in e and "\n" not in e for e in errors), errors
