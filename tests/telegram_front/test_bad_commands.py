"""Bad input in Telegram: every command of the running bot (real PTB long polling against
the fake Bot API server) with no argument, garbage, 10,000 characters, odd Unicode,
control characters and HTML-looking text; plain messages that are huge, addressed to
another bot, not text at all or edited; admin commands from someone who is not an admin.

Each is answered once, clearly and briefly, in HTML Telegram accepts, or not at all where
that is the documented behaviour; nothing is logged as an error; the bot still answers
/help afterwards; and nothing is lost meanwhile: a subscriber's queued messages and a
new alert are delivered, and no refused command touches a watchlist file.

The catalogue of bad config.toml and watchlist files is ``test_bad_config.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import OutgoingMessage
from bot.domain.resolve import UnknownTimezone, resolve_timezone, resolve_watchlist
from bot.domain.schedule import parse_day, parse_time_of_day, zone
from bot.lists.files import load_watchlists
from bot.messages.html import escape
from bot.messages.screens import echo, quote_input
from bot.telegram import admin
from bot.telegram.app import COMMANDS
from bot.telegram.arguments import (
    ArgumentError,
    check_size,
    parse_term,
    parse_terms,
    split_days,
    split_list,
    split_name,
)
from tests.bot_harness import (
    ADMIN_ID,
    TOKEN,
    BotUnderTest,
    Clock,
    chat_limits_lifted_pacer,
    make_config,
)
from tests.factories import rss
from tests.fake_telegram import (
    BOT_USERNAME,
    ApiError,
    FakeTelegram,
    SentMessage,
    parse_telegram_html,
)
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242  # sends the bad input
BOB = 4343  # only follows TRIPP and waits for his messages
HELP = "What I can do"
NAMES = ["Abraham Accords", "Middle Corridor", "TRIPP"]

OLD_ITEM = ("9001", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW)
TRIPP_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the Trump Route for International Peace and Prosperity.</p>",
    NOW,
)

# The kinds of bad argument every command gets, after a space.
BAD_ARGUMENTS: dict[str, str] = {
    "nothing": "",
    "garbage": "!!! ??? ### --frob | | ,,, ;;; %s %n {0} ${x} \\ ' \"",
    "10,000 characters": "x" * 10_000,
    "10,000 characters of words": ("Zangezur Middle Corridor TRIPP " * 334)[:10_000],
    "HTML-looking text": (
        '<b>bold</b> &amp; &lt;i&gt; </i> <a href="javascript:alert(1)">x</a> &#0; &bogus; <'
    ),
    "right-to-left marks and zero-width characters": (
        "\u200f\u202etripp\u202c \u200d\u200b\u2060\ufeff عربي עברית \u2067\u202e"
    ),
    "combining characters": "Z" + "\u0301\u0327\u0308" * 300 + "angezur",
    "emoji ZWJ sequences": "👩‍👩‍👧‍👦 🇦🇿 🏳️‍🌈 👍🏽 \U0001f9d1\u200d\U0001f680",
    "NUL and control characters": "\x00\x01\x07\x1b[31mred\x1b[0m\x7f\x85\u2028end\x00",
    "separators only": "| | |\n\n,,, \n|",
    "numbers out of range": "-99999999999999999999 1e309 NaN 9999-12-31 0001-01-01 99:99",
}
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
PUBLIC = sorted(set(COMMANDS) - set(admin.COMMANDS))
ADMIN = sorted(admin.COMMANDS)
REFUSED = "Sorry, that command is for the bot's admins."


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    # Hundreds of commands a second from one chat: Telegram's per-chat limit would only
    # make the test wait out 429s, which test_telegram_e2e covers.
    with FakeTelegram(token=TOKEN, private_per_second=None, global_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD_ITEM]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    # The bot's own pacing keeps to the fake's (lifted) per-chat limits too.
    return BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer())


_sentinels = itertools.count(1)


async def answers_to(b: BotUnderTest, text: str, *, user_id: int = ANN) -> list[SentMessage]:
    """Everything the bot sends the chat because of ``text``, directly or through the
    outbox. An unknown command follows as a sentinel, its answer naming it: updates are
    handled one at a time, in order, so once the sentinel is answered ``text`` has been
    handled, and once the outbox is empty what it queued has gone out. No sleeping, and
    a silence is as certain as an answer."""
    fake = b.fake
    before = len(fake.messages_to(user_id))
    sentinel = f"/sentinel{next(_sentinels)}"
    fake.user_sends(text, user_id=user_id)
    fake.user_sends(sentinel, user_id=user_id)

    def is_sentinel(m: SentMessage) -> bool:
        return f"“{sentinel}”" in m.text

    assert await b.wait(lambda: any(map(is_sentinel, fake.messages_to(user_id)[before:]))), (
        f"no answer to the sentinel after {text[:60]!r}"
    )
    assert await b.outbox_settled()
    return [m for m in fake.messages_to(user_id)[before:] if not is_sentinel(m)]


async def follows_and_owns_a_list(b: BotUnderTest) -> None:
    """So that the bad arguments reach past "you follow nothing" and "you have no lists"."""
    await b.send("/subscribe TRIPP", user_id=ANN)
    if not b.store.personal.of(ANN):
        [made] = await b.send("/mynew Rogun | Rogun, Nurek", user_id=ANN)
        assert made.text.startswith("Created Rogun"), made.text


def problems_with(answers: list[SentMessage], *, sent: str, replies: int = 1) -> list[str]:
    """What is wrong with the bot's answers to one bad message (empty when nothing)."""
    shown = repr(sent[:50])
    if len(answers) != replies:
        return [f"{shown}: {len(answers)} answers, expected {replies}: {[a.text for a in answers]}"]
    found = []
    for answer in answers:
        if answer.parse_mode != "HTML":
            found.append(f"{shown}: answered without parse_mode HTML: {answer.text[:80]!r}")
        if len(sent) > 2_000 and echoes(sent, answer.text):
            found.append(f"{shown}: a huge argument was echoed back: {answer.text[:80]!r}")
        if len(sent) > 2_000 and len(answer.text) > 2_000:
            found.append(f"{shown}: a huge argument gave a {len(answer.text)}-character answer")
        if "\x00" in answer.text or "\x1b" in answer.text:
            found.append(f"{shown}: control characters echoed back: {answer.text[:80]!r}")
        if BIDI_CONTROLS.search(answer.text):
            # Echoed unbalanced, an override turns the rest of the reply around.
            found.append(f"{shown}: text-direction controls echoed back: {answer.text[:80]!r}")
    return found


