"""The outbox drain: sends stored messages in order, paced to Telegram's limits.

A few messages are in flight at once, each to a different chat (``MAX_IN_FLIGHT``): one
at a time, a 100 ms round trip to Telegram would cap delivery at 10 messages a second,
a third of what Telegram allows. A chat's messages still go one after the other, each
once the one before it has been answered and recorded. Each message is marked sent in
its own commit as soon as Telegram has accepted it, so that a crash (or ``kill -9``)
can repeat at most the messages in flight at that moment: never more than
``MAX_IN_FLIGHT``, and everything else is either marked sent or still pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.delivery.budget import SharedBudget
from bot.delivery.claims import ChatClaims
from bot.delivery.outage import OutageLog
from bot.delivery.pacing import LATE_SLACK, Pacer, transient_backoff
from bot.delivery.senders import Sender, SendResult
from bot.domain.models import OutboxMessage
from bot.domain.routing import Destination, Route
from bot.messages.html import html_to_plain
from bot.messages.route_screens import route_lost_message
from bot.storage import Store
from bot.storage.database import describe_store_fault, store_fault

log = logging.getLogger(__name__)

# A chat whose messages keep failing is retried at most this rarely (seconds).
CHAT_BACKOFF_CAP = 600.0
# While Telegram fails for everyone (502s, dropped connections), the drain tries again at
# least this often (seconds), so that sending resumes within seconds of it answering.
NETWORK_PAUSE_CAP = 3.0
# After a pause, a chat whose message just failed waits this much longer (seconds), so
# that the other chats are offered their messages first.
OTHERS_FIRST = 1.0
# A message that crashes our own sender this many times is given up (and logged).
MAX_ATTEMPTS_INTERNAL = 5
INTERNAL_ERROR = "internal error"
# How soon a drain that may not send (no sender lease) looks again, in seconds.
NOT_SENDING_RECHECK = 1.0
# How soon a drain with nothing to send looks again when every instance drains, in
# seconds: the instance that queued may be another, and a killed one's claims lapse.
CLAIMS_RECHECK = 1.0
# Messages sent at once, each to another chat: enough for the pacer's 28.8 a second over a
# round trip of up to 130 ms; it is also the most a crash can send twice (see above).
MAX_IN_FLIGHT = 4


@dataclass
class DeliveryStats:
    sent: int = 0
    too_many_requests: int = 0
    transient_errors: int = 0
    failed: int = 0
    plain_text_resends: int = 0
    deactivated: int = 0
    rerouted: int = 0


class OutboxWorker:
    """Drains the outbox until stopped; ``wake()`` after queueing new messages."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        clock: Callable[[], datetime],
        pacer: Pacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        may_send: Callable[[], bool] = lambda: True,
        outage: OutageLog | None = None,
        in_flight: int | None = None,
        claims: ChatClaims | None = None,
        budget: SharedBudget | None = None,
    ) -> None:
        in_flight = MAX_IN_FLIGHT if in_flight is None else in_flight
        if in_flight < 1:
            raise ValueError(f"at least one message must be in flight, not {in_flight}")
        self._store = store
        self._sender = sender
        # Asked right before each message: False while this process does not surely
        # hold the sender lease (bot.runtime.leadership), so that two processes on one
        # store never both send.
        self._may_send = may_send
        self._clock = clock
        self._pacer = pacer or Pacer()
        self._mono = monotonic
        self._outage = outage or OutageLog(monotonic=monotonic)
        self._in_flight = in_flight
        # Every instance drains (PostgreSQL): only the chats claimed are offered, and
        # each message takes a token of the bot-wide budget the instances share.
        self._claims = claims
        self._budget = budget
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._paused_until = 0.0
        self._failures_in_a_row = 0
        self._chat_failures: dict[int, int] = {}
        # Rounds in a row that failed on the store (locked, disk full): the wait grows.
        self._store_failures = 0
        # Messages Telegram took whose "sent" could not be written to the store.
        self._unrecorded: list[tuple[OutboxMessage, SendResult, float]] = []
        # Sends still waiting for Telegram's answer, and when each started.
        self._unanswered: dict[asyncio.Task[None] | None, float] = {}
        # What writing down an answer met, raised once the round's messages are back.
        self._record_failure: Exception | None = None
        self.stats = DeliveryStats()

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        """Stop once the messages in flight (if any) have been sent and recorded."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            try:
                wait = await self.drain_round()
                self._store_failures = 0
            except Exception as exc:
                # The store failing (locked, disk full) must not end delivery for good:
                # nothing was lost, so wait and look again.
                self._store_failures += 1
                wait = transient_backoff(self._store_failures)
                fault = store_fault(exc)
                if fault is None:
                    log.exception("outbox status=drain_failed retry_in=%gs", wait)
                else:
                    log.log(
                        logging.WARNING if fault == "busy" else logging.ERROR,
                        "outbox status=drain_failed error=%r retry_in=%gs",
                        describe_store_fault(exc),
                        wait,
                    )
            if self._stopping:
                break
            if wait == 0.0:
                continue
            if math.isinf(wait) and self._claims is not None:
                # Others queue (the active instance) and others' claims lapse: nobody
                # wakes this drain for them, so it looks again soon.
                wait = CLAIMS_RECHECK
            timeout = None if math.isinf(wait) else wait
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def drain_round(self) -> float:
        """Offer each chat's oldest pending message once, a few at a time; return once
        every message sent in the round has been answered and recorded.

        Returns 0 when something was sent (go again), else the seconds until the
        earliest chat may send, or infinity when the outbox is empty.
        """
        while self._unrecorded:
            self._record(*self._unrecorded[0])
            self._unrecorded.pop(0)
        outbox = self._store.outbox
        heads = outbox.heads() if self._claims is None else self._claims.heads()
        if not heads:
            return math.inf
        revision = outbox.revision
        sent_before = self.stats.sent
        flying: set[asyncio.Task[None]] = set()
        try:
            wait = await self._offer(heads, revision, flying)
            if flying:
                await asyncio.wait(flying)
        except BaseException:
            # Stopped at the deadline (or broken): what is still in flight stays pending.
            for task in flying:
                task.cancel()
            if flying:
                await asyncio.wait(flying)
            raise
        if sent := self.stats.sent - sent_before:
            # One line per round rather than per message (that one is DEBUG): a fan-out
            # of thousands stays readable, and a line costs a few per cent of a message's
            # CPU.
            log.info("outbox status=sent count=%d chats_waiting=%d", sent, len(heads))
        failure, self._record_failure = self._record_failure, None
        if failure is not None:
            raise failure
        return wait

    async def _offer(
        self, heads: list[OutboxMessage], revision: int, flying: set[asyncio.Task[None]]
    ) -> float:
        earliest = math.inf
        progressed = False
        for message in heads:
            if self._stopping:
                return 0.0
            chat = message.chat_id
            now = self._mono()
            ready = max(self._paused_until, self._pacer.chat_ready_at(chat, now))
            if ready > now:
                earliest = min(earliest, ready - now)
                continue
            while len(flying) >= self._in_flight:
                await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
                flying.difference_update([t for t in flying if t.done()])
            turn = self._pacer.global_ready_at(self._mono())
            await self._sleep_until(turn)
            if self._stopping or self._record_failure is not None:
                # (The store failed to record an answer: send nothing more until the
                # round's answers are in and the failure has been waited out.)
                return 0.0
            now = self._mono()
            # A command reply may have booked the turn meanwhile, or a 429 or a failure
            # of a message in flight paused everything: then this chat waits like the
            # others.
            later = max(
                self._paused_until,
                self._pacer.chat_ready_at(chat, now),
                self._pacer.global_ready_at(now),
            )
            if later > max(now, turn):
                earliest = min(earliest, later - now)
                continue
            if self._store.outbox.revision != revision:
                # A chat left or moved since the heads were read: read them again.
                return 0.0
            if not self._may_send():
                # The message stays pending for whichever process holds the lease.
                log.warning("outbox status=not_sending reason=no_sender_lease")
                return NOT_SENDING_RECHECK
            if self._claims is not None and not self._claims.may_send(chat):
                continue  # another instance sends to it now
            if self._budget is not None:
                turn = await self._shared_turn()
                now = self._mono()
                if self._stopping or self._paused_until > now:
                    return 0.0  # the token goes unused
            booked = self._pacer.took(chat, self._mono(), turn=turn)
            flying.add(asyncio.create_task(self._deliver(message, booked), name=f"send-to-{chat}"))
            progressed = True
        return 0.0 if progressed else earliest

    async def _shared_turn(self) -> float:
        """This message's token of the bot-wide budget: waited for, and the moment it
        was due."""
        assert self._budget is not None
        rate = self._pacer.global_rate(self._mono())
        turn = self._budget.take(rate)
        await self._sleep_until(turn)
        if self._mono() - turn > LATE_SLACK:
            self._budget.went_late(rate)
        return turn

    async def _sleep_until(self, moment: float) -> None:
        delay = moment - self._mono()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _deliver(self, m: OutboxMessage, booked: float) -> None:
        sent_at = self._mono()
        self._pacer.started(booked, sent_at)
        if self._budget is not None and sent_at - booked > LATE_SLACK:
            self._budget.went_late(self._pacer.global_rate(sent_at))
        me = asyncio.current_task()
        self._unanswered[me] = sent_at
        try:
            result = await self._sender.send(
                m.chat_id, m.text, m.parse_mode, m.reply_markup, m.thread_id
            )
        except Exception as exc:  # a sender bug must not kill the drain or lose the message
            log.exception("outbox id=%d chat=%d status=sender_crashed", m.id, m.chat_id)
            result = SendResult("transient", error=f"{INTERNAL_ERROR}: {exc!r}")
        finally:
            del self._unanswered[me]
        if result.outcome == "retry_after":
            # Sent together (a burst), a 429 is judged once the messages sent with it or
            # before it are answered: one of them taken means the limit was its chat's
            # own, not the bot's (see Pacer.throttled).
            earlier = [t for t, at in self._unanswered.items() if t is not None and at <= sent_at]
            if earlier:
                await asyncio.wait(earlier)
        try:
            self._record(m, result, sent_at)
        except Exception as exc:
            if result.outcome == "sent":
                # Telegram has it; only writing that down failed. Sending it again on
                # every retry would repeat it for as long as the store is locked or
                # full, so the next round writes it down before sending anything.
                self._unrecorded.append((m, result, sent_at))
            if self._record_failure is None:
                self._record_failure = exc

    def _route_lost(self, m: OutboxMessage, lost: Destination, error: str) -> None:
        """A route's channel or topic is gone: its routes are dropped, what waits for
        it goes back to the subscribers it was made for (this message first, as it was
        the oldest), and each is told why."""
        routes, origins = fall_back_from(self._store, lost, error, self._clock())
        self.stats.rerouted += 1
        log.warning(
            "outbox id=%d chat=%d thread=%s status=route_lost error=%r routes=%d back_to=%r",
            m.id,
            lost.chat_id,
            lost.thread_id,
            error,
            len(routes),
            origins,
        )

    def _record(self, m: OutboxMessage, r: SendResult, sent_at: float) -> None:
        store, now = self._store, self._clock()
        if r.outcome != "transient":
            self._failures_in_a_row = 0
            self._chat_failures.pop(m.chat_id, None)
        if r.outcome == "sent":
            self._pacer.answered(self._mono(), sent_at=sent_at)
            self._outage.answered()
            store.outbox.mark_sent(m.id, r.message_id, now)
            self.stats.sent += 1
            log.debug("outbox id=%d chat=%d kind=%s status=sent", m.id, m.chat_id, m.kind)
        elif r.outcome == "retry_after":
            self.stats.too_many_requests += 1
            # The pause is taken before the store is written: a store that cannot record
            # the attempt must not make the next round send into the flood limit again.
            throttle = self._pacer.throttled(
                m.chat_id, r.retry_after, self._mono(), sent_at=sent_at
            )
            store.outbox.mark_attempt(m.id, f"429: retry after {r.retry_after:g}s")
            log.warning(
                "outbox id=%d chat=%d status=429 retry_after=%g scope=%s",
                m.id,
                m.chat_id,
                r.retry_after,
                "bot" if throttle.bot_wide else "chat",
            )
            if throttle.new_episode:
                log.warning(
                    "outbox status=paused reason=bot_wide_flood_limit for=%.1fs then_rate=%.2f/s",
                    throttle.until - self._mono(),
                    throttle.rate,
                )
        elif lost := _lost_target(m, r):
            self._route_lost(m, lost, r.error)
        elif r.outcome == "blocked":
            with store.transaction():
                store.chats.deactivate(m.chat_id, r.error, now)
                dropped = store.outbox.fail_pending_for_chat(m.chat_id, r.error)
            self.stats.deactivated += 1
            self.stats.failed += dropped
            log.info("chat=%d status=deactivated reason=%r dropped=%d", m.chat_id, r.error, dropped)
        elif r.outcome == "bad_html" and m.parse_mode:
            # Our escaping should make this impossible; if it happens, the reader still
            # gets the text, and the log says which message to look at.
            store.outbox.as_plain_text(m.id, html_to_plain(m.text))
            self.stats.plain_text_resends += 1
            log.warning(
                "outbox id=%d chat=%d status=html_refused error=%r action=resend_plain",
                m.id,
                m.chat_id,
                r.error,
            )
        elif r.outcome == "migrated" and r.new_chat_id is not None:
            with store.transaction():
                store.chats.move_chat(m.chat_id, r.new_chat_id)
                store.outbox.move_chat(m.chat_id, r.new_chat_id)
                store.routes.move_target(m.chat_id, r.new_chat_id)
            log.info("chat=%d status=migrated new_chat=%d", m.chat_id, r.new_chat_id)
        elif (
            r.outcome == "transient"
            and m.attempts + 1 >= MAX_ATTEMPTS_INTERNAL
            and (r.error.startswith(INTERNAL_ERROR))
        ):
            # Our own bug, not Telegram's: retrying the same message will not help.
            store.outbox.mark_failed(m.id, r.error)
            self.stats.failed += 1
            log.error("outbox id=%d chat=%d status=failed error=%r", m.id, m.chat_id, r.error)
        elif r.outcome == "transient":
            self._failures_in_a_row += 1
            self.stats.transient_errors += 1
            if not r.error.startswith(INTERNAL_ERROR):
                self._outage.failed("outbox", r.error)
            pause = transient_backoff(self._failures_in_a_row, cap=NETWORK_PAUSE_CAP)
            self._paused_until = self._mono() + pause
            # The chat waits a little longer than everyone else, so that a message that
            # keeps failing cannot stand at the head of every round and starve the others.
            # Only a failure right after a success is held against the chat itself (its
            # wait then grows up to CHAT_BACKOFF_CAP): in a run of failures Telegram is
            # the trouble, and every chat must resume with the drain once it is back,
            # not minutes later.
            failures = self._chat_failures.get(m.chat_id, 0)
            if self._failures_in_a_row == 1:
                failures += 1
                self._chat_failures[m.chat_id] = failures
            own = transient_backoff(failures, cap=CHAT_BACKOFF_CAP) if failures else 0.0
            hold = max(pause + OTHERS_FIRST, own)
            self._pacer.hold(m.chat_id, self._mono() + hold)
            store.outbox.mark_attempt(m.id, r.error)
            # One WARNING per outage comes from the OutageLog; each retry is a plain line.
            log.info(
                "outbox id=%d chat=%d status=retry error=%r pause=%gs chat_wait=%gs",
                m.id,
                m.chat_id,
                r.error,
                pause,
                hold,
            )
        else:
            store.outbox.mark_failed(m.id, r.error)
            self.stats.failed += 1
            log.error(
                "outbox id=%d chat=%d status=failed outcome=%s error=%r",
                m.id,
                m.chat_id,
                r.outcome,
                r.error,
            )


def fall_back_from(
    store: Store, lost: Destination, error: str, now: datetime
) -> tuple[list[Route], list[int]]:
    """A channel (or topic) the bot can no longer post in: the routes to it are dropped,
    what waits for it goes to the subscribers it was made for, and each subscriber whose
    route it was is told, in one transaction. Returns the routes and those subscribers.
    The drain calls it on Telegram's refusal, the Telegram front end when told the bot
    left a channel."""
    with store.transaction():
        routes = store.routes.drop_target(lost.chat_id, lost.thread_id)
        origins = store.outbox.fall_back(lost.chat_id, lost.thread_id, error)
        by_chat: dict[int, list[Route]] = {}
        for route in routes:
            by_chat.setdefault(route.chat_id, []).append(route)
        store.outbox.enqueue(
            (route_lost_message(chat, mine, error, now) for chat, mine in by_chat.items()), now
        )
    return routes, origins


def _lost_target(m: OutboxMessage, r: SendResult) -> Destination | None:
    """The channel (or topic) a routed message went to, when Telegram's answer says the
    bot can no longer post there; None for any other answer.

    The subscriber's own chat refusing is not a lost route but a chat that left (the
    "blocked" path): only a channel that is not the subscriber's own, or a topic, falls
    back; and a routed message is never dropped for its target's sake.
    """
    if m.thread_id is not None and r.outcome == "topic_gone":
        return Destination(m.chat_id, m.thread_id)
    if m.origin_chat_id is None or m.origin_chat_id == m.chat_id:
        return None
    refused = r.outcome == "blocked" or (r.outcome == "rejected" and "rights" in r.error.lower())
    return Destination(m.chat_id) if refused else None
