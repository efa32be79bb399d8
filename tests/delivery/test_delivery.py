"""The outbox drain against a scripted sender: outcomes, ordering and pacing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.delivery.outbox import OutboxWorker
from bot.delivery.pacing import (
    GLOBAL_PER_SECOND,
    LATE_SLACK,
    PRIVATE_PER_SECOND,
    Pacer,
    Spacing,
    TokenBucket,
    transient_backoff,
)
from bot.delivery.senders import SendResult
from bot.domain.models import OutgoingMessage
from bot.storage import Store, open_store
from tests.factories import T0


class ScriptedSender:
    """Answers from a per-chat script (then "sent"), recording every attempt."""

    def __init__(self, script: dict[int, list[SendResult]] | None = None) -> None:
        self.script = script or {}
        self.attempts: list[tuple[int, str, str]] = []

    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        self.attempts.append((chat_id, text, parse_mode))
        queue = self.script.get(chat_id)
        if queue:
            return queue.pop(0)
        return SendResult("sent", message_id=len(self.attempts))

    def delivered(self, chat_id: int) -> list[str]:
        return [t for c, t, _ in self.attempts if c == chat_id]


def store_with(store_url: str, messages: Iterable[tuple[int, str]]) -> Store:
    store = open_store(store_url)
    for chat_id in {c for c, _ in messages}:
        store.chats.ensure(
            chat_id, kind="private", title="", timezone="UTC", digest_time="08:00", now=T0
        )
    store.outbox.enqueue([OutgoingMessage(f"k:{c}:{t}", c, "alert", t) for c, t in messages], T0)
    return store


def fast_pacer() -> Pacer:
    return Pacer(global_per_second=10_000)


async def drain_until(worker: OutboxWorker, store: Store, *, rounds: int = 200) -> None:
    for _ in range(rounds):
        if store.outbox.backlog() == 0:
            return
        wait = await worker.drain_round()
        if wait > 0:
            await asyncio.sleep(min(wait, 0.05))


def run(store: Store, sender: ScriptedSender, **kw: object) -> OutboxWorker:
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer())
    asyncio.run(drain_until(worker, store, **kw))  # type: ignore[arg-type]
    return worker


def test_messages_to_one_chat_arrive_in_the_order_they_were_queued(store_url: str) -> None:
    store = store_with(store_url, [(1, "part 1"), (1, "part 2"), (1, "part 3"), (2, "x")])
    sender = ScriptedSender()
    run(store, sender)
    assert sender.delivered(1) == ["part 1", "part 2", "part 3"]
    assert store.outbox.counts()["sent"] == 4


def test_a_429_holds_back_only_that_chat(store_url: str) -> None:
    store = store_with(store_url, [(1, "a1"), (1, "a2"), (2, "b1"), (2, "b2")])
    sender = ScriptedSender({1: [SendResult("retry_after", retry_after=0.3)]})
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer())

    async def scenario() -> None:
        await worker.drain_round()  # a1 -> 429, b1 sent
        await worker.drain_round()  # chat 1 waits; b2 sent
        assert sender.delivered(2) == ["b1", "b2"]
        assert sender.delivered(1) == ["a1"]
        await drain_until(worker, store)

    asyncio.run(scenario())
    assert sender.delivered(1) == ["a1", "a1", "a2"]
    assert worker.stats.too_many_requests == 1
    assert store.outbox.backlog() == 0


def test_a_blocked_chat_is_deactivated_and_its_queue_dropped_while_others_continue(
    store_url: str,
) -> None:
    store = store_with(store_url, [(1, "a1"), (1, "a2"), (2, "b1")])
    sender = ScriptedSender({1: [SendResult("blocked", error="Forbidden: bot was blocked")]})
    worker = run(store, sender)
    assert store.chats.get(1).active is False  # type: ignore[union-attr]
    assert sender.delivered(1) == ["a1"]
    assert sender.delivered(2) == ["b1"]
    assert store.outbox.counts() == {"pending": 0, "sent": 1, "failed": 2}
    assert worker.stats.deactivated == 1


def test_html_telegram_refuses_is_resent_once_as_plain_text(store_url: str) -> None:
    store = store_with(store_url, [(1, "<b>Tom &amp; Jerry</b>")])
    sender = ScriptedSender({1: [SendResult("bad_html", error="can't parse entities")]})
    worker = run(store, sender)
    assert sender.attempts == [
        (1, "<b>Tom &amp; Jerry</b>", "HTML"),
        (1, "Tom & Jerry", ""),
    ]
    assert worker.stats.plain_text_resends == 1
    assert store.outbox.counts()["sent"] == 1


def test_an_alerts_buttons_go_with_every_try_the_plain_text_resend_included(store_url: str) -> None:
    store = open_store(store_url)
    store.chats.ensure(1, kind="private", title="", timezone="UTC", digest_time="08:00", now=T0)
    buttons = '[[["👍 about TRIPP","v:u:0123456789ab:0123456789"]]]'
    store.outbox.enqueue([OutgoingMessage("k", 1, "alert", "<b>x</b>", "HTML", buttons)], T0)
    marks: list[str] = []

    class Recording(ScriptedSender):
        async def send(
            self,
            chat_id: int,
            text: str,
            parse_mode: str,
            reply_markup: str = "",
            thread_id: int | None = None,
        ) -> SendResult:
            marks.append(reply_markup)
            return await super().send(chat_id, text, parse_mode)

    sender = Recording(
        {1: [SendResult("transient", error="Bad Gateway"), SendResult("bad_html", error="no")]}
    )
    run(store, sender)
    assert [p for _, _, p in sender.attempts] == ["HTML", "HTML", ""]
    assert marks == [buttons] * 3
    assert store.outbox.counts()["sent"] == 1


def test_plain_text_that_is_still_refused_fails_instead_of_looping(store_url: str) -> None:
    store = store_with(store_url, [(1, "x")])
    refused = SendResult("bad_html", error="can't parse entities")
    sender = ScriptedSender({1: [refused, refused]})
    run(store, sender)
    assert len(sender.attempts) == 2
    assert store.outbox.counts()["failed"] == 1


def test_network_errors_are_retried_with_a_pause_and_nothing_is_lost(store_url: str) -> None:
    store = store_with(store_url, [(1, "a"), (2, "b")])
    sender = ScriptedSender({1: [SendResult("transient", error="Bad Gateway")]})
    worker = run(store, sender)
    assert sender.delivered(1) == ["a", "a"]
    assert store.outbox.counts() == {"pending": 0, "sent": 2, "failed": 0}
    assert worker.stats.transient_errors == 1


def test_a_crashing_sender_does_not_lose_the_message(store_url: str) -> None:
    class Crashing(ScriptedSender):
        async def send(
            self,
            chat_id: int,
            text: str,
            parse_mode: str,
            reply_markup: str = "",
            thread_id: int | None = None,
        ) -> SendResult:
            if not self.attempts:
                self.attempts.append((chat_id, text, parse_mode))
                raise RuntimeError("bug")
            return await super().send(chat_id, text, parse_mode)

    store = store_with(store_url, [(1, "a")])
    sender = Crashing()
    run(store, sender)
    assert sender.delivered(1) == ["a", "a"]
    assert store.outbox.counts()["sent"] == 1


def test_a_migrated_group_gets_its_messages_under_the_new_id(store_url: str) -> None:
    store = store_with(store_url, [(-5, "g1"), (-5, "g2")])
    sender = ScriptedSender({-5: [SendResult("migrated", new_chat_id=-1005)]})
    run(store, sender)
    assert sender.delivered(-1005) == ["g1", "g2"]
    assert store.chats.get(-1005) is not None


def test_stop_lets_the_messages_in_flight_finish_and_leaves_the_rest_pending(
    store_url: str,
) -> None:
    store = store_with(store_url, [(c, "m") for c in range(1, 6)])

    class StopAfterTwo(ScriptedSender):
        worker: OutboxWorker

        async def send(
            self,
            chat_id: int,
            text: str,
            parse_mode: str,
            reply_markup: str = "",
            thread_id: int | None = None,
        ) -> SendResult:
            result = await super().send(chat_id, text, parse_mode)
            if len(self.attempts) == 2:
                self.worker.stop()
            return result

    sender = StopAfterTwo()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer(), in_flight=2)
    sender.worker = worker
    asyncio.run(worker.run())
    assert store.outbox.counts() == {"pending": 3, "sent": 2, "failed": 0}


class HeldSender(ScriptedSender):
    """Every send waits until the test lets it answer; records how many were open."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.open: set[int] = set()
        self.most_open = 0
        self.overlapping_chat = False

    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        self.overlapping_chat |= chat_id in self.open
        self.open.add(chat_id)
        self.most_open = max(self.most_open, len(self.open))
        try:
            await self.release.wait()
            return await super().send(chat_id, text, parse_mode)
        finally:
            self.open.discard(chat_id)


