"""Explicit SQL for personal watchlists and their terms."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Term
from bot.domain.text import fold
from bot.lists.personal import PersonalList
from bot.storage.database import Connection
from bot.storage.times import db_time


class PersonalStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def all(self) -> list[PersonalList]:
        """Every user's lists, for the matcher: by owner, then in creation order."""
        return self._lists("", ())

    def of(self, owner: int) -> list[PersonalList]:
        return self._lists("WHERE l.owner = ?", (owner,))

    def save(self, plist: PersonalList, now: datetime) -> None:
        """Create the list, or replace the terms of the owner's list of the same name."""
        stamp = db_time(now)
        row = self._conn.execute(
            "INSERT INTO personal_watchlists (owner, name, name_key, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (owner, name_key) DO UPDATE SET updated_at = excluded.updated_at"
            " RETURNING id",
            (plist.owner, plist.name, fold(plist.name), stamp, stamp),
        ).fetchone()
        list_id = int(row[0])
        self._conn.execute("DELETE FROM personal_terms WHERE list_id = ?", (list_id,))
        self._conn.executemany(
            "INSERT INTO personal_terms (list_id, position, text, exact, case_sensitive)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (list_id, i, t.text, int(t.exact), int(t.case_sensitive is True))
                for i, t in enumerate(plist.terms)
            ],
        )

    def delete(self, plist: PersonalList) -> bool:
        """Remove the list, its terms and its stored matches.

        The matches go too: a list made later under the same name would otherwise show
        articles that only the deleted one matched.
        """
        cur = self._conn.execute(
            "DELETE FROM personal_watchlists WHERE owner = ? AND name_key = ?",
            (plist.owner, fold(plist.name)),
        )
        self._conn.execute("DELETE FROM matches WHERE watchlist = ?", (plist.internal_name,))
        return cur.rowcount == 1

    def _lists(self, where: str, params: tuple[object, ...]) -> list[PersonalList]:
        rows = self._conn.execute(
            "SELECT l.id, l.owner, l.name, t.text, t.exact, t.case_sensitive"
            " FROM personal_watchlists l JOIN personal_terms t ON t.list_id = l.id"
            f" {where} ORDER BY l.owner, l.id, t.position",
            params,
        )
        found: dict[int, tuple[int, str, list[Term]]] = {}
        for list_id, owner, name, text, exact, case_sensitive in rows:
            terms = found.setdefault(list_id, (owner, name, []))[2]
            # 0 is "not said" (the commands cannot say false): an acronym is case-sensitive.
            terms.append(
                Term(text, exact=bool(exact), case_sensitive=True if case_sensitive else None)
            )
        return [PersonalList(owner, name, tuple(terms)) for owner, name, terms in found.values()]
