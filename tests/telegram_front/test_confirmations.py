"""/stop and /myrm NAME (a whole personal list) ask first, with Yes / Cancel buttons; only
a fresh Yes from the chat that asked (in a group, from an admin) acts, and the message
then says what was done. An old or foreign button does nothing harmful."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import personal_lists
from bot.app.chats import Chat, ensure_chat
from bot.app.config import parse_config
from bot.app.service import build_service
from bot.domain.confirm import ANSWER_WITHIN, asked_at, still_open
from bot.domain.models import Term
from tests.bot_harness import TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.fake_telegram import FakeTelegram, SentMessage

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB, GROUP = 4242, 4343, -100
YES, CANCEL = 0, 1


# -- how long a question stays open (pure) ---------------------------------------------------


def test_a_question_is_open_for_a_quarter_of_an_hour_and_never_from_the_future() -> None:
    stamp = asked_at(NOW)
    assert stamp == "htgs0" and len(stamp) <= 12
    assert still_open(stamp, NOW)
    assert still_open(stamp, NOW + ANSWER_WITHIN)
    assert not still_open(stamp, NOW + ANSWER_WITHIN + timedelta(minutes=1))
    assert not still_open(stamp, NOW - timedelta(minutes=5))
    for forged in ("", "HTGS0", "htgs0:", "zzzzzzzzzzzzz", "-1"):
        assert not still_open(forged, NOW)


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz", max_size=14))
def test_any_forged_stamp_is_closed_or_open_but_never_raises(stamp: str) -> None:
    # A client may send any callback data: a stamp far from 1970 overflows a date.
    assert still_open(stamp, NOW) in (True, False)


# -- Telegram ----------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none"])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


def now_reads(fake: FakeTelegram, message: SentMessage) -> str:
    current = fake.message(message.chat_id, message.message_id)
    return str(current["text"]) if current else ""


async def press(
    b: BotUnderTest, message: SentMessage, which: int, *, user_id: int | None = None
) -> str:
    """Press a button under ``message``; the callback's answer once the bot gave it."""
    answered = len(b.fake.callback_answers)
    data = b.fake.buttons(message)[which][1]
    b.fake.user_presses(message, data, user_id=user_id)
    assert await b.wait(lambda: len(b.fake.callback_answers) > answered)
    return b.fake.callback_answers[-1].text or ""


def test_stop_asks_first_cancel_keeps_everything_and_yes_stops(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, clock) as b:
            await b.send("/subscribe TRIPP", user_id=ANN)
            await b.send("/subscribe middle corridor", user_id=ANN)
            [asked] = await b.send("/stop", user_id=ANN)
            assert "Stop following everything? That is 2 watchlists you follow" in asked.text
            assert [label for label, _ in fake.buttons(asked)] == ["Yes, stop everything", "Cancel"]
            assert b.store.chats.get(ANN).watchlists == ("Middle Corridor", "TRIPP")

            await press(b, asked, CANCEL)
            assert await b.wait(lambda: now_reads(fake, asked).startswith("Cancelled"))
            assert fake.buttons(asked) == []
            assert b.store.chats.get(ANN).watchlists == ("Middle Corridor", "TRIPP")

            [asked] = await b.send("/stop", user_id=ANN)
            await press(b, asked, YES)
            assert await b.wait(lambda: "Unsubscribed from everything" in now_reads(fake, asked))
            assert fake.buttons(asked) == []
            assert b.store.chats.get(ANN).watchlists == ()

            [nothing] = await b.send("/stop", user_id=ANN)
            assert "You were not following anything" in nothing.text
            assert fake.buttons(nothing) == []

    asyncio.run(scenario())


def test_an_old_yes_does_nothing_but_say_so(tmp_path: Path, fake: FakeTelegram) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, clock) as b:
            await b.send("/subscribe TRIPP", user_id=ANN)
            [asked] = await b.send("/stop", user_id=ANN)
            clock.set(NOW + ANSWER_WITHIN + timedelta(minutes=2))
            assert "expired" in await press(b, asked, YES)
            assert fake.callback_answers[-1].show_alert
            assert await b.wait(lambda: "expired" in now_reads(fake, asked))
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)

    asyncio.run(scenario())


