"""The sender lease's rule (one active sender per store), on literals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.lease import (
    LEASE_TTL,
    RENEW_EVERY,
    SEND_MARGIN,
    STANDBY_RETRY,
    TAKEOVER_WITHIN,
    Holder,
    Instance,
    LeaseRecord,
    instances_view,
    is_expired,
    may_send,
    may_take,
    take,
)

T0 = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
A = "box-a:101:aaaa"
B = "box-b:202:bbbb"


def held_by(holder: str, *, since: datetime = T0, until: datetime | None = None) -> LeaseRecord:
    return LeaseRecord(holder, since, until or since + LEASE_TTL)


def test_nobody_holding_it_anyone_may_take_it() -> None:
    assert may_take(None, A, T0)
    assert take(None, A, T0) == LeaseRecord(A, T0, T0 + LEASE_TTL)


def test_another_holders_running_lease_may_not_be_taken() -> None:
    lease = held_by(A)
    assert not may_take(lease, B, T0)
    assert not may_take(lease, B, T0 + LEASE_TTL - timedelta(milliseconds=1))
    assert take(lease, B, T0 + timedelta(seconds=14)) is None


def test_an_expired_lease_may_be_taken_and_starts_afresh() -> None:
    lease = held_by(A)
    later = T0 + LEASE_TTL
    assert is_expired(lease, later)
    assert may_take(lease, B, later)
    assert take(lease, B, later) == LeaseRecord(B, later, later + LEASE_TTL)


def test_a_holder_known_to_be_gone_loses_its_lease_before_it_expires() -> None:
    lease = held_by(A)
    assert may_take(lease, B, T0 + timedelta(seconds=1), holder_gone=True)
    assert take(lease, B, T0 + timedelta(seconds=1), holder_gone=True) == LeaseRecord(
        B, T0 + timedelta(seconds=1), T0 + timedelta(seconds=1) + LEASE_TTL
    )


def test_renewing_keeps_since_when_it_is_held_even_when_late() -> None:
    lease = held_by(A)
    assert take(lease, A, T0 + RENEW_EVERY) == LeaseRecord(A, T0, T0 + RENEW_EVERY + LEASE_TTL)
    # Late (frozen past its expiry) but nobody took it: nobody else can have sent.
    late = T0 + LEASE_TTL + timedelta(seconds=3)
    assert take(lease, A, late) == LeaseRecord(A, T0, late + LEASE_TTL)


def test_a_holder_stops_sending_a_margin_before_its_lease_runs_out() -> None:
    lease = held_by(A)
    assert may_send(lease, A, T0)
    assert may_send(lease, A, T0 + LEASE_TTL - SEND_MARGIN - timedelta(milliseconds=1))
    assert not may_send(lease, A, T0 + LEASE_TTL - SEND_MARGIN)
    assert not may_send(lease, B, T0)
    assert not may_send(None, A, T0)


def test_the_timings_keep_takeover_within_30_seconds_and_survive_a_failed_renewal() -> None:
    assert TAKEOVER_WITHIN == LEASE_TTL + STANDBY_RETRY <= timedelta(seconds=30)
    assert LEASE_TTL - SEND_MARGIN > 2 * RENEW_EVERY


def test_a_holder_id_names_host_pid_and_run() -> None:
    assert Holder.parse("box-a:101:aaaa") == Holder("box-a", 101, "aaaa")
    assert str(Holder("box-a", 101, "aaaa")) == "box-a:101:aaaa"
    assert Holder.parse("weird") == Holder("weird", 0, "")
    assert Holder.parse("h:x:1") == Holder("h:x:1", 0, "")


def instance(holder: str, role: str, seen: datetime, sender: str = "") -> Instance:
    return Instance(holder, role, sender, T0, seen)  # type: ignore[arg-type]


def test_status_shows_the_holder_as_active_and_the_standbys_heard_from_lately() -> None:
    now = T0 + timedelta(seconds=30)
    lease = held_by(A, since=T0, until=now + timedelta(seconds=10))
    view = instances_view(
        lease,
        [
            instance(A, "active", now, "telegram @bot"),
            instance(B, "standby", now - timedelta(seconds=3)),
            instance("box-c:303:cccc", "standby", now - timedelta(minutes=5)),  # killed
        ],
        now,
    )
    assert view.has_active
    assert view.active is not None and view.active.sender == "telegram @bot"
    assert [s.holder for s in view.standbys] == [B]
    assert view.standbys[0].host == "box-b" and view.standbys[0].pid == 202


def test_an_expired_lease_is_no_active_instance() -> None:
    now = T0 + timedelta(minutes=1)
    view = instances_view(held_by(A), [instance(B, "standby", now)], now)
    assert not view.has_active
    assert [s.holder for s in view.standbys] == [B]
    assert not instances_view(None, [], now).has_active