def test_several_chats_are_sent_to_at_once_but_never_more_than_the_bound(store_url: str) -> None:
    store = store_with(store_url, [(c, f"{c}-{n}") for c in range(1, 9) for n in (1, 2)])
    sender = HeldSender()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer(), in_flight=3)

    async def scenario() -> None:
        drained = asyncio.create_task(drain_until(worker, store))
        while len(sender.open) < 3:
            await asyncio.sleep(0)
        for _ in range(20):  # the drain gets every chance to exceed the bound
            await asyncio.sleep(0)
        assert len(sender.open) == 3
        sender.release.set()
        await drained

    asyncio.run(scenario())
    assert sender.most_open == 3
    assert not sender.overlapping_chat, "one chat's messages go one after the other"
    for chat in range(1, 9):
        assert sender.delivered(chat) == [f"{chat}-1", f"{chat}-2"]


def test_a_crash_with_messages_in_flight_leaves_them_pending_to_be_sent_again(
    store_url: str,
) -> None:
    # Telegram may have taken them: this is why a crash can repeat as many messages as
    # are in flight, and why that number is kept small.
    store = store_with(store_url, [(c, "m") for c in range(1, 6)])
    sender = HeldSender()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer(), in_flight=3)

    async def scenario() -> None:
        task = asyncio.create_task(worker.run())
        while len(sender.open) < 3:
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert store.outbox.counts() == {"pending": 5, "sent": 0, "failed": 0}
    assert len(sender.attempts) == 0, "none was answered"


