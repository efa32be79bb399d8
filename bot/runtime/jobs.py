"""The scheduler's jobs: poll the feeds, queue due digests, reload the watchlists, keep
house, and wake the outbox drain now and then.

The scheduler only triggers; what is due is decided from the store and ``clock()``, so
tests drive the same jobs with an injected clock instead of waiting for real time. A
failing job is logged, and its finish remembered for the watchdog and written for
``status``; the next tick tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import digests, health, watchlist_sync
from bot.app.poll import make_feed_client, poll_once
from bot.app.service import Service
from bot.runtime import malloc
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

# How often the scheduler looks at the feeds (each feed is fetched only when its own
# poll_interval or backoff says so), at the digests, and at the watchlist files.
TICK_SECONDS = 60
# A safety net: the drain is woken whenever something is queued, and also this often.
DRAIN_SECONDS = 30
# Dropping the text of long-delivered messages needs doing now and then, not every minute.
HOUSEKEEPING_SECONDS = 6 * 3600
# How long the first digest tick waits for the first poll (see digest_job).
FIRST_POLL_WAIT_SECONDS = 60.0


class BotJobs:
    """The jobs of one running bot, the scheduler that triggers them, and their finishes."""

    def __init__(
        self,
        service: Service,
        *,
        clock: Callable[[], datetime],
        wake_outbox: Callable[[], None],
        monotonic: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.service = service
        self.clock = clock
        self.wake_outbox = wake_outbox
        self._mono = monotonic
        self.scheduler: AsyncIOScheduler | None = None
        # When each job last finished (monotonic seconds), for the watchdog.
        self.finished: dict[str, float] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._record_failed = False
        self._first_poll_done = asyncio.Event()
        # The feeds' HTTP client, from the first poll until stop(): one for every poll,
        # as building one costs far more CPU than a poll answered 304.
        self._feed_client: httpx.AsyncClient | None = None
        # The TLS context shared with Telegram's clients (see build_application).
        self._tls = tls

    def start_scheduler(self) -> None:
        self.scheduler = self.build_scheduler()
        self.scheduler.start()

    def build_scheduler(self) -> AsyncIOScheduler:
        # coalesce: after a stall, run a job once, not once per missed tick. No misfire
        # grace limit: APScheduler's default (1 s) would silently skip a late tick, and
        # every job here is safe to run late because it decides from stored state.
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(UTC)
        scheduler.add_job(
            self.poll_job, "interval", seconds=TICK_SECONDS, id="poll", next_run_time=now
        )
        scheduler.add_job(
            self.digest_job, "interval", seconds=TICK_SECONDS, id="digest", next_run_time=now
        )
        scheduler.add_job(
            self.watchlist_job, "interval", seconds=TICK_SECONDS, id="watchlists", next_run_time=now
        )
        scheduler.add_job(self.drain_job, "interval", seconds=DRAIN_SECONDS, id="outbox-drain")
        scheduler.add_job(
            self.housekeeping_job,
            "interval",
            seconds=HOUSEKEEPING_SECONDS,
            id="housekeeping",
            next_run_time=now + timedelta(minutes=5),
        )
        return scheduler

    async def stop(self, timeout: float) -> None:
        """Trigger nothing more, abandon the jobs still running, and close the feeds'
        client: ``timeout`` seconds at most for all of it."""
        deadline = asyncio.get_running_loop().time() + timeout
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        # A poll waiting on a slow feed is abandoned: it stores in one transaction after
        # the fetch, so nothing half-written is left, and the next start fetches again.
        jobs = [t for t in self._running if not t.done()]
        for task in jobs:
            task.cancel()
        if jobs:
            await asyncio.wait(jobs, timeout=timeout)
        await self._close_feed_client(deadline)

    async def _close_feed_client(self, deadline: float) -> None:
        client, self._feed_client = self._feed_client, None
        if client is None:
            return
        try:
            async with asyncio.timeout_at(deadline):
                await client.aclose()
        except (TimeoutError, OSError, httpx.HTTPError) as exc:
            # Its sockets go with the process; a stop must not wait on a feed for them.
            log.info("feeds client status=not_closed error=%s", type(exc).__name__)

    async def drain_job(self) -> None:
        # A coroutine on purpose: APScheduler runs plain functions in a worker thread, and
        # the drain's asyncio.Event must be set from the event loop's own thread.
        self.wake_outbox()

    async def poll_job(self) -> None:
        try:
            with self._job("poll"):
                if self._feed_client is None:
                    self._feed_client = make_feed_client(self.service.config.feeds, tls=self._tls)
                reports = await poll_once(
                    self.service, self.clock(), clock=self.clock, client=self._feed_client
                )
                alarms = health.feed_alarm_tick(self.service, self.clock())
                if alarms or any(r.alerts for r in reports):
                    self.wake_outbox()
                # What compiling, matching and reading the feeds left free goes back.
                malloc.give_back()
        finally:
            self._first_poll_done.set()

    async def digest_job(self) -> None:
        if self.scheduler is not None and not self._first_poll_done.is_set():
            # At start-up both jobs are due at once, and the tick (no network) would
            # otherwise build a digest that is due now before the first poll has stored
            # what appeared while the bot was down. A hung feed delays it only so long.
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._first_poll_done.wait(), FIRST_POLL_WAIT_SECONDS)
                # Stamps are whole seconds and a digest's window ends before its own
                # second, so begin in the second after the poll's, or what it stored
                # would wait a day.
                await asyncio.sleep(1.0 - self.clock().microsecond / 1_000_000)
            except asyncio.CancelledError:
                return  # stopped meanwhile (see _job on why quietly)
        with self._job("digest"):
            if digests.digest_tick(self.service, self.clock()):
                self.wake_outbox()

    async def watchlist_job(self) -> None:
        with self._job("watchlists"):
            # A changed list is matched again over recent articles: off the event loop.
            steps = watchlist_sync.reload_steps(self.service, self.clock())
            await self.service.off_loop(steps)
            self.wake_outbox()  # notices about broken or removed lists

    async def housekeeping_job(self) -> None:
        with self._job("housekeeping"):
            health.housekeeping(self.service, self.clock())

    @contextlib.contextmanager
    def _job(self, name: str) -> Iterator[None]:
        # A failing tick (a locked or full disk, a bug) is logged in our own format and the
        # next tick tries again; nothing a job decides is lost, as it is decided from the
        # store. Each finish is remembered for the watchdog and written for `status`.
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        ok, detail, store_failed = True, "", False
        try:
            yield
        except asyncio.CancelledError:
            # stop() abandons a job mid-way (a poll waiting on a slow feed). Ending the
            # job quietly keeps APScheduler from logging it as a crash with a traceback.
            log.info("job=%s status=abandoned reason=stopping", name)
            return
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
            if store_fault(exc) is None:
                log.exception("job=%s status=failed", name)
            else:
                store_failed = True
                log.error("job=%s status=failed error=%r", name, describe_store_fault(exc))
        finally:
            if task is not None:
                self._running.discard(task)
        self.finished[name] = self._mono()
        if not store_failed:
            # Writing the record would wait out the same lock or disk again; `status`
            # shows the earlier finish meanwhile, which is the truth about stored work.
            self._record_job(name, ok, detail)

    def _record_job(self, name: str, ok: bool, detail: str) -> None:
        try:
            self.service.store.record_job_run(name, self.clock(), ok, detail)
        except Exception as exc:
            # The store failing is already what the job itself logged; say this once.
            if not self._record_failed:
                log.warning("job=%s status=not_recorded error=%r", name, str(exc))
            self._record_failed = True
        else:
            self._record_failed = False