def test_in_a_group_only_an_admin_s_yes_stops_it(tmp_path: Path, fake: FakeTelegram) -> None:
    clock = Clock(NOW)
    boss, member = 7001, 7002
    group = {"chat_id": GROUP, "chat_type": "group"}

    async def scenario() -> None:
        async with bot(tmp_path, fake, clock) as b:
            fake.set_chat_member(GROUP, boss, "administrator")
            fake.set_chat_member(GROUP, member, "member")
            await b.send("/subscribe TRIPP", user_id=boss, **group)
            [refused] = await b.send("/stop", user_id=member, **group)
            assert "Only this group's admins" in refused.text
            [asked] = await b.send("/stop", user_id=boss, **group)
            assert "this group follows" in asked.text

            assert "admins" in await press(b, asked, YES, user_id=member)
            assert b.store.chats.get(GROUP).watchlists == ("TRIPP",)
            assert "Stop following everything?" in now_reads(fake, asked)

            await press(b, asked, YES, user_id=boss)
            assert await b.wait(lambda: "Unsubscribed from everything" in now_reads(fake, asked))
            assert b.store.chats.get(GROUP).watchlists == ()

    asyncio.run(scenario())


def test_myrm_asks_before_deleting_a_whole_list_and_yes_deletes_it(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, clock) as b:
            await b.send("/mynew Rogun | Rogun Dam, Vakhsh cascade", user_id=ANN)
            [asked] = await b.send("/myrm rogun", user_id=ANN)
            assert "Delete your list Rogun and its 2 terms?" in asked.text
            assert [label for label, _ in fake.buttons(asked)] == ["Yes, delete it", "Cancel"]
            assert len(b.store.personal.of(ANN)) == 1

            await press(b, asked, CANCEL)
            assert await b.wait(lambda: now_reads(fake, asked).startswith("Cancelled"))
            assert len(b.store.personal.of(ANN)) == 1

            [asked] = await b.send("/myrm Rogun", user_id=ANN)
            await press(b, asked, YES)
            assert await b.wait(lambda: "Deleted your list Rogun" in now_reads(fake, asked))
            assert b.store.personal.of(ANN) == []
            assert "~4242/Rogun" not in b.store.chats.get(ANN).watchlists

    asyncio.run(scenario())


def test_a_yes_for_a_list_changed_or_deleted_since_deletes_nothing(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, clock) as b:
            await b.send("/mynew Rogun | Rogun Dam", user_id=ANN)
            [asked] = await b.send("/myrm Rogun", user_id=ANN)
            [again] = await b.send("/myrm Rogun", user_id=ANN)
            await b.send("/myadd Rogun | Nurek", user_id=ANN)
            await press(b, asked, YES)
            assert await b.wait(lambda: "already gone, or has changed" in now_reads(fake, asked))
            assert [p.name for p in b.store.personal.of(ANN)] == ["Rogun"]

            # Asked again about the list as it is now: yes deletes; an older yes then finds
            # nothing to delete.
            [fresh] = await b.send("/myrm Rogun", user_id=ANN)
            await press(b, fresh, YES)
            assert await b.wait(lambda: "Deleted your list Rogun" in now_reads(fake, fresh))
            await press(b, again, YES)
            assert await b.wait(lambda: "already gone" in now_reads(fake, again))
            assert b.store.personal.of(ANN) == []

    asyncio.run(scenario())


def test_a_deletion_yes_names_its_owner_so_no_other_chat_can_use_it(
    tmp_path: Path, watchlists_dir: Path
) -> None:
    store, lists = str(tmp_path / "s.sqlite3"), str(watchlists_dir)
    config = parse_config({"store": {"path": store}, "watchlists": {"dir": lists}}, source="t")
    service = build_service(config)
    try:
        for chat in (ANN, BOB):
            ensure_chat(service, Chat(chat, "private"), NOW)
        personal_lists.create(
            service, NOW, owner=ANN, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
        )
        personal_lists.create(
            service, NOW, owner=BOB, name="Rogun", terms=[Term("Rogun Dam")], actor="t"
        )
        asked = personal_lists.ask_delete(service, owner=ANN, name="Rogun", typed="Rogun")
        gone = personal_lists.delete_confirmed(
            service, NOW, owner=BOB, version=asked.version, actor="t"
        )
        assert gone is None
        assert len(service.store.personal.of(ANN)) == len(service.store.personal.of(BOB)) == 1
    finally:
        service.close()