def test_a_chat_that_leaves_during_a_round_gets_nothing_more(store_url: str) -> None:
    store = store_with(store_url, [(1, "a"), (2, "b"), (3, "c")])

    class LeavesMeanwhile(ScriptedSender):
        async def send(
            self,
            chat_id: int,
            text: str,
            parse_mode: str,
            reply_markup: str = "",
            thread_id: int | None = None,
        ) -> SendResult:
            if chat_id == 1:  # while this one is out, chat 2 blocks the bot
                store.outbox.fail_pending_for_chat(2, "blocked the bot")
            return await super().send(chat_id, text, parse_mode)

    sender = LeavesMeanwhile()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer(), in_flight=1)
    asyncio.run(drain_until(worker, store))
    assert sender.delivered(2) == []
    assert sender.delivered(3) == ["c"]
    assert store.outbox.counts() == {"pending": 0, "sent": 2, "failed": 1}


def test_a_message_telegram_took_but_the_store_could_not_record_is_not_sent_again(
    store_url: str,
) -> None:
    store = store_with(store_url, [(1, "a"), (2, "b")])
    sender = ScriptedSender()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer())
    real_mark_sent = store.outbox.mark_sent
    failures = {"left": 1}

    def locked_once(*args: object) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        real_mark_sent(*args)  # type: ignore[arg-type]

    store.outbox.mark_sent = locked_once  # type: ignore[method-assign]

    async def scenario() -> None:
        with pytest.raises(sqlite3.OperationalError):
            await worker.drain_round()  # both sent; the first could not be recorded
        await drain_until(worker, store)

    asyncio.run(scenario())
    assert sorted(c for c, _, _ in sender.attempts) == [1, 2]
    assert store.outbox.counts() == {"pending": 0, "sent": 2, "failed": 0}


