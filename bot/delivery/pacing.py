"""When may the next message go: token buckets for Telegram's limits, and retry backoff.

``Pacer`` keeps one bucket overall and one per chat (private chats and groups have
different limits), plus the holds a 429 puts on a chat. ``transient_backoff`` is the
wait after network or 5xx errors in a row. Monotonic seconds throughout; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Telegram allows about 30 messages a second overall; stay just under it, so that
# clock jitter between us and the server never adds up to a 429.
GLOBAL_PER_SECOND = 29.0
# About one message a second per private chat, with short bursts (a 3-part digest).
PRIVATE_BURST, PRIVATE_PER_SECOND = 3.0, 1.0
# 20 messages a minute per group: a burst of 3 plus 17 a minute never exceeds 20 in
# any 60-second window.
GROUP_BURST, GROUP_PER_SECOND = 3.0, 17.0 / 60.0


@dataclass(slots=True)
class TokenBucket:
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

    def spend(self, now: float) -> None:
        """Use up a token if there is one, never going into debt."""
        self.tokens = max(0.0, self._level(now) - 1.0)
        self.stamp = now

    def _level(self, now: float) -> float:
        if self.stamp is None:
            return self.tokens
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)


@dataclass
class Pacer:
    """When may the next message go, overall and to one chat (monotonic seconds)."""

    global_per_second: float = GLOBAL_PER_SECOND
    _global: TokenBucket = field(init=False)
    _chats: dict[int, TokenBucket] = field(default_factory=dict)
    _holds: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._global = TokenBucket(1.0, self.global_per_second)

    def chat_ready_at(self, chat_id: int, now: float) -> float:
        hold = self._holds.get(chat_id, 0.0)
        return max(hold, self._bucket(chat_id).ready_at(now))

    def global_ready_at(self, now: float) -> float:
        return self._global.ready_at(now)

    def took(self, chat_id: int, now: float) -> None:
        self._global.take(now)
        self._bucket(chat_id).take(now)

    def spent(self, chat_id: int, now: float) -> None:
        """A message we did not pace (a command reply) went to this chat: what is left
        of its burst is used up, so the next queued message waits its turn. Replies
        never put a chat into debt: a burst of them must not hold its alerts for minutes.
        """
        self._global.spend(now)
        self._bucket(chat_id).spend(now)

    def hold(self, chat_id: int, until: float) -> None:
        """Telegram said 429 for this chat: it waits, the others go on."""
        self._holds[chat_id] = max(until, self._holds.get(chat_id, 0.0))

    def _bucket(self, chat_id: int) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            # Group and channel ids are negative in the Bot API.
            if chat_id < 0:
                bucket = TokenBucket(GROUP_BURST, GROUP_PER_SECOND)
            else:
                bucket = TokenBucket(PRIVATE_BURST, PRIVATE_PER_SECOND)
            self._chats[chat_id] = bucket
        return bucket


def transient_backoff(failures: int, *, cap: float = 60.0) -> float:
    """Seconds to wait after ``failures`` network or 5xx errors in a row: 1, 2, 4 … cap."""
    return float(min(cap, 2 ** min(max(0, failures - 1), 30)))
