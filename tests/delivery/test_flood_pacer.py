"""The pacer tells a chat's flood limit from the bot's (pure arithmetic on given times).

A 429 for one chat holds that chat; 429s for two chats in a row, neither explained by
its chat's own pace, mean Telegram limits the bot as a whole: everything pauses until
the later retry_after, then goes on slower, at the pace Telegram last accepted.
"""

from __future__ import annotations

import pytest

from bot.delivery.pacing import (
    BOT_WIDE_RAMP_SECONDS,
    BOT_WIDE_SHARE,
    BOT_WIDE_SLOW_SECONDS,
    GLOBAL_PER_SECOND,
    PRIVATE_PER_SECOND,
    Pacer,
)

A, B, C = 101, 102, 103


def sent(pacer: Pacer, chat: int, at: float) -> None:
    """The outbox sends to ``chat`` at ``at`` and Telegram takes it."""
    assert pacer.chat_ready_at(chat, at) <= at
    pacer.took(chat, at)
    pacer.answered(at)


def test_a_429_for_one_chat_holds_only_that_chat() -> None:
    pacer = Pacer()
    sent(pacer, A, 10.0)
    pacer.took(B, 10.1)
    throttle = pacer.throttled(B, 7, 10.15)
    assert not throttle.bot_wide
    assert pacer.chat_ready_at(B, 11.0) == pytest.approx(17.15)
    assert pacer.chat_ready_at(C, 11.0) == 11.0
    assert pacer.global_ready_at(11.0) == 11.0


def test_two_chats_refused_in_a_row_pause_everyone_until_the_later_retry_after() -> None:
    pacer = Pacer()
    for i, chat in enumerate((1, 2, 3)):  # Telegram takes three in the last second
        sent(pacer, chat, 10.0 + i * 0.04)
    pacer.took(A, 10.12)
    assert not pacer.throttled(A, 7, 10.13).bot_wide  # could still be A's own limit
    pacer.took(B, 10.16)
    throttle = pacer.throttled(B, 7, 10.17)
    assert throttle.bot_wide and throttle.new_episode
    assert throttle.until == pytest.approx(17.17)
    for chat in (A, B, C, 4242, -100500):
        assert pacer.chat_ready_at(chat, 12.0) == pytest.approx(17.17)
    assert pacer.global_ready_at(12.0) == pytest.approx(17.17)
    # Afterwards at the pace Telegram accepted (three a second), a little under it.
    assert throttle.rate == pytest.approx(BOT_WIDE_SHARE * 3)
    assert pacer.global_rate(18.0) == pytest.approx(BOT_WIDE_SHARE * 3)


def test_a_message_accepted_between_two_429s_means_they_were_the_chats_own() -> None:
    pacer = Pacer()
    pacer.took(A, 10.0)
    pacer.throttled(A, 5, 10.01)
    sent(pacer, C, 10.05)
    pacer.took(B, 10.1)
    assert not pacer.throttled(B, 5, 10.11).bot_wide
    assert pacer.paused_until == 0.0
    assert pacer.chat_ready_at(C, 10.2) == 10.2


def test_an_answer_to_a_message_sent_before_a_429_does_not_hide_the_bot_s_limit() -> None:
    # Several in flight: the answer to a message sent at 10.08 arrives after A's 429.
    pacer = Pacer()
    for i, chat in enumerate((1, 2, 3)):
        sent(pacer, chat, 10.0 + i * 0.04)
    pacer.took(A, 10.12)
    assert not pacer.throttled(A, 7, 10.13).bot_wide
    pacer.answered(10.14, sent_at=10.08)
    pacer.took(B, 10.16)
    assert pacer.throttled(B, 7, 10.17).bot_wide


def test_an_answer_to_a_message_sent_after_a_429_means_it_was_the_chat_s_own() -> None:
    pacer = Pacer()
    for i, chat in enumerate((1, 2, 3)):
        sent(pacer, chat, 10.0 + i * 0.04)
    pacer.took(A, 10.12)
    assert not pacer.throttled(A, 7, 10.13).bot_wide
    pacer.answered(10.15, sent_at=10.14)
    pacer.took(B, 10.16)
    assert not pacer.throttled(B, 7, 10.17).bot_wide


