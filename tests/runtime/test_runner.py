"""The runner's jobs: what the scheduler triggers and how a failing tick is contained."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import pytest
from apscheduler.job import Job

from bot.app import digests
from bot.app.config import builtin_config
from bot.delivery.senders import ConsoleSender
from bot.domain.models import OutgoingMessage
from bot.runtime.jobs import TICK_SECONDS
from bot.runtime.runner import BotRunner
from tests.bot_harness import Clock
from tests.watchlist_copy import copy_watchlists


def runner(tmp_path: Path, stream: io.StringIO | None = None) -> BotRunner:
    lists = tmp_path / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3",
        watchlists_dir=lists,
        feed_urls=["http://127.0.0.1:9/feed"],
    )
    return BotRunner(config, token=None, clock=Clock(), sender=ConsoleSender(stream))


def test_the_scheduler_runs_late_jobs_once_instead_of_skipping_them(tmp_path: Path) -> None:
    r = runner(tmp_path)

    async def scheduled_jobs() -> dict[str, Job]:
        scheduler = r.jobs.build_scheduler()
        scheduler.start(paused=True)  # defaults are applied when jobs are really added
        try:
            return {job.id: job for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)

    jobs = asyncio.run(scheduled_jobs())
    assert set(jobs) == {"poll", "digest", "watchlists", "outbox-drain", "housekeeping"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time is None
        assert job.max_instances == 1
    assert jobs["digest"].trigger.interval.total_seconds() == TICK_SECONDS
    r.service.close()


def test_a_failing_tick_is_logged_and_the_bot_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = runner(tmp_path)

    def broken(service: object, now: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(digests, "digest_tick", broken)

    async def scenario() -> None:
        await r.start(schedule=False)
        with caplog.at_level(logging.ERROR):
            await r.digest_job()
        await r.stop()

    asyncio.run(scenario())
    assert "job=digest status=failed" in caplog.text


def test_without_a_token_messages_are_printed_on_the_console(tmp_path: Path) -> None:
    out = io.StringIO()
    r = runner(tmp_path, out)

    async def scenario() -> None:
        await r.start(schedule=False)
        r.service.store.outbox.enqueue(
            [OutgoingMessage("k", 7, "alert", "<b>Tom &amp; Jerry</b>")], r.clock()
        )
        r.wake_outbox()
        for _ in range(200):
            if r.service.store.outbox.backlog() == 0:
                break
            await asyncio.sleep(0.01)
        await r.stop()

    asyncio.run(scenario())
    assert "--- to chat 7 ---\nTom & Jerry" in out.getvalue()
