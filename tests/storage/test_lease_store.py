"""The sender lease on a real SQLite store, as two processes see it (two connections),
the keeper that renews it and checks it before each message, and what `status` shows."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.config import builtin_config
from bot.app.health import status_report
from bot.app.lease import Me, StoreLease
from bot.app.service import build_service
from bot.delivery.outbox import OutboxWorker
from bot.delivery.senders import ConsoleSender
from bot.domain.lease import LEASE_TTL, SEND_MARGIN, Holder, LeaseRecord
from bot.domain.models import OutgoingMessage
from bot.messages.status import status_text
from bot.runtime.instance import is_gone
from bot.runtime.leadership import LeaseKeeper
from bot.storage import Store, open_store
from tests.factories import on_store
from tests.watchlist_copy import copy_watchlists

T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
ORIGIN = "box/boot-1/pid:[1]"


@pytest.fixture
def stores(store_url: str) -> Iterator[tuple[Store, Store]]:
    """One database, opened twice: what two `caci-watch run` on one store share."""
    path = store_url
    first, second = open_store(path), open_store(path)
    yield first, second
    first.close()
    second.close()


def me(host: str, pid: int, nonce: str, origin: str = ORIGIN) -> Me:
    return Me(Holder(host, pid, nonce), origin, T0)


def test_one_holder_at_a_time_until_the_lease_expires(stores: tuple[Store, Store]) -> None:
    a = StoreLease(stores[0], me("box", 101, "aaaa"))
    b = StoreLease(stores[1], me("box", 202, "bbbb"))
    assert a.claim(T0) == LeaseRecord(a.holder, T0, T0 + LEASE_TTL)
    assert b.claim(T0 + timedelta(seconds=1)) == LeaseRecord(a.holder, T0, T0 + LEASE_TTL)
    # Renewed, A keeps it; B still may not take it.
    renewed = a.claim(T0 + timedelta(seconds=5))
    assert renewed == LeaseRecord(a.holder, T0, T0 + timedelta(seconds=5) + LEASE_TTL)
    assert b.claim(T0 + timedelta(seconds=19)) == renewed
    # A stopped renewing: B takes it once it runs out, and A's next renewal finds B's.
    late = T0 + timedelta(seconds=20)
    assert b.claim(late) == LeaseRecord(b.holder, late, late + LEASE_TTL)
    assert a.claim(late + timedelta(seconds=1)) == LeaseRecord(b.holder, late, late + LEASE_TTL)
    assert b.current() == LeaseRecord(b.holder, late, late + LEASE_TTL)


def test_a_released_lease_is_taken_at_once(stores: tuple[Store, Store]) -> None:
    a = StoreLease(stores[0], me("box", 101, "aaaa"))
    b = StoreLease(stores[1], me("box", 202, "bbbb"))
    a.claim(T0)
    a.release()
    assert b.current() is None
    at = T0 + timedelta(seconds=1)
    assert b.claim(at) == LeaseRecord(b.holder, at, at + LEASE_TTL)
    a.release()  # not its own any more: nothing happens
    assert b.current() == LeaseRecord(b.holder, at, at + LEASE_TTL)


def test_the_decision_is_made_again_under_the_write_lock(stores: tuple[Store, Store]) -> None:
    """B first thinks A is gone; by the time B holds the write lock A has renewed, and
    the rule, applied again to what is stored then, keeps A's lease."""
    a = StoreLease(stores[0], me("box", 101, "aaaa"))
    a.claim(T0)
    looks: list[LeaseRecord] = []

    def gone_then_back(lease: LeaseRecord) -> bool:
        looks.append(lease)
        if len(looks) == 1:
            a.claim(T0 + timedelta(seconds=3))  # meanwhile, in the other process
            return True
        return False

    took = stores[1].leases.claim(
        "sender", "box:202:bbbb", T0 + timedelta(seconds=3), LEASE_TTL, holder_gone=gone_then_back
    )
    assert took == LeaseRecord(a.holder, T0, T0 + timedelta(seconds=3) + LEASE_TTL)
    assert len(looks) == 2 and looks[1].expires_at == T0 + timedelta(seconds=3) + LEASE_TTL


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_holder_whose_process_died_on_this_machine_is_replaced_at_once(
    stores: tuple[Store, Store],
) -> None:
    dead = StoreLease(stores[0], me("box", dead_pid(), "dead"), is_gone=is_gone)
    dead.announce("active", "telegram @bot", T0)
    dead.claim(T0)
    at = T0 + timedelta(seconds=1)
    elsewhere = StoreLease(stores[1], me("other", 7, "else", origin="other/boot/pid:[9]"))
    assert elsewhere.claim(at) is not None and elsewhere.claim(at).holder == dead.holder  # type: ignore[union-attr]
    unknown = StoreLease(stores[1], me("box", 8, "noor", origin=""), is_gone=is_gone)
    assert unknown.claim(at).holder == dead.holder  # type: ignore[union-attr]
    here = StoreLease(stores[1], me("box", os.getpid(), "here"), is_gone=is_gone)
    assert here.claim(at) == LeaseRecord(here.holder, at, at + LEASE_TTL)


def test_a_live_holder_on_this_machine_keeps_its_lease(stores: tuple[Store, Store]) -> None:
    alive = StoreLease(stores[0], me("box", os.getpid(), "live"), is_gone=is_gone)
    alive.announce("active", "console", T0)
    alive.claim(T0)
    other = StoreLease(stores[1], me("box", os.getpid(), "twin"), is_gone=is_gone)
    assert other.claim(T0 + timedelta(seconds=1)).holder == alive.holder  # type: ignore[union-attr]


# -- the keeper ---------------------------------------------------------------------------


