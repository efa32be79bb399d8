"""The chats this instance sends to, when every instance drains one outbox (PostgreSQL).

Each drain round renews this instance's claims on the chats it still has messages for
and claims unclaimed ones (``bot.storage.outbox.OutboxStore.claim_heads``); only a
claimed chat's messages are offered, so a chat's messages go from one instance at a
time, in order, at its pace. A claim is surely this instance's for ``CLAIM_TTL`` less
``CLAIM_MARGIN`` after the round that renewed it, by the monotonic clock: a process
frozen past it renews before sending again, and sends only if the chat is still its
own. A killed instance's claims lapse after ``CLAIM_TTL``: the message it had in flight
may then be sent again by another, the outbox's one duplicate per message in flight.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.domain.models import OutboxMessage
from bot.storage import Store

# A claim not renewed for this long (seconds) lapses: how long a killed instance's
# chats wait before another instance sends to them.
CLAIM_TTL = 10.0
# Sending stops this long (seconds) before a claim could lapse, unless renewed.
CLAIM_MARGIN = 2.0
# The most chats one instance holds at once: enough for Telegram's 30 a second at one a
# second per chat, few enough that the other instances find chats of their own.
CLAIM_CHATS = 50


class ChatClaims:
    def __init__(
        self,
        store: Store,
        holder: str,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        ttl: float = CLAIM_TTL,
        most: int = CLAIM_CHATS,
    ) -> None:
        self._store = store
        self.holder = holder
        self._mono = monotonic
        self._ttl = ttl
        self._most = most
        self._held: set[int] = set()
        self._valid_until = float("-inf")

    def heads(self) -> list[OutboxMessage]:
        """Renew and claim, then the oldest pending message of each chat held."""
        started = self._mono()
        heads, self._held = self._store.outbox.claim_heads(self.holder, self._ttl, self._most)
        self._valid_until = started + self._ttl - CLAIM_MARGIN
        return heads

    def may_send(self, chat_id: int) -> bool:
        """Checked before each message: whether the chat is surely still this
        instance's (one renewal decides when that is no longer sure)."""
        if chat_id not in self._held:
            return False
        if self._mono() < self._valid_until:
            return True
        self.heads()
        return chat_id in self._held and self._mono() < self._valid_until

    def release(self) -> None:
        """At a stop: the chats go to the other instances at once."""
        self._held = set()
        self._valid_until = float("-inf")
        self._store.outbox.release_claims(self.holder)
