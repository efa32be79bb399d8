"""The buttons under alerts: within Telegram's limits whatever the article and list, read
back exactly, forged data refused, and the vote and mute in force shown in place."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Alert, Subscriber, article_key, watchlist_key
from bot.messages.alert_keyboard import (
    CHOSEN,
    MuteButton,
    VoteButton,
    alert_keyboard,
    decode,
    encode,
    parse_button,
    with_mute,
    with_vote,
)
from bot.messages.fanout import ChatAlert, chat_alert_messages
from tests.factories import make_article, make_match

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_lone_alert_gets_a_vote_row_and_a_mute_row_for_each_list() -> None:
    article = make_article(1)
    keyboard = alert_keyboard([(article, "TRIPP"), (article, "Middle Corridor")])
    labels = [[label for label, _ in row] for row in keyboard]
    assert labels == [
        ["👍 about TRIPP", "👎 not about TRIPP"],
        ["👍 about Middle Corridor", "👎 not about Middle Corridor"],
        ["🔕 mute TRIPP for a week"],
        ["🔕 mute Middle Corridor for a week"],
    ]
    assert parse_button(keyboard[0][1][1]) == VoteButton(
        False, article_key(article.id), watchlist_key("TRIPP")
    )
    assert parse_button(keyboard[2][0][1]) == MuteButton(watchlist_key("TRIPP"), True)


def test_a_combined_alert_numbers_its_buttons_as_its_items() -> None:
    a, b = make_article(1), make_article(2)
    keyboard = alert_keyboard([(a, "TRIPP"), (b, "TRIPP"), (b, "~42/Rogun")], first_number=7)
    assert [row[0][0] for row in keyboard] == [
        "👍 7. TRIPP",
        "👍 8. TRIPP",
        "👍 8. Rogun (personal)",
        "🔕 mute TRIPP for a week",
        "🔕 mute Rogun (personal) for a week",
    ]
    assert keyboard[2][1][0] == "👎 8. not Rogun (personal)"


@given(
    st.text(min_size=1, max_size=600),
    st.text(min_size=1, max_size=300),
    st.booleans(),
)
def test_every_button_fits_in_64_bytes_and_reads_back(article_id: str, name: str, up: bool) -> None:
    article = replace(make_article(1), id=article_id)
    for row in alert_keyboard([(article, name)], first_number=1 if up else None):
        for _, data in row:
            assert 1 <= len(data.encode("utf-8")) <= 64
            assert parse_button(data) is not None


@given(st.text(max_size=80))
def test_any_callback_data_is_read_or_refused_never_raises(data: str) -> None:
    found = parse_button(data)
    assert found is None or isinstance(found, VoteButton | MuteButton)


def test_forged_and_garbled_buttons_are_refused() -> None:
    for forged in (
        "",
        "v:u:",
        "v:x:0123456789ab:0123456789",
        "v:u:0123456789AB:0123456789",
        "v:u:0123456789ab:0123456789:extra",
        "mu:",
        "mu:short",
        "um:0123456789:7",
        "t:s:0123456789",
    ):
        assert parse_button(forged) is None, forged


def test_a_vote_shows_on_its_button_and_moves_when_changed() -> None:
    a, b = make_article(1), make_article(2)
    keyboard = alert_keyboard([(a, "TRIPP"), (b, "TRIPP")], first_number=1)
    up = parse_button(keyboard[0][0][1])
    assert isinstance(up, VoteButton)
    voted = with_vote(keyboard, up)
    assert voted[0][0][0] == CHOSEN + "👍 1. TRIPP"
    assert voted[0][1][0] == "👎 1. not TRIPP"
    assert voted[1] == keyboard[1]  # the other article's buttons are untouched
    down = VoteButton(False, up.article_key, up.list_key)
    changed = with_vote(voted, down)
    assert changed[0][0][0] == "👍 1. TRIPP"
    assert changed[0][1][0] == CHOSEN + "👎 1. not TRIPP"
    assert [d for row in changed for _, d in row] == [d for row in keyboard for _, d in row]


def test_mute_turns_into_unmute_and_back() -> None:
    keyboard = alert_keyboard([(make_article(1), "TRIPP")])
    muted = with_mute(keyboard, "TRIPP", muted=True)
    assert muted[-1] == [("🔔 unmute TRIPP", f"um:{watchlist_key('TRIPP')}")]
    assert with_mute(muted, "TRIPP", muted=False) == keyboard


def test_a_keyboard_survives_the_outbox_and_garbage_reads_as_none() -> None:
    keyboard = alert_keyboard([(make_article(1), "TRIPP")])
    assert decode(encode(keyboard)) == keyboard
    assert encode([]) == ""
    for garbage in ("", "{", "[1]", '[["a"]]', '[[["a", 1]]]', "null"):
        assert decode(garbage) == []


def _sub() -> Subscriber:
    return Subscriber(1, "private", "UTC", "08:00", watchlists=("TRIPP",))


def test_a_lone_alert_message_carries_its_buttons() -> None:
    alert = Alert(make_article(1), (make_match("TRIPP"),))
    [message] = chat_alert_messages(_sub(), [ChatAlert("alert:1:x:TRIPP", alert)])
    assert decode(message.reply_markup) == alert_keyboard([(alert.article, "TRIPP")])


def test_each_part_of_a_long_combined_alert_carries_the_buttons_of_its_own_items() -> None:
    long = "A paragraph on the route and its customs posts. " * 60
    alerts = [
        ChatAlert(
            f"alert:1:{n}:TRIPP",
            Alert(make_article(n, text=long), (replace(make_match("TRIPP"), snippet=long[:390]),)),
        )
        for n in range(1, 31)
    ]
    messages = chat_alert_messages(_sub(), alerts)
    assert len(messages) > 1
    numbers: list[int] = []
    for m in messages:
        votes = [row[0][0] for row in decode(m.reply_markup) if row[0][0].startswith("👍")]
        mine = [int(label.split()[1].rstrip(".")) for label in votes]
        for n in mine:
            assert f"\n{n}. " in "\n" + m.text  # its buttons are for the items it shows
        numbers += mine
    assert numbers == list(range(1, 31))


def test_an_items_buttons_stay_with_its_part_when_another_items_lead_starts_with_its_number() -> (
    None
):
    # Each article's text starts "<next number>. TRIPP …": its lead then shows the line
    # "N. <b>TRIPP</b>", which looked like the start of item N.
    filler = " The route and its customs posts were discussed at length once more." * 4
    alerts = []
    for n in range(1, 41):
        text = f"{n + 1}. TRIPP crossing opened in Meghri.{filler}"
        match = replace(make_match("TRIPP"), snippet="TRIPP crossing opened", mark_start=0)
        match = replace(match, mark_end=5)
        article = make_article(n, title=f"Title {n} " + "long " * 20, text=text)
        alerts.append(ChatAlert(f"alert:1:{n}:TRIPP", Alert(article, (match,))))
    messages = chat_alert_messages(_sub(), alerts)
    assert len(messages) > 1
    for m in messages:
        shown = {int(n) for n in re.findall(r"(?:^|\n\n)(\d+)\. ", m.text)}
        voted = {
            int(row[0][0].split()[1].rstrip("."))
            for row in decode(m.reply_markup)
            if row[0][0].startswith("👍")
        }
        assert voted == shown
