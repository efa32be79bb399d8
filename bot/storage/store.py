"""Explicit SQL for feeds, articles and matches.

The store knows nothing of HTTP, matching rules or Telegram: it keeps what the
pipeline decided and answers the questions the digest and health reports ask.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.domain.models import Article, AuditEntry, DigestEntry, FeedState, JobRun, Match
from bot.domain.poll import ArticleChange, KnownArticle, PollDecision
from bot.storage.archive import ArchiveStore
from bot.storage.articles import (
    article_columns,
    article_from_row,
    chunks,
    known_articles,
    match_from_row,
    write_article,
)
from bot.storage.chats import ChatStore
from bot.storage.database import (
    Connection,
    database_file,
    is_postgres,
    is_postgres_url,
    open_database,
    open_reader,
)
from bot.storage.feedback import FeedbackStore
from bot.storage.leases import LeaseStore
from bot.storage.outbox import OutboxStore
from bot.storage.personal import PersonalStore
from bot.storage.possibly_about import AboutStore
from bot.storage.rate_budget import RateBudgetStore
from bot.storage.reader import ArticleReader
from bot.storage.routes import RouteStore
from bot.storage.search import SearchStore
from bot.storage.times import from_db_time, required_time, to_db_time
from bot.storage.trends import TrendStore


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    change: ArticleChange
    first_seen_at: datetime


class Store:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        if isinstance(conn, sqlite3.Connection):
            conn.row_factory = sqlite3.Row
        self._depth = 0
        self.chats = ChatStore(conn)
        self.outbox = OutboxStore(conn)
        self.personal = PersonalStore(conn)
        self.about = AboutStore(conn)
        self.feedback = FeedbackStore(conn)
        self.routes = RouteStore(conn)
        self.search = SearchStore(conn)
        self.trends = TrendStore(conn)
        self.archive = ArchiveStore(conn)
        self.leases = LeaseStore(conn, self.transaction)
        self.rate_budget = RateBudgetStore(conn)
        # Where ``reader`` opens a connection of its own: the SQLite file, or the
        # PostgreSQL url; "" for an SQLite store in memory.
        self._file = (
            str(getattr(conn, "url", ""))
            if not isinstance(conn, sqlite3.Connection)
            else database_file(conn)
        )

    def close(self) -> None:
        self._conn.close()

    @property
    def reads_elsewhere(self) -> bool:
        """Whether ``reader`` opens a connection of its own, which another thread may
        use; a store in memory has only this one."""
        return bool(self._file)

    def reader(self) -> ArticleReader:
        """A reader of many articles and matches, on a read-only connection of its own
        (see ``bot.storage.reader``); close it when done."""
        if not self._file:
            return ArticleReader(self._conn, owned=False)
        if is_postgres(self._conn):
            from bot.storage.postgres import open_postgres_reader

            return ArticleReader(open_postgres_reader(self._file), owned=True)
        return ArticleReader(open_reader(self._file), owned=True)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # Re-entrant, so that work done inside a larger transaction (alerts queued while
        # a poll stores the articles that caused them) commits or rolls back with it.
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            # A failed COMMIT (disk full, a deferred foreign key) must not leave the
            # connection inside the transaction: every later write would join it and
            # never be saved.
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    # -- feeds -------------------------------------------------------------------

    def feed_state(self, url: str) -> FeedState:
        row = self._conn.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return FeedState(url=url) if row is None else _feed_from_row(row)

    def feed_states(self, urls: Iterable[str] | None = None) -> list[FeedState]:
        if urls is None:
            rows = self._conn.execute("SELECT * FROM feeds ORDER BY url").fetchall()
            return [_feed_from_row(r) for r in rows]
        return [self.feed_state(u) for u in urls]

    def save_feed_state(self, state: FeedState) -> None:
        self._conn.execute(
            """
            INSERT INTO feeds (url, effective_url, etag, last_modified, error_count,
                               next_poll_at, last_attempt_at, last_success_at,
                               last_error_at, last_error, newest_item_at, title, initialised,
                               failing_since, down_notice_for)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET
                effective_url = excluded.effective_url,
                etag = excluded.etag,
                last_modified = excluded.last_modified,
                error_count = excluded.error_count,
                next_poll_at = excluded.next_poll_at,
                last_attempt_at = excluded.last_attempt_at,
                last_success_at = excluded.last_success_at,
                last_error_at = excluded.last_error_at,
                last_error = excluded.last_error,
                newest_item_at = excluded.newest_item_at,
                title = excluded.title,
                initialised = excluded.initialised,
                failing_since = excluded.failing_since
            -- down_notice_for is left to set_down_notice: a poll saves the row it read
            -- before its fetch, and must not undo a notice recorded meanwhile.
            """,
            (
                state.url,
                state.effective_url,
                state.etag,
                state.last_modified,
                state.error_count,
                to_db_time(state.next_poll_at),
                to_db_time(state.last_attempt_at),
                to_db_time(state.last_success_at),
                to_db_time(state.last_error_at),
                state.last_error,
                to_db_time(state.newest_item_at),
                state.title,
                int(state.initialised),
                to_db_time(state.failing_since),
                to_db_time(state.down_notice_for),
            ),
        )

    def set_down_notice(self, url: str, failing_since: datetime | None) -> None:
        self._conn.execute(
            "UPDATE feeds SET down_notice_for = ? WHERE url = ?", (to_db_time(failing_since), url)
        )

    # -- job runs ----------------------------------------------------------------------

    def record_job_run(self, job: str, finished_at: datetime, ok: bool, detail: str = "") -> None:
        self._conn.execute(
            "INSERT INTO job_runs (job, finished_at, ok, detail) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (job) DO UPDATE SET finished_at = excluded.finished_at,"
            " ok = excluded.ok, detail = excluded.detail",
            (job, to_db_time(finished_at), int(ok), detail),
        )

    def job_runs(self) -> dict[str, JobRun]:
        rows = self._conn.execute("SELECT * FROM job_runs").fetchall()
        return {
            r["job"]: JobRun(r["job"], required_time(r["finished_at"]), bool(r["ok"]), r["detail"])
            for r in rows
        }

    def ping(self) -> None:
        """Raise unless the database answers a query (the watchdog's health check)."""
        self._conn.execute("SELECT COUNT(*) FROM job_runs").fetchone()

    # -- articles ----------------------------------------------------------------

    def upsert_article(self, article: Article, now: datetime) -> UpsertOutcome:
        """Store ``article``; say whether it is new, changed, or the same as before."""
        row = self._conn.execute(
            "SELECT content_hash, first_seen_at FROM articles WHERE id = ?", (article.id,)
        ).fetchone()
        if row is None:
            outcome = UpsertOutcome("new", now)
        else:
            same = row["content_hash"] == article.content_hash
            outcome = UpsertOutcome(
                "same" if same else "updated", required_time(row["first_seen_at"])
            )
        write_article(self._conn, article, outcome.change, now)
        return outcome

    # -- polls -------------------------------------------------------------------

    def known_articles(self, ids: Iterable[str]) -> dict[str, KnownArticle]:
        """What a poll needs to know of the articles it found before it decides."""
        return known_articles(self._conn, ids)

    def apply_poll(self, decision: PollDecision) -> None:
        """Store all that one poll of a feed decided, or nothing."""
        with self.transaction():
            for item in decision.articles:
                write_article(self._conn, item.article, item.change, decision.now)
                if item.change != "same":
                    self.replace_matches(item.article.id, item.matches, decision.now)
            self.save_feed_state(decision.state)

    def article(self, article_id: str) -> Article | None:
        row = self._conn.execute(
            f"SELECT {article_columns()} FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return None if row is None else article_from_row(row, with_html=True)

    def article_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def articles_seen_between(self, since: datetime, until: datetime) -> list[DigestEntry]:
        """Articles first seen, changed, or newly matched by an edited watchlist in
        [since, until), with their matches (the HTML left behind: a digest shows none).

        An article there only because of a watchlist edit carries only the matches that
        edit brought: its other matches were reported when it first arrived.
        """
        lo, hi = to_db_time(since), to_db_time(until)
        rows = self._conn.execute(
            f"""
            SELECT {article_columns("a")}, a.ref, a.first_seen_at,
                   (first_seen_at >= :lo AND first_seen_at < :hi) AS is_new,
                   (updated_at >= :lo AND updated_at < :hi) AS is_updated
            FROM articles AS a
            WHERE (first_seen_at >= :lo AND first_seen_at < :hi)
               OR (updated_at >= :lo AND updated_at < :hi)
               OR ref IN (SELECT article FROM matches
                          WHERE rematched = 1 AND matched_at >= :lo AND matched_at < :hi)
            """,
            {"lo": lo, "hi": hi},
        ).fetchall()
        matches: dict[int, list[Match]] = {}
        # Watchlists whose match an edit brought in this window, by article.
        fresh: dict[int, set[str]] = {}
        for m in self._match_rows([r["ref"] for r in rows]):
            matches.setdefault(m["article"], []).append(match_from_row(m))
            if m["rematched"] and lo <= m["matched_at"] < hi:
                fresh.setdefault(m["article"], set()).add(m["watchlist"])
        entries = []
        for r in rows:
            found = matches.get(r["ref"], [])
            only_rematched = not r["is_new"] and not r["is_updated"]
            if only_rematched:
                found = [m for m in found if m.watchlist in fresh.get(r["ref"], ())]
            entries.append(
                DigestEntry(
                    article=article_from_row(r, with_html=False),
                    first_seen_at=required_time(r["first_seen_at"]),
                    updated=bool(r["is_updated"]) and not r["is_new"],
                    matches=tuple(found),
                    rematched=only_rematched,
                )
            )
        return entries

    def articles_first_seen_since(self, since: datetime) -> Iterator[Article]:
        """Stored articles first seen at or after ``since``, oldest first, streamed.

        For matching again: the HTML is left behind (``html`` is empty), since matching
        reads the plain text.
        """
        cursor = self._conn.execute(
            f"SELECT {article_columns()} FROM articles WHERE first_seen_at >= ?"
            " ORDER BY first_seen_at, id",
            (to_db_time(since),),
        )
        for row in cursor:
            yield article_from_row(row, with_html=False)

    def article_ids_matching(self, watchlist: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT a.id FROM matches AS m JOIN articles AS a ON a.ref = m.article"
            " WHERE m.watchlist = ?",
            (watchlist,),
        ).fetchall()
        return {r[0] for r in rows}

    # -- matches -----------------------------------------------------------------

    def replace_matches(
        self,
        article_id: str,
        matches: Sequence[Match],
        now: datetime,
        *,
        rematched: Collection[str] = (),
        only: Collection[str] | None = None,
    ) -> None:
        """Store an article's current matches (of the watchlists in ``only``, or all).

        Matches of watchlists in ``rematched`` are marked as found again after a
        watchlist edit. A mark not yet delivered survives the replacement, so a second
        edit does not take the first one's news out of the next digest.
        """
        found = self._conn.execute(
            "SELECT ref FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if found is None:
            raise LookupError(f"no stored article {article_id!r} to store matches of")
        where = "article = ?"
        params: list[object] = [found[0]]
        if only is not None:
            names = sorted(only)
            where += f" AND watchlist IN ({','.join('?' * len(names))})"
            params += names
        # "+rematched": the article's few rows through its index, not every mark an
        # edit ever left through matches_rematched.
        pending = {
            r[0]: r[1]
            for r in self._conn.execute(
                f"SELECT watchlist, matched_at FROM matches WHERE {where} AND +rematched = 1",
                params,
            )
        }
        self._conn.execute(f"DELETE FROM matches WHERE {where}", params)
        stamp = to_db_time(now)
        self._conn.executemany(
            """
            INSERT INTO matches (article, watchlist, term, matched_text, score, field,
                                 snippet, mark_start, mark_end, matched_at, rematched)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (
                    found[0],
                    m.watchlist,
                    m.term,
                    m.matched_text,
                    m.score,
                    m.field,
                    m.snippet,
                    m.mark_start,
                    m.mark_end,
                    pending.get(m.watchlist, stamp),
                    int(m.watchlist in rematched or m.watchlist in pending),
                )
                for m in matches
                if only is None or m.watchlist in only
            ],
        )

    def rename_matches(self, old: str, new: str) -> int:
        cur = self._conn.execute("UPDATE matches SET watchlist = ? WHERE watchlist = ?", (new, old))
        self.feedback.rename(old, new)  # a renamed list keeps what people said of it
        return cur.rowcount

    def matched_watchlists(self, article_id: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT m.watchlist FROM articles AS a JOIN matches AS m"
            " ON m.article = a.ref WHERE a.id = ?",
            (article_id,),
        ).fetchall()
        return {r[0] for r in rows}

    def _match_rows(self, refs: Sequence[int]) -> Iterator[sqlite3.Row]:
        for chunk in chunks(refs):
            marks = ",".join("?" * len(chunk))
            yield from self._conn.execute(
                f"SELECT * FROM matches WHERE article IN ({marks}) ORDER BY id", chunk
            )

    # -- watchlist audit ---------------------------------------------------------

    def record_audit(self, entry: AuditEntry) -> None:
        self._conn.execute(
            "INSERT INTO watchlist_audit (at, actor, watchlist, action, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (to_db_time(entry.at), entry.actor, entry.watchlist, entry.action, entry.detail),
        )

    def audit_for(self, watchlist: str, *, limit: int = 20) -> list[AuditEntry]:
        """The latest changes to ``watchlist``, newest first."""
        rows = self._conn.execute(
            "SELECT * FROM watchlist_audit WHERE watchlist = ? ORDER BY at DESC, id DESC LIMIT ?",
            (watchlist, limit),
        ).fetchall()
        return [
            AuditEntry(
                at=required_time(r["at"]),
                actor=r["actor"],
                watchlist=r["watchlist"],
                action=r["action"],
                detail=r["detail"],
            )
            for r in rows
        ]

    def audited_watchlists(self) -> list[str]:
        """Every name the audit has a change of, lists deleted since among them."""
        rows = self._conn.execute(
            "SELECT DISTINCT watchlist FROM watchlist_audit ORDER BY watchlist"
        ).fetchall()
        return [r[0] for r in rows]

    # -- watchlist versions ------------------------------------------------------

    def watchlist_fingerprints(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT name, fingerprint FROM watchlist_versions")
        return {r[0]: r[1] for r in rows}

    def save_watchlist_fingerprints(self, fingerprints: Mapping[str, str], now: datetime) -> None:
        """Replace the remembered set: lists absent from ``fingerprints`` are forgotten."""
        with self.transaction():
            self._conn.execute("DELETE FROM watchlist_versions")
            self._conn.executemany(
                "INSERT INTO watchlist_versions (name, fingerprint, seen_at) VALUES (?, ?, ?)",
                [(name, fp, to_db_time(now)) for name, fp in sorted(fingerprints.items())],
            )


def open_store(path: Path | str) -> Store:
    """The store at ``path``: an SQLite file (":memory:" for one in memory), or the
    PostgreSQL database a ``postgresql://`` url names (psycopg is imported only then)."""
    if is_postgres_url(path):
        from bot.storage.postgres import open_postgres

        return Store(open_postgres(path))
    return Store(open_database(path))


def open_reading_store(where: Path | str) -> Store:
    """The store at ``where`` on a read-only connection of its own, which another
    thread may use (one at a time): an SQLite file (WAL lets it read while the bot
    writes), or a PostgreSQL url."""
    if is_postgres_url(where):
        from bot.storage.postgres import open_postgres_reader

        return Store(open_postgres_reader(where))
    return Store(open_reader(where))


def _feed_from_row(r: sqlite3.Row) -> FeedState:
    return FeedState(
        url=r["url"],
        effective_url=r["effective_url"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        error_count=r["error_count"],
        next_poll_at=from_db_time(r["next_poll_at"]),
        last_attempt_at=from_db_time(r["last_attempt_at"]),
        last_success_at=from_db_time(r["last_success_at"]),
        last_error_at=from_db_time(r["last_error_at"]),
        last_error=r["last_error"],
        newest_item_at=from_db_time(r["newest_item_at"]),
        title=r["title"],
        initialised=bool(r["initialised"]),
        failing_since=from_db_time(r["failing_since"]),
        down_notice_for=from_db_time(r["down_notice_for"]),
    )
