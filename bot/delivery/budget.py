"""The bot-wide rate budget several instances share through the store (PostgreSQL).

Telegram's 30 messages a second is the bot's, whatever number of instances send. Each
message takes one token from the store's budget (``bot.storage.rate_budget``): the
server's clock spaces them ``1 / rate`` apart, and this instance learns in how many
seconds its token is due, which it turns into a moment on its own monotonic clock (from when the
answer came, never early; the instances' clocks never compare). The local ``Pacer``
still keeps each chat's pace, the holds after a 429, and this instance's own spacing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.storage import Store

BUDGET = "telegram"


class SharedBudget:
    def __init__(
        self,
        store: Store,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = BUDGET,
    ) -> None:
        self._store = store
        self._mono = monotonic
        self._name = name

    def take(self, rate: float) -> float:
        """Book the next token at ``rate`` a second; the monotonic moment it is due."""
        ahead = self._store.rate_budget.take(self._name, 1, 1.0 / rate)
        # Counted from when the answer is read, the latest the server's now can have
        # been: a token is never used early, only (by up to the round trip) late.
        return self._mono() + ahead

    def went_late(self, rate: float) -> None:
        """A message went out later than its token: the next one is due no sooner than
        an interval after it, so that no 31 messages in a row fit in Telegram's second."""
        self._store.rate_budget.push_back(self._name, 1.0 / rate)
