"""The long-running bot: Telegram (or the console), the outbox drain and the scheduler.

This is its lifecycle: open, connect (waiting out a Telegram outage), stop within
systemd's deadline, and the watchdog; the scheduler's jobs are ``bot.runtime.jobs``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.app import watchlist_sync
from bot.app.config import Config
from bot.app.lease import StoreLease
from bot.app.service import Service, build_service
from bot.delivery.budget import SharedBudget
from bot.delivery.claims import ChatClaims
from bot.delivery.outage import OutageLog
from bot.delivery.outbox import OutboxWorker
from bot.delivery.pacing import Pacer, transient_backoff
from bot.delivery.senders import ConsoleSender, Sender
from bot.domain.health import JOB_SILENCE, Verdict, watchdog_verdict
from bot.feeds.tls import shared_tls_context
from bot.runtime.instance import is_gone, this_process
from bot.runtime.jobs import BotJobs
from bot.runtime.leadership import LeaseKeeper
from bot.runtime.systemd_notify import Notifier
from bot.storage.database import describe_store_fault
from bot.telegram.app import (
    BotApplication,
    build_application,
    build_sender_bot,
    publish_commands,
)
from bot.telegram.context import BotContext
from bot.telegram.limiter import SharedPacer
from bot.telegram.sender import TelegramSender

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# getUpdates long-poll timeout, in seconds.
LONG_POLL_SECONDS = 10
# Deadlines within stop(), which together stay well under the 10 s a stop may take.
STOP_JOBS_SECONDS = 2.0
STOP_SEND_SECONDS = 4.0
STOP_TELEGRAM_SECONDS = 3.0
# When every instance drains, its own sending bot is closed by then (seconds from the
# stop's start), with whatever time the steps above left.
STOP_DRAIN_BY = 9.5


# Messages in flight at once per instance when every instance drains (PostgreSQL): a
# kill -9 may repeat those, and the instances together keep Telegram's pace with fewer
# each (see bot.delivery.outbox.MAX_IN_FLIGHT).
SHARED_IN_FLIGHT = 2


class TelegramStartError(Exception):
    """The bot cannot start talking to Telegram; the message says why (never the token)."""


def token_refused(api_url: str) -> TelegramStartError:
    """Telegram's 401 or 404 at start: PTB reports a 404 as an invalid token too, and a
    404 is what a wrong [telegram] api_url gives, so the message names both suspects
    (never PTB's own message, which holds the token)."""
    return TelegramStartError(
        "Telegram refused the bot token (401 Unauthorized or 404 Not Found): check "
        "$CACI_WATCH_TOKEN or the telegram-token credential, and "
        f"[telegram] api_url ({api_url})"
    )


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
        notifier: Notifier | None = None,
        watchdog_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        lease: LeaseKeeper | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.service: Service = build_service(config)
        self.service.on_queued = self.wake_outbox
        self._token = token
        self._sender = sender
        # One pacer for the outbox and for command replies (see bot.telegram.limiter).
        self.pacer = pacer or Pacer()
        # One record of Telegram failing, so that an outage is one WARNING line whichever
        # part (the outbox, a reply, the long poll) meets it first.
        self.outage = OutageLog(monotonic=monotonic)
        self._long_poll = long_poll_seconds
        self.notifier = notifier or Notifier(None)
        self._watchdog_seconds = watchdog_seconds
        self._mono = monotonic
        self.app: BotApplication | None = None
        self.worker: OutboxWorker | None = None
        # One TLS context for Telegram's two clients and the feeds' one.
        self.tls: ssl.SSLContext = shared_tls_context()
        self.jobs = self._new_jobs()
        self._worker_task: asyncio.Task[None] | None = None
        self._watchdog_task: asyncio.Task[None] | None = None
        self._opened_at = monotonic()
        self._stopped = asyncio.Event()
        # The sender lease (one active sender per store). `run_until_signalled` always
        # uses one; a runner driven by hand (start/open/connect, in tests) has none.
        self.keeper = lease
        self._renew_task: asyncio.Task[None] | None = None
        self._ready = False
        # The archive served over HTTP when ``[site] serve`` says so (a SiteServer).
        self._site: Any = None
        # On PostgreSQL every instance drains the outbox, active or standby: its drain
        # (claims, the shared budget, a bot of its own that only sends) runs from the
        # start to the stop, whatever the lease does (see _drain_everywhere).
        self.everyone_drains = self.service.store.rate_budget.shared
        self._drain_start: asyncio.Task[None] | None = None
        self._drain_bot: Any = None
        self._claims: ChatClaims | None = None
        self._drain_failure: BaseException | None = None

    @property
    def scheduler(self) -> AsyncIOScheduler | None:
        return self.jobs.scheduler

    @property
    def site_server(self) -> Any:
        """The archive's server while ``[site] serve`` has it running (a SiteServer)."""
        return self._site

    def _new_jobs(self) -> BotJobs:
        return BotJobs(
            self.service,
            clock=self.clock,
            wake_outbox=self.wake_outbox,
            monotonic=self._mono,
            tls=self.tls,
        )

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, *, schedule: bool = True) -> None:
        """Open, then connect to Telegram (waiting out an outage) and start delivering."""
        self.open(schedule=schedule)
        await self.connect()

    def open(self, *, schedule: bool = True) -> None:
        """The part that needs no network: the watchlists, the database, the scheduler.

        Feeds are polled and digests queued from here on, even while Telegram is still
        unreachable; the outbox keeps what cannot be sent yet.
        """
        watchlist_sync.reload_watchlists(self.service, self.clock())
        self.service.store.ping()
        self._opened_at = self._mono()
        if self.config.site.serve and self._site is None:
            self._site = _serve_site(self.service, self.clock)
        if schedule:
            self.jobs.start_scheduler()

    async def connect(self) -> None:
        sender = self._sender
        if self._token is not None:
            ctx = BotContext(self.service, self.clock, self.wake_outbox)
            limiter = SharedPacer(self.pacer, monotonic=self._mono, outage=self.outage)
            self.app = build_application(
                self._token, self.config.telegram.api_url, ctx, rate_limiter=limiter, tls=self.tls
            )
            await self._connect(self.app)
            sender = sender or TelegramSender(self.app.bot)
            log.info("status=started sender=telegram bot=%s", self.app.bot.username)
            self.notifier.notify(f"STATUS=Running as @{self.app.bot.username}")
            described = f"telegram @{self.app.bot.username}"
        else:
            sender = sender or ConsoleSender()
            log.info("status=started sender=console reason=no_token")
            self.notifier.notify("STATUS=Running; no token, messages go to the console")
            described = "console"
        keeper = self.keeper
        if keeper is not None:
            keeper.announce_sender(described)
        if self._drain_start is not None:
            return  # every instance drains: this one's drain runs already
        self.worker = OutboxWorker(
            self.service.store,
            sender,
            clock=self.clock,
            pacer=self.pacer,
            monotonic=self._mono,
            may_send=keeper.may_send if keeper is not None else lambda: True,
            outage=self.outage,
        )
        self._worker_task = asyncio.create_task(self.worker.run(), name="outbox-drain")

    async def _drain_everywhere(self, holder: str, stop: asyncio.Event) -> None:
        """Start this instance's drain, active or standby (PostgreSQL): it sends to the
        chats it claims, within the bot-wide budget, through a bot that never asks for
        updates. A refused token stops the process, as it does the active one."""
        sender = self._sender
        if sender is None and self._token is not None:
            limiter = SharedPacer(self.pacer, monotonic=self._mono, outage=self.outage)
            bot = build_sender_bot(
                self._token, self.config.telegram.api_url, rate_limiter=limiter, tls=self.tls
            )
            self._drain_bot = bot
            failures = 0
            while True:
                try:
                    await bot.initialize()
                    break
                except InvalidToken as exc:
                    self._drain_failure = token_refused(self.config.telegram.api_url)
                    self._drain_failure.__cause__ = exc
                    stop.set()
                    return
                except NetworkError as exc:
                    failures += 1
                    wait = transient_backoff(failures)
                    log.warning(
                        "outbox status=telegram_unreachable error=%s retry_in=%gs",
                        type(exc).__name__,
                        wait,
                    )
                    await asyncio.sleep(wait)
            sender = TelegramSender(bot)
        sender = sender or ConsoleSender()
        self._claims = ChatClaims(self.service.store, holder, monotonic=self._mono)
        self.worker = OutboxWorker(
            self.service.store,
            sender,
            clock=self.clock,
            pacer=self.pacer,
            monotonic=self._mono,
            outage=self.outage,
            claims=self._claims,
            budget=SharedBudget(self.service.store, monotonic=self._mono),
            in_flight=SHARED_IN_FLIGHT,
        )
        self._worker_task = asyncio.create_task(self.worker.run(), name="outbox-drain")
        log.info("outbox status=draining holder=%s mode=every_instance", holder)

    async def _stop_drain(self, seconds: float) -> None:
        """The end of this instance's own drain: its chats go to the others at once."""
        if self._drain_start is not None and not self._drain_start.done():
            self._drain_start.cancel()
            await asyncio.wait({self._drain_start})
        if self._claims is not None:
            try:
                self._claims.release()
            except Exception as exc:
                log.warning("outbox status=claims_not_released error=%r", describe_store_fault(exc))
        if self._drain_bot is not None:
            try:
                async with asyncio.timeout(max(0.1, seconds)):
                    await self._drain_bot.shutdown()
            except TimeoutError:
                log.warning("outbox status=telegram_shutdown_timeout")

    async def _connect(self, app: BotApplication) -> None:
        """Introduce the bot to Telegram and start receiving updates, waiting out an
        outage at boot.

        Every step talks to Telegram (getMe, deleteWebhook, setMyCommands) and any of
        them can meet a 502 or a dropped connection, so the whole sequence is retried
        with backoff from where it stopped. A refused token cannot get better by
        waiting: it stops the start with a clear error.
        """
        assert app.updater is not None
        failures = 0
        while True:
            try:
                await app.initialize()
                if not app.running:
                    await app.start()
                if not app.updater.running:
                    await app.updater.start_polling(
                        poll_interval=0,
                        timeout=self._long_poll,
                        allowed_updates=["message", "callback_query", "my_chat_member"],
                        error_callback=self._polling_error,
                        # PTB's own retries of deleteWebhook (quiet, up to 30 s apart):
                        # with none, one 502 there ends the start with a logged traceback.
                        bootstrap_retries=-1,
                    )
                await publish_commands(app, self.config.telegram.admins)
                return
            except InvalidToken as exc:
                raise token_refused(self.config.telegram.api_url) from exc
            except NetworkError as exc:
                failures += 1
                wait = transient_backoff(failures)
                log.warning(
                    "status=telegram_unreachable error=%s retry_in=%gs",
                    type(exc).__name__,
                    wait,
                )
                self.notifier.notify(f"STATUS=Waiting for Telegram ({type(exc).__name__})")
                await asyncio.sleep(wait)

    async def stop(self) -> None:
        """Stop polling, finish or return the message in flight, give up the sender
        lease, close the database.

        Every step has a deadline, so that SIGTERM always ends the process well within
        systemd's TimeoutStopSec even when Telegram or a feed hangs.
        """
        if self._stopped.is_set():
            return
        self.notifier.notify("STOPPING=1")
        stopping_at = self._mono()
        if self._watchdog_task is not None:
            self._watchdog_task.cancel()
        await self._stop_serving()
        if self.everyone_drains:
            # Whatever is left of the stop's deadline once the rest has stopped.
            await self._stop_drain(STOP_DRAIN_BY - (self._mono() - stopping_at))
        if self.keeper is not None:
            # Last, once nothing more can be sent or received: a standby takes over at
            # its next look instead of waiting for the lease to run out.
            self.keeper.release()
        if self._site is not None:
            self._site.close()
        self.service.close()
        self._stopped.set()
        log.info("status=stopped")

    async def _stop_serving(self, *, drain: bool = True) -> None:
        """Stop the jobs, the drain (the message in flight may finish) and Telegram."""
        await self.jobs.stop(timeout=STOP_JOBS_SECONDS)
        if self.worker is not None and drain:
            self.worker.stop()
        if self._worker_task is not None and drain:
            # The message in flight is given a few seconds to be sent and recorded; if
            # Telegram does not answer by then it stays pending and is sent after the
            # restart (at most one duplicate, should Telegram have delivered it after all).
            done, _ = await asyncio.wait({self._worker_task}, timeout=STOP_SEND_SECONDS)
            if not done:
                self._worker_task.cancel()
                await asyncio.wait({self._worker_task})
                log.warning("outbox status=in_flight_returned reason=stop_deadline")
        if self.app is not None:
            try:
                async with asyncio.timeout(STOP_TELEGRAM_SECONDS):
                    if self.app.updater is not None and self.app.updater.running:
                        await self.app.updater.stop()
                    if self.app.running:
                        await self.app.stop()
                    await self.app.shutdown()
            except TimeoutError:
                log.warning("status=telegram_shutdown_timeout")
        if self._renew_task is not None:
            self._renew_task.cancel()
            await asyncio.wait({self._renew_task})
            self._renew_task = None

    async def run_until_signalled(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if self.keeper is None:
            self.keeper = self._new_keeper()
        keeper = self.keeper
        self.service.store.ping()
        if self.everyone_drains:
            self._drain_start = asyncio.create_task(
                self._drain_everywhere(keeper.holder, stop), name="outbox-drain-start"
            )
        if self._watchdog_seconds:
            self._watchdog_task = asyncio.create_task(self._watchdog(self._watchdog_seconds))
        try:
            # A standby waits for the lease; the active instance serves until a signal,
            # or steps down to standby again when it loses the lease.
            while await keeper.wait_until_active(stop):
                if not await self._serve_active(keeper, stop):
                    break
                await self._step_down(keeper)
            else:
                log.info("status=stopping reason=signal role=standby")
        finally:
            await self.stop()
        if self._drain_failure is not None:
            raise self._drain_failure

    def _new_keeper(self) -> LeaseKeeper:
        me = this_process(self.clock())
        keeper = LeaseKeeper(
            StoreLease(self.service.store, me, is_gone=is_gone),
            clock=self.clock,
            monotonic=self._mono,
        )
        keeper.on_standby = self._on_standby
        return keeper

    def _on_standby(self, active: str) -> None:
        self._notify_ready(f"STATUS=Standby; {active} is the active instance")

    def _notify_ready(self, status: str) -> None:
        if self._ready:
            self.notifier.notify(status)
        else:
            self._ready = True
            self.notifier.notify("READY=1", status)

    async def _serve_active(self, keeper: LeaseKeeper, stop: asyncio.Event) -> bool:
        """Run as the active instance until a signal (False) or until the lease is lost
        (True: the caller steps down)."""
        self.open()
        self._renew_task = asyncio.create_task(keeper.keep(), name="lease-renewal")
        # Ready once the database answers and the scheduler runs; Telegram may still be
        # unreachable after a reboot, which the outbox absorbs.
        self._notify_ready("STATUS=Started; connecting to Telegram")
        # Connecting can wait a long time for Telegram; a signal meanwhile must still stop
        # the bot promptly, and a lost lease must stop it from starting to send.
        connecting = asyncio.create_task(self.connect())
        signalled = asyncio.create_task(stop.wait())
        lost = asyncio.create_task(keeper.lost.wait())
        try:
            await asyncio.wait({connecting, signalled, lost}, return_when=asyncio.FIRST_COMPLETED)
            if not connecting.done():
                connecting.cancel()
            try:
                await connecting
            except asyncio.CancelledError:
                if not lost.done():
                    log.info("status=stopping reason=signal_while_starting")
                    return False
            else:
                await asyncio.wait({signalled, lost}, return_when=asyncio.FIRST_COMPLETED)
            if lost.done() and not signalled.done():
                return True
            log.info("status=stopping reason=signal")
            return False
        finally:
            signalled.cancel()
            lost.cancel()

    async def _step_down(self, keeper: LeaseKeeper) -> None:
        """The lease was lost: stop everything that sends, receives or queues at once,
        and stand by again like a process that just started."""
        log.warning("status=stepping_down reason=lease_lost role=standby")
        await self._stop_serving(drain=not self.everyone_drains)
        keeper.step_down()
        self.app = None
        if not self.everyone_drains:
            self.worker = None
            self._worker_task = None
        self.jobs = self._new_jobs()
        self.notifier.notify("STATUS=Standby; lost the sender lease")

    # -- health ---------------------------------------------------------------------

    def health(self) -> Verdict:
        try:
            self.service.store.ping()
            database_ok = True
        except Exception:
            database_ok = False
        return watchdog_verdict(
            self._mono(),
            standby=self.keeper is not None and not self.keeper.active,
            started_at=self._opened_at,
            finished=self.jobs.finished,
            max_silence=JOB_SILENCE.total_seconds(),
            database_ok=database_ok,
            scheduler_running=self.scheduler is not None and self.scheduler.running,
            delivery_running=self._worker_task is None or not self._worker_task.done(),
        )

    async def _watchdog(self, interval: float) -> None:
        """Feed systemd's watchdog only while healthy; if not, systemd restarts us."""
        was_healthy = True
        while True:
            verdict = self.health()
            if verdict.healthy:
                self.notifier.notify("WATCHDOG=1")
            elif was_healthy:
                log.error("status=unhealthy reason=%r watchdog=withheld", verdict.reason)
            was_healthy = verdict.healthy
            await asyncio.sleep(interval)

    def _polling_error(self, exc: Exception) -> None:
        outage = isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)
        if outage:
            self.outage.failed("getUpdates", type(exc).__name__)
        _log_polling_error(exc, outage=outage)

    # -- the outbox and the jobs ----------------------------------------------------

    def wake_outbox(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    # The scheduler's jobs (see bot.runtime.jobs), for whoever drives them by hand.

    async def poll_job(self) -> None:
        await self.jobs.poll_job()

    async def digest_job(self) -> None:
        await self.jobs.digest_job()

    async def watchlist_job(self) -> None:
        await self.jobs.watchlist_job()

    async def housekeeping_job(self) -> None:
        await self.jobs.housekeeping_job()

    async def drain_job(self) -> None:
        await self.jobs.drain_job()


def _serve_site(service: Service, clock: Clock) -> Any:
    """The archive's server, started; None when it cannot listen (the bot runs on)."""
    # Imported here: a bot that does not serve the archive loads none of it.
    from bot.app.site import page_source
    from bot.runtime.site_server import SiteServer

    site = service.config.site
    try:
        server = SiteServer(page_source(service, clock), site.host, site.port).start()
    except OSError as exc:
        log.error("site status=not_serving host=%s port=%d error=%s", site.host, site.port, exc)
        return None
    log.info("site status=serving url=%s", server.url)
    return server


def _log_polling_error(exc: Exception, *, outage: bool = False) -> None:
    # PTB retries getUpdates itself; one line per failure, never the URL with the token
    # nor the error page. Telegram unreachable is an outage, whose one WARNING line is
    # the OutageLog's; anything else (a 409 from a second poller) is a WARNING itself.
    log.log(
        logging.INFO if outage else logging.WARNING,
        "status=telegram_poll_error error=%s",
        type(exc).__name__,
    )
