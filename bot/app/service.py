"""Composition root: builds the pieces from a config and wires them together."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot import __version__
from bot.app.config import Config
from bot.app.poll import FeedPollReport, make_http_client, poll_feeds
from bot.app.rematch import RematchReport, rematch_recent
from bot.domain.digest import Digest, build_digest
from bot.domain.health import (
    JOB_SILENCE,
    DigestActivity,
    OutboxHealth,
    StatusReport,
    SubscriberCounts,
    feed_alarms,
)
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import (
    Alert,
    AuditEntry,
    DigestEntry,
    DigestRecord,
    FeedState,
    Subscriber,
    Watchlist,
)
from bot.domain.schedule import due_digest, parse_time_of_day, zone
from bot.lists.edit import EditError, watchlist_file_name
from bot.lists.files import MAX_FILE_BYTES
from bot.lists.registry import WatchlistChange, WatchlistRegistry, fingerprint
from bot.messages.fanout import alert_messages, digest_key, digest_messages, digest_texts
from bot.messages.notices import (
    feed_alarm_messages,
    invalid_file_messages,
    removed_list_message,
    renamed_list_message,
)
from bot.storage import Store, open_store
from bot.storage.database import store_fault

log = logging.getLogger(__name__)

# A delivered message's text is kept this long (for /status and debugging); its row, with
# the dedup key that prevents a second send, is kept for good.
KEEP_SENT_TEXT = timedelta(days=30)


@dataclass
class Service:
    config: Config
    store: Store
    registry: WatchlistRegistry
    # Broken files found while the service was built, before it could queue messages:
    # the admins hear of them at the first refresh.
    unreported: list[WatchlistChange] = field(default_factory=list)
    _combined: tuple[object, Matcher] | None = field(default=None, init=False, repr=False)
    # Each shared list's file when edits were last applied, to tell a rename from a removal.
    _paths: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    # Called when an alert is queued; the running bot wakes its outbox drain with it.
    on_queued: Callable[[], None] = field(default=lambda: None, repr=False)

    def __post_init__(self) -> None:
        self._paths = {w.name: w.source for w in self.watchlists}

    @property
    def watchlists(self) -> list[Watchlist]:
        """The shared lists in force; personal lists are in ``store.personal``."""
        return self.registry.watchlists

    @property
    def watchlist_errors(self) -> list[str]:
        return self.registry.errors

    @property
    def matcher(self) -> Matcher:
        """The shared lists and every user's personal lists, compiled together once and
        again only when either changes."""
        personal = tuple(p.watchlist for p in self.store.personal.all())
        if not personal:
            return self.registry.matcher
        key = (tuple(self.watchlists), personal)
        if self._combined is None or self._combined[0] != key:
            self._combined = (key, compile_watchlists([*key[0], *personal]))
        return self._combined[1]

    @property
    def stale_after(self) -> timedelta:
        return self.config.feeds.stale_after

    def close(self) -> None:
        self.store.close()

    async def poll_once(
        self, now: datetime, *, force: bool = False, clock: Callable[[], datetime] | None = None
    ) -> list[FeedPollReport]:
        """Poll the feeds that are due at ``now``; with ``clock`` (the running bot), what is
        found is stamped with the time it is stored (see ``pipeline.poll_feed``)."""
        async with make_http_client(self.config.feeds) as client:
            return await poll_feeds(
                client,
                self.store,
                self.matcher,
                self.config.feeds,
                now,
                force=force,
                on_alert=self.queue_alert,
                clock=clock,
                matcher_of=lambda: self.matcher,
            )

    def queue_alert(self, alert: Alert, now: datetime) -> None:
        """Queue the alert for every instant subscriber following one of its watchlists."""
        for sub in self.store.chats.following(alert.watchlists):
            # This runs inside the poll's transaction. One chat's message failing to
            # render must not undo storing the article, or the feed would fail on every
            # poll from now on; a storage error, though, fails the poll, to be retried whole.
            try:
                messages = alert_messages(alert, [sub])
            except Exception:
                log.exception(
                    "alert chat=%d article=%r status=failed", sub.chat_id, alert.article.id
                )
                continue
            if self.store.outbox.enqueue(messages, now):
                # Inside the poll's transaction this only sets an event: the drain runs
                # once the poll awaits again, by which time the alert is committed. A slow
                # second feed then no longer holds back the first feed's alerts.
                self.on_queued()

    def digest_tick(self, now: datetime) -> int:
        """Queue every digest that is due at ``now``; returns how many messages were queued.

        What is due is decided from the store (the last digest of each chat) and ``now``
        alone, so a tick that runs late, twice, or after downtime does the right thing.
        """
        # The store keeps whole seconds; so does the window, or the next digest's window
        # would start a fraction of a second before this one ends.
        now = now.replace(microsecond=0)
        last = self.store.chats.last_digests()
        cache = _TickCache(feeds=self.store.feed_states(self.config.feeds.urls))
        queued = 0
        for sub in self.store.chats.all():
            if not sub.wants_digest or not sub.watchlists:
                continue
            # One chat's failure (a bug, a bad row) must not hold back everyone's digest.
            try:
                queued += self._queue_digest(sub, last.get(sub.chat_id), now, cache)
            except Exception as exc:
                if store_fault(exc) is not None:
                    # Every other chat would wait busy_timeout and fail the same way.
                    raise
                log.exception("digest chat=%d status=failed", sub.chat_id)
        return queued

    def digest(
        self, since: datetime, until: datetime, watchlists: Sequence[str] | None = None
    ) -> Digest:
        return build_digest(
            self.store.articles_seen_between(since, until),
            since=since,
            until=until,
            feeds=self.store.feed_states(self.config.feeds.urls),
            watchlists=watchlists,
        )

    # -- health ---------------------------------------------------------------------

    def feed_alarm_tick(self, now: datetime) -> int:
        """Tell the admins, once each, of a feed failing longer than the configured time
        and of its recovery; returns how many messages were queued."""
        cfg = self.config
        if not cfg.telegram.admins:
            # Nobody to tell: leave the failure untold, so that an admin added while
            # it lasts still hears of it (and of its end).
            return 0
        queued = 0
        states = self.store.feed_states(cfg.feeds.urls)
        for alarm in feed_alarms(states, now, cfg.feeds.alert_admins_after):
            url, since = alarm.feed.url, alarm.failing_since
            with self.store.transaction():
                messages = feed_alarm_messages(alarm, cfg.telegram.admins, now)
                queued += self.store.outbox.enqueue(messages, now)
                self.store.set_down_notice(url, since if alarm.kind == "down" else None)
            level = logging.WARNING if alarm.kind == "down" else logging.INFO
            log.log(
                level,
                "feed=%s status=admins_told_%s failing_since=%s",
                url,
                alarm.kind,
                since.isoformat(),
            )
        return queued

    def status_report(self, now: datetime) -> StatusReport:
        store = self.store
        outbox = store.outbox.counts()
        subscribers = store.chats.counts()
        digests, latest_digest = store.chats.digests_since(now - timedelta(days=1))
        return StatusReport(
            version=__version__,
            now=now,
            feeds=store.feed_states(self.config.feeds.urls),
            outbox=OutboxHealth(
                pending=outbox["pending"],
                oldest_pending_at=store.outbox.oldest_pending_at(),
                failed=outbox["failed"],
                sent_last_day=store.outbox.sent_since(now - timedelta(days=1)),
            ),
            subscribers=SubscriberCounts(
                active=subscribers["active"],
                active_groups=subscribers["active_groups"],
                total=subscribers["total"],
            ),
            digests=DigestActivity(last_day=digests, latest_at=latest_digest),
            jobs=store.job_runs(),
            watchlists=len(self.watchlists),
            watchlist_errors=list(self.watchlist_errors),
            stale_after=self.config.feeds.stale_after,
            alert_admins_after=self.config.feeds.alert_admins_after,
            running_within=JOB_SILENCE,
        )

    def housekeeping(self, now: datetime) -> int:
        """Drop the text of messages delivered long ago; returns how many."""
        with self.store.transaction():
            dropped = self.store.outbox.drop_old_texts(now - KEEP_SENT_TEXT)
        if dropped:
            log.info("outbox status=old_texts_dropped count=%d", dropped)
        return dropped

    def reload_watchlists(self, now: datetime) -> list[WatchlistChange]:
        """Pick up edited watchlist files: the running bot calls this every minute, and
        once at start for edits made while it was stopped.

        A broken edit is reported and the last good version stays in force.
        """
        changes = self.refresh_watchlists(now)
        self.apply_watchlist_edits(now)
        return changes

    def _queue_digest(
        self,
        sub: Subscriber,
        previous: DigestRecord | None,
        now: datetime,
        cache: _TickCache,
    ) -> int:
        """Queue this chat's digest if one is due; returns the messages queued."""
        queued = 0
        tz = zone(sub.timezone)
        due = due_digest(
            now=now,
            at=parse_time_of_day(sub.digest_time),
            tz=tz,
            last_date=previous.local_date if previous else None,
            last_until=previous.until if previous else None,
            subscribed_at=sub.created_at or now,
        )
        if due is None:
            return 0
        window = (due.since, due.until)
        if window not in cache.seen:
            # Subscribers at the same time share a window: read the articles once.
            cache.seen[window] = self.store.articles_seen_between(*window)
        # ... and most share their lists and zone too: build and render each digest once.
        shape = (window, sub.watchlists, tz.key)
        if shape not in cache.rendered:
            digest = build_digest(
                cache.seen[window],
                since=due.since,
                until=due.until,
                feeds=cache.feeds,
                watchlists=sub.watchlists,
            )
            texts = digest_texts(
                digest,
                now=now,
                tz=tz,
                stale_after=self.stale_after,
                empty=self.config.digest.empty,
            )
            cache.rendered[shape] = (len(digest.entries), texts)
        articles, texts = cache.rendered[shape]
        messages = digest_messages(
            texts, chat_id=sub.chat_id, key=digest_key(sub.chat_id, due.local_date)
        )
        record = DigestRecord(
            chat_id=sub.chat_id,
            local_date=due.local_date,
            since=due.since,
            until=due.until,
            articles=articles,
            parts=len(messages),
            created_at=now,
        )
        # The day's record and its messages land together: a crash between them can
        # neither lose the digest nor make it twice.
        with self.store.transaction():
            if self.store.chats.record_digest(record):
                queued = self.store.outbox.enqueue(messages, now)
        log.info(
            "digest chat=%d date=%s articles=%d parts=%d",
            sub.chat_id,
            due.local_date,
            articles,
            len(messages),
        )
        return queued

    def refresh_watchlists(self, now: datetime) -> list[WatchlistChange]:
        """Bring the registry in step with the files, without acting on the changes.

        A file that fails to load is logged and told to the admins in Telegram, once
        per broken content; the last good version stays in force. Whoever refreshes
        must come through here: the registry reports a broken content only once.
        """
        changes = self.registry.refresh()
        _log_invalid(changes)
        held, self.unreported = self.unreported, []
        admins = self.config.telegram.admins
        for change in [*held, *changes]:
            if change.kind == "invalid" and admins:
                messages = invalid_file_messages(change, _content_key(change), admins, now)
                self.store.outbox.enqueue(messages, now)
        return changes

    def apply_watchlist_edits(
        self,
        now: datetime,
        *,
        actor: str = "file",
        edit: tuple[str, str, str] | None = None,
    ) -> list[str]:
        """Compare the lists in force with those the store last matched with; audit the
        differences and match recent articles again against the changed lists.

        The store remembers, so an edit is acted on once whoever notices it first: the
        CLI that made it, the running bot a minute later, or the bot at its next start.
        ``edit`` (watchlist, action, detail) says what the caller did to which list, for
        the audit; other differences are recorded as plain added/changed/removed.
        """

        def audit(name: str, default: str) -> None:
            verb, detail = default, ""
            if edit is not None and edit[0] == name:
                verb, detail = edit[1], edit[2]
            log.info("watchlist=%r status=%s actor=%s", name, verb, actor)
            self.store.record_audit(AuditEntry(now, actor, name, verb, detail))

        current = {w.name: fingerprint(w) for w in self.watchlists}
        known = self.store.watchlist_fingerprints()
        changed = sorted(name for name, fp in current.items() if known.get(name) != fp)
        removed = sorted(set(known) - set(current))
        if removed and self.registry.errors:
            # A file that does not load may be one of these lists, broken rather than gone
            # (after a restart there is no last good version of it in force): remember
            # them, and decide once every file loads, before anyone is told or dropped.
            current |= {name: known[name] for name in removed}
            removed = []
        renamed = self._renamed(removed)
        for name in changed:
            audit(name, "added" if name not in known else "changed")
        for name in removed:
            audit(name, "renamed" if name in renamed else "removed")
        self._tell_followers(removed, renamed, now)
        for old, new in renamed.items():
            # The list's earlier matches carry over to its new name; otherwise matching
            # again would take every recent match for news and repeat it in the digest.
            self.store.rename_matches(old, new)
        if changed:
            self.rematch(set(changed), now)
        if changed or removed:
            self.store.save_watchlist_fingerprints(current, now)
        self._paths = {w.name: w.source for w in self.watchlists}
        return changed

    def _renamed(self, removed: Sequence[str]) -> dict[str, str]:
        """Removed lists whose file now holds a list by another name: old name -> new."""
        at = {w.source: w.name for w in self.watchlists}
        found: dict[str, str] = {}
        for old in removed:
            path = self._paths.get(old)
            if path is None:
                # Renamed while the bot was stopped: a file named after the list tells.
                try:
                    path = str(self.config.watchlists.dir / watchlist_file_name(old))
                except EditError:
                    continue
            if path in at:
                found[old] = at[path]
        return found

    def _tell_followers(
        self, removed: Sequence[str], renamed: dict[str, str], now: datetime
    ) -> None:
        """Chats that followed a removed list are told once and stop following it; those
        that followed a renamed one follow it under its new name, and are told so.

        A removed list's rows are dropped rather than kept: a chat left following only
        lists that are gone would get an empty digest every day.
        """
        chats = self.store.chats
        with self.store.transaction():
            for name in removed:
                new = renamed.get(name)
                for chat_id in chats.subscribers_of(name):
                    if new is not None:
                        chats.subscribe(chat_id, new, now)
                    chats.unsubscribe(chat_id, name)
                    sub = chats.get(chat_id)
                    if sub is None or not sub.active:
                        continue
                    if new is None:
                        message = removed_list_message(chat_id, name, now)
                    else:
                        message = renamed_list_message(chat_id, name, new, now)
                    self.store.outbox.enqueue([message], now)
                    log.info(
                        "chat=%d watchlist=%r status=told_%s",
                        chat_id,
                        name,
                        "removed" if new is None else "renamed",
                    )

    def rematch(self, names: set[str], now: datetime) -> RematchReport:
        lists = [w for w in self.watchlists if w.name in names]
        report = rematch_recent(
            self.store, lists, now=now, days=self.config.watchlists.rematch_days
        )
        log.info(
            "rematch watchlists=%r checked=%d newly=%d no_longer=%d",
            sorted(names),
            report.checked,
            len(report.newly_matched),
            len(report.no_longer_matched),
        )
        return report