# -- pacing (pure arithmetic on a given monotonic time) --------------------------------


def test_a_private_chat_may_burst_three_then_one_a_second() -> None:
    pacer = Pacer()
    t = 100.0
    for _ in range(3):
        assert pacer.chat_ready_at(1, t) == t
        pacer.took(1, t)
    # "One a second" a little under it: 0.9 a second, so that jitter never makes a 429.
    assert pacer.chat_ready_at(1, t) == t + 1 / PRIVATE_PER_SECOND


def test_a_group_never_gets_more_than_twenty_messages_in_a_minute() -> None:
    pacer = Pacer(global_per_second=10_000)
    sent: list[float] = []
    t = 0.0
    while t < 600:
        t = pacer.chat_ready_at(-1, t)
        pacer.took(-1, t)
        sent.append(t)
    for i, start in enumerate(sent):
        in_window = [s for s in sent[i:] if s < start + 60]
        assert len(in_window) <= 20


def test_the_global_pace_stays_under_thirty_a_second() -> None:
    bucket = TokenBucket(1.0, GLOBAL_PER_SECOND)
    t, times = 0.0, []
    for _ in range(300):
        t = bucket.ready_at(t)
        bucket.take(t)
        times.append(t)
    for i, start in enumerate(times):
        assert len([s for s in times[i:] if s < start + 1.0]) <= 30


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.floats(0.0, 0.3),  # time until the drain looks again
            st.floats(0.0, 2 * LATE_SLACK),  # how late the event loop woke for the turn
            st.booleans(),  # a command reply books a moment instead
        ),
        min_size=31,
        max_size=150,
    ),
)
def test_any_thirty_one_messages_span_over_a_second_however_late_or_mixed(
    steps: list[tuple[float, float, bool]],
) -> None:
    pacer = Pacer()
    now, sent_at = 100.0, []
    for chat, (pause, late, reply) in enumerate(steps, start=1):
        now += pause
        if reply:
            sent_at.append(pacer.reserve(chat, now))
            continue
        turn = pacer.global_ready_at(now)
        now = turn + late
        if pacer.global_ready_at(now) > now:
            continue  # a reply took the turn meanwhile: the drain looks again
        pacer.took(chat, now, turn=turn)
        sent_at.append(now)
    sent_at.sort()
    for first, last in zip(sent_at, sent_at[30:], strict=False):
        assert last - first >= 30 / GLOBAL_PER_SECOND - LATE_SLACK - 1e-9 > 1.0


def test_a_429_hold_outlasts_the_bucket() -> None:
    pacer = Pacer()
    pacer.hold(1, 50.0)
    assert pacer.chat_ready_at(1, 10.0) == 50.0
    assert pacer.chat_ready_at(2, 10.0) == 10.0


def test_transient_backoff_doubles_up_to_a_minute() -> None:
    assert [transient_backoff(n) for n in (1, 2, 3, 7, 50)] == [1, 2, 4, 60, 60]


def test_the_drain_survives_a_failing_store_and_delivers_once_it_recovers(store_url: str) -> None:
    store = store_with(store_url, [(1, "a")])
    sender = ScriptedSender()
    worker = OutboxWorker(store, sender, clock=lambda: T0, pacer=fast_pacer())
    real_heads = store.outbox.heads
    calls = {"n": 0}

    def flaky_heads(limit: int = 500) -> list[object]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("database is locked")
        return real_heads(limit=limit)  # type: ignore[return-value]

    store.outbox.heads = flaky_heads  # type: ignore[method-assign]

    async def scenario() -> None:
        task = asyncio.create_task(worker.run())
        for _ in range(300):
            if store.outbox.backlog() == 0:
                break
            await asyncio.sleep(0.01)
        worker.stop()
        await task

    asyncio.run(scenario())
    assert sender.delivered(1) == ["a"]


