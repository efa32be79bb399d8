"""When may the next message go: token buckets for Telegram's limits, and retry backoff.

``Pacer`` keeps one bucket overall and one per chat (private chats and groups have
different limits), the holds a 429 puts on a chat, and the pause a bot-wide 429 puts on
everything. ``transient_backoff`` is the wait after network or 5xx errors in a row.
Monotonic seconds throughout; no I/O.

Overall, messages may go a few at once (``GLOBAL_BURST``, one today), each burst a window after the
one before, and the window counts from when a send really started (``started``).

Two callers share one pacer: the outbox drain, which sends only when a message may go
(``took``), and command replies, which book the next free moment (``reserve``) and
wait for it. A 429 for one chat holds that chat. A 429 the chat's own pace cannot explain
(the message was not part of a burst, and the chat was not refused lately) hints at the
bot's limit; two such, for different chats, with nothing accepted in between, mean the
limit is the bot's, not the chats' (Telegram then refuses every message until
``retry_after`` has passed): everything pauses, and sending resumes slower, at the pace
Telegram last accepted, for a while.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field

# Telegram allows about 30 messages a second overall; stay a little under it, so that
# any 31 messages in a row span over 1.04 s: with several in flight they reach Telegram
# up to some tens of milliseconds out of step (network, its servers, our event loop),
# and that must never add up to a 429.
GLOBAL_PER_SECOND = 28.8
# About one message a second per private chat, with short bursts (a 3-part digest); a
# little under one a second, for the same reason as above.
PRIVATE_BURST, PRIVATE_PER_SECOND = 3.0, 0.9
# 20 messages a minute per group: a burst of 3 plus 16 a minute never exceeds 19 in any
# 60-second window (one spare for jitter between our clock and Telegram's).
GROUP_BURST, GROUP_PER_SECOND = 3.0, 16.0 / 60.0

# Up to this many messages may go at once, then the next waits: any GLOBAL_BURST + 1 in a
# row span at least GLOBAL_BURST / rate seconds. A burst must divide 30, so that any 31 in
# a row still span 30 / rate. Bursts of 3 cost about a fifth less CPU a message (sends
# built back to back while the interpreter is warm, bench/bench_fanout.py), but put three
# in flight at once even when Telegram answers at once, so a crash can repeat three
# messages (tests/runtime/test_run_command.py proves at most one): one at a time, until
# that trade is decided. After a bot-wide 429 the pace is one at a time whatever this is.
GLOBAL_BURST = 1

# A send the event loop made a little after its turn counts as made at its turn, up to
# this many seconds late: otherwise each late wake-up (a millisecond or two on a busy
# machine) would push every later turn back, several per cent of the rate over a long
# fan-out. Any 31 messages in a row still span 30/28.8 s less this.
LATE_SLACK = 0.003

# After a bot-wide 429: the overall pace is this share of what Telegram accepted in the
# second before it, never below BOT_WIDE_MIN_RATE a second; it holds for
# BOT_WIDE_SLOW_SECONDS after the pause, then climbs back over BOT_WIDE_RAMP_SECONDS.
BOT_WIDE_SHARE = 0.9
BOT_WIDE_MIN_RATE = 1.0
BOT_WIDE_SLOW_SECONDS = 300.0
BOT_WIDE_RAMP_SECONDS = 300.0
# A chat refused this recently (seconds) is one Telegram limits on its own: its next 429
# says nothing about the bot's limit.
REFUSED_LATELY = 60.0


@dataclass(slots=True)
class TokenBucket:
    """A token bucket that may also book a moment ahead: ``take(at)`` with ``at`` in the
    future uses the token it will have then, and ``ready_at`` counts it as spent."""

    capacity: float
    rate: float
    tokens: float = field(init=False)
    stamp: float | None = None

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def ready_at(self, now: float) -> float:
        level = self._level(now)
        return now if level >= 1.0 else now + (1.0 - level) / self.rate

    def take(self, now: float) -> None:
        self.tokens = self._level(now) - 1.0
        self.stamp = now

    def no_burst_from(self, at: float) -> None:
        """From ``at`` on, one token at a time: what was left of the burst is gone."""
        self.tokens = min(1.0, self._level(at))
        self.stamp = at

    def _level(self, now: float) -> float:
        if self.stamp is None:
            return self.tokens
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)


@dataclass(slots=True)
class Spacing:
    """At most ``burst`` messages in any ``burst / rate`` seconds: with ``burst`` 1, any
    two at least 1/rate apart.

    Like a token bucket, but a message booked ahead (a reply waiting out its chat's 429)
    takes only its own moment's share, not every moment until it.
    """

    rate: float
    burst: int = 1
    _booked: list[float] = field(default_factory=list)  # sorted

    def ready_at(self, now: float, earliest: float = 0.0) -> float:
        """The first free moment at or after ``now`` (and ``earliest``)."""
        window = self.burst / self.rate
        booked = self._booked
        while booked and booked[0] <= now - window:
            booked.pop(0)
        at = max(now, earliest)
        # The first free moment is ``at`` or the end of some booked moment's window.
        for candidate in [at, *(b + window for b in booked if b + window > at)]:
            if self._fits(candidate, window):
                return candidate
        raise AssertionError("the moment after every window is always free")

    def take(self, at: float) -> None:
        bisect.insort(self._booked, at)

    def moved(self, booked: float, at: float) -> None:
        """A message booked for ``booked`` went at ``at`` instead."""
        i = bisect.bisect_left(self._booked, booked)
        if i < len(self._booked) and self._booked[i] == booked:
            del self._booked[i]
        bisect.insort(self._booked, at)

    def _fits(self, at: float, window: float) -> bool:
        """No ``burst + 1`` messages in a row, ``at`` among them, within ``window``."""
        n, booked = self.burst, self._booked
        i = bisect.bisect_right(booked, at)
        row = [*booked[max(0, i - n) : i], at, *booked[i : i + n]]
        mine = min(i, n)
        return all(
            row[first + n] - row[first] >= window - 1e-9
            for first in range(max(0, mine - n), mine + 1)
            if first + n < len(row)
        )


@dataclass(frozen=True, slots=True)
class Throttle:
    """What a 429 did: held its chat only, or paused everything (``bot_wide``)."""

    bot_wide: bool
    until: float  # when the chat (or, bot-wide, everything) may send again
    rate: float  # the overall pace afterwards, messages a second
    new_episode: bool = False  # this 429 started a bot-wide pause (it was not one yet)


@dataclass
class Pacer:
    """When may the next message go, overall and to one chat (monotonic seconds)."""

    global_per_second: float = GLOBAL_PER_SECOND
    global_burst: int = GLOBAL_BURST
    # Per chat: a burst, then so many a second (Telegram's, unless a test lifts them).
    private_pace: tuple[float, float] = (PRIVATE_BURST, PRIVATE_PER_SECOND)
    group_pace: tuple[float, float] = (GROUP_BURST, GROUP_PER_SECOND)
    _global: Spacing = field(init=False)
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _holds: dict[int, float] = field(default_factory=dict)
    # Everything waits until then: Telegram said 429 for the bot as a whole.
    paused_until: float = 0.0
    # (chat, when sent (else when refused), until when) of the 429s since the last
    # accepted message that hint at the bot's limit
    _refused: list[tuple[int, float, float]] = field(default_factory=list)
    # When the latest message Telegram accepted was sent (as the outbox tells it).
    _accepted_sent_at: float = -math.inf
    # Per chat: when it was last refused, and whether its last message was a burst.
    _refused_at: dict[int, float] = field(default_factory=dict)
    _last_send: dict[int, tuple[float, bool]] = field(default_factory=dict)
    # When messages were accepted, over the last seconds (the pace Telegram took).
    _accepted: deque[float] = field(default_factory=deque)
    # After a bot-wide 429: the pace, and until when it holds before climbing back.
    _slow_rate: float | None = None
    _slow_until: float = 0.0
    bot_wide_episodes: int = 0

    def __post_init__(self) -> None:
        self._global = Spacing(self.global_per_second, self.global_burst)

    # -- when may a message go

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        hold = max(self.paused_until, self._holds.get(chat_id, 0.0))
        return max(hold, self._bucket(chat_id).ready_at(now))

    def global_ready_at(self, now: float) -> float:
        self._tune(now)
        return self._global.ready_at(now, self.paused_until)

    def held_until(self, chat_id: int) -> float:
        """The later of the chat's own hold and the bot-wide pause."""
        return max(self.paused_until, self._holds.get(chat_id, 0.0))

    def global_rate(self, now: float) -> float:
        self._tune(now)
        return self._global.rate

    # -- a message goes

    def took(self, chat_id: int, now: float, *, turn: float | None = None) -> float:
        """The outbox sends to this chat now (it asked ``chat_ready_at`` first), at the
        ``turn`` ``global_ready_at`` gave it if it is at most ``LATE_SLACK`` late.
        Returns the moment booked, for ``started``."""
        self._tune(now)
        on_time = turn is not None and 0.0 <= now - turn <= LATE_SLACK
        booked = turn if on_time and turn is not None else now
        self._global.take(booked)
        self._take(chat_id, now)
        return booked

    def started(self, booked: float, at: float) -> None:
        """The send booked for ``booked`` started only at ``at``: later turns are counted
        from when it went. Sends reach Telegram when they start, not when they were
        booked; a busy event loop can start one tens of milliseconds late, and the next
        thirty, on time, would then reach Telegram within its second."""
        if at - booked > LATE_SLACK:
            self._global.moved(booked, at)

    def reserve(self, chat_id: int, now: float) -> float:
        """Book the next moment a message to this chat may go, and return it.

        A command reply takes its turn this way, behind the messages already booked:
        it waits rather than spend another chat's share or go past Telegram's limits.
        """
        self._tune(now)
        at = self._global.ready_at(now, max(self.paused_until, self.chat_ready_at(chat_id, now)))
        self._global.take(at)
        self._take(chat_id, at)
        return at

    # -- what Telegram answered

    def answered(self, now: float, *, sent_at: float | None = None) -> None:
        """Telegram accepted a message (sent at ``sent_at``, if known): whatever limit it
        hit before that message was sent is not the bot's. A refusal that came after it
        was sent stays: with several messages in flight, an answer can arrive after a
        later message's 429, and proves nothing about the limit then."""
        if sent_at is None:
            self._refused.clear()
        else:
            # Sent no later than this one: Telegram was not refusing everyone then.
            self._refused = [r for r in self._refused if r[1] > sent_at]
            self._accepted_sent_at = max(self._accepted_sent_at, sent_at)
        self._accepted.append(now)
        while self._accepted and self._accepted[0] < now - 1.0:
            self._accepted.popleft()

    def hold(self, chat_id: int, until: float) -> None:
        """This chat waits until then; the others go on."""
        self._holds[chat_id] = max(until, self._holds.get(chat_id, 0.0))

    def throttled(
        self, chat_id: int, retry_after: float, now: float, *, sent_at: float | None = None
    ) -> Throttle:
        """Telegram said 429 with ``retry_after`` for a message to this chat.

        The chat waits it out, and resumes one message at a time (no burst). If another
        chat was refused since the last accepted message, and neither refusal is
        explained by its chat's own pace, the limit is the bot's: everything pauses
        until the later of the waits, and resumes at the pace Telegram accepted in the
        second before. A message sent at ``sent_at`` (if known) no later than one
        Telegram accepted (several go at once) was refused by its chat's own limit.
        """
        until = now + retry_after
        self.hold(chat_id, until)
        self._bucket(chat_id).no_burst_from(until)
        _, burst = self._last_send.get(chat_id, (0.0, False))
        explained = (
            burst
            or now - self._refused_at.get(chat_id, -math.inf) < REFUSED_LATELY
            or (sent_at is not None and sent_at <= self._accepted_sent_at)
        )
        self._refused_at[chat_id] = now
        if explained:
            return Throttle(False, until, self.global_rate(now))
        self._refused = [r for r in self._refused if r[2] > now]
        others = [u for c, _, u in self._refused if c != chat_id]
        self._refused.append((chat_id, now if sent_at is None else sent_at, until))
        if not others and self.paused_until <= now:
            return Throttle(False, until, self.global_rate(now))
        new_episode = self.paused_until <= now
        self.paused_until = max(self.paused_until, until, *others)
        if new_episode:
            self.bot_wide_episodes += 1
            self._slow_down(now)
        return Throttle(True, self.paused_until, self._global.rate, new_episode)

    # -- internals

    def _slow_down(self, now: float) -> None:
        accepted = sum(1 for at in self._accepted if at >= now - 1.0)
        current = self.global_rate(now)
        # Too fast for the bot's limit just now: take the pace it did accept. Refused
        # straight away (nothing accepted): the pause is the cure, not the pace.
        rate = BOT_WIDE_SHARE * min(float(accepted), current) if accepted else current
        self._slow_rate = max(BOT_WIDE_MIN_RATE, min(rate, self.global_per_second))
        self._slow_until = self.paused_until + BOT_WIDE_SLOW_SECONDS
        self._global.rate = self._slow_rate
        self._global.burst = 1

    def _tune(self, now: float) -> None:
        """The overall pace: slow after a bot-wide 429, then back to normal gradually."""
        slow = self._slow_rate
        if slow is None:
            return
        if now < self._slow_until:
            rate = slow
        else:
            climbed = (now - self._slow_until) / BOT_WIDE_RAMP_SECONDS
            if climbed >= 1.0:
                self._slow_rate = None
                self._global.burst = self.global_burst
                rate = self.global_per_second
            else:
                rate = slow + (self.global_per_second - slow) * climbed
        self._global.rate = rate

    def _take(self, chat_id: int, at: float) -> None:
        """A message to the chat goes at ``at``; it is a burst if it follows the one
        before faster than the chat's own pace."""
        bucket = self._bucket(chat_id)
        before, _ = self._last_send.get(chat_id, (-math.inf, False))
        self._last_send[chat_id] = (at, at - before < 1.0 / bucket.rate)
        bucket.take(at)

    def _bucket(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            # Group and channel ids are negative in the Bot API.
            burst, rate = self.group_pace if chat_id < 0 else self.private_pace
            bucket = TokenBucket(burst, rate)
            self._chats[chat_id] = bucket
        return bucket


def transient_backoff(failures: int, *, cap: float = 60.0) -> float:
    """Seconds to wait after ``failures`` network or 5xx errors in a row: 1, 2, 4 … cap."""
    return float(min(cap, 2 ** min(max(0, failures - 1), 30)))
