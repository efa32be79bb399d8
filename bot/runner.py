"""The long-running bot: Telegram (or the console), the outbox drain and the scheduler.

The scheduler only triggers; what is due is decided from the store and ``clock()``, so
tests drive the same jobs with an injected clock instead of waiting for real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.error import InvalidToken, NetworkError

from bot.config import Config
from bot.delivery import ConsoleSender, OutboxWorker, Pacer, Sender, transient_backoff
from bot.service import Service, build_service
from bot.telegram.app import BotApplication, build_application, publish_commands
from bot.telegram.handlers import BotContext
from bot.telegram.sender import TelegramSender

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# How often the scheduler looks at the feeds (each feed is fetched only when its own
# poll_interval or backoff says so), at the digests, and at the watchlist files.
TICK_SECONDS = 60
# A safety net: the drain is woken whenever something is queued, and also this often.
DRAIN_SECONDS = 30
# getUpdates long-poll timeout, in seconds.
LONG_POLL_SECONDS = 10


class TelegramStartError(Exception):
    """The bot cannot start talking to Telegram; the message says why (never the token)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class BotRunner:
    def __init__(
        self,
        config: Config,
        *,
        token: str | None,
        clock: Clock = utc_now,
        sender: Sender | None = None,
        pacer: Pacer | None = None,
        long_poll_seconds: int = LONG_POLL_SECONDS,
    ) -> None:
        self.config = config
        self.clock = clock
        self.service: Service = build_service(config)
        self._token = token
        self._sender = sender
        self._pacer = pacer
        self._long_poll = long_poll_seconds
        self.app: BotApplication | None = None
        self.worker: OutboxWorker | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, *, schedule: bool = True) -> None:
        self.service.reload_watchlists(self.clock())
        sender = self._sender
        if self._token is not None:
            ctx = BotContext(self.service, self.clock, self.wake_outbox)
            self.app = build_application(self._token, self.config.telegram.api_url, ctx)
            await self._connect(self.app)
            await self.app.start()
            assert self.app.updater is not None
            await self.app.updater.start_polling(
                poll_interval=0,
                timeout=self._long_poll,
                allowed_updates=["message", "callback_query", "my_chat_member"],
                error_callback=_log_polling_error,
            )
            await publish_commands(self.app, self.config.telegram.admins)
            sender = sender or TelegramSender(self.app.bot)
            log.info("status=started sender=telegram bot=%s", self.app.bot.username)
        else:
            sender = sender or ConsoleSender()
            log.info("status=started sender=console reason=no_token")
        self.worker = OutboxWorker(self.service.store, sender, clock=self.clock, pacer=self._pacer)
        self._worker_task = asyncio.create_task(self.worker.run(), name="outbox-drain")
        if schedule:
            self.scheduler = self._build_scheduler()
            self.scheduler.start()

    async def _connect(self, app: BotApplication) -> None:
        """Introduce the bot to Telegram (getMe), waiting out an outage at boot.

        A refused token cannot get better by waiting, so it stops the start with a
        clear error; anything else is retried with backoff.
        """
        failures = 0
        while True:
            try:
                await app.initialize()
                return
            except InvalidToken as exc:
                raise TelegramStartError(
                    "Telegram refused the bot token (401 Unauthorized): check "
                    "$CACI_WATCH_TOKEN or the telegram-token credential"
                ) from exc
            except NetworkError as exc:
                failures += 1
                wait = transient_backoff(failures)
                log.warning(
                    "status=telegram_unreachable error=%s retry_in=%gs",
                    type(exc).__name__,
                    wait,
                )
                await asyncio.sleep(wait)

    def _build_scheduler(self) -> AsyncIOScheduler:
        # coalesce: after a stall, run a job once, not once per missed tick. No misfire
        # grace limit: APScheduler's default (1 s) would silently skip a late tick, and
        # every job here is safe to run late because it decides from stored state.
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = utc_now()
        scheduler.add_job(
            self.poll_job, "interval", seconds=TICK_SECONDS, id="poll", next_run_time=now
        )
        scheduler.add_job(
            self.digest_job, "interval", seconds=TICK_SECONDS, id="digest", next_run_time=now
        )
        scheduler.add_job(self.watchlist_job, "interval", seconds=TICK_SECONDS, id="watchlists")
        scheduler.add_job(self.drain_job, "interval", seconds=DRAIN_SECONDS, id="outbox-drain")
        return scheduler

    async def stop(self) -> None:
        """Stop polling, let the message in flight finish, close the database."""
        if self._stopped.is_set():
            return
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.worker is not None:
            self.worker.stop()
        if self._worker_task is not None:
            await self._worker_task
        if self.app is not None:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        self.service.close()
        self._stopped.set()
        log.info("status=stopped")

    async def run_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # Starting can wait a long time for Telegram after a reboot; a signal meanwhile
        # must still stop the bot promptly.
        starting = asyncio.create_task(self.start())
        signalled = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
        try:
            await starting
            await signalled
            log.info("status=stopping reason=signal")
        except asyncio.CancelledError:
            log.info("status=stopping reason=signal_while_starting")
        finally:
            signalled.cancel()
            await self.stop()

    # -- jobs -----------------------------------------------------------------------

    def wake_outbox(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    async def drain_job(self) -> None:
        # A coroutine on purpose: APScheduler runs plain functions in a worker thread, and
        # the drain's asyncio.Event must be set from the event loop's own thread.
        self.wake_outbox()

    async def poll_job(self) -> None:
        with _job_guard("poll"):
            reports = await self.service.poll_once(self.clock(), clock=self.clock)
            if any(r.alerts for r in reports):
                self.wake_outbox()

    async def digest_job(self) -> None:
        with _job_guard("digest"):
            if self.service.digest_tick(self.clock()):
                self.wake_outbox()

    async def watchlist_job(self) -> None:
        with _job_guard("watchlists"):
            self.service.reload_watchlists(self.clock())
            self.wake_outbox()  # notices about broken or removed lists


@contextlib.contextmanager
def _job_guard(name: str) -> Iterator[None]:
    # A failing tick (a locked or full disk, a bug) is logged in our own format and the
    # next tick tries again; nothing a job decides is lost, as it is decided from the store.
    try:
        yield
    except Exception:
        log.exception("job=%s status=failed", name)


def _log_polling_error(exc: Exception) -> None:
    # PTB retries getUpdates itself; one line per failure, never the URL with the token.
    log.warning("status=telegram_poll_error error=%s", type(exc).__name__)
