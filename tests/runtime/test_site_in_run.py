"""``[site] serve = true``: ``run`` serves the archive while it runs and stops with it;
off (the default), nothing of the archive is even imported."""

from __future__ import annotations

import asyncio
import http.client
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app.config import SiteConfig, builtin_config
from bot.delivery.senders import ConsoleSender
from bot.runtime.runner import BotRunner
from tests.bot_harness import Clock
from tests.watchlist_copy import copy_watchlists

ROOT = Path(__file__).resolve().parents[2]


def _runner(tmp_path: Path, site: SiteConfig) -> BotRunner:
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=copy_watchlists(tmp_path / "watchlists"),
        feed_urls=["http://127.0.0.1:9/feed"],
    )
    return BotRunner(replace(config, site=site), token=None, clock=Clock(), sender=ConsoleSender())


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_run_serves_the_archive_when_asked_and_stops_serving_with_the_bot(
    tmp_path: Path,
) -> None:
    r = _runner(tmp_path, SiteConfig(serve=True, host="127.0.0.1", port=0))
    ports: list[int] = []

    async def scenario() -> None:
        await r.start(schedule=False)
        port = r.site_server.port
        ports.append(port)
        statuses = await asyncio.to_thread(
            lambda: (_status(port, "/index.html"), _status(port, "/nope"))
        )
        assert statuses == (200, 404)
        await r.stop()

    asyncio.run(scenario())
    with pytest.raises(OSError):
        _status(ports[0], "/index.html")


def test_a_bot_that_does_not_serve_the_archive_imports_none_of_it() -> None:
    probe = (
        "import sys, bot.cli.main, bot.runtime.runner, bot.app.digests;"
        "print(sorted(m for m in sys.modules if m in {"
        "'http.server', 'bot.app.site', 'bot.runtime.site_server', 'bot.messages.site_pages',"
        "'bot.messages.site_chart', 'bot.messages.site_style', 'bot.messages.archive_links'}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"
