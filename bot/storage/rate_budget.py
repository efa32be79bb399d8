"""Explicit SQL for the bot-wide rate budget several instances share (PostgreSQL).

One row per budget: ``next_at``, the earliest moment the next message may go, on the
server's clock (``clock_timestamp()``), so that the instances' own clocks never matter.
Taking tokens is one ``UPDATE ... RETURNING``: the row moves ``count`` intervals past
the later of itself and now, and the caller learns in how many seconds its first token
is due. The row lock lasts that one statement; the global write lock is not taken.
"""

from __future__ import annotations

from bot.storage.database import Connection, is_postgres


class RateBudgetStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def shared(self) -> bool:
        """Whether this store can hold a shared budget (PostgreSQL)."""
        return is_postgres(self._conn)

    def take(self, name: str, count: int, interval: float) -> float:
        """Book ``count`` tokens ``interval`` seconds apart; the seconds from now (the
        server's) until the first is due (0 when due at once)."""
        row = self._conn.execute(
            "INSERT INTO rate_budget AS b (name, next_at)"
            " VALUES (?, clock_timestamp() + make_interval(secs => ?))"
            " ON CONFLICT (name) DO UPDATE SET next_at ="
            " greatest(b.next_at, clock_timestamp()) + make_interval(secs => ?)"
            " RETURNING extract(epoch FROM b.next_at - clock_timestamp())",
            (name, count * interval, count * interval),
        ).fetchone()
        return max(0.0, float(row[0]) - count * interval)

    def push_back(self, name: str, after: float) -> None:
        """A message went late: no token is due until ``after`` seconds from now."""
        self._conn.execute(
            "UPDATE rate_budget SET next_at ="
            " greatest(next_at, clock_timestamp() + make_interval(secs => ?)) WHERE name = ?",
            (after, name),
        )