def test_429s_a_chat_s_own_burst_or_earlier_refusal_explains_never_pause_everyone() -> None:
    pacer = Pacer()
    # A's second message within a second (its burst): a strict chat limit refuses it.
    sent(pacer, A, 10.0)
    pacer.took(A, 10.05)
    assert not pacer.throttled(A, 1, 10.06).bot_wide
    sent(pacer, B, 10.1)
    pacer.took(B, 10.15)
    assert not pacer.throttled(B, 1, 10.16).bot_wide
    assert pacer.paused_until == 0.0
    # C was refused a moment ago: refused again after its wait, it is C's limit again.
    pacer.took(C, 10.2)
    pacer.throttled(C, 2, 10.21)
    sent(pacer, 7, 10.3)
    pacer.took(C, 12.3)
    pacer.took(8, 12.35)
    assert not pacer.throttled(C, 2, 12.31).bot_wide
    assert not pacer.throttled(8, 2, 12.36).bot_wide


def test_after_a_429_a_chat_resumes_one_message_at_a_time_without_its_burst() -> None:
    pacer = Pacer()
    pacer.took(A, 10.0)
    pacer.throttled(A, 2, 10.01)
    assert pacer.chat_ready_at(A, 10.5) == pytest.approx(12.01)
    pacer.took(A, 12.01)
    # A burst of three would follow at once; after a 429 the chat's pace starts over.
    assert pacer.chat_ready_at(A, 12.01) == pytest.approx(12.01 + 1 / PRIVATE_PER_SECOND)


def test_the_slow_pace_holds_for_a_while_then_climbs_back_to_normal() -> None:
    pacer = Pacer()
    for i in range(3):
        sent(pacer, i + 1, 10.0 + i * 0.04)
    pacer.took(A, 10.12)
    pacer.throttled(A, 7, 10.13)
    pacer.took(B, 10.14)
    until = pacer.throttled(B, 7, 10.15).until
    slow = BOT_WIDE_SHARE * 3
    assert pacer.global_rate(until + BOT_WIDE_SLOW_SECONDS - 1) == pytest.approx(slow)
    halfway = until + BOT_WIDE_SLOW_SECONDS + BOT_WIDE_RAMP_SECONDS / 2
    assert pacer.global_rate(halfway) == pytest.approx((slow + GLOBAL_PER_SECOND) / 2)
    back = until + BOT_WIDE_SLOW_SECONDS + BOT_WIDE_RAMP_SECONDS
    assert pacer.global_rate(back) == GLOBAL_PER_SECOND


def test_replies_book_turns_in_order_behind_a_pause() -> None:
    pacer = Pacer()
    pacer.took(A, 10.0)
    pacer.throttled(A, 4, 10.01)
    pacer.took(B, 10.02)
    pacer.throttled(B, 4, 10.03)
    rate = pacer.global_rate(10.03)
    # Replies asked for during the pause go after it, one global turn apart.
    turns = [pacer.reserve(C, 10.5) for _ in range(3)]
    assert turns[0] == pytest.approx(14.03)
    assert turns[1] == pytest.approx(14.03 + 1 / rate)
    assert turns[2] == pytest.approx(14.03 + 2 / rate)
    # The outbox's next message waits behind them.
    assert pacer.global_ready_at(10.5) == pytest.approx(14.03 + 3 / rate)
    # Booked past C's burst of three: a fourth reply waits for C's own pace.
    assert pacer.reserve(C, 10.5) >= 14.03 + 1 / PRIVATE_PER_SECOND - 1e-9


def test_a_reply_booked_behind_its_chat_s_429_does_not_hold_up_other_chats() -> None:
    pacer = Pacer()
    pacer.took(A, 10.0)
    pacer.throttled(A, 7, 10.01)
    # A reply to A books its turn after A's wait ...
    assert pacer.reserve(A, 10.02) == pytest.approx(17.01)
    # ... and the other chats go on meanwhile, at Telegram's usual pace.
    assert pacer.global_ready_at(10.05) == 10.05
    pacer.took(B, 10.05)
    assert pacer.global_ready_at(10.05) == pytest.approx(10.05 + 1 / GLOBAL_PER_SECOND)
    # Nothing else goes at A's booked moment.
    assert pacer.global_ready_at(17.0) == pytest.approx(17.01 + 1 / GLOBAL_PER_SECOND)


def test_429s_for_messages_sent_with_one_telegram_took_are_the_chats_own() -> None:
    pacer = Pacer()
    for i, chat in enumerate((1, 2, 3)):
        sent(pacer, chat, 10.0 + i * 0.04)
    # A burst of three at 10.2: B's message is taken, A's and C's are refused.
    for chat in (A, B, C):
        pacer.took(chat, 10.2, turn=10.2)
    pacer.answered(10.25, sent_at=10.2)
    assert not pacer.throttled(A, 7, 10.26, sent_at=10.2).bot_wide
    assert not pacer.throttled(C, 7, 10.27, sent_at=10.2).bot_wide
    assert pacer.paused_until == 0.0
