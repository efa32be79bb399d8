"""The front ends only some commands need are imported when a chat first needs them, and
then work: `caci-watch run` as an operator starts it, against the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.messages.search_screens import SEARCH_EXPIRED
from bot.telegram import deferred
from tests.bot_harness import REPO, TOKEN
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists

DEFERRED = {f"bot.telegram.{module}" for module in deferred.COMMANDS_OF}
# What those front ends bring, and what the idle bot has no other use for.
ONLY_FOR_SOME_COMMANDS = {
    "bot.app.shared_lists",
    "bot.app.personal_lists",
    "bot.app.feedback",
    "bot.app.search",
    "bot.app.trends",
    "bot.messages.watchlist_console",
    "statistics",
}

# `caci-watch run`, which on SIGUSR1 prints the modules it has imported so far.
RUN_TELLING_MODULES = """
import signal, sys

def tell(*_):
    loaded = " ".join(sorted(sys.modules))
    print("modules:", loaded, flush=True)

signal.signal(signal.SIGUSR1, tell)
from bot.cli.main import main
sys.exit(main(["--config", sys.argv[1], "run"]))
"""


class RunningBot:
    def __init__(self, config: Path, stderr: Path):
        environ = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
        self._err = stderr.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", RUN_TELLING_MODULES, str(config)],
            env={**environ, "CACI_WATCH_TOKEN": TOKEN, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
            cwd=REPO,
        )

    def modules(self) -> set[str]:
        """The modules the process has imported, as it says when asked."""
        assert self.proc.stdout is not None
        self.proc.send_signal(signal.SIGUSR1)
        for line in self.proc.stdout:
            if line.startswith("modules:"):
                return set(line.split()[1:])
        raise AssertionError(f"the bot exited with {self.proc.wait()} before telling")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=30)
        self._err.close()
        return self.proc.returncode


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def test_the_idle_bot_has_not_imported_them_and_a_command_or_a_button_imports_its_own(
    tmp_path: Path, feeds: FeedServer
) -> None:
    copy_watchlists(tmp_path / "watchlists")
    with FakeTelegram(token=TOKEN) as fake:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[feeds]\nurls = ["{feeds.url("/a.feed")}"]\n'
            f'[store]\npath = "{tmp_path}/store/bot.sqlite3"\n'
            f'[watchlists]\ndir = "{tmp_path}/watchlists"\n'
            f'[telegram]\napi_url = "{fake.api_url}"\n'
        )
        bot = RunningBot(config, tmp_path / "stderr.txt")
        try:
            assert fake.wait_for_call("getUpdates", 2, timeout=60)
            assert feeds.wait_for_requests("/a.feed", 1, timeout=60)
            idle = bot.modules()

            fake.user_sends("/start", user_id=31)
            [welcome] = fake.wait_for_messages(31, 1, timeout=15)
            fake.user_sends("/mylists", user_id=31)
            [_, listing] = fake.wait_for_messages(31, 2, timeout=15)
            after_command = bot.modules()

            # A page button of a search made before a restart: the first /search-module
            # use in this process is a button, not the command.
            fake.user_presses(welcome, "search:7:5", forged=True)
            assert fake.wait_for(lambda: len(fake.callback_answers) == 1, timeout=15)
            after_button = bot.modules()
        finally:
            code = bot.stop()
    assert code == 0, (tmp_path / "stderr.txt").read_text()
    assert "bot.telegram.app" in idle
    assert not idle & (DEFERRED | ONLY_FOR_SOME_COMMANDS)
    assert "no personal watchlists yet" in listing.text
    assert after_command & DEFERRED == {"bot.telegram.personal"}
    assert fake.callback_answers[0].text == SEARCH_EXPIRED
    assert after_button & DEFERRED == {"bot.telegram.personal", "bot.telegram.search"}


@pytest.mark.parametrize("module", sorted(deferred.COMMANDS_OF))
def test_each_deferred_module_answers_exactly_the_commands_registered_for_it(module: str) -> None:
    assert tuple(deferred.front_end(module).COMMANDS) == deferred.COMMANDS_OF[module]


@pytest.mark.parametrize(("pattern", "module", "name"), deferred.BUTTONS)
def test_each_deferred_button_has_its_handler(pattern: str, module: str, name: str) -> None:
    assert asyncio.iscoroutinefunction(getattr(deferred.front_end(module), name))
