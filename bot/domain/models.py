"""Plain data passed between the pure core and the I/O shell.

Everything here is immutable and free of behaviour that touches the network, disk or
clock, so that the core can be tested with literals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class Article:
    """One article as read from a feed.

    ``id`` is stable across polls: the feed's guid, else the canonical link, else a hash
    of the content. ``content_hash`` changes when the article's text changes, which is
    how an edit is told apart from a new article.
    """

    id: str
    feed_url: str
    link: str
    title: str
    author: str
    section: str
    published: datetime | None
    summary: str
    html: str
    text: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a watchlist looks for.

    ``exact`` terms match only as written, as whole words, never with typos. A term written
    in capitals of up to six letters (TAP, TITR) is an acronym, exact whatever ``exact``
    says. ``case_sensitive`` is None when the list does not say: acronyms are then
    case-sensitive and everything else is not (``bot.domain.term_kinds`` decides).
    """

    text: str
    exact: bool = False
    case_sensitive: bool | None = None


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str
    terms: tuple[Term, ...]
    exclude: tuple[str, ...] = ()
    description: str = ""
    threshold: int = 88
    source: str = ""
    # The "possibly about" tier (``bot/domain/aboutness.py``): sentences describing the
    # subject and the neighbouring subjects it must not be taken for, and the list's
    # calibrated scores (None: not calibrated, the tier's defaults apply).
    about: tuple[str, ...] = ()
    not_about: tuple[str, ...] = ()
    about_close: float | None = None
    about_very_close: float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """Why an article matched a watchlist.

    ``matched_text`` is the text as the article wrote it (after HTML was rendered to
    text). ``snippet`` is plain text around the match; ``snippet[mark_start:mark_end]``
    is the matched part, so each renderer can mark it in its own way.
    """

    watchlist: str
    term: str
    matched_text: str
    score: float
    field: str
    snippet: str
    mark_start: int
    mark_end: int


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the bot remembers about one feed between polls.

    ``url`` is the configured address and the key; ``effective_url`` is where a
    permanent redirect sent us, used for the next requests.
    """

    url: str
    effective_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    next_poll_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    newest_item_at: datetime | None = None
    title: str = ""
    initialised: bool = False
    # When the current run of failures began; None while the feed works.
    failing_since: datetime | None = None
    # The failing_since of the failure admins were told about, until told of the recovery.
    down_notice_for: datetime | None = None


@dataclass(frozen=True, slots=True)
class JobRun:
    """When one of the running bot's periodic jobs last finished, and whether it failed."""

    job: str
    finished_at: datetime
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """An article as the digest shows it: once, with every watchlist it matched."""

    article: Article
    first_seen_at: datetime
    updated: bool
    matches: tuple[Match, ...] = field(default_factory=tuple)
    # In the window only because a changed watchlist now matches it.
    rematched: bool = False

    @property
    def watchlists(self) -> tuple[str, ...]:
        return tuple(sorted({m.watchlist for m in self.matches}))


@dataclass(frozen=True, slots=True)
class Alert:
    """A matching article worth telling instant subscribers about now."""

    article: Article
    matches: tuple[Match, ...]
    updated: bool = False

    @property
    def watchlists(self) -> tuple[str, ...]:
        return tuple(sorted({m.watchlist for m in self.matches}))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    watchlist: str
    action: str
    detail: str = ""


Mode = Literal["instant", "daily", "both", "off"]
MODES: tuple[Mode, ...] = ("instant", "daily", "both", "off")


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A Telegram chat using the bot: a person (private chat) or a group."""

    chat_id: int
    kind: str
    timezone: str
    digest_time: str
    mode: Mode = "both"
    title: str = ""
    active: bool = True
    inactive_reason: str = ""
    created_at: datetime | None = None
    watchlists: tuple[str, ...] = ()
    # The followed lists whose "possibly about" articles the chat wants as instant alerts
    # too (off by default: they are otherwise in the digest only).
    about_alerts: tuple[str, ...] = ()
    # (watchlist, muted until) for each subscription muted at some time; whether a mute
    # is still on at a given moment is `bot.domain.mute`'s to say.
    muted: tuple[tuple[str, datetime], ...] = ()
    # (watchlist, mode) for each followed list with a mode of its own; the others go by
    # the chat's `mode`.
    list_modes: tuple[tuple[str, Mode], ...] = ()
    # Which local days the digest comes on: "daily", "weekdays", or one day ("mon" ...
    # "sun") for a weekly digest; read by `bot.domain.schedule.cadence_days`.
    digest_days: str = "daily"
    # "HH:MM-HH:MM" local: instant alerts held in that span (`bot.domain.quiet`); "" none.
    quiet_hours: str = ""
    # The end of the last span of held alerts sent (or folded into a digest).
    quiet_released_until: datetime | None = None
    # In "both": the digest leaves out what already came as an instant alert.
    digest_skips_alerted: bool = False

    def mode_of(self, watchlist: str) -> Mode:
        """The mode a followed list goes by: its own, else the chat's; a chat paused
        ("off") pauses every list."""
        if self.mode == "off":
            return "off"
        return next((m for name, m in self.list_modes if name == watchlist), self.mode)

    def _modes(self) -> set[Mode] | tuple[Mode]:
        if not self.list_modes or self.mode == "off":
            return (self.mode,)  # most chats: asked for every alert and digest
        return {self.mode_of(name) for name in self.watchlists} or {self.mode}

    @property
    def wants_alerts(self) -> bool:
        return self.active and any(m in ("instant", "both") for m in self._modes())

    @property
    def wants_digest(self) -> bool:
        return self.active and any(m in ("daily", "both") for m in self._modes())

    @property
    def is_group(self) -> bool:
        return self.kind != "private"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message about to enter the outbox; ``dedup_key`` makes enqueueing idempotent."""

    dedup_key: str
    chat_id: int
    kind: str
    text: str
    parse_mode: str = "HTML"
    # The inline keyboard as JSON (``bot.messages.alert_keyboard``), or "" for none.
    reply_markup: str = ""
    # The forum topic it goes to (``message_thread_id``), None for the chat itself.
    thread_id: int | None = None
    # The subscriber it was made for when a route sends it to another chat (a channel),
    # the chat it falls back to should that one be lost; None when ``chat_id`` is it.
    origin_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    dedup_key: str
    chat_id: int
    kind: str
    text: str
    parse_mode: str
    attempts: int
    created_at: datetime
    reply_markup: str = ""
    thread_id: int | None = None
    origin_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A digest that was made: the next one for the chat starts at ``until``."""

    chat_id: int
    local_date: date
    since: datetime
    until: datetime
    articles: int
    parts: int
    created_at: datetime


def watchlist_key(name: str) -> str:
    """A short, stable key for a list's name: what a button carries (Telegram allows 64
    bytes of callback data, and a name may be longer)."""
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def article_key(article_id: str) -> str:
    """A short, stable key for an article: what an alert's buttons carry (its id is a
    guid or a link, often longer than Telegram's 64 bytes of callback data)."""
    return hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:12]
