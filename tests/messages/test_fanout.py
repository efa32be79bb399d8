"""Who gets which alert: properties of the pure fan-out."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import MODES, Alert, OutgoingMessage, Subscriber
from bot.domain.routing import Destination
from bot.messages.fanout import (
    alert_messages,
    digest_key,
    held_heading,
    routed_digest_key,
    with_held_heading,
)
from bot.messages.html import MAX_MESSAGE, utf16_len
from tests.factories import T0, make_article, make_match

LISTS = ["TRIPP", "Middle Corridor", "Abraham Accords", "~7/Rogun"]

subscribers = st.lists(
    st.builds(
        Subscriber,
        chat_id=st.integers(-(10**12), 10**10),
        kind=st.sampled_from(["private", "group"]),
        timezone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Tbilisi"]),
        digest_time=st.just("08:00"),
        mode=st.sampled_from(MODES),
        active=st.booleans(),
        watchlists=st.lists(st.sampled_from(LISTS), unique=True).map(tuple),
    ),
    unique_by=lambda s: s.chat_id,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(subs=subscribers, matched=st.lists(st.sampled_from(LISTS), min_size=1, unique=True))
def test_each_interested_chat_gets_exactly_one_alert_naming_only_its_lists(
    subs: list[Subscriber], matched: list[str]
) -> None:
    alert = Alert(make_article(1), tuple(make_match(name) for name in matched))
    messages = alert_messages([alert], subs)
    expected = {
        s.chat_id
        for s in subs
        if s.active and s.mode in ("instant", "both") and set(s.watchlists) & set(matched)
    }
    assert sorted(m.chat_id for m in messages) == sorted(expected)
    assert len({m.dedup_key for m in messages}) == len(messages)
    by_chat = {s.chat_id: s for s in subs}
    for m in messages:
        followed = set(by_chat[m.chat_id].watchlists)
        header = m.text.splitlines()[0]  # "🔔 New in <b>A</b>, <b>B</b>"
        for name in LISTS:
            shown = "Rogun (personal)" if name.startswith("~") else name
            wanted = name in followed and name in matched
            assert (f"<b>{shown}</b>" in header) == wanted
        assert "~7/" not in m.text


def test_the_same_alert_twice_has_the_same_keys_and_a_new_list_a_new_one() -> None:
    sub = Subscriber(1, "private", "UTC", "08:00", watchlists=("TRIPP", "Middle Corridor"))
    first = alert_messages([Alert(make_article(1), (make_match("TRIPP"),))], [sub])
    again = alert_messages([Alert(make_article(1), (make_match("TRIPP"),))], [sub])
    later = alert_messages(
        [Alert(make_article(1), (make_match("Middle Corridor"),), updated=True)], [sub]
    )
    assert [m.dedup_key for m in first] == [m.dedup_key for m in again]
    assert first[0].dedup_key != later[0].dedup_key


def test_digest_keys_name_the_chat_and_its_local_day() -> None:
    assert digest_key(-100, T0.date()) == "digest:-100:2025-08-20"


def test_what_quiet_hours_held_comes_under_a_heading_naming_them() -> None:
    sub = Subscriber(chat_id=5, kind="private", timezone="UTC", digest_time="08:00")
    sub = replace(sub, quiet_hours="22:00-07:00", watchlists=("TRIPP",))
    alert = Alert(make_article(1), (make_match("TRIPP"),))
    [one] = alert_messages([alert], [sub])
    [held] = with_held_heading(sub, [one])
    assert held.text == f"🌙 Held during your quiet hours (22:00–07:00):\n\n{one.text}"
    assert (held.dedup_key, held.reply_markup) == (one.dedup_key, one.reply_markup)
    group = replace(sub, kind="supergroup")
    assert held_heading(group) == "🌙 Held during this group's quiet hours (22:00–07:00):"


def test_a_held_part_with_no_room_left_gets_its_heading_as_a_message_of_its_own() -> None:
    sub = Subscriber(5, "private", "UTC", "08:00", quiet_hours="22:00-07:00")
    full = OutgoingMessage("alerts:5:x:1", 5, "alert", "x" * MAX_MESSAGE, "HTML", "{}")
    heading, part = with_held_heading(sub, [full])
    assert part == full
    assert heading.text == held_heading(sub) and heading.dedup_key == "held:alerts:5:x:1"
    assert utf16_len(heading.text) <= MAX_MESSAGE


def test_a_routed_digest_is_keyed_by_its_target_day_and_lists_not_by_the_subscriber() -> None:
    channel, topic = Destination(-900), Destination(-100, 7)
    day = T0.date()
    # Whichever chat routes TRIPP and the Middle Corridor there, in whatever order.
    assert routed_digest_key(channel, day, ["TRIPP", "Middle Corridor"]) == routed_digest_key(
        channel, day, ["Middle Corridor", "TRIPP"]
    )
    assert routed_digest_key(channel, day, ["TRIPP"]) != routed_digest_key(
        channel, day, ["TRIPP", "Middle Corridor"]
    )
    # A topic's digest is not the group's own, nor another topic's.
    keys = {
        digest_key(-100, day),
        routed_digest_key(topic, day, ["TRIPP"]),
        routed_digest_key(Destination(-100, 8), day, ["TRIPP"]),
    }
    assert len(keys) == 3
