"""Explicit SQL for routes: a chat's subscription to a list delivered to another chat
(a channel) or to a topic of a forum supergroup."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime

from bot.domain.routing import Destination, Route
from bot.storage.database import Connection
from bot.storage.times import db_time


class RouteStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set(self, route: Route, now: datetime) -> bool:
        """Route a subscription; False when the chat does not follow the list."""
        cur = self._conn.execute(
            "INSERT INTO routes (chat_id, watchlist, target_chat_id, thread_id, target_title,"
            " set_by, set_at) SELECT chat_id, watchlist, ?, ?, ?, ?, ? FROM subscriptions"
            " WHERE chat_id = ? AND watchlist = ? ON CONFLICT (chat_id, watchlist) DO UPDATE"
            " SET target_chat_id = excluded.target_chat_id, thread_id = excluded.thread_id,"
            " target_title = excluded.target_title, set_by = excluded.set_by,"
            " set_at = excluded.set_at",
            (
                route.target.chat_id,
                route.target.thread_id,
                route.target_title,
                route.set_by,
                db_time(now),
                route.chat_id,
                route.watchlist,
            ),
        )
        return cur.rowcount > 0

    def clear(self, chat_id: int, watchlist: str) -> bool:
        cur = self._conn.execute(
            "DELETE FROM routes WHERE chat_id = ? AND watchlist = ?", (chat_id, watchlist)
        )
        return cur.rowcount > 0

    def rename(self, chat_id: int, old: str, new: str) -> None:
        """A renamed list's route, once the chat follows the new name."""
        self._conn.execute(
            "UPDATE routes SET watchlist = ? WHERE chat_id = ? AND watchlist = ? AND NOT EXISTS"
            " (SELECT 1 FROM routes AS r WHERE r.chat_id = routes.chat_id AND r.watchlist = ?)",
            (new, chat_id, old, new),
        )

    def of_chats(self, chat_ids: Collection[int]) -> list[Route]:
        """The routes of these subscribers (their messages' destinations). Routes are
        few, a fan-out's chats may be thousands: all are read, then picked."""
        wanted = set(chat_ids)
        return [r for r in self.all() if r.chat_id in wanted]

    def all(self) -> list[Route]:
        rows = self._conn.execute("SELECT * FROM routes ORDER BY chat_id, watchlist")
        return [_route(r) for r in rows]

    def of_chat(self, chat_id: int) -> list[Route]:
        return self.of_chats([chat_id])

    def of_watchlist(self, watchlist: str) -> list[Route]:
        rows = self._conn.execute(
            "SELECT * FROM routes WHERE watchlist = ? ORDER BY chat_id", (watchlist,)
        ).fetchall()
        return [_route(r) for r in rows]

    def drop_target(self, chat_id: int, thread_id: int | None) -> list[Route]:
        """Forget every route to a chat the bot lost (``thread_id`` None) or to one of
        its topics; returns them."""
        where, args = ("target_chat_id = ?", [chat_id])
        if thread_id is not None:
            where, args = ("target_chat_id = ? AND thread_id = ?", [chat_id, thread_id])
        rows = self._conn.execute(
            f"SELECT * FROM routes WHERE {where} ORDER BY chat_id, watchlist", args
        ).fetchall()
        self._conn.execute(f"DELETE FROM routes WHERE {where}", args)
        return [_route(r) for r in rows]

    def move_target(self, old_id: int, new_id: int) -> None:
        """A group that is a route's target became a supergroup with a new id."""
        self._conn.execute(
            "UPDATE routes SET target_chat_id = ? WHERE target_chat_id = ?", (new_id, old_id)
        )


def _route(r: sqlite3.Row) -> Route:
    return Route(
        chat_id=r["chat_id"],
        watchlist=r["watchlist"],
        target=Destination(r["target_chat_id"], r["thread_id"]),
        target_title=r["target_title"],
        set_by=r["set_by"],
    )
