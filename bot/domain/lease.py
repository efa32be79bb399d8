"""One active sender per store: the lease rule, and who is running for ``status``.

Any number of ``caci-watch run`` may share a store. Only the holder of the sender lease
polls the feeds, queues digests, receives Telegram's updates and sends; the others are
standbys that hold nothing and take the lease over once it is released or expired. The
holder renews it every ``RENEW_EVERY``; a holder that stops renewing (killed, frozen,
cut off from the store) loses it ``LEASE_TTL`` after its last renewal, and a standby
looking every ``STANDBY_RETRY`` takes it then.

Pure: the stored lease and ``now`` in, the decision out; the store, the clock and the
processes are the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# The lease's name in the store: the right to send (and to do what feeds sending).
SENDER_LEASE = "sender"
# A lease not renewed for this long is free to take.
LEASE_TTL = timedelta(seconds=15)
# The holder renews this often: two renewals may fail before the lease lapses.
RENEW_EVERY = timedelta(seconds=5)
# A standby looks at the lease this often.
STANDBY_RETRY = timedelta(seconds=2)
# The holder stops sending this long before its lease expires, so that a message is
# never started near the moment a standby may take over (clocks differ a little).
SEND_MARGIN = timedelta(seconds=2)
# The longest a standby can take to take over from a holder that died: the lease
# runs out, then the standby's next look.
TAKEOVER_WITHIN = LEASE_TTL + STANDBY_RETRY
# An instance that has not said it is there for this long is gone (it writes every
# RENEW_EVERY while it runs).
INSTANCE_SILENCE = LEASE_TTL

Role = Literal["active", "standby"]


@dataclass(frozen=True, slots=True)
class LeaseRecord:
    """The lease as stored: who holds it, since when, and until when unless renewed."""

    holder: str
    acquired_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """A holder id, ``host:pid:random``: which process, and which run of it."""

    host: str
    pid: int
    nonce: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.nonce}"

    @classmethod
    def parse(cls, text: str) -> Holder:
        """Forgiving: an id written by something else keeps what can be read of it."""
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        if not host or not pid.isdigit():
            return cls(text, 0, "")
        return cls(host, int(pid), rest)


def is_expired(lease: LeaseRecord, now: datetime) -> bool:
    return now >= lease.expires_at


def may_take(
    current: LeaseRecord | None, holder: str, now: datetime, *, holder_gone: bool = False
) -> bool:
    """Whether ``holder`` may take (or renew) the lease that stands as ``current``.

    Yes when nobody holds it, when it is already its own (a renewal, even a late one:
    nobody else can have sent meanwhile), when it has expired, or when the caller knows
    for certain that the holding process is gone (``holder_gone``; see
    ``bot.runtime.instance``). Never while another holder's lease runs.
    """
    if current is None or current.holder == holder:
        return True
    return holder_gone or is_expired(current, now)


def take(
    current: LeaseRecord | None,
    holder: str,
    now: datetime,
    ttl: timedelta = LEASE_TTL,
    *,
    holder_gone: bool = False,
) -> LeaseRecord | None:
    """The lease once ``holder`` took or renewed it at ``now``; None when it may not.

    A renewal keeps the time the holder first took it: "active since" means since then.
    """
    if not may_take(current, holder, now, holder_gone=holder_gone):
        return None
    renewing = current is not None and current.holder == holder
    acquired = current.acquired_at if renewing and current is not None else now
    return LeaseRecord(holder, acquired, now + ttl)


def may_send(lease: LeaseRecord | None, holder: str, now: datetime) -> bool:
    """Whether ``holder`` may start sending a message at ``now`` under ``lease``."""
    return lease is not None and lease.holder == holder and now < lease.expires_at - SEND_MARGIN


# -- who is running, for `caci-watch status` ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Instance:
    """A running ``caci-watch run`` as it last said: its role and how it sends."""

    holder: str
    role: Role
    # "telegram @name", "telegram" while it connects, "console" without a token, or ""
    # for a standby (it sends nothing).
    sender: str
    started_at: datetime
    seen_at: datetime
    # Which boot and process namespace its pid belongs to ("" when unknown): a pid
    # names the same process only within one origin.
    origin: str = ""

    @property
    def host(self) -> str:
        return Holder.parse(self.holder).host

    @property
    def pid(self) -> int:
        return Holder.parse(self.holder).pid


@dataclass(frozen=True, slots=True)
class Instances:
    """The active instance and the standbys, as ``status`` reports them."""

    lease: LeaseRecord | None
    # The lease holder's own record (how it sends), when it wrote one.
    active: Instance | None
    standbys: tuple[Instance, ...]
    now: datetime
    # Whether every instance drains the outbox (PostgreSQL), standbys too.
    everyone_sends: bool = False

    @property
    def has_active(self) -> bool:
        return self.lease is not None and not is_expired(self.lease, self.now)


def instances_view(
    lease: LeaseRecord | None,
    instances: Iterable[Instance],
    now: datetime,
    *,
    silence: timedelta = INSTANCE_SILENCE,
    everyone_sends: bool = False,
) -> Instances:
    """Who is running at ``now``: the lease's holder and the standbys still heard from."""
    seen = [i for i in instances if now - i.seen_at <= silence]
    holder = lease.holder if lease is not None else None
    active = next((i for i in seen if i.holder == holder), None)
    standbys = tuple(
        sorted(
            (i for i in seen if i.holder != holder and i.role == "standby"),
            key=lambda i: (i.started_at, i.holder),
        )
    )
    return Instances(
        lease=lease, active=active, standbys=standbys, now=now, everyone_sends=everyone_sends
    )