def echoes(sent: str, answer: str, stretch: int = 200) -> bool:
    """Does ``answer`` repeat ``stretch`` characters of ``sent`` in a row (any 300 do)?
    A reply quotes a few words of what was typed, never the whole of it. (The length of
    /help, a fixed text, is ``tests/messages/test_help.py``'s business.)"""
    step = stretch // 2
    return any(sent[i : i + stretch] in answer for i in range(0, len(sent) - stretch + 1, step))


def nothing_refused_or_logged(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture, *, scripted_429s: int = 0
) -> None:
    # The fake records every call but keeps only the sends it accepted: a send that
    # Telegram refused (bad HTML, too long, bad buttons) would show up as a difference.
    assert len(fake.calls_to("sendMessage")) == len(fake.sent) + scripted_429s
    assert len(fake.calls_to("editMessageText")) == len(fake.edits)
    assert fake.too_many_requests == scripted_429s
    assert fake.internal_errors == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage()[:200] for r in errors]


def watchlist_files(tmp_path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((tmp_path / "watchlists").iterdir())
    }


# -- every command, every kind of bad argument ---------------------------------------------


def test_every_public_command_answers_every_bad_argument_once_and_nothing_queued_is_lost(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    failures: list[str] = []

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe TRIPP", user_id=BOB)
            # Bob's earlier messages are still queued while the barrage goes on: Telegram
            # has asked the bot to wait before writing to him again.
            fake.script("sendMessage", [ApiError.too_many_requests(1)], chat_id=BOB)
            queued = [f"queued {i} for Bob" for i in range(5)]
            b.store.outbox.enqueue(
                [OutgoingMessage(f"k{i}", BOB, "alert", t) for i, t in enumerate(queued)], NOW
            )
            b.runner.wake_outbox()
            for n, command in enumerate(PUBLIC):
                await follows_and_owns_a_list(b)
                if n == len(PUBLIC) // 2:
                    # A new article in the middle of it all: Bob's alert must still go out.
                    feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
                    clock.set(NOW + timedelta(minutes=2))
                    await b.poll()
                    # Ann follows TRIPP too: her alert must not count as an answer below.
                    assert await b.wait(lambda: "Iran Watches" in fake.messages_to(ANN)[-1].text)
                for kind, argument in BAD_ARGUMENTS.items():
                    text = f"/{command} {argument}".rstrip(" ")
                    # A bare /trend is no bad argument: its answer is the chart, a photo.
                    picture = text == "/trend"
                    photos = len(fake.photos)
                    answers = await answers_to(b, text)
                    failures.extend(
                        f"/{command} with {kind}: {problem}"
                        for problem in problems_with(answers, sent=text, replies=1 - picture)
                    )
                    if picture and len(fake.photos) != photos + 1:
                        failures.append(f"{text}: no chart sent")
            assert await b.outbox_settled()
            to_bob = [m.text for m in fake.messages_to(BOB)]
            assert to_bob[1:6] == queued, "Bob's queued messages, in order"
            assert len(to_bob) == 7 and "Iran Watches the New Route" in to_bob[6]
            assert b.store.outbox.counts()["failed"] == 0
            [still] = await b.send("/help", user_id=ANN)
            assert still.text.startswith(HELP)

    asyncio.run(scenario())
    assert failures == []
    nothing_refused_or_logged(fake, caplog, scripted_429s=1)


def test_every_admin_command_answers_every_bad_argument_from_an_admin_once(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    failures: list[str] = []

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            for command in ADMIN:
                for kind, argument in BAD_ARGUMENTS.items():
                    text = f"/{command} {argument}".rstrip(" ")
                    answers = await answers_to(b, text, user_id=ADMIN_ID)
                    failures.extend(
                        f"/{command} with {kind}: {problem}"
                        for problem in problems_with(answers, sent=text)
                    )
            # A list at its size limit takes no more terms, and says so.
            full = tmp_path / "watchlists" / "full.toml"
            full.write_text(
                'name = "Full"\nterms = [' + ", ".join(f'"t{i}x"' for i in range(300)) + "]\n"
            )
            before = full.read_text()
            [answer] = await answers_to(b, "/addterm Full | one more", user_id=ADMIN_ID)
            assert "Nothing changed" in answer.text and "at most 300" in answer.text
            assert full.read_text() == before
            [still] = await b.send("/help", user_id=ADMIN_ID)
            assert still.text.startswith(HELP)

    asyncio.run(scenario())
    assert failures == []
    nothing_refused_or_logged(fake, caplog)
    # Whatever the garbage made of them, the files the admin edited still load.
    lists, errors = load_watchlists(tmp_path / "watchlists")
    assert errors == []
    assert set(NAMES) <= {w.name for w in lists}


def test_admin_commands_with_any_argument_from_anyone_else_are_refused_logged_and_change_nothing(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    sent: list[str] = []
    before: dict[str, str] = {}

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            before.update(watchlist_files(tmp_path))
            for command in ADMIN:
                for argument in [*BAD_ARGUMENTS.values(), "TRIPP | Syunik", "Rogun | Rogun"]:
                    text = f"/{command} {argument}".rstrip(" ")
                    sent.append(text)
                    [answer] = await answers_to(b, text)
                    assert answer.text == REFUSED, text[:60]
            assert b.store.audit_for("TRIPP") == [
                e for e in b.store.audit_for("TRIPP") if e.actor == "file"
            ]

    asyncio.run(scenario())
    assert watchlist_files(tmp_path) == before
    refused = [r for r in caplog.records if "reason=not_admin" in r.getMessage()]
    assert len(refused) == len(sent)
    assert all(r.levelno == logging.WARNING and f"user={ANN}" in r.getMessage() for r in refused)
    # The log line names the command, never the (possibly huge) argument.
    assert max(len(r.getMessage()) for r in refused) < 200
    nothing_refused_or_logged(fake, caplog)


# -- messages that are not a command with arguments ----------------------------------------

ODD_MESSAGES: list[tuple[str, str, int]] = [
    # (what, the message, how many answers)
    ("a 10,000-character plain message", "Zangezur " * 1111 + "x", 1),
    ("a 10,000-character plain message of HTML", "<b>&amp;" * 1250, 1),
    ("an unknown command", "/unknowncommand with arguments", 1),
    ("an unknown command of 64 characters", "/" + "x" * 64, 1),
    ("a command in capitals", "/START", 1),
    ("a command addressed to this bot", f"/start@{BOT_USERNAME}", 1),
    ("a command addressed to another bot", "/start@OtherBot", 0),
    ("an unknown command addressed to another bot", "/frobnicate@OtherBot now", 0),
    ("a lone slash", "/", 1),
    ("only NUL and control characters", "\x00\x01\x02\x1b", 1),
    ("only zero-width characters", "\u200b\u200d\u2060\ufeff", 1),
    ("an emoji ZWJ sequence", "👩‍👩‍👧‍👦", 1),
    ("right-to-left text", "\u202eمرحبا", 1),
]


def test_plain_messages_unknown_commands_and_other_bots_commands_get_one_answer_or_none(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    failures: list[str] = []

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for what, text, replies in ODD_MESSAGES:
                answers = await answers_to(b, text)
                failures.extend(
                    f"{what}: {problem}"
                    for problem in problems_with(answers, sent=text, replies=replies)
                )
            [unknown] = await answers_to(b, "/unknowncommand <b>&amp;")
            assert unknown.text.startswith("I don't know “/unknowncommand")
            assert "/help" in unknown.text

    asyncio.run(scenario())
    assert failures == []
    nothing_refused_or_logged(fake, caplog)


STICKER = {
    "sticker": {
        "file_id": "CAACAgIAAxkBAAIB",
        "file_unique_id": "AgADAgAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
}
PHOTO = {
    "photo": [
        {"file_id": "AgACAgIAAxkBAAIC", "file_unique_id": "AQADAgAD", "width": 90, "height": 67}
    ],
    # A caption is not a command, however much it looks like one.
    "caption": "/subscribe tripp",
    "caption_entities": [{"offset": 0, "length": 10, "type": "bot_command"}],
}
LOCATION = {"location": {"latitude": 40.18, "longitude": 44.51}}


def test_stickers_photos_locations_and_edited_messages_are_left_unanswered(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [_] = await answers_to(b, "/start")
            for content in (STICKER, PHOTO, LOCATION):
                before = len(fake.messages_to(ANN))
                fake.user_sends_content(content, user_id=ANN)
                [still] = await b.send("/help", user_id=ANN)
                assert still.text.startswith(HELP)
                assert await b.outbox_settled()
                assert len(fake.messages_to(ANN)) == before + 1, f"silence for {list(content)}"
            assert b.store.chats.get(ANN).watchlists == ()

            # Editing "/subscribe abraham" into "/subscribe tripp" is not a second command:
            # the bot never asks Telegram for edits.
            before = len(fake.messages_to(ANN))
            update = fake.user_sends("/subscribe abraham", user_id=ANN)
            await b.messages(ANN, before + 1)
            fake.user_edits(update, "/subscribe tripp")
            [answer] = await answers_to(b, "/mysubs")
            assert "Abraham Accords" in answer.text and "TRIPP" not in answer.text
            assert b.store.chats.get(ANN).watchlists == ("Abraham Accords",)

    asyncio.run(scenario())
    nothing_refused_or_logged(fake, caplog)


def test_in_a_group_plain_chatter_is_ignored_and_bad_commands_answered_once(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    group, member = -100888, 31
    fake.set_chat_member(group, member, "member")
    common: dict[str, Any] = {"chat_id": group, "chat_type": "supergroup"}

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for text in ("x" * 10_000, "<b>hi</b> &amp; \x00", "👩‍👩‍👧‍👦"):
                fake.user_sends(text, user_id=member, **common)
            [still] = await b.send("/help", user_id=member, **common)
            assert still.text.startswith(HELP)
            assert len(fake.messages_to(group)) == 1, "chatter between people is not answered"
            for text in ("/subscribe " + "x" * 10_000, "/mynew a | b", "/time 99:99"):
                [answer] = await b.send(text, user_id=member, **common)
                assert len(answer.text) < 300
            assert b.store.chats.get(group).watchlists == ()

    asyncio.run(scenario())
    nothing_refused_or_logged(fake, caplog)


def test_lone_surrogates_on_the_wire_are_dropped_from_every_answer(
    tmp_path: Path, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram checks that what users send is UTF-8, so it never delivers a lone
    # surrogate; JSON can still carry one as "\ud800", and the bot must not depend on it.
    clock = Clock(NOW)
    caplog.set_level(logging.INFO)
    messages = [
        "\ud800",
        "/subscribe tr\udfffipp \ud800",
        "/timezone \ud800Europe/Berlin\u200b",
        "/mode \udc00",
        "/mynew \ud800 | \udfff, Rogun",
        "/frob\ud800nicate",
    ]
    with FakeTelegram(token=TOKEN, private_per_second=None, global_per_second=None) as fake:
        fake.ascii_json = True

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                for text in messages:
                    answers = await answers_to(b, text)
                    assert len(answers) == 1, text.encode("utf-8", "backslashreplace")
                    answers[0].text.encode("utf-8")
                # Read past what cannot be shown, as the invisible characters of a paste.
                sub = b.store.chats.get(ANN)
                assert (sub.watchlists, sub.timezone) == (("TRIPP",), "Europe/Berlin")
                [still] = await b.send("/help", user_id=ANN)
                assert still.text.startswith(HELP)

        asyncio.run(scenario())
        nothing_refused_or_logged(fake, caplog)


# -- the argument readers never fail in any other way ---------------------------------------

# Every code point, lone surrogates included: Telegram cannot deliver one, but the
# readers must not depend on that.
NASTY = "\ud800\udfff\x00\x1b\x7f\x85\u2028\u200d\u200f\u202e\ufeff\u0301&<>|,-—\n "
ANY_TEXT = st.text(st.characters(exclude_categories=()) | st.sampled_from(NASTY), max_size=300)
WORDS = st.lists(
    st.sampled_from(
        ["TRIPP", "middle", "corridor", "abraham", "|", "--exact", "—case", ",", "\n", "30", "-"]
    )
    | ANY_TEXT,
    max_size=8,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_the_argument_readers_raise_nothing_but_argument_error(text: str) -> None:
    for read in (
        lambda: check_size(text),
        lambda: split_name(text),
        lambda: split_list(text, NAMES),
        lambda: split_days(text, 30),
        lambda: parse_term(text),
        lambda: parse_terms(text),
    ):
        try:
            read()
        except ArgumentError as exc:
            assert str(exc) and "\n" not in str(exc)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_names_times_days_and_zones_are_read_or_refused_with_a_value_error(text: str) -> None:
    assert resolve_watchlist(text, NAMES).name in (None, *NAMES)
    with contextlib.suppress(UnknownTimezone):
        resolve_timezone(text)
    for read in (
        lambda: parse_time_of_day(text),
        lambda: parse_day(text, now=NOW, tz=zone("Asia/Tbilisi")),
    ):
        try:
            read()
        except ValueError as exc:
            assert str(exc)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.integers(min_value=1, max_value=200))
def test_echoed_input_is_always_short_valid_html(text: str, limit: int) -> None:
    for html in (quote_input(text, limit), echo(text), escape(text)):
        html.encode("utf-8")  # no lone surrogate survives
        shown = parse_telegram_html(html).text  # raises on anything Telegram refuses
        assert not any(c < " " and c not in "\t\n" for c in shown)
    for html in (quote_input(text, limit), echo(text)):
        assert not BIDI_CONTROLS.search(html)
    assert len(parse_telegram_html(quote_input(text, limit)).text) <= limit + 2