@dataclass
class _TickCache:
    """What one digest tick reads and renders once for every chat that shares it."""

    feeds: list[FeedState]
    seen: dict[tuple[datetime, datetime], list[DigestEntry]] = field(default_factory=dict)
    rendered: dict[
        tuple[tuple[datetime, datetime], tuple[str, ...], str], tuple[int, list[str]]
    ] = field(default_factory=dict)


def build_service(config: Config) -> Service:
    registry = WatchlistRegistry(config.watchlists.dir)
    changes = registry.refresh()
    _log_invalid(changes)
    return Service(
        config=config,
        store=open_store(config.store.path),
        registry=registry,
        unreported=[c for c in changes if c.kind == "invalid"],
    )


def _log_invalid(changes: Sequence[WatchlistChange]) -> None:
    # A broken file is reported; the last good version and the other lists stay in force.
    for change in changes:
        if change.kind == "invalid":
            log.error("watchlist=%r status=invalid error=%r", change.name, change.error)


def _content_key(change: WatchlistChange) -> str:
    """Names a broken file's content: its path and bytes hashed (or, when it cannot be
    read, its error), so each broken version is reported once."""
    try:
        with Path(change.path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        data = change.error.encode("utf-8", "surrogatepass")
    key = hashlib.sha256(change.path.encode("utf-8", "surrogatepass") + b"\0" + data)
    return key.hexdigest()[:16]
