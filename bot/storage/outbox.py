"""Explicit SQL for the outbox: every message is stored before it is sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from bot.domain.models import OutboxMessage, OutgoingMessage
from bot.storage.database import Connection, is_postgres
from bot.storage.times import db_time, from_db_time, required_time


class OutboxStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        # Counts the changes made through this connection that take pending messages out
        # of their chat's queue other than by sending them (a chat that left, or moved).
        # The drain reads the heads once per round and, while this stays the same, needs
        # no look at the store before each message. Only the running bot makes such
        # changes (its Telegram handlers and its drain, on this connection); other
        # processes only add messages, which never invalidates a head already read.
        self.revision = 0

    def enqueue(self, messages: Iterable[OutgoingMessage], now: datetime) -> int:
        """Store messages to send; one whose dedup key is already known is skipped.

        Returns how many were new.
        """
        added = 0
        stamp = db_time(now)
        for m in messages:
            cur = self._conn.execute(
                "INSERT INTO outbox (dedup_key, chat_id, kind, text, parse_mode, reply_markup,"
                " thread_id, origin_chat_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (dedup_key) DO NOTHING",
                (
                    m.dedup_key,
                    m.chat_id,
                    m.kind,
                    m.text,
                    m.parse_mode,
                    m.reply_markup,
                    m.thread_id,
                    m.origin_chat_id,
                    stamp,
                ),
            )
            added += cur.rowcount
        return added

    def heads(self, *, limit: int = 500) -> list[OutboxMessage]:
        """The oldest pending message of each chat, oldest first.

        Only a chat's first pending message is offered, so that the parts of a digest
        arrive in order even when an earlier part has to wait.
        """
        rows = self._conn.execute(
            "SELECT o.* FROM outbox o JOIN (SELECT MIN(id) AS id FROM outbox"
            " WHERE state = 'pending' GROUP BY chat_id) head USING (id)"
            " ORDER BY o.id LIMIT ?",
            (limit,),
        ).fetchall()
        return [_message(r) for r in rows]

    def claim_heads(
        self, holder: str, ttl: float, most: int
    ) -> tuple[list[OutboxMessage], set[int]]:
        """PostgreSQL, where every instance drains: claims (or renews) the ``most``
        chats with the oldest pending messages among its own and the unclaimed ones, and
        returns the oldest pending message of each.

        A chat is claimed by one instance at a time (``outbox_claims``), so its messages
        go in order, from one sender, at its pace; a claim not renewed for ``ttl`` seconds
        lapses (a killed instance's, or one whose chat's messages are no longer among the
        oldest: its holder alone may take it back meanwhile). Oldest first, as on one
        instance: a chat with many messages does not hold the others up, and a killed
        instance's chats, waiting longest, are taken first once their claims lapse. Two
        instances claiming at once skip each other's candidates (``FOR UPDATE SKIP
        LOCKED`` on the head rows); the claim's upsert is the arbiter. A plain
        transaction: the global write lock is not taken.

        Returns the heads and the chats held, in the order to offer them.
        """
        if not is_postgres(self._conn):
            raise NotImplementedError("chat claims are for PostgreSQL stores only")
        conn = self._conn
        conn.execute("BEGIN")
        try:
            held = {
                int(r[0])
                for r in conn.execute(
                    "INSERT INTO outbox_claims (chat_id, holder, expires_at)"
                    " SELECT o.chat_id, ?, clock_timestamp() + make_interval(secs => ?)"
                    " FROM outbox o WHERE o.id IN (SELECT min(id) FROM outbox"
                    " WHERE state = 'pending' GROUP BY chat_id) AND NOT EXISTS"
                    " (SELECT 1 FROM outbox_claims c WHERE c.chat_id = o.chat_id"
                    " AND c.expires_at > clock_timestamp() AND c.holder <> ?)"
                    " ORDER BY o.id LIMIT ? FOR UPDATE OF o SKIP LOCKED"
                    " ON CONFLICT (chat_id) DO UPDATE SET holder = excluded.holder,"
                    " expires_at = excluded.expires_at"
                    " WHERE outbox_claims.expires_at <= clock_timestamp()"
                    " OR outbox_claims.holder = excluded.holder RETURNING chat_id",
                    (holder, ttl, holder, most),
                )
            }
            rows = conn.execute(
                "SELECT o.* FROM outbox o JOIN (SELECT min(id) AS id FROM outbox"
                " WHERE state = 'pending' AND chat_id IN (SELECT chat_id FROM outbox_claims"
                " WHERE holder = ? AND expires_at > clock_timestamp()) GROUP BY chat_id)"
                " head USING (id) ORDER BY o.id",
                (holder,),
            ).fetchall()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        heads = [_message(r) for r in rows if r["chat_id"] in held]
        return heads, held

    def release_claims(self, holder: str) -> int:
        """Give up ``holder``'s chats at once (a stop), so other instances take them."""
        if not is_postgres(self._conn):
            return 0
        return self._conn.execute("DELETE FROM outbox_claims WHERE holder = ?", (holder,)).rowcount

    def mark_sent(self, message_id: int, telegram_message_id: int | None, now: datetime) -> None:
        self._conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, telegram_message_id = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (db_time(now), telegram_message_id, message_id),
        )

    def mark_attempt(self, message_id: int, error: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error, message_id),
        )

    def mark_failed(self, message_id: int, error: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?"
            " WHERE id = ?",
            (error, message_id),
        )

    def fail_pending_for_chat(self, chat_id: int, error: str) -> int:
        self.revision += 1
        cur = self._conn.execute(
            "UPDATE outbox SET state = 'failed', last_error = ? WHERE chat_id = ?"
            " AND state = 'pending'",
            (error, chat_id),
        )
        return cur.rowcount

    def as_plain_text(self, message_id: int, text: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET parse_mode = '', text = ? WHERE id = ?", (text, message_id)
        )

    def move_chat(self, old_id: int, new_id: int) -> None:
        self.revision += 1
        self._conn.execute(
            "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'",
            (new_id, old_id),
        )
        # Messages a route sent elsewhere fall back to the group under its new id.
        self._conn.execute(
            "UPDATE outbox SET origin_chat_id = ? WHERE origin_chat_id = ? AND state = 'pending'",
            (new_id, old_id),
        )

    def fall_back(self, chat_id: int, thread_id: int | None, error: str) -> list[int]:
        """The pending messages routed to a chat the bot lost (``thread_id`` None), or to
        one topic of it, go to the subscribers they were made for instead, in order.

        Returns those subscribers' chats. A message the chat's own subscriber made for a
        topic (no origin) goes to the chat itself, out of the topic.
        """
        self.revision += 1
        where, args = ("chat_id = ?", [chat_id])
        if thread_id is not None:
            where, args = ("chat_id = ? AND thread_id = ?", [chat_id, thread_id])
        origins = [
            int(r[0])
            for r in self._conn.execute(
                "SELECT DISTINCT COALESCE(origin_chat_id, chat_id) FROM outbox"
                f" WHERE {where} AND state = 'pending' AND (origin_chat_id IS NOT NULL"
                " OR thread_id IS NOT NULL)",
                args,
            )
        ]
        self._conn.execute(
            "UPDATE outbox SET chat_id = COALESCE(origin_chat_id, chat_id), thread_id = NULL,"
            f" origin_chat_id = NULL, last_error = ? WHERE {where} AND state = 'pending'"
            " AND (origin_chat_id IS NOT NULL OR thread_id IS NOT NULL)",
            [error, *args],
        )
        return origins

    def backlog(self) -> int:
        return int(
            self._conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        )

    def oldest_pending_at(self) -> datetime | None:
        row = self._conn.execute(
            "SELECT MIN(created_at) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return from_db_time(row[0])

    def sent_since(self, since: datetime) -> int:
        return int(
            self._conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent_at >= ?",
                (db_time(since),),
            ).fetchone()[0]
        )

    def drop_old_texts(self, before: datetime) -> int:
        """Empty the text of messages delivered (or given up) before ``before``.

        The rows stay, because their dedup keys are what stop a message from being
        queued and sent a second time; only the bulk (a digest is kilobytes, an alert's
        buttons a kilobyte or two) goes.
        """
        cur = self._conn.execute(
            "UPDATE outbox SET text = '', reply_markup = '' WHERE state <> 'pending'"
            " AND (text <> '' OR reply_markup <> '') AND created_at < ?",
            (db_time(before),),
        )
        return cur.rowcount

    def counts(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        found = {state: int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in ("pending", "sent", "failed")}

    def sent_to(self, chat_id: int) -> list[OutboxMessage]:
        rows = self._conn.execute(
            "SELECT * FROM outbox WHERE chat_id = ? AND state = 'sent' ORDER BY id", (chat_id,)
        ).fetchall()
        return [_message(r) for r in rows]

    def pending_count(self, chat_id: int) -> int:
        return int(
            self._conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state = 'pending'", (chat_id,)
            ).fetchone()[0]
        )

    def pending_for(self, chat_id: int) -> list[OutboxMessage]:
        rows = self._conn.execute(
            "SELECT * FROM outbox WHERE chat_id = ? AND state = 'pending' ORDER BY id", (chat_id,)
        ).fetchall()
        return [_message(r) for r in rows]

    def telegram_id(self, message_id: int) -> int | None:
        row = self._conn.execute(
            "SELECT telegram_message_id FROM outbox WHERE id = ?", (message_id,)
        ).fetchone()
        return None if row is None else row[0]

    def by_key(self, dedup_key: str) -> tuple[OutboxMessage, str] | None:
        row = self._conn.execute(
            "SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,)
        ).fetchone()
        return None if row is None else (_message(row), row["state"])


def _message(r: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        id=r["id"],
        dedup_key=r["dedup_key"],
        chat_id=r["chat_id"],
        kind=r["kind"],
        text=r["text"],
        parse_mode=r["parse_mode"],
        attempts=r["attempts"],
        created_at=required_time(r["created_at"]),
        reply_markup=r["reply_markup"],
        thread_id=r["thread_id"],
        origin_chat_id=r["origin_chat_id"],
    )
