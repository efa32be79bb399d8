"""Several instances draining one PostgreSQL outbox: each chat claimed by one instance at
a time, a lapsed claim taken over, and the bot-wide rate budget spaced on the server's
clock (bot/storage/outbox.py::claim_heads, bot/storage/rate_budget.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.domain.models import OutgoingMessage
from bot.storage import Store, open_store
from tests.postgres_server import PostgresServer

T0 = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def two(postgres_server: PostgresServer) -> Iterator[tuple[Store, Store]]:
    url = postgres_server.clean_database()
    a, b = open_store(url), open_store(url)
    yield a, b
    a.close()
    b.close()


def queue(store: Store, chats: range, per_chat: int) -> None:
    store.outbox.enqueue(
        [
            OutgoingMessage(f"k:{c}:{n}", c, "digest", f"{c}/{n}")
            for n in range(per_chat)
            for c in chats
        ],
        T0,
    )


def test_two_instances_claim_different_chats_and_are_offered_only_their_heads(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    queue(a, range(1, 7), 2)
    heads_a, held_a = a.outbox.claim_heads("A", 10.0, 3)
    heads_b, held_b = b.outbox.claim_heads("B", 10.0, 3)
    assert held_a == {1, 2, 3} and held_b == {4, 5, 6}
    assert [m.text for m in heads_a] == ["1/0", "2/0", "3/0"]
    assert [m.text for m in heads_b] == ["4/0", "5/0", "6/0"]
    # A chat stays its holder's: the next part is offered to the same instance only.
    a.outbox.mark_sent(heads_a[0].id, 1, T0)
    assert [m.text for m in a.outbox.claim_heads("A", 10.0, 3)[0]] == ["2/0", "3/0", "1/1"]
    assert b.outbox.claim_heads("B", 10.0, 6)[1] == {4, 5, 6}


def test_claims_made_at_once_never_share_a_chat(postgres_server: PostgresServer) -> None:
    url = postgres_server.clean_database()
    setup = open_store(url)
    queue(setup, range(1, 201), 1)
    setup.close()
    held: dict[str, set[int]] = {}
    start = threading.Barrier(4)

    def claim(name: str) -> None:
        store = open_store(url)
        start.wait()
        held[name] = store.outbox.claim_heads(name, 10.0, 60)[1]
        store.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in "ABCD"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chats = [c for mine in held.values() for c in mine]
    assert chats and len(chats) == len(set(chats))


def test_a_lapsed_claim_goes_to_another_instance_and_a_released_one_at_once(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    queue(a, range(1, 3), 1)
    assert a.outbox.claim_heads("A", 10.0, 1)[1] == {1}
    assert b.outbox.claim_heads("B", 10.0, 2)[1] == {2}
    # A's last renewal gives it no time: it lapses at once, as a killed instance's does
    # once its time has run out.
    assert a.outbox.claim_heads("A", 0.0, 1)[1] == {1}
    heads, held = b.outbox.claim_heads("B", 10.0, 2)
    assert held == {1, 2} and [m.chat_id for m in heads] == [1, 2]
    # The instance that lost it gets it back only once it is free again.
    assert a.outbox.claim_heads("A", 10.0, 2)[1] == set()
    assert b.outbox.release_claims("B") == 2
    assert a.outbox.claim_heads("A", 10.0, 2)[1] == {1, 2}


def test_the_rate_budget_spaces_tokens_across_instances(two: tuple[Store, Store]) -> None:
    a, b = two
    # (An interval far longer than the test, so that its own pace cannot matter.)
    interval = 100.0
    waits = [s.rate_budget.take("t", 1, interval) for s in (a, b, a, b)]
    # Each token one interval after the one before, whoever took it.
    assert waits[0] == 0.0
    for n, wait in enumerate(waits):
        assert wait == pytest.approx(n * interval, abs=5.0)
    a.rate_budget.push_back("t", 1000.0)
    assert b.rate_budget.take("t", 1, interval) == pytest.approx(1000.0, abs=5.0)
