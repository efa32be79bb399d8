"""Command replies take their turn in the outbox's pacer (bot.telegram.limiter), so
replies and queued messages together keep to Telegram's limits; the outbox's own sends,
paced already, pass through untouched."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.delivery.pacing import PRIVATE_PER_SECOND, Pacer
from bot.telegram.limiter import OUTBOX, SharedPacer

GROUP, PERSON = -100123, 42


class FakeTime:
    """Monotonic time that a wait moves forward, instead of passing."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def request(limiter: SharedPacer, endpoint: str, chat: object, tag: str | None) -> Any:
    async def callback(*args: object, **kwargs: object) -> dict[str, Any]:
        return {"ok": True, "args": args, "kwargs": kwargs}

    return asyncio.run(
        limiter.process_request(callback, (1,), {"x": 2}, endpoint, {"chat_id": chat}, tag)
    )


def test_replies_use_up_a_group_burst_so_its_next_queued_alert_waits_its_turn() -> None:
    pacer, time = Pacer(), FakeTime()
    limiter = SharedPacer(pacer, monotonic=time, sleep=time.sleep)
    assert pacer.chat_ready_at(GROUP, 100.0) == 100.0
    for _ in range(3):
        answer = request(limiter, "sendMessage", GROUP, None)
        assert answer == {"ok": True, "args": (1,), "kwargs": {"x": 2}}
    # 3 went at once (Telegram's pace overall aside): the group's burst.
    assert time.now < 100.1
    # 16 a minute after a burst of 3: the outbox's next message to the group waits.
    assert pacer.chat_ready_at(GROUP, time.now) > time.now + 3.0


def test_a_burst_of_replies_waits_its_turns_and_the_queued_alerts_wait_behind_it() -> None:
    pacer, time = Pacer(), FakeTime()
    limiter = SharedPacer(pacer, monotonic=time, sleep=time.sleep)
    for _ in range(13):  # someone hammering the bot
        request(limiter, "sendMessage", PERSON, None)
    # A burst of 3, then the chat's pace: Telegram never sees them faster.
    assert time.now == pytest.approx(100.0 + 10 / PRIVATE_PER_SECOND, abs=0.01)
    # The outbox's next message to the chat waits its turn behind them.
    assert pacer.chat_ready_at(PERSON, time.now) == pytest.approx(time.now + 1 / PRIVATE_PER_SECOND)


def test_the_outboxs_own_sends_and_other_methods_leave_the_pacer_alone() -> None:
    pacer = Pacer()
    limiter = SharedPacer(pacer, monotonic=lambda: 100.0)
    for _ in range(5):
        request(limiter, "sendMessage", PERSON, OUTBOX)
        request(limiter, "answerCallbackQuery", PERSON, None)
        request(limiter, "sendMessage", "@somechannel", None)
    assert pacer.chat_ready_at(PERSON, 100.0) == 100.0
    assert pacer.global_ready_at(100.0) == 100.0