class Clocks:
    """The wall clock (what the lease is stored in) and the monotonic one, moved together."""

    def __init__(self) -> None:
        self.now = T0
        self.mono = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


def keeper(store: Store, clocks: Clocks, pid: int, nonce: str) -> LeaseKeeper:
    return LeaseKeeper(
        StoreLease(store, me("box", pid, nonce)),
        clock=clocks.wall,
        monotonic=clocks.monotonic,
        standby_retry=timedelta(milliseconds=1),
    )


def test_the_active_keeper_stops_sending_once_another_took_the_lease(
    stores: tuple[Store, Store], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        clocks = Clocks()
        a = keeper(stores[0], clocks, 101, "aaaa")
        b = keeper(stores[1], clocks, 202, "bbbb")
        never = asyncio.Event()
        assert await a.wait_until_active(never)
        assert a.active and a.may_send()
        # Past the margin without a renewal (a stalled loop): one renewal decides, and
        # nobody else took it, so A goes on.
        clocks.advance((LEASE_TTL - SEND_MARGIN).total_seconds())
        assert a.may_send()
        # Frozen beyond the lease: B takes over, and A, waking, sends nothing more.
        clocks.advance(LEASE_TTL.total_seconds() + 1)
        assert await b.wait_until_active(never)
        assert b.may_send()
        assert not a.may_send()
        assert a.lost.is_set() and not a.active

    asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records]
    assert any(
        "status=active" in m and "reason=expired" in m and "box:101:aaaa" in m for m in lines
    )
    assert any("status=lease_lost holder=box:101:aaaa now_held_by=box:202:bbbb" in m for m in lines)


def test_a_standby_says_once_which_instance_is_active(
    stores: tuple[Store, Store], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    class Counting(StoreLease):
        """Stops the standby after a few looks at the lease."""

        def __init__(self, *args: object, stop: asyncio.Event, **kw: object) -> None:
            super().__init__(*args, **kw)  # type: ignore[arg-type]
            self.looks = 0
            self.stop = stop

        def claim(self, now: datetime) -> LeaseRecord | None:
            self.looks += 1
            if self.looks == 5:
                self.stop.set()
            return super().claim(now)

    async def scenario() -> None:
        clocks = Clocks()
        a = keeper(stores[0], clocks, 101, "aaaa")
        assert await a.wait_until_active(asyncio.Event())
        stop = asyncio.Event()
        lease = Counting(stores[1], me("box", 202, "bbbb"), stop=stop)
        b = LeaseKeeper(
            lease,
            clock=clocks.wall,
            monotonic=clocks.monotonic,
            standby_retry=timedelta(milliseconds=1),
        )
        told: list[str] = []
        b.on_standby = told.append
        assert not await b.wait_until_active(stop)
        assert lease.looks == 5
        assert told == ["pid 101 on box"]
        assert not b.may_send()

    asyncio.run(scenario())
    standby = [r.getMessage() for r in caplog.records if "status=standby" in r.getMessage()]
    assert standby == [
        "status=standby reason=lease_held active_pid=101 active_host=box"
        " active_since=2026-11-26T12:00:00Z holder=box:101:aaaa takeover_within=17s"
    ]


def test_the_drain_sends_nothing_without_the_lease(tmp_path: Path, store_url: str) -> None:
    store = open_store(store_url)
    store.outbox.enqueue([OutgoingMessage("k1", 5, "alert", "hello")], T0)
    printed = io.StringIO()
    allowed = [False]
    worker = OutboxWorker(
        store, ConsoleSender(printed), clock=lambda: T0, may_send=lambda: allowed[0]
    )

    async def rounds() -> None:
        await worker.drain_round()
        assert printed.getvalue() == "" and store.outbox.backlog() == 1
        allowed[0] = True
        await worker.drain_round()

    asyncio.run(rounds())
    assert "hello" in printed.getvalue() and store.outbox.backlog() == 0
    store.close()


# -- what `status` shows ---------------------------------------------------------------------


def test_status_names_the_active_instance_its_sender_and_the_standby(
    tmp_path: Path, store_url: str
) -> None:
    lists = tmp_path / "watchlists"
    copy_watchlists(lists)
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=["http://x/feed"]
    )
    service = build_service(on_store(config, store_url))
    try:
        active = StoreLease(service.store, me("box-a", 101, "aaaa"))
        active.announce("active", "console", T0)
        active.claim(T0)
        standby = StoreLease(service.store, me("box-b", 202, "bbbb"))
        standby.announce("standby", "", T0 + timedelta(seconds=2))
        text = status_text(status_report(service, T0 + timedelta(seconds=4)))
        assert (
            "active: pid 101 on box-a, since 2026-11-26 12:00 UTC (4 s ago); console sender"
            " (no token)" in text
        )
        assert "standby: pid 202 on box-b, since 2026-11-26 12:00 UTC (4 s ago)" in text
        # On PostgreSQL every instance drains the outbox; on SQLite the active one alone.
        if store_url.startswith("postgresql://"):
            assert "(4 s ago); sends its share of the outbox, takes over polling" in text
        else:
            assert "(4 s ago); sends nothing, takes over within" in text

        active.announce("active", "telegram @caci_bot", T0 + timedelta(seconds=5))
        active.claim(T0 + timedelta(seconds=5))
        text = status_text(status_report(service, T0 + timedelta(seconds=6)))
        assert "sends to Telegram as @caci_bot" in text

        # Killed: its lease runs out, and the standby's record goes quiet too.
        text = status_text(status_report(service, T0 + timedelta(minutes=2)))
        assert "active: none; pid 101 on box-a stopped renewing the sender lease" in text
        assert "standby: none" in text
    finally:
        service.close()
