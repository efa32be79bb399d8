"""The bot end to end, as people use it: real PTB long polling against the fake Bot API
server, real feeds from the loopback feed server, the real store and outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import OutgoingMessage
from tests.bot_harness import TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import ApiError, FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242

OLD_ITEM = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
TRIPP_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the <em>Trump Route for International Peace and "
    "Prosperity</em> (TRIPP) across Syunik.</p>",
    NOW - timedelta(hours=1),
)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD_ITEM]))
        yield server


def bot(
    tmp_path: Path,
    fake: FakeTelegram,
    feeds: FeedServer,
    clock: Clock,
    store: str = "",
    **digest: str,
) -> BotUnderTest:
    config = make_config(
        tmp_path,
        api_url=fake.api_url,
        feed_urls=[feeds.url("/a.feed")],
        digest=digest or None,
        store=store,
    )
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


def test_start_subscribe_with_a_button_then_an_alert_arrives_with_its_snippet(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()  # first poll: the back catalogue is stored without alerts
            [welcome] = await b.send("/start", user_id=ANN)
            assert "Central Asia-Caucasus Analyst" in welcome.text
            labels = dict(fake.buttons(welcome))
            tripp = next(data for label, data in fake.buttons(welcome) if "TRIPP" in label)
            assert "➕ TRIPP" in labels
            fake.user_presses(welcome, tripp)
            assert await b.wait(lambda: len(fake.callback_answers) == 1)
            assert "Following TRIPP" in (fake.callback_answers[0].text or "")
            assert await b.wait(lambda: any(t == "✅ TRIPP" for t, _ in fake.buttons(welcome)))
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)

            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            [alert] = (await b.messages(ANN, 2))[1:]
            assert "Iran Watches the New Route" in alert.text
            assert "TRIPP" in alert.text
            assert "<b>Trump Route for International Peace and Prosperity</b>" in (alert.html or "")
            assert alert.parse_mode == "HTML"
            assert await b.outbox_settled()
            [row] = b.store.outbox.sent_to(ANN)
            assert row.kind == "alert"
            assert b.store.outbox.by_key(row.dedup_key)[0].id == row.id
            assert b.store.outbox.telegram_id(row.id) == alert.message_id

    asyncio.run(scenario())


LEAD_ITEM = (
    "9003",
    "A Council Meets",
    "<p>Under Resolution No. 5 the &lt;b&gt; council &amp;amp; Mr. Smith met. Tehran objects "
    "to the <em>Trump Route for International Peace and Prosperity</em> across Syunik. "
    "A third sentence stays out of the lead.</p>",
    NOW - timedelta(hours=1),
)


def test_an_alert_shows_the_lead_with_the_match_and_says_why_in_plain_words(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            await b.send("/start", user_id=ANN)
            await b.send("/subscribe tripp", user_id=ANN)
            feeds.publish("/a.feed", rss([LEAD_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            alert = (await b.messages(ANN, 3))[-1]
            # Text that looks like a tag or an entity reaches the reader as written, and
            # the lead's two sentences do not break at "No." or "Mr.".
            assert (
                "Under Resolution No. 5 the <b> council &amp; Mr. Smith met. Tehran objects "
                "to the Trump Route for International Peace and Prosperity across Syunik.\n"
            ) in alert.text
            assert "third sentence" not in alert.text
            assert (
                "TRIPP: names the Trump Route for International Peace and Prosperity in the body"
            ) in alert.text
            assert "score" not in alert.text
            # The lead shows the match in bold; no quote says it a second time.
            assert "<b>Trump Route for International Peace and Prosperity</b>" in (alert.html or "")
            assert "<blockquote>" not in (alert.html or "")

    asyncio.run(scenario())


def test_the_berlin_8am_digest_arrives_once_across_ticks(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            [reply] = await b.send("/timezone Europe/Berlin", user_id=ANN)
            assert "Europe/Berlin" in reply.text
            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC))
            await b.poll()  # the instant alert
            await b.messages(ANN, 3)
            before = len(fake.messages_to(ANN))
            for minute in range(0, 240, 7):  # 07:00 .. 11:00 Berlin (UTC+1 in November)
                clock.set(datetime(2026, 11, 26, 6, 0, tzinfo=UTC) + timedelta(minutes=minute))
                await b.digest_tick()
                if clock.now < datetime(2026, 11, 26, 7, 0, tzinfo=UTC):
                    assert len(fake.messages_to(ANN)) == before, "no digest before 08:00 Berlin"
            [digest] = (await b.messages(ANN, before + 1))[before:]
            await asyncio.sleep(0.2)
            assert len(fake.messages_to(ANN)) == before + 1, "exactly one digest"
            assert "Iran Watches the New Route" in digest.text
            assert "26 Nov" in digest.text
            # The item's lead, with the match in bold, and why it matched in plain words.
            assert (
                "Tehran objects to the Trump Route for International Peace and Prosperity "
                "(TRIPP) across Syunik.\n"
            ) in digest.text
            assert "<b>Trump Route for International Peace and Prosperity</b>" in (
                digest.html or ""
            )
            assert "TRIPP: names the Trump Route for International Peace and Prosperity" in (
                digest.text
            )

    asyncio.run(scenario())


def test_a_restart_in_the_middle_of_a_fan_out_sends_every_remaining_message_once(
    tmp_path: Path, feeds: FeedServer, store_url: str
) -> None:
    chats = list(range(5001, 5041))
    clock = Clock(NOW)
    with FakeTelegram(token=TOKEN, send_delay=0.01) as fake:

        async def first_run() -> None:
            async with bot(tmp_path, fake, feeds, clock, store_url) as b:
                with b.store.transaction():
                    b.store.outbox.enqueue(
                        [
                            OutgoingMessage(
                                f"digest:{c}:2026-11-26:1", c, "digest", f"digest for {c}"
                            )
                            for c in chats
                        ],
                        NOW,
                    )
                b.runner.wake_outbox()
                assert await b.wait(lambda: len(fake.sent) >= 15)
            # leaving the block stops the bot mid fan-out

        async def second_run() -> None:
            async with bot(tmp_path, fake, feeds, clock, store_url) as b:
                assert await b.wait(lambda: len({m.chat_id for m in fake.sent}) == len(chats))
                await asyncio.sleep(0.2)
                assert b.store.outbox.backlog() == 0

        asyncio.run(first_run())
        sent_before_restart = len(fake.sent)
        assert sent_before_restart < len(chats)
        asyncio.run(second_run())
        per_chat = [len(fake.messages_to(c)) for c in chats]
        assert per_chat == [1] * len(chats)


def test_a_user_who_blocked_the_bot_is_deactivated(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe TRIPP", user_id=ANN)
            fake.block(ANN)
            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            assert await b.until(lambda: not b.store.chats.get(ANN).active)
            assert "blocked" in b.store.chats.get(ANN).inactive_reason

    asyncio.run(scenario())


def test_a_429_is_honoured_for_that_chat_while_others_go_on(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            fake.script("sendMessage", [ApiError.too_many_requests(1)], chat_id=1)
            b.store.outbox.enqueue(
                [
                    OutgoingMessage("k1", 1, "alert", "to one"),
                    OutgoingMessage("k2", 2, "alert", "to two"),
                ],
                NOW,
            )
            b.runner.wake_outbox()
            [two] = await b.messages(2, 1)
            [one] = await b.messages(1, 1)
            attempts = [c for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == 1]
            assert len(attempts) == 2
            assert one.at - attempts[0].at >= 0.95, "waited retry_after before trying again"
            assert two.at < one.at

    asyncio.run(scenario())


def test_commands_are_registered_and_settings_commands_answer_usefully(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            names = [name for name, _ in fake.commands_for()]
            assert {"start", "help", "subscribe", "digest", "timezone", "stop"} <= set(names)
            assert "addterm" not in names, "admin commands stay out of everyone's menu"

            [r] = await b.send("/subscribe abraham", user_id=ANN)
            assert "Following <b>Abraham Accords</b>" in (r.html or "")
            [r] = await b.send("/subscribe midle corridor", user_id=ANN)
            assert "Middle Corridor" in r.text
            [r] = await b.send("/subscribe silk road", user_id=ANN)
            assert "no watchlist called" in r.text
            [r] = await b.send("/timezone Europe/Berlinn", user_id=ANN)
            assert "Did you mean Europe/Berlin?" in r.text
            [r] = await b.send("/timezone tbilisi", user_id=ANN)
            assert "Asia/Tbilisi" in r.text
            [r] = await b.send("/time 7:30", user_id=ANN)
            assert "07:30" in r.text
            [r] = await b.send("/time 25:00", user_id=ANN)
            assert "HH:MM" in r.text
            [r] = await b.send("/mode sometimes", user_id=ANN)
            assert "/mode instant" in r.text
            [r] = await b.send("/mode daily", user_id=ANN)
            assert "daily digest only" in r.text
            [r] = await b.send("/mysubs", user_id=ANN)
            assert "Abraham Accords" in r.text and "Next digest" in r.text
            sub = b.store.chats.get(ANN)
            assert (sub.timezone, sub.digest_time, sub.mode) == ("Asia/Tbilisi", "07:30", "daily")
            [r] = await b.send("/unsubscribe abraham accords", user_id=ANN)
            assert "Stopped following" in r.text
            [r] = await b.send("/stop", user_id=ANN)
            assert "Stop following everything?" in r.text  # asked first: see test_confirmations
            [(_, yes), _] = fake.buttons(r)
            fake.user_presses(r, yes)
            assert await b.wait(lambda: any("Unsubscribed" in m.text for m in fake.edits))
            assert b.store.chats.get(ANN).watchlists == ()

    asyncio.run(scenario())


def test_unknown_commands_free_text_and_huge_input_get_short_useful_replies(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [r] = await b.send("/frobnicate now", user_id=ANN)
            assert "/help" in r.text and "/frobnicate" in r.text
            [r] = await b.send("hello there", user_id=ANN)
            assert "/watchlists" in r.text
            [r] = await b.send("/subscribe " + "x" * 10_000, user_id=ANN)
            assert len(r.text) < 300
            [r] = await b.send("/timezone " + "<b>" * 3000, user_id=ANN)
            assert "don't know the time zone" in r.text and len(r.text) < 500
            [r] = await b.send("/digest 2026-13-45", user_id=ANN)
            assert "follow no watchlist" in r.text or "date" in r.text
            [r] = await b.send("/latest lots", user_id=ANN)
            assert "number" in r.text
            assert fake.internal_errors == []

    asyncio.run(scenario())


def test_in_a_group_only_its_admins_change_settings(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    group, boss, member = -100777, 11, 12
    fake.set_chat_member(group, boss, "administrator")
    fake.set_chat_member(group, member, "member")

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            common = {"chat_id": group, "chat_type": "supergroup"}
            [r] = await b.send("/subscribe tripp", user_id=member, **common)
            assert "Only this group's admins" in r.text
            assert b.store.chats.get(group).watchlists == ()
            [r] = await b.send("/subscribe tripp", user_id=boss, **common)
            assert "Following" in r.text
            [r] = await b.send("/mysubs", user_id=member, **common)
            assert "TRIPP" in r.text, "anyone may look"
            before = len(fake.messages_to(group))
            fake.user_sends("/frobnicate@some_other_bot", user_id=member, **common)
            [r] = await b.send("/help", user_id=member, **common)
            assert "What I can do" in r.text
            # The personal-list commands are refused in a group: /help says where they work.
            assert "/myadd" not in r.text and "private chat with me" in r.text
            # A command addressed to another bot got no answer: only /help was answered.
            assert len(fake.messages_to(group)) == before + 1

    asyncio.run(scenario())


def test_hostile_titles_give_alerts_telegram_accepts(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    hostile = [
        "<script>alert(1)</script> TRIPP & the </b> road",
        "🚆 Middle Corridor 🚢 " + "مسار ترامب " + "‏עברית",
        "TRIPP " + "W" * 5000,
        'Quotes " and &amp; entities &lt;b&gt; TRIPP',
    ]
    items = [
        (f"h{i}", title, "<p>On the TRIPP and the Middle Corridor.</p>", NOW - timedelta(hours=1))
        for i, title in enumerate(hostile)
    ]

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            await b.send("/subscribe middle corridor", user_id=ANN)
            # The first alone (a single alert), then the rest at once (one combined alert).
            feeds.publish("/a.feed", rss([items[0], OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            feeds.publish("/a.feed", rss([*items, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=4))
            await b.poll()
            got = (await b.messages(ANN, 4))[2:]
            assert await b.outbox_settled()
            assert len(fake.messages_to(ANN)) == 4
            assert got[0].text.startswith(
                "🔔 New in Middle Corridor, TRIPP\n<script>alert(1)</script>"
            )
            assert got[1].text.startswith(f"🔔 {len(hostile) - 1} new articles in")
            assert all(m.parse_mode == "HTML" for m in got), "no plain-text fallback was needed"
            texts = "\n".join(m.text for m in got)
            assert "<script>alert(1)</script>" in texts
            assert "مسار ترامب" in texts
            assert b.runner.worker.stats.failed == 0

    asyncio.run(scenario())


def test_on_demand_digest_and_latest_list_matching_articles(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            await b.send("/mode daily", user_id=ANN)
            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            clock.set(NOW + timedelta(minutes=3))
            [d] = await b.send("/digest today", user_id=ANN)
            assert "Iran Watches the New Route" in d.text
            [d] = await b.send("/digest yesterday", user_id=ANN)
            assert "No new articles" in d.text
            [latest] = await b.send("/latest 3", user_id=ANN)
            assert "Iran Watches the New Route" in latest.text

    asyncio.run(scenario())


def test_a_digest_missed_while_the_bot_was_down_is_sent_once_when_it_returns(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))

    async def before_downtime() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)

    async def after_downtime() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            before = len(fake.messages_to(ANN))
            await b.digest_tick()
            await b.digest_tick()
            [digest] = (await b.messages(ANN, before + 1))[before:]
            assert "No new articles" in digest.text
            await asyncio.sleep(0.2)
            assert len(fake.messages_to(ANN)) == before + 1

    asyncio.run(before_downtime())
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # down over two 08:00 digests
    asyncio.run(after_downtime())


def test_the_token_never_reaches_the_logs(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, capfd: pytest.CaptureFixture[str]
) -> None:
    from bot.runtime.logs import setup_logging

    setup_logging("DEBUG")
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/start", user_id=ANN)
            await b.send("/subscribe tripp", user_id=ANN)
            fake.script("sendMessage", [ApiError.bad_gateway()], chat_id=ANN)
            b.store.outbox.enqueue([OutgoingMessage("k", ANN, "alert", "x")], NOW)
            b.runner.wake_outbox()
            await b.messages(ANN, 3)

    try:
        asyncio.run(scenario())
    finally:
        setup_logging("WARNING")
    out, err = capfd.readouterr()
    assert "status=sent" in err, "the run was logged at DEBUG"
    token_secret = TOKEN.split(":", 1)[1]
    assert token_secret not in out + err


def test_html_telegram_refuses_is_resent_as_plain_text(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    refusal = ApiError.bad_request(
        'can\'t parse entities: Unsupported start tag "x" at byte offset 0'
    )

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            fake.script("sendMessage", [refusal], chat_id=ANN)
            b.store.outbox.enqueue(
                [OutgoingMessage("k", ANN, "alert", "<b>Tom &amp; Jerry</b>")], NOW
            )
            b.runner.wake_outbox()
            [m] = await b.messages(ANN, 1)
            assert m.text == "Tom & Jerry" and m.parse_mode is None
            assert await b.outbox_settled()
            [row] = b.store.outbox.sent_to(ANN)
            assert row.parse_mode == ""

    asyncio.run(scenario())


def test_bad_gateways_and_dropped_connections_are_retried_until_delivered(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    from tests.fake_telegram import DROP

    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            fake.script("sendMessage", [ApiError.bad_gateway(), DROP], chat_id=ANN)
            b.store.outbox.enqueue([OutgoingMessage("k", ANN, "alert", "still here")], NOW)
            b.runner.wake_outbox()
            [m] = await b.messages(ANN, 1, timeout=15)
            assert m.text == "still here"
            assert await b.outbox_settled()
            [row] = b.store.outbox.sent_to(ANN)
            assert row.attempts == 3
            assert b.runner.worker.stats.transient_errors == 2

    asyncio.run(scenario())


def test_mysubs_buttons_change_the_mode_and_group_members_cannot_press_them(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    group, boss, member = -100555, 21, 22
    fake.set_chat_member(group, boss, "creator")
    fake.set_chat_member(group, member, "member")

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [screen] = await b.send("/mysubs", user_id=ANN)
            assert ("instant", "m:instant") in fake.buttons(screen)
            fake.user_presses(screen, "m:instant")
            assert await b.until(lambda: b.store.chats.get(ANN).mode == "instant")
            assert await b.wait(lambda: ("• instant", "m:instant") in fake.buttons(screen))

            common = {"chat_id": group, "chat_type": "group"}
            [welcome] = await b.send("/start", user_id=member, **common)
            tripp = next(data for label, data in fake.buttons(welcome) if "TRIPP" in label)
            fake.user_presses(welcome, tripp, user_id=member)
            assert await b.wait(lambda: len(fake.callback_answers) == 2)
            refused = fake.callback_answers[-1]
            assert "admins" in (refused.text or "") and refused.show_alert
            assert b.store.chats.get(group).watchlists == ()
            fake.user_presses(welcome, tripp, user_id=boss)
            assert await b.until(lambda: b.store.chats.get(group).watchlists == ("TRIPP",))

    asyncio.run(scenario())


def test_blocking_the_bot_stops_delivery_at_once_and_unblocking_resumes_it(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            fake.user_blocks(ANN)
            assert await b.until(lambda: not b.store.chats.get(ANN).active)
            assert b.store.chats.get(ANN).inactive_reason == "blocked the bot"
            fake.user_unblocks(ANN)
            assert await b.until(lambda: b.store.chats.get(ANN).active)
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)

    asyncio.run(scenario())


def test_repeated_long_requests_wait_while_earlier_ones_are_still_queued(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            b.store.outbox.enqueue(
                [OutgoingMessage(f"k{i}", ANN, "alert", f"queued {i}") for i in range(10)], NOW
            )
            # A 429 holds the chat's queue (and its replies: Telegram's wait is the chat's).
            fake.script("sendMessage", [ApiError.too_many_requests(2)], chat_id=ANN)
            b.runner.wake_outbox()
            assert await b.wait(lambda: fake.too_many_requests >= 1)
            [r] = await b.send("/digest today", user_id=ANN)
            assert "still sending earlier messages" in r.text

    asyncio.run(scenario())