def test_a_message_that_keeps_failing_does_not_starve_the_other_chats(store_url: str) -> None:
    store = store_with(store_url, [(1, "poison"), (2, "b1"), (2, "b2"), (2, "b3")])
    always = [SendResult("transient", error="timed out")] * 1000
    sender = ScriptedSender({1: always})
    now = [0.0]
    worker = OutboxWorker(
        store, sender, clock=lambda: T0, pacer=fast_pacer(), monotonic=lambda: now[0]
    )

    async def scenario() -> None:
        for _ in range(50):
            wait = await worker.drain_round()
            now[0] += max(wait, 0.001) if wait != float("inf") else 1.0

    asyncio.run(scenario())
    assert sender.delivered(2) == ["b1", "b2", "b3"]
    assert store.outbox.pending_for(1)[0].text == "poison", "kept for later, not dropped"


def test_a_message_that_crashes_our_sender_is_given_up_after_a_few_attempts(store_url: str) -> None:
    class Crashing(ScriptedSender):
        async def send(
            self,
            chat_id: int,
            text: str,
            parse_mode: str,
            reply_markup: str = "",
            thread_id: int | None = None,
        ) -> SendResult:
            self.attempts.append((chat_id, text, parse_mode))
            raise RuntimeError("bug")

    store = store_with(store_url, [(1, "a")])
    now = [0.0]
    worker = OutboxWorker(
        store, Crashing(), clock=lambda: T0, pacer=fast_pacer(), monotonic=lambda: now[0]
    )

    async def scenario() -> None:
        for _ in range(40):
            wait = await worker.drain_round()
            now[0] += 1000.0 if wait == float("inf") else max(wait, 0.001)

    asyncio.run(scenario())
    assert store.outbox.counts() == {"pending": 0, "sent": 0, "failed": 1}


@settings(max_examples=200, deadline=None)
@given(
    burst=st.integers(1, 5),
    steps=st.lists(
        st.tuples(st.floats(0.0, 0.5), st.floats(0.0, 3.0), st.booleans()),
        min_size=1,
        max_size=80,
    ),
)
def test_no_window_of_a_burst_s_length_ever_holds_more_than_the_burst(
    burst: int, steps: list[tuple[float, float, bool]]
) -> None:
    rate = 10.0
    spacing = Spacing(rate, burst)
    now, taken = 0.0, []
    for pause, ahead, book_ahead in steps:
        now += pause
        # A reply books a moment ahead (behind its chat's 429); the drain sends now.
        at = spacing.ready_at(now, now + ahead if book_ahead else 0.0)
        assert at >= now
        spacing.take(at)
        taken.append(at)
    taken.sort()
    window = burst / rate
    for first, last in zip(taken, taken[burst:], strict=False):
        assert last - first >= window - 1e-6


def test_sends_go_in_bursts_of_a_few_each_burst_a_window_after_the_one_before() -> None:
    burst = 3
    pacer = Pacer(global_burst=burst)
    window = burst / GLOBAL_PER_SECOND
    for chat in range(1, burst + 1):
        assert pacer.global_ready_at(10.0) == 10.0
        pacer.took(chat, 10.0, turn=10.0)
    assert pacer.global_ready_at(10.0) == pytest.approx(10.0 + window)


def test_a_send_that_starts_late_pushes_the_next_turns_back_from_when_it_went() -> None:
    burst = 3
    pacer = Pacer(global_burst=burst)
    window = burst / GLOBAL_PER_SECOND
    booked = [pacer.took(chat, 10.0, turn=10.0) for chat in range(1, burst + 1)]
    # A start within LATE_SLACK of its turn counts as on time ...
    pacer.started(booked[0], 10.0 + LATE_SLACK / 2)
    assert pacer.global_ready_at(10.0) == pytest.approx(10.0 + window)
    # ... one tens of milliseconds late counts from when it went: it reaches Telegram then.
    for moment in booked:
        pacer.started(moment, 10.03)
    assert pacer.global_ready_at(10.0) == pytest.approx(10.03 + window)
