"""Command replies use up their chat's burst in the outbox's pacer (bot.telegram.limiter),
so replies and queued messages together keep to Telegram's limits; the outbox's own
sends, paced already, pass through untouched."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.delivery.pacing import Pacer
from bot.telegram.limiter import OUTBOX, SharedPacer

GROUP, PERSON = -100123, 42


def request(limiter: SharedPacer, endpoint: str, chat: object, tag: str | None) -> Any:
    async def callback(*args: object, **kwargs: object) -> dict[str, Any]:
        return {"ok": True, "args": args, "kwargs": kwargs}

    return asyncio.run(
        limiter.process_request(callback, (1,), {"x": 2}, endpoint, {"chat_id": chat}, tag)
    )


def test_replies_use_up_a_group_burst_so_its_next_queued_alert_waits_its_turn() -> None:
    pacer = Pacer()
    limiter = SharedPacer(pacer, monotonic=lambda: 100.0)
    assert pacer.chat_ready_at(GROUP, 100.0) == 100.0
    for _ in range(3):
        answer = request(limiter, "sendMessage", GROUP, None)
        assert answer == {"ok": True, "args": (1,), "kwargs": {"x": 2}}
    # 17 a minute after a burst of 3: the outbox's next message to the group waits.
    assert pacer.chat_ready_at(GROUP, 100.0) > 103.0


def test_a_burst_of_replies_never_puts_a_chat_into_debt() -> None:
    pacer = Pacer()
    limiter = SharedPacer(pacer, monotonic=lambda: 100.0)
    for _ in range(50):  # someone hammering the bot
        request(limiter, "sendMessage", PERSON, None)
    # As if the bucket were merely empty: one token's wait (1 s in a private chat).
    assert pacer.chat_ready_at(PERSON, 100.0) == 101.0


def test_the_outboxs_own_sends_and_other_methods_leave_the_pacer_alone() -> None:
    pacer = Pacer()
    limiter = SharedPacer(pacer, monotonic=lambda: 100.0)
    for _ in range(5):
        request(limiter, "sendMessage", PERSON, OUTBOX)
        request(limiter, "answerCallbackQuery", PERSON, None)
        request(limiter, "sendMessage", "@somechannel", None)
    assert pacer.chat_ready_at(PERSON, 100.0) == 100.0
    assert pacer.global_ready_at(100.0) == 100.0
