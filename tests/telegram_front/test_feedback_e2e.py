"""Feedback end to end, through the real bot and the fake Bot API: an alert's 👍 / 👎
and mute buttons, answered in place; a mute that silences a list's alerts and digest
items and lifts by itself; /feedback and its one-tap suggestions; /mute and /unmute."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.messages.alert_keyboard import CHOSEN
from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import MESSAGE_CANT_BE_EDITED, ApiError, FakeTelegram, SentMessage
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB = 4242, 4343
OLD = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)


def item(n: int, body: str, *, minutes: int = 60) -> tuple[str, str, str, datetime]:
    return (str(9100 + n), f"Route story {n}", f"<p>{body}</p>", NOW - timedelta(minutes=minutes))


TRIPP = "Yerevan and Baku discussed the TRIPP crossing at Meghri once more."


def motel(n: int) -> str:
    return f"Tourists on the old Trump Route 66 motel strip, stop {n}, saw no trains."


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


async def press(
    b: BotUnderTest, message: SentMessage, data: str, *, forged: bool = False
) -> tuple[str, bool]:
    """Press a button under ``message``; the callback's answer once the bot gave it."""
    answered = len(b.fake.callback_answers)
    b.fake.user_presses(message, data, forged=forged)
    assert await b.wait(lambda: len(b.fake.callback_answers) > answered)
    answer = b.fake.callback_answers[-1]
    return answer.text or "", answer.show_alert


def button(b: BotUnderTest, message: SentMessage, starts: str) -> str:
    return next(d for label, d in b.fake.buttons(message) if label.startswith(starts))


def labels(b: BotUnderTest, message: SentMessage) -> list[str]:
    return [label for label, _ in b.fake.buttons(message)]


