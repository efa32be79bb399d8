"""One active sender per store: the ``Lease`` a running bot must hold to send.

The rule is ``bot.domain.lease``; this is the interface the running bot uses
(``bot.runtime.leadership``) and its implementation on the store. A store of another
kind (PostgreSQL, with several instances) implements the same few methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.app.service import Service
from bot.domain.lease import (
    LEASE_TTL,
    SENDER_LEASE,
    Holder,
    Instance,
    Instances,
    LeaseRecord,
    Role,
    instances_view,
)
from bot.storage import Store

# Instances silent this long are forgotten (a killed one never says goodbye).
FORGET_SILENT_AFTER = timedelta(days=1)


class Lease(Protocol):
    """The right to send, held by one running instance at a time."""

    @property
    def holder(self) -> str: ...

    def current(self) -> LeaseRecord | None:
        """The lease as stored, whoever holds it (expired or not); None when free."""
        ...

    def claim(self, now: datetime) -> LeaseRecord | None:
        """Take the lease, or renew it when already held; returns it as it stands
        afterwards (this holder's when taken, else whoever holds it, or None)."""
        ...

    def release(self) -> None:
        """Give it up now, so that a standby takes over without waiting for it to expire."""
        ...

    def announce(self, role: Role, sender: str, now: datetime) -> None:
        """Say that this instance runs, in ``role`` (written every few seconds)."""
        ...

    def leave(self) -> None:
        """Say that this instance has stopped."""
        ...


@dataclass(frozen=True, slots=True)
class Me:
    """This process, as the lease and ``status`` know it."""

    holder: Holder
    # Boot and process namespace (see bot.runtime.instance); "" when unknown.
    origin: str
    started_at: datetime


class StoreLease:
    """The lease and the instances in the bot's own database (the ``leases`` and
    ``instances`` tables)."""

    def __init__(
        self,
        store: Store,
        me: Me,
        *,
        is_gone: Callable[[Instance], bool] = lambda _: False,
        name: str = SENDER_LEASE,
        ttl: timedelta = LEASE_TTL,
    ) -> None:
        self._store = store
        self._me = me
        self._is_gone = is_gone
        self._name = name
        self._ttl = ttl

    @property
    def holder(self) -> str:
        return str(self._me.holder)

    def current(self) -> LeaseRecord | None:
        return self._store.leases.lease(self._name)

    def claim(self, now: datetime) -> LeaseRecord | None:
        return self._store.leases.claim(
            self._name, self.holder, now, self._ttl, holder_gone=self._holder_gone
        )

    def _holder_gone(self, lease: LeaseRecord) -> bool:
        """Whether the holder's process is known to be dead: only a process of the same
        origin can tell (the same machine, boot and process namespace)."""
        found = self._store.leases.instance(lease.holder)
        return (
            found is not None
            and bool(self._me.origin)
            and found.origin == self._me.origin
            and self._is_gone(found)
        )

    def release(self) -> None:
        with self._store.transaction():
            self._store.leases.release(self._name, self.holder)

    def announce(self, role: Role, sender: str, now: datetime) -> None:
        me = self._me
        with self._store.transaction():
            self._store.leases.announce(
                Instance(self.holder, role, sender, me.started_at, now, origin=me.origin),
                me.holder.host,
                me.holder.pid,
            )
            self._store.leases.forget_silent(now - FORGET_SILENT_AFTER)

    def leave(self) -> None:
        with self._store.transaction():
            self._store.leases.leave(self.holder)


def instances_report(service: Service, now: datetime) -> Instances:
    """Who runs on this store: the active instance and the standbys (for ``status``)."""
    leases = service.store.leases
    return instances_view(
        leases.lease(SENDER_LEASE),
        leases.instances(),
        now,
        everyone_sends=service.store.rate_budget.shared,
    )
