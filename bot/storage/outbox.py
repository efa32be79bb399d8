"""Explicit SQL for the outbox: every message is stored before it is sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from bot.domain.models import OutboxMessage, OutgoingMessage
from bot.storage.database import Connection
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