def test_votes_are_acknowledged_in_place_changed_and_forged_ones_answered(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                before = len(fake.messages_to(ANN))
                feeds.publish("/a.feed", rss([item(1, TRIPP), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(ANN)[before:]
                assert labels(b, alert) == [
                    "👍 about TRIPP",
                    "👎 not about TRIPP",
                    "🔕 mute TRIPP for a week",
                ]

                said, _ = await press(b, alert, button(b, alert, "👍"))
                assert said == "Noted: about TRIPP. Thanks!"
                assert await b.wait(lambda: labels(b, alert)[0] == CHOSEN + "👍 about TRIPP")
                said, _ = await press(b, alert, button(b, alert, "👎"))
                assert said == "Changed: not about TRIPP. Thanks!"
                assert await b.wait(lambda: labels(b, alert)[1] == CHOSEN + "👎 not about TRIPP")
                assert labels(b, alert)[0] == "👍 about TRIPP"
                # No new message: the answer and the buttons say it all.
                assert len(fake.messages_to(ANN)) == before + 1
                [voted] = list(b.store.feedback.all_votes())
                assert (voted.chat_id, voted.watchlist, voted.up) == (ANN, "TRIPP", False)

                said, alerted = await press(b, alert, "v:u:garbage", forged=True)
                assert alerted and "not one I can read" in said
                said, alerted = await press(b, alert, "v:u:0123456789ab:0123456789", forged=True)
                assert alerted and "no longer know that article" in said
                article_key = button(b, alert, "👍").split(":")[2]
                said, alerted = await press(b, alert, f"v:u:{article_key}:0123456789", forged=True)
                assert alerted and "no longer matches" in said
                said, alerted = await press(b, alert, "mu:0123456789", forged=True)
                assert alerted and "no longer follows" in said
                assert len(list(b.store.feedback.all_votes())) == 1

        asyncio.run(scenario())


def test_a_vote_whose_buttons_cannot_be_updated_is_kept_and_no_error_reaches_the_chat(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                feeds.publish("/a.feed", rss([item(1, TRIPP), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                alert = fake.messages_to(ANN)[-1]
                before = len(fake.messages_to(ANN))

                # Telegram refuses to edit the buttons (an old message, a flood limit):
                # the vote is kept and was acknowledged; nothing else is said.
                fake.script("editMessageReplyMarkup", [ApiError(400, MESSAGE_CANT_BE_EDITED)])
                said, _ = await press(b, alert, button(b, alert, "👍"))
                assert said == "Noted: about TRIPP. Thanks!"
                fake.script("editMessageReplyMarkup", [ApiError.too_many_requests(5)], chat_id=ANN)
                said, _ = await press(b, alert, button(b, alert, "🔕"))
                assert said.startswith("Muted TRIPP until ")
                # Updates of one chat are handled in order: once /mysubs is answered,
                # anything the taps said has been said.
                await b.send("/mysubs", user_id=ANN)
                assert await b.wait(lambda: len(fake.messages_to(ANN)) >= before + 1)
                after = [m.text for m in fake.messages_to(ANN)[before:]]
                assert len(after) == 1 and after[0].startswith("Your subscriptions"), after
                [voted] = list(b.store.feedback.all_votes())
                assert (voted.watchlist, voted.up) == ("TRIPP", True)

        asyncio.run(scenario())


def test_mute_with_zero_or_a_huge_number_of_days_is_refused_and_leaves_the_mute_alone(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/x"])

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.send("/subscribe TRIPP", user_id=ANN)
            [muted] = await b.send("/mute TRIPP 3", user_id=ANN)
            assert "Muted <b>TRIPP</b> until" in (muted.html or "")
            for days in ("0", "00", "1000000"):
                [refused] = await b.send(f"/mute TRIPP {days}", user_id=ANN)
                assert "Nothing muted" in refused.text and "1 to 365 days" in refused.text
            [subs] = await b.send("/mysubs", user_id=ANN)
            assert "TRIPP (muted until " in subs.text

    asyncio.run(scenario())


def test_a_muted_list_sends_no_alerts_nor_digest_items_until_the_mute_runs_out(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/subscribe Middle Corridor", user_id=ANN)
                before = len(fake.messages_to(ANN))
                feeds.publish("/a.feed", rss([item(1, TRIPP), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(ANN)[before:]

                said, _ = await press(b, alert, button(b, alert, "🔕"))
                assert said.startswith("Muted TRIPP until ")
                assert await b.wait(lambda: labels(b, alert)[-1] == "🔔 unmute TRIPP")
                [subs] = await b.send("/mysubs", user_id=ANN)
                assert "TRIPP (muted until " in subs.text

                # While muted: a TRIPP article brings no alert, a Middle Corridor one does,
                # and the digest holds only the latter.
                before = len(fake.messages_to(ANN))
                corridor = "Freight on the Middle Corridor doubled."
                feeds.publish(
                    "/a.feed",
                    rss(
                        [
                            item(2, TRIPP, minutes=30),
                            item(3, corridor, minutes=29),
                            item(1, TRIPP),
                            OLD,
                        ]
                    ),
                )
                clock.set(NOW + timedelta(minutes=4))
                await b.poll()
                assert await b.outbox_settled()
                [only] = fake.messages_to(ANN)[before:]
                assert only.text.startswith("🔔 New in Middle Corridor")
                clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                [digest] = fake.messages_to(ANN)[before + 1 :]
                assert "Route story 3" in digest.text
                assert "Route story 2" not in digest.text and "Route story 1" not in digest.text

                # A week later the mute has lifted by itself.
                before = len(fake.messages_to(ANN))
                clock.set(NOW + timedelta(days=7, minutes=3))
                feeds.publish("/a.feed", rss([item(4, TRIPP, minutes=-10079), OLD]))
                await b.poll()
                assert await b.outbox_settled()
                [back] = fake.messages_to(ANN)[before:]
                assert back.text.startswith("🔔 New in TRIPP")
                [subs] = await b.send("/mysubs", user_id=ANN)
                assert "muted" not in subs.text

                # /mute and /unmute say what they did; bad input gets a clear answer.
                [muted] = await b.send("/mute tripp 3", user_id=ANN)
                assert "Muted <b>TRIPP</b> until" in (muted.html or "")
                [refused] = await b.send("/mute tripp 900", user_id=ANN)
                assert "1 to 365 days" in refused.text
                [unknown] = await b.send("/mute Atlantis 3", user_id=ANN)
                assert "Atlantis" in unknown.text
                [unmuted] = await b.send("/unmute TRIPP", user_id=ANN)
                assert "no longer muted" in unmuted.text
                [again] = await b.send("/unmute TRIPP", user_id=ANN)
                assert "is not muted" in again.text

        asyncio.run(scenario())


def test_feedback_reports_votes_and_a_tapped_suggestion_becomes_an_audited_edit(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ADMIN_ID)
                before = len(fake.messages_to(ADMIN_ID))
                stories = [item(1, motel(1), minutes=50), item(2, motel(2), minutes=49)]
                stories.append(item(3, TRIPP, minutes=48))
                feeds.publish("/a.feed", rss([*stories, OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [combined] = fake.messages_to(ADMIN_ID)[before:]
                assert labels(b, combined)[:2] == ["👍 1. TRIPP", "👎 1. not TRIPP"]
                for n in (1, 2):
                    await press(b, combined, button(b, combined, f"👎 {n}."))
                await press(b, combined, button(b, combined, "👍 3."))

                [refused] = await b.send("/feedback", user_id=BOB)
                assert "for the bot's admins, and for the owner of a personal list" in refused.text
                [report] = await b.send("/feedback tripp", user_id=ADMIN_ID)
                assert "Feedback on TRIPP" in report.text
                assert "Last 30 days: 👍 1 · 👎 2" in report.text
                assert "Route story 1 (term: Trump Route)" in report.text
                assert "trump route 66" in report.text
                tap = button(b, report, "➖ exclude “trump route 66”")
                assert len(tap.encode()) <= 64
                answered, sent = len(fake.callback_answers), len(fake.messages_to(ADMIN_ID))
                fake.user_presses(report, tap)
                done = (await b.messages(ADMIN_ID, sent + 1))[-1]
                assert await b.wait(lambda: len(fake.callback_answers) > answered)
                assert "trump route 66" in done.text.casefold()
                listed = (tmp_path / "watchlists" / "tripp.toml").read_text(encoding="utf-8")
                assert '"trump route 66"' in listed
                [entry, *_] = b.store.audit_for("TRIPP")
                assert (entry.action, entry.actor) == ("exclude", f"telegram:{ADMIN_ID}")
                # The same button again: the suggestion no longer stands.
                said, alerted = await press(b, report, tap)
                assert alerted and "no longer stands" in said
                # A quarter of an hour later the buttons are stale; the report stays.
                clock.set(clock.now + timedelta(minutes=16))
                said, alerted = await press(b, report, button(b, report, "➖ exclude “old"))
                assert alerted and "send /feedback again" in said
                assert (
                    "Feedback on TRIPP" in (fake.message(ADMIN_ID, report.message_id) or {})["text"]
                )
                [group] = await b.send(
                    "/feedback", user_id=ADMIN_ID, chat_id=-100777, chat_type="supergroup"
                )
                assert "private chat" in group.text

        asyncio.run(scenario())


def test_in_a_group_anyone_votes_for_the_group_and_only_its_admins_mute(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    group, boss, member = -100777, 11, 12
    fake.set_chat_member(group, boss, "administrator")
    fake.set_chat_member(group, member, "member")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()
                common = {"chat_id": group, "chat_type": "supergroup"}
                await b.send("/subscribe tripp", user_id=boss, **common)
                before = len(fake.messages_to(group))
                feeds.publish("/a.feed", rss([item(1, TRIPP), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(group)[before:]

                async def tap(data: str, user: int) -> tuple[str, bool]:
                    answered = len(fake.callback_answers)
                    fake.user_presses(alert, data, user_id=user)
                    assert await b.wait(lambda: len(fake.callback_answers) > answered)
                    return fake.callback_answers[-1].text or "", fake.callback_answers[
                        -1
                    ].show_alert

                said, _ = await tap(button(b, alert, "👎"), member)
                assert said == "Noted: not about TRIPP. Thanks!"
                [vote] = list(b.store.feedback.all_votes())
                assert (vote.chat_id, vote.up) == (group, False)
                said, alerted = await tap(button(b, alert, "🔕"), member)
                assert alerted and "Only this group's admins" in said
                assert b.store.chats.get(group).muted == ()
                said, _ = await tap(button(b, alert, "🔕"), boss)
                assert said.startswith("Muted TRIPP until ")

        asyncio.run(scenario())
