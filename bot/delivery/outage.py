"""Telegram failing (502s, dropped connections, timeouts) is logged as episodes.

An outage makes every request fail for as long as it lasts: the outbox retrying every
few seconds, the long poll, a reply. One WARNING says that Telegram stopped answering
(the first failure, from whichever part met it), one INFO line says it answers again
and for how long it did not. Each failure is otherwise an INFO line of the part that met
it, never a traceback and never the error page a proxy sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class OutageLog:
    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._mono = monotonic
        self._since: float | None = None
        self._failures = 0

    @property
    def failing(self) -> bool:
        return self._since is not None

    def failed(self, source: str, error: str) -> bool:
        """A request to Telegram failed (the caller logs it at INFO); True when this
        starts an episode, which is then logged once at WARNING here."""
        self._failures += 1
        if self._since is not None:
            return False
        self._since = self._mono()
        log.warning("status=telegram_failing source=%s error=%r", source, error)
        return True

    def answered(self) -> None:
        """A request to Telegram succeeded: an episode, if one was on, is over."""
        if self._since is None:
            return
        log.info(
            "status=telegram_back after=%.1fs failed_requests=%d",
            self._mono() - self._since,
            self._failures,
        )
        self._since = None
        self._failures = 0
