"""Where a chat's messages about each list go (domain/routing): every followed list goes
to exactly one destination, the chat itself unless routed; buttons only where the
subscriber can press them."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Subscriber
from bot.domain.routing import (
    Destination,
    Route,
    buttons_allowed,
    destinations,
    subscriber_views,
)

GROUP, CHANNEL = -1005001, -1009001
SUB = Subscriber(GROUP, "supergroup", "UTC", "08:00", watchlists=("A", "B", "C"))


def test_a_chat_without_routes_is_its_own_only_destination_unchanged() -> None:
    routes = [Route(42, "A", Destination(CHANNEL))]  # another chat's
    assert subscriber_views(SUB, routes) == [(Destination(GROUP), SUB)]


def test_routed_lists_leave_the_chat_for_their_topic_or_channel() -> None:
    routes = [
        Route(GROUP, "B", Destination(CHANNEL), "News"),
        Route(GROUP, "C", Destination(GROUP, 7)),
    ]
    views = subscriber_views(SUB, routes)
    assert [(d, v.watchlists) for d, v in views] == [
        (Destination(GROUP), ("A",)),
        (Destination(CHANNEL), ("B",)),
        (Destination(GROUP, 7), ("C",)),
    ]
    # Everything else about the subscriber (mode, zone, mutes) stays as it is; a view for
    # a channel is keyed by the channel.
    assert [v.chat_id for _, v in views] == [GROUP, CHANNEL, GROUP]
    assert all(replace(v, chat_id=GROUP, watchlists=SUB.watchlists) == SUB for _, v in views)


def test_a_chat_with_every_list_routed_has_no_message_of_its_own() -> None:
    routes = [Route(GROUP, name, Destination(CHANNEL)) for name in SUB.watchlists]
    assert destinations(GROUP, SUB.watchlists, routes) == [(Destination(CHANNEL), ("A", "B", "C"))]


def test_alerts_keep_their_buttons_in_a_topic_but_not_in_a_channel() -> None:
    assert buttons_allowed(Destination(GROUP, 7), GROUP)
    assert buttons_allowed(Destination(GROUP), GROUP)
    assert not buttons_allowed(Destination(CHANNEL), GROUP)


names = st.lists(st.sampled_from("ABCDEFG"), unique=True, max_size=7)
targets = st.sampled_from(
    [Destination(GROUP), Destination(GROUP, 1), Destination(GROUP, 2), Destination(CHANNEL)]
)


@given(names, st.dictionaries(st.sampled_from("ABCDEFGH"), targets))
def test_every_followed_list_goes_to_exactly_one_destination(
    followed: list[str], routed: dict[str, Destination]
) -> None:
    routes = [Route(GROUP, name, target) for name, target in routed.items()]
    groups = destinations(GROUP, followed, routes)
    spread = [name for _, lists in groups for name in lists]
    assert sorted(spread) == sorted(followed)
    for target, lists in groups:
        assert all(routed.get(name, Destination(GROUP)) == target for name in lists)
