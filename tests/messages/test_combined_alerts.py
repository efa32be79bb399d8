"""Several alerts for one chat from one poll: one combined message, split between items."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import MODES, Alert, Subscriber
from bot.messages.articles import render_alert, render_alerts
from bot.messages.fanout import alert_messages, alerts_for, chat_alert_messages
from bot.messages.html import MAX_MESSAGE, utf16_len
from tests.factories import make_article, make_match
from tests.fake_telegram import parse_telegram_html
from tests.fake_telegram import utf16_len as telegram_len
from tests.messages.test_render import articles, assert_valid_telegram_html, matches

ANN = 4242
LISTS = ("TRIPP", "Middle Corridor", "Abraham Accords", f"~{ANN}/Rogun")


def reader(*watchlists: str, chat_id: int = ANN) -> Subscriber:
    return Subscriber(chat_id, "private", "UTC", "08:00", mode="instant", watchlists=watchlists)


def tripp_alert(n: int, *lists: str, updated: bool = False, snippet_words: int = 0) -> Alert:
    found = [make_match(name, term="TRIPP") for name in lists or ("TRIPP",)]
    if snippet_words:
        filler = " ".join(["transit across Syunik"] * snippet_words)
        found = [replace(m, snippet=f"{m.snippet} {filler}") for m in found]
    return Alert(make_article(n), tuple(found), updated=updated)


def item_numbers(parts: list[str]) -> list[int]:
    return [int(n) for n in re.findall(r"(?:^|\n\n)(\d+)\. ", "\n\n".join(parts))]


def test_a_lone_alert_is_the_single_alert_it_always_was() -> None:
    alert = tripp_alert(1)
    [message] = alert_messages([alert], [reader("TRIPP")])
    assert message.text == render_alert(alert.article, alert.matches, updated=False, tz=UTC)
    assert message.dedup_key == f"alert:{ANN}:guid:https://example.org/item/1:TRIPP"


def test_five_alerts_make_one_message_with_a_heading_and_an_item_each() -> None:
    alerts = [tripp_alert(1, "TRIPP", "Middle Corridor"), *(tripp_alert(n) for n in range(2, 6))]
    [message] = alert_messages(alerts, [reader("TRIPP", "Middle Corridor")])
    lines = message.text.splitlines()
    assert lines[0] == "🔔 5 new articles in <b>Middle Corridor</b>, <b>TRIPP</b>"
    assert item_numbers([message.text]) == [1, 2, 3, 4, 5]
    for n in range(1, 6):
        assert f'{n}. <b><a href="https://example.org/item/{n}">Article number {n}</a></b>' in (
            message.text
        )
    assert "• TRIPP: " in message.text and "• Middle Corridor: " in message.text
    assert message.text.count("<i>the new <b>TRIPP</b> route</i>") == 6
    assert message.kind == "alert" and message.dedup_key.startswith(f"alerts:{ANN}:")
    assert_valid_telegram_html(message.text)


def test_the_heading_counts_new_and_updated_articles_apart() -> None:
    def heading(*updated: bool) -> str:
        alerts = [tripp_alert(n, updated=u) for n, u in enumerate(updated, start=1)]
        return render_alerts(alerts, tz=UTC)[0].splitlines()[0]

    assert heading(True, True) == "🔔 2 updated articles in <b>TRIPP</b>"
    assert heading(False, True, False) == "🔔 2 new and 1 updated article in <b>TRIPP</b>"
    assert (
        "<i>(updated)</i>"
        in render_alerts([tripp_alert(1), tripp_alert(2, updated=True)], tz=UTC)[0].split("\n\n")[2]
    )


def test_a_chat_gets_only_the_alerts_and_lists_it_follows() -> None:
    alerts = [
        tripp_alert(1),
        tripp_alert(2, "Middle Corridor"),
        tripp_alert(3, "TRIPP", "Middle Corridor"),
    ]
    [message] = alert_messages(alerts, [reader("TRIPP")])
    assert item_numbers([message.text]) == [1, 2]
    assert "item/2" not in message.text and "Middle Corridor" not in message.text


def test_a_personal_list_is_shown_by_its_owners_name_and_goes_to_no_one_else() -> None:
    rogun = f"~{ANN}/Rogun"
    alerts = [tripp_alert(1, rogun), tripp_alert(2, rogun, "TRIPP")]
    owner, other = reader(rogun, "TRIPP"), reader("TRIPP", chat_id=77)
    messages = alert_messages(alerts, [owner, other])
    [mine] = [m for m in messages if m.chat_id == ANN]
    assert mine.text.splitlines()[0] == "🔔 2 new articles in <b>Rogun (personal)</b>, <b>TRIPP</b>"
    assert "~" not in mine.text
    [theirs] = [m for m in messages if m.chat_id == 77]
    assert "Rogun" not in theirs.text and theirs.dedup_key.startswith("alert:77:")


def test_forty_long_alerts_split_between_items_into_marked_parts_within_the_limit() -> None:
    alerts = [tripp_alert(n, "TRIPP", "Middle Corridor", snippet_words=12) for n in range(1, 41)]
    messages = alert_messages(alerts, [reader("TRIPP", "Middle Corridor")])
    parts = [m.text for m in messages]
    assert 2 <= len(parts) < 10
    for i, part in enumerate(parts, start=1):
        assert_valid_telegram_html(part)
        heading = "🔔 40 new articles in <b>Middle Corridor</b>, <b>TRIPP</b>"
        assert part.splitlines()[0] == f"{heading} ({i}/{len(parts)})"
    assert item_numbers(parts) == list(range(1, 41))
    assert len({m.dedup_key for m in messages}) == len(messages)
    assert [m.dedup_key.rsplit(":", 1)[1] for m in messages] == [
        str(i) for i in range(1, len(parts) + 1)
    ]


def test_the_same_alerts_again_have_the_same_keys_and_another_set_other_keys() -> None:
    sub = reader("TRIPP")
    first = alert_messages([tripp_alert(1), tripp_alert(2)], [sub])
    again = alert_messages([tripp_alert(1), tripp_alert(2)], [sub])
    other = alert_messages([tripp_alert(1), tripp_alert(3)], [sub])
    assert [m.dedup_key for m in first] == [m.dedup_key for m in again]
    assert first[0].dedup_key != other[0].dedup_key


# -- properties ------------------------------------------------------------------------

subscribers = st.lists(
    st.builds(
        Subscriber,
        chat_id=st.integers(-(10**12), 10**10).filter(lambda c: c != ANN + 1),
        kind=st.sampled_from(["private", "group"]),
        timezone=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Tbilisi"]),
        digest_time=st.just("08:00"),
        mode=st.sampled_from(MODES),
        active=st.booleans(),
        watchlists=st.lists(st.sampled_from(LISTS), unique=True).map(tuple),
    ),
    unique_by=lambda s: s.chat_id,
    max_size=4,
).map(lambda subs: [reader(*LISTS, chat_id=ANN + 1), *subs])


@st.composite
def polls(draw: st.DrawFn) -> list[Alert]:
    """The alerts of one poll: distinct articles (some hostile), each matching lists."""
    out = []
    # Few, or enough to need several parts.
    for n in range(draw(st.one_of(st.integers(0, 4), st.integers(20, 45)))):
        article = draw(st.one_of(st.builds(make_article, st.just(n)), articles()))
        found = draw(
            st.lists(
                st.one_of(st.sampled_from(LISTS).map(make_match), matches()),
                min_size=1,
                max_size=4,
            )
        )
        lists = draw(st.lists(st.sampled_from(LISTS), min_size=1, max_size=3))
        found = [replace(m, watchlist=w) for m, w in zip(found, lists * 4, strict=False)]
        # Each article's own address, to tell the items apart in what is sent.
        article = replace(article, id=f"id-{n}", link=f"https://example.org/poll/{n}")
        out.append(Alert(article, tuple(found), updated=draw(st.booleans())))
    return out


@settings(max_examples=60, deadline=None)
@given(alerts=polls(), subs=subscribers)
def test_every_alert_reaches_each_interested_chat_once_in_order_in_valid_parts(
    alerts: list[Alert], subs: list[Subscriber]
) -> None:
    messages = alert_messages(alerts, subs)
    assert len({m.dedup_key for m in messages}) == len(messages)
    for sub in subs:
        mine = [a for a in alerts if sub.wants_alerts and set(a.watchlists) & set(sub.watchlists)]
        theirs = [m for m in messages if m.chat_id == sub.chat_id]
        # Chats in the same zone with the same lists share one rendering: the same as
        # rendering theirs alone.
        assert theirs == chat_alert_messages(sub, alerts_for(sub, alerts))
        parts = [m.text for m in theirs]
        if not mine:
            assert parts == []
            continue
        for part in parts:
            assert_valid_telegram_html(part)
            assert utf16_len(part) <= MAX_MESSAGE
            # As Telegram counts it: the text left after parsing tags and entities.
            assert telegram_len(parse_telegram_html(part).text) <= MAX_MESSAGE
            assert f"~{ANN}/" not in part
        if len(mine) == 1:
            assert len(parts) == 1 and item_numbers(parts) == []
        else:
            assert item_numbers(parts) == list(range(1, len(mine) + 1))
            # Each item is its own article, in the poll's order, once.
            shown = re.findall(r"example\.org/poll/(\d+)", "".join(parts))
            assert shown == [a.article.id.removeprefix("id-") for a in mine]
