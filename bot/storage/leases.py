"""Explicit SQL for the sender lease and the running instances.

The rule (who may take the lease) is ``bot.domain.lease``; this module reads the lease,
applies the rule and writes the outcome as one compare-and-set in one transaction, so
two processes deciding at once cannot both win.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from bot.domain.lease import Instance, LeaseRecord, may_take, take
from bot.storage.database import Connection


def lease_time(value: datetime) -> str:
    """Lease times keep milliseconds, always in this one form, so they compare as text."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class LeaseStore:
    def __init__(
        self,
        conn: Connection,
        transaction: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self._conn = conn
        self._transaction = transaction

    # -- the lease ----------------------------------------------------------------------

    def lease(self, name: str) -> LeaseRecord | None:
        row = self._conn.execute(
            "SELECT holder, acquired_at, expires_at FROM leases WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return LeaseRecord(row[0], _time(row[1]), _time(row[2]))

    def claim(
        self,
        name: str,
        holder: str,
        now: datetime,
        ttl: timedelta,
        *,
        holder_gone: Callable[[LeaseRecord], bool] = lambda _: False,
    ) -> LeaseRecord | None:
        """Take or renew lease ``name`` for ``holder`` if the rule allows it.

        Returns the lease as it stands afterwards: ``holder``'s own when it took or
        renewed it, else the one that holds it (None: nobody, which only a lost race on
        an empty table leaves). ``holder_gone`` tells whether the current holder's
        process is known to be dead.
        """
        current = self.lease(name)
        if not (may_take(current, holder, now) or (current is not None and holder_gone(current))):
            return current  # another holder's lease runs: no write lock taken
        with self._transaction():
            # Again under the write lock: another process may have taken it meanwhile.
            current = self.lease(name)
            new = take(
                current,
                holder,
                now,
                ttl,
                holder_gone=current is not None and holder_gone(current),
            )
            if new is None:
                return current
            if current is None:
                cur = self._conn.execute(
                    "INSERT INTO leases (name, holder, acquired_at, expires_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                    (name, new.holder, lease_time(new.acquired_at), lease_time(new.expires_at)),
                )
            else:
                # Compare-and-set on what was read: a database that lets two writers
                # interleave still cannot give the lease to both.
                cur = self._conn.execute(
                    "UPDATE leases SET holder = ?, acquired_at = ?, expires_at = ?"
                    " WHERE name = ? AND holder = ? AND expires_at = ?",
                    (
                        new.holder,
                        lease_time(new.acquired_at),
                        lease_time(new.expires_at),
                        name,
                        current.holder,
                        lease_time(current.expires_at),
                    ),
                )
            if cur.rowcount != 1:
                return self.lease(name)
            return new

    def release(self, name: str, holder: str) -> bool:
        """Give the lease up at once (a standby may take it now); False if not held."""
        cur = self._conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
        return cur.rowcount == 1

    # -- the instances ------------------------------------------------------------------

    def announce(self, instance: Instance, host: str, pid: int) -> None:
        """Say that ``instance`` runs, in its role (written every few seconds)."""
        self._conn.execute(
            "INSERT INTO instances (holder, host, pid, origin, role, sender, started_at,"
            " seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (holder) DO UPDATE SET"
            " role = excluded.role, sender = excluded.sender, seen_at = excluded.seen_at",
            (
                instance.holder,
                host,
                pid,
                instance.origin,
                instance.role,
                instance.sender,
                lease_time(instance.started_at),
                lease_time(instance.seen_at),
            ),
        )

    def leave(self, holder: str) -> None:
        self._conn.execute("DELETE FROM instances WHERE holder = ?", (holder,))

    def forget_silent(self, before: datetime) -> int:
        """Drop instances not heard from since ``before`` (killed ones leave no goodbye)."""
        cur = self._conn.execute("DELETE FROM instances WHERE seen_at < ?", (lease_time(before),))
        return cur.rowcount

    def instance(self, holder: str) -> Instance | None:
        row = self._conn.execute("SELECT * FROM instances WHERE holder = ?", (holder,)).fetchone()
        return None if row is None else _instance(row)

    def instances(self) -> list[Instance]:
        rows = self._conn.execute("SELECT * FROM instances ORDER BY started_at, holder")
        return [_instance(r) for r in rows]


def _instance(r: sqlite3.Row) -> Instance:
    return Instance(
        holder=r["holder"],
        role=r["role"],
        sender=r["sender"],
        started_at=_time(r["started_at"]),
        seen_at=_time(r["seen_at"]),
        origin=r["origin"],
    )
