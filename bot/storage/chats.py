"""Explicit SQL for subscribers, their subscriptions and the digests made for them.

Each chat's ``next_digest_at`` is when its next digest is due, for the digest tick to find
the chats it has to look at through an index (migration 008 says what it holds). Every
change here that can move a chat's digest sets it to a fresh ``LOOK_AGAIN`` mark, "look
again at once" (a new chat starts at '', which means the same); only the
tick writes a time, worked out by ``bot.domain.schedule.chat_next_digest``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.models import MODES, DigestRecord, Mode, Subscriber
from bot.storage.articles import chunks
from bot.storage.database import Connection
from bot.storage.times import db_time, from_db_time, required_time

# "Look again at the next tick": sorts before every time, and differs at each change, so
# that the tick's compare-and-set (set_next_digest) sees a change made while it worked
# even when the chat was already waiting to be looked at (a fixed '' would not).
LOOK_AGAIN = "' ' || hex(randomblob(6))"


def looks_again(next_digest_at: str | None) -> bool:
    """Whether a stored ``next_digest_at`` asks the tick to work the chat out again."""
    return next_digest_at is not None and next_digest_at < "0"


@dataclass(frozen=True, slots=True)
class DigestCandidate:
    """A chat whose next digest may be due: as stored, with its last digest and the
    ``next_digest_at`` it was found by (for ``ChatStore.set_next_digest``)."""

    subscriber: Subscriber
    last: DigestRecord | None
    next_digest_at: str


class ChatStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- subscribers ---------------------------------------------------------------

    def get(self, chat_id: int) -> Subscriber | None:
        row = self._conn.execute(
            "SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,)
        ).fetchone()
        if row is None:
            return None
        lists = _Lists()
        for name, muted_until, about_alerts, mode in self._conn.execute(
            "SELECT watchlist, muted_until, about_alerts, mode FROM subscriptions"
            " WHERE chat_id = ? ORDER BY watchlist",
            (chat_id,),
        ):
            lists.add(name, muted_until, about_alerts, mode)
        return _subscriber(row, lists)

    def ensure(
        self,
        chat_id: int,
        *,
        kind: str,
        title: str,
        timezone: str,
        digest_time: str,
        now: datetime,
    ) -> tuple[Subscriber, bool]:
        """The chat's subscriber row, created with the defaults on first contact.

        A chat that had blocked the bot and talks to it again is active again. Returns
        (subscriber, created).
        """
        found = self.get(chat_id)
        if found is not None and found.active and (found.kind, found.title) == (kind, title):
            # Every command comes through here: a read keeps commands that change
            # nothing working while another process holds the write lock.
            return found, False
        stamp = db_time(now)
        cur = self._conn.execute(
            "INSERT INTO subscribers (chat_id, kind, title, timezone, digest_time,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO NOTHING",
            (chat_id, kind, title, timezone, digest_time, stamp, stamp),
        )
        created = cur.rowcount == 1
        if not created:
            self._conn.execute(
                "UPDATE subscribers SET kind = ?, title = ?, active = 1, inactive_reason = '',"
                # Back after blocking the bot: nothing was held for it meanwhile.
                " quiet_released_until = CASE WHEN active = 0 THEN ?"
                " ELSE quiet_released_until END,"
                f" updated_at = ?, next_digest_at = {LOOK_AGAIN}"
                " WHERE chat_id = ? AND (active = 0 OR kind != ? OR title != ?)",
                (kind, title, stamp, stamp, chat_id, kind, title),
            )
        found = self.get(chat_id)
        assert found is not None
        return found, created

    def update_settings(
        self,
        chat_id: int,
        now: datetime,
        *,
        timezone: str | None = None,
        digest_time: str | None = None,
        mode: Mode | None = None,
        digest_days: str | None = None,
        digest_skips_alerted: bool | None = None,
    ) -> None:
        self._conn.execute(
            "UPDATE subscribers SET timezone = COALESCE(?, timezone),"
            " digest_time = COALESCE(?, digest_time), mode = COALESCE(?, mode),"
            " digest_days = COALESCE(?, digest_days),"
            " digest_skips_alerted = COALESCE(?, digest_skips_alerted),"
            f" updated_at = ?, next_digest_at = {LOOK_AGAIN} WHERE chat_id = ?",
            (
                timezone,
                digest_time,
                mode,
                digest_days,
                None if digest_skips_alerted is None else int(digest_skips_alerted),
                db_time(now),
                chat_id,
            ),
        )

    def set_quiet_hours(self, chat_id: int, quiet_hours: str, now: datetime) -> None:
        """Quiet hours as stored ("" none); what came before ``now`` is not held."""
        self._conn.execute(
            "UPDATE subscribers SET quiet_hours = ?, quiet_released_until = ?, updated_at = ?,"
            f" next_digest_at = {LOOK_AGAIN} WHERE chat_id = ?",
            (quiet_hours, db_time(now), db_time(now), chat_id),
        )

    def set_quiet_released(self, chat_id: int, until: datetime) -> None:
        """The held alerts up to ``until`` were sent (or folded into a digest)."""
        self._conn.execute(
            "UPDATE subscribers SET quiet_released_until = ? WHERE chat_id = ?"
            " AND (quiet_released_until IS NULL OR quiet_released_until < ?)",
            (db_time(until), chat_id, db_time(until)),
        )

    def set_list_mode(self, chat_id: int, watchlist: str, mode: Mode | None) -> bool:
        """A followed list's own mode (None: the chat's); False when not followed."""
        cur = self._conn.execute(
            "UPDATE subscriptions SET mode = ? WHERE chat_id = ? AND watchlist = ?",
            (mode, chat_id, watchlist),
        )
        if cur.rowcount:
            self._look_again(chat_id)
        return cur.rowcount == 1

    def deactivate(self, chat_id: int, reason: str, now: datetime) -> None:
        self._conn.execute(
            "UPDATE subscribers SET active = 0, inactive_reason = ?, updated_at = ?,"
            f" next_digest_at = {LOOK_AGAIN} WHERE chat_id = ?",
            (reason, db_time(now), chat_id),
        )

    def move_chat(self, old_id: int, new_id: int) -> None:
        """A group became a supergroup: Telegram gave it a new id; keep its settings."""
        if self._conn.execute("SELECT 1 FROM subscribers WHERE chat_id = ?", (new_id,)).fetchone():
            # The new id already talked to the bot: keep its settings, add what the old
            # chat followed, and retire the old row so the group is not served twice.
            self._conn.execute(
                "INSERT INTO subscriptions"
                " (chat_id, watchlist, created_at, about_alerts, muted_until, mode)"
                " SELECT ?, watchlist, created_at, about_alerts, muted_until, mode"
                " FROM subscriptions"
                " WHERE chat_id = ? ON CONFLICT DO NOTHING",
                (new_id, old_id),
            )
            self._move_votes(old_id, new_id)
            self._conn.execute("DELETE FROM subscribers WHERE chat_id = ?", (old_id,))
            self._conn.execute("DELETE FROM digests WHERE chat_id = ?", (old_id,))
            self._look_again(new_id)
            return
        self._conn.execute("PRAGMA defer_foreign_keys = ON")
        self._conn.execute(
            f"UPDATE subscribers SET chat_id = ?, next_digest_at = {LOOK_AGAIN} WHERE chat_id = ?",
            (new_id, old_id),
        )
        self._conn.execute(
            "UPDATE subscriptions SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
        )
        self._conn.execute("UPDATE digests SET chat_id = ? WHERE chat_id = ?", (new_id, old_id))
        self._move_votes(old_id, new_id)

    def _move_votes(self, old_id: int, new_id: int) -> None:
        # The group's 👍 and 👎 stay its own (a vote the new id cast already wins).
        self._conn.execute(
            "UPDATE votes SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM votes"
            " AS mine WHERE mine.chat_id = ? AND mine.article = votes.article"
            " AND mine.watchlist = votes.watchlist)",
            (new_id, old_id, new_id),
        )

    def all(self, *, active_only: bool = True) -> list[Subscriber]:
        where = " WHERE active = 1" if active_only else ""
        rows = self._conn.execute(f"SELECT * FROM subscribers{where} ORDER BY chat_id").fetchall()
        subs: dict[int, _Lists] = {}
        for chat_id, name, muted_until, about_alerts, mode in self._conn.execute(
            "SELECT chat_id, watchlist, muted_until, about_alerts, mode FROM subscriptions"
            " ORDER BY chat_id, watchlist"
        ):
            subs.setdefault(chat_id, _Lists()).add(name, muted_until, about_alerts, mode)
        return [_subscriber(r, subs.get(r["chat_id"], _NO_LISTS)) for r in rows]

    def following(self, watchlists: Iterable[str]) -> list[Subscriber]:
        """Active subscribers following any of ``watchlists``."""
        wanted = set(watchlists)
        return [s for s in self.all() if wanted.intersection(s.watchlists)]

    def counts(self) -> dict[str, int]:
        row = self._conn.execute(
            "SELECT COUNT(*) AS total, COALESCE(SUM(active), 0) AS active,"
            " COALESCE(SUM(CASE WHEN active <> 0 AND kind <> 'private' THEN 1 ELSE 0 END), 0)"
            " AS active_groups FROM subscribers"
        ).fetchone()
        return {k: int(row[k]) for k in ("total", "active", "active_groups")}

    # -- subscriptions -------------------------------------------------------------

    def subscribe(self, chat_id: int, watchlist: str, now: datetime) -> bool:
        cur = self._conn.execute(
            "INSERT INTO subscriptions (chat_id, watchlist, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (chat_id, watchlist, db_time(now)),
        )
        if cur.rowcount != 1:
            return False
        self._look_again(chat_id)
        return True

    def unsubscribe(self, chat_id: int, watchlist: str) -> bool:
        cur = self._conn.execute(
            "DELETE FROM subscriptions WHERE chat_id = ? AND watchlist = ?", (chat_id, watchlist)
        )
        if cur.rowcount != 1:
            return False
        self._look_again(chat_id)
        return True

    def set_muted_until(self, chat_id: int, watchlist: str, until: datetime | None) -> bool:
        """Mute a subscription until ``until`` (None: unmute); False when the chat does not
        follow the list."""
        cur = self._conn.execute(
            "UPDATE subscriptions SET muted_until = ? WHERE chat_id = ? AND watchlist = ?",
            (None if until is None else db_time(until), chat_id, watchlist),
        )
        if cur.rowcount:
            # The next digest may now hold more or fewer lists: have the tick look again.
            self._look_again(chat_id)
        return cur.rowcount == 1

    def unsubscribe_all(self, chat_id: int) -> list[str]:
        names = self._watchlists_of(chat_id)
        self._conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
        self._look_again(chat_id)
        return list(names)

    def set_about_alerts(self, chat_id: int, watchlist: str, on: bool) -> bool:
        """Whether the chat gets instant alerts for articles possibly about a list it
        follows; False when it does not follow it."""
        cur = self._conn.execute(
            "UPDATE subscriptions SET about_alerts = ? WHERE chat_id = ? AND watchlist = ?",
            (int(on), chat_id, watchlist),
        )
        return cur.rowcount == 1

    def subscribers_of(self, watchlist: str) -> list[int]:
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT chat_id FROM subscriptions WHERE watchlist = ? ORDER BY chat_id",
                (watchlist,),
            )
        ]

    def followed_watchlists(self) -> set[str]:
        """Every list some chat follows."""
        return {r[0] for r in self._conn.execute("SELECT DISTINCT watchlist FROM subscriptions")}

    # -- the next digest -----------------------------------------------------------------

    def digest_candidates(self, now: datetime) -> list[DigestCandidate]:
        """The chats whose ``next_digest_at`` has come by ``now`` (or is to be worked
        out), by chat id: read through the index, so a tick with nothing due reads nothing."""
        rows = self._conn.execute(
            # Named, so that the planner never reads every chat (in chat_id order, say).
            "SELECT * FROM subscribers INDEXED BY subscribers_by_next_digest"
            " WHERE next_digest_at <= ? ORDER BY chat_id",
            (db_time(now),),
        ).fetchall()
        if not rows:
            return []
        ids = [r["chat_id"] for r in rows]
        lists: dict[int, _Lists] = {}
        last: dict[int, DigestRecord] = {}
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for chat_id, name, muted_until, about_alerts, mode in self._conn.execute(
                "SELECT chat_id, watchlist, muted_until, about_alerts, mode FROM subscriptions"
                f" WHERE chat_id IN ({marks}) ORDER BY chat_id, watchlist",
                chunk,
            ):
                lists.setdefault(chat_id, _Lists()).add(name, muted_until, about_alerts, mode)
            for r in self._conn.execute(
                "SELECT d.* FROM digests d JOIN (SELECT chat_id, MAX(local_date) AS local_date"
                f" FROM digests WHERE chat_id IN ({marks}) GROUP BY chat_id) latest"
                " USING (chat_id, local_date)",
                chunk,
            ):
                last[r["chat_id"]] = _digest(r)
        return [
            DigestCandidate(
                _subscriber(r, lists.get(r["chat_id"], _NO_LISTS)),
                last.get(r["chat_id"]),
                r["next_digest_at"],
            )
            for r in rows
        ]

    def set_next_digest(self, chat_id: int, at: datetime | None, *, found: str) -> bool:
        """Store when the chat's next digest is due (None: it gets none), unless its
        ``next_digest_at`` changed since it was ``found`` (another process changed the
        chat meanwhile, and left a new LOOK_AGAIN mark for the next tick)."""
        cur = self._conn.execute(
            "UPDATE subscribers SET next_digest_at = ? WHERE chat_id = ? AND next_digest_at = ?",
            (None if at is None else db_time(at), chat_id, found),
        )
        return cur.rowcount == 1

    def _look_again(self, chat_id: int) -> None:
        self._conn.execute(
            f"UPDATE subscribers SET next_digest_at = {LOOK_AGAIN} WHERE chat_id = ?", (chat_id,)
        )

    def _watchlists_of(self, chat_id: int) -> tuple[str, ...]:
        return tuple(
            r[0]
            for r in self._conn.execute(
                "SELECT watchlist FROM subscriptions WHERE chat_id = ? ORDER BY watchlist",
                (chat_id,),
            )
        )

    # -- digests -------------------------------------------------------------------

    def last_digest(self, chat_id: int) -> DigestRecord | None:
        row = self._conn.execute(
            "SELECT * FROM digests WHERE chat_id = ? ORDER BY local_date DESC LIMIT 1",
            (chat_id,),
        ).fetchone()
        return None if row is None else _digest(row)

    def last_digests(self) -> dict[int, DigestRecord]:
        rows = self._conn.execute(
            "SELECT d.* FROM digests d JOIN (SELECT chat_id, MAX(local_date) AS local_date"
            " FROM digests GROUP BY chat_id) last USING (chat_id, local_date)"
        ).fetchall()
        return {r["chat_id"]: _digest(r) for r in rows}

    def digests_since(self, since: datetime) -> tuple[int, datetime | None]:
        """How many digests were queued since ``since``, and when the latest was."""
        row = self._conn.execute(
            "SELECT COUNT(*), (SELECT MAX(created_at) FROM digests) FROM digests"
            " WHERE created_at >= ?",
            (db_time(since),),
        ).fetchone()
        return int(row[0]), from_db_time(row[1])

    def record_digest(self, record: DigestRecord) -> bool:
        """False when the chat already has a digest for that local day."""
        cur = self._conn.execute(
            "INSERT INTO digests (chat_id, local_date, since, until, articles, parts,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                record.chat_id,
                record.local_date.isoformat(),
                db_time(record.since),
                db_time(record.until),
                record.articles,
                record.parts,
                db_time(record.created_at),
            ),
        )
        return cur.rowcount == 1


class _Lists:
    """A chat's subscriptions as read: which carry a mute, which want possibly-about
    alerts."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.muted: list[tuple[str, datetime]] = []
        self.about_alerts: list[str] = []
        self.modes: list[tuple[str, Mode]] = []

    def add(self, name: str, muted_until: str | None, about_alerts: int, mode: str | None) -> None:
        self.names.append(name)
        if mode in MODES:
            self.modes.append((name, mode))
        if (until := from_db_time(muted_until)) is not None:
            self.muted.append((name, until))
        if about_alerts:
            self.about_alerts.append(name)


_NO_LISTS = _Lists()


def _subscriber(r: sqlite3.Row, lists: _Lists) -> Subscriber:
    return Subscriber(
        chat_id=r["chat_id"],
        kind=r["kind"],
        title=r["title"],
        timezone=r["timezone"],
        digest_time=r["digest_time"],
        mode=r["mode"],
        active=bool(r["active"]),
        inactive_reason=r["inactive_reason"],
        created_at=from_db_time(r["created_at"]),
        watchlists=tuple(lists.names),
        muted=tuple(lists.muted),
        about_alerts=tuple(lists.about_alerts),
        list_modes=tuple(lists.modes),
        digest_days=r["digest_days"],
        quiet_hours=r["quiet_hours"],
        quiet_released_until=from_db_time(r["quiet_released_until"]),
        digest_skips_alerted=bool(r["digest_skips_alerted"]),
    )


def _digest(r: sqlite3.Row) -> DigestRecord:
    return DigestRecord(
        chat_id=r["chat_id"],
        local_date=date.fromisoformat(r["local_date"]),
        since=required_time(r["since"]),
        until=required_time(r["until"]),
        articles=r["articles"],
        parts=r["parts"],
        created_at=required_time(r["created_at"]),
    )
