"""Keeping the sender lease: waiting as a standby, renewing it while active, and the
check made before every message is sent.

The rule is ``bot.domain.lease``, the lease itself ``bot.app.lease.Lease``. A process
sends only while its lease is surely valid: renewed less than ``LEASE_TTL`` minus
``SEND_MARGIN`` ago, by both the monotonic clock (a frozen process wakes up knowing how
long it slept) and the wall clock the lease is stored in. When that is no longer sure,
one renewal decides; a lease another process took means stop sending at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app.lease import Lease
from bot.domain.lease import (
    LEASE_TTL,
    RENEW_EVERY,
    SEND_MARGIN,
    STANDBY_RETRY,
    TAKEOVER_WITHIN,
    Holder,
    LeaseRecord,
    Role,
    is_expired,
    may_send,
)
from bot.storage.database import describe_store_fault

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(
        self,
        lease: Lease,
        *,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        ttl: timedelta = LEASE_TTL,
        renew_every: timedelta = RENEW_EVERY,
        standby_retry: timedelta = STANDBY_RETRY,
    ) -> None:
        self.lease = lease
        self._clock = clock
        self._mono = monotonic
        self._ttl = ttl
        self._renew_every = renew_every.total_seconds()
        self._retry = standby_retry.total_seconds()
        # The lease as this process last took or renewed it, and until when (monotonic
        # seconds) it may send under it.
        self._mine: LeaseRecord | None = None
        self._valid_until = float("-inf")
        self._last_beat = float("-inf")
        self._beat_role: Role | None = None
        self.role: Role = "standby"
        # How this instance sends, for `status` ("telegram @name", "console").
        self.sender = ""
        # Set when the lease was lost while active: the bot must stop sending now.
        self.lost = asyncio.Event()
        self._store_trouble = False
        # Told who the active instance is ("pid 41 on box") when this one stands by.
        self.on_standby: Callable[[str], None] = lambda _: None

    @property
    def holder(self) -> str:
        return self.lease.holder

    @property
    def active(self) -> bool:
        return self.role == "active" and not self.lost.is_set()

    # -- as a standby -----------------------------------------------------------------

    async def wait_until_active(self, stopping: asyncio.Event) -> bool:
        """Stand by until the lease is ours (True), or until ``stopping`` is set (False).

        Says once, in one log line, which instance is active; again only if another one
        takes its place.
        """
        told_of: str | None = None
        while not stopping.is_set():
            # Said before the first claim too, so that the lease is never held by an
            # instance the store has no record of (a standby on this machine could not
            # then tell that its process died).
            self.role = "standby"
            self._beat("standby")
            before = self._read()
            current = self._attempt()
            if current is not None and current.holder == self.holder:
                self._become_active(before, told_of)
                return True
            if current is not None and current.holder != told_of:
                told_of = current.holder
                self._tell_standby(current)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._retry)
        return False

    def _tell_standby(self, current: LeaseRecord) -> None:
        active = Holder.parse(current.holder)
        log.info(
            "status=standby reason=lease_held active_pid=%d active_host=%s active_since=%s"
            " holder=%s takeover_within=%ds",
            active.pid,
            active.host,
            _stamp(current.acquired_at),
            current.holder,
            int(TAKEOVER_WITHIN.total_seconds()),
        )
        self.on_standby(f"pid {active.pid} on {active.host}")

    def _become_active(self, before: LeaseRecord | None, told_of: str | None) -> None:
        self.lost.clear()
        self.role = "active"
        if before is None:
            reason = "free"  # never held, or released by a graceful stop
        elif before.holder == self.holder:
            reason = "renewed"
        elif is_expired(before, self._clock()):
            reason = "expired"
        else:
            reason = "holder_gone"  # its process was found dead on this machine
        previous = before.holder if before is not None else told_of
        log.info(
            "status=active lease=acquired holder=%s reason=%s%s",
            self.holder,
            reason,
            f" previous={previous}" if previous else "",
        )
        self._beat("active", force=True)

    # -- as the active instance -----------------------------------------------------------

    async def keep(self) -> None:
        """Renew the lease every ``RENEW_EVERY`` until it is lost (then ``lost`` is set)."""
        while not self.lost.is_set():
            await asyncio.sleep(self._renew_every)
            self.renew()

    def renew(self) -> bool:
        """One renewal now; False (and ``lost`` set) when the lease is no longer ours."""
        if self.lost.is_set():
            return False
        current = self._attempt()
        if current is not None and current.holder == self.holder:
            self._beat("active")
            return True
        if current is None and self._mono() < self._valid_until:
            return True  # the store did not answer; the lease still runs
        self._lose(current)
        return False

    def may_send(self) -> bool:
        """Checked before each message: whether this instance surely holds the lease."""
        if not self.active or self._mine is None:
            return False
        if self._mono() < self._valid_until and may_send(self._mine, self.holder, self._clock()):
            return True
        # Not renewed for too long (the event loop stalled, the process was frozen, or the
        # store failed): one renewal decides.
        return self.renew() and self._mono() < self._valid_until

    def _lose(self, current: LeaseRecord | None) -> None:
        self._mine = None
        self._valid_until = float("-inf")
        self.lost.set()
        if current is None:
            log.error(
                "status=lease_lost holder=%s reason=not_renewed action=stop_sending",
                self.holder,
            )
        else:
            log.error(
                "status=lease_lost holder=%s now_held_by=%s action=stop_sending",
                self.holder,
                current.holder,
            )

    # -- both -------------------------------------------------------------------------

    def _read(self) -> LeaseRecord | None:
        try:
            return self.lease.current()
        except Exception:
            return None  # _attempt, which follows, says what is wrong

    def _attempt(self) -> LeaseRecord | None:
        """One claim; the lease as it stands, or None when the store did not answer
        (or nobody holds it after a lost race)."""
        started = self._mono()
        now = self._clock()
        try:
            current = self.lease.claim(now)
        except Exception as exc:
            if not self._store_trouble:
                log.warning("status=lease_unreadable error=%r", describe_store_fault(exc))
            self._store_trouble = True
            return None
        self._store_trouble = False
        if current is not None and current.holder == self.holder:
            self._mine = current
            # Counted from before the claim, on the monotonic clock, and never beyond
            # what the stored expiry allows.
            left = min(self._ttl, current.expires_at - now) - SEND_MARGIN
            self._valid_until = started + left.total_seconds()
        return current

    def _beat(self, role: Role, *, force: bool = False) -> None:
        """Say that this instance runs, every ``RENEW_EVERY`` (at once on a new role)."""
        now = self._mono()
        fresh = now - self._last_beat < self._renew_every / 2
        if not force and role == self._beat_role and fresh:
            return
        try:
            self.lease.announce(role, self.sender if role == "active" else "", self._clock())
        except Exception as exc:
            log.warning("status=instance_not_recorded error=%r", describe_store_fault(exc))
            return
        self._last_beat = now
        self._beat_role = role

    def announce_sender(self, sender: str) -> None:
        self.sender = sender
        if self.role == "active":
            self._beat("active", force=True)

    def step_down(self) -> None:
        self.role = "standby"
        self._mine = None
        self._valid_until = float("-inf")

    def release(self) -> None:
        """At a stop: give the lease up (if held) and say goodbye, so that a standby
        takes over at once."""
        try:
            if self.role == "active" and not self.lost.is_set():
                self.lease.release()
                log.info("status=lease_released holder=%s", self.holder)
            self.lease.leave()
        except Exception as exc:
            log.warning("status=lease_not_released error=%r", describe_store_fault(exc))
        self.step_down()


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
