"""Admin watchlist commands end to end: the real bot against the fake Bot API server
and the loopback feed server, editing a copy of the shipped watchlist files; and the
notices the bot sends on its own when a file breaks or a list goes away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.confirm import ANSWER_WITHIN
from bot.lists.files import WatchlistError, parse_watchlist
from bot.lists.registry import WatchlistChange
from bot.messages.notices import where_and_why
from bot.telegram.arguments import (
    MAX_ARGUMENTS,
    ArgumentError,
    check_size,
    parse_terms,
    split_days,
    split_list,
    split_name,
    split_trial,
)
from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.telegram_front.test_confirmations import CANCEL, YES, now_reads, press

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB = 4242, 4343
NAMES = ["Abraham Accords", "Middle Corridor", "TRIPP"]

TRIPP_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the <em>Trump Route for International Peace and "
    "Prosperity</em> (TRIPP) across the south of Armenia.</p>",
    NOW - timedelta(hours=1),
)
SYUNIK_ITEM = (
    "9101",
    "Roads Across Syunik",
    "<p>Armenia is rebuilding the mountain highways of Syunik province.</p>",
    NOW - timedelta(hours=2),
)
ALAT_ITEM = (
    "9102",
    "Baku Expands Its Port",
    "<p>Cargo through the Port of Alat doubled this year, officials said.</p>",
    NOW - timedelta(hours=3),
)


def comment_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    # An admin here sends a dozen commands a second; at Telegram's 5 a second per private
    # chat, each test would wait out 429s (which test_telegram_e2e covers) for nothing.
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([TRIPP_ITEM, SYUNIK_ITEM, ALAT_ITEM]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


async def admin(b: BotUnderTest, text: str) -> str:
    [answer] = await b.send(text, user_id=ADMIN_ID)
    return str(answer.text)


async def watchlist_tick(b: BotUnderTest) -> None:
    """The runner's minute job, then the outbox's periodic wake-up."""
    await b.runner.watchlist_job()
    b.runner.wake_outbox()
    assert await b.outbox_settled()


# -- end to end ---------------------------------------------------------------------------


def test_an_admin_adds_a_term_the_file_keeps_every_comment_and_showlist_shows_who(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe TRIPP", user_id=ANN)
            before = comment_lines(path)

            answer = await admin(b, "/addterm tripp | Syunik")
            assert "Added the term “Syunik” to TRIPP" in answer
            assert "It now matches 2 of the 3 stored articles" in answer
            assert "1 of them new (they join the next digest" in answer
            assert comment_lines(path) == before
            assert '  "Syunik",\n]' in path.read_text()
            # Newly matching articles wait for the digest: no instant alert about them.
            assert b.store.outbox.backlog() == 0
            assert len(fake.messages_to(ANN)) == 1

            clock.set(NOW + timedelta(minutes=1))
            await watchlist_tick(b)  # the minute job sees the file it already applied
            shown = await admin(b, "/showlist Tripp")
            assert "File tripp.toml" in shown and "1 subscriber" in shown
            assert "• Syunik (typos allowed)" in shown
            assert "• TRIPP (acronym: exact, any case)" in shown
            assert f"telegram:{ADMIN_ID} · add-term · Syunik" in shown
            assert "Trump routed" in shown  # the exclude
            actions = [(e.actor, e.action) for e in b.store.audit_for("TRIPP")]
            assert actions.count((f"telegram:{ADMIN_ID}", "add-term")) == 1
            assert ("file", "changed") not in actions

    asyncio.run(scenario())


def test_exact_terms_excludes_and_removal_round_trip_and_refusals_leave_the_file_alone(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    lists = tmp_path / "watchlists"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            path = lists / "middle-corridor.toml"
            original = path.read_text()
            answer = await admin(b, "/addterm Middle Corridor TMTM —exact")  # a phone's dash
            assert "“TMTM” (exact)" in answer
            assert '{ text = "TMTM", exact = true }' in path.read_text()
            await admin(b, "/rmterm middle corridor | TMTM")
            assert path.read_text() == original
            answer = await admin(b, "/exclude Middle Corridor | Middle Corridor of the hotel")
            assert "now excludes “Middle Corridor of the hotel”" in answer
            assert comment_lines(path) == [
                line for line in original.splitlines() if line.lstrip().startswith("#")
            ]

            tripp = lists / "tripp.toml"
            untouched = tripp.read_text()
            refusals = {
                "/addterm TRIPP | Zangezur": "already has the term",
                "/rmterm TRIPP | Zangezurr": 'did you mean "Zangezur"',
                "/rmterm TRIPP | Zangezour, Zangesur": 'no term "Zangezour, Zangesur"',
                "/addterm TRIPP | Trump routed": "excludes",
                "/addterm Tripoli x": "Did you mean TRIPP?",
                "/addterm TRIPP": "What should change in TRIPP?",
                "/addterm TRIPP | x --fuzzy": "unknown option --fuzzy",
                "/addterm TRIPP | " + "x" * 300: "must be 1–200 characters",
                "/newlist trip-p | Route": 'a watchlist named "TRIPP" already exists',
                "/newlist ~4242/Mine | Route": "cannot start with ~",
                "/newlist Rogun": "give at least one term",
            }
            for command, expected in refusals.items():
                answer = await admin(b, command)
                assert expected in answer, (command, answer)
            assert tripp.read_text() == untouched
            assert sorted(p.name for p in lists.iterdir()) == [
                "abraham-accords.toml",
                "middle-corridor.toml",
                "tripp.toml",
            ]
            assert fake.internal_errors == []

    asyncio.run(scenario())


def test_non_admins_are_refused_politely_and_each_attempt_is_logged(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    caplog.set_level(logging.WARNING, logger="bot.telegram.admin")
    commands = [
        "/newlist Rogun | Rogun",
        "/addterm TRIPP | Syunik",
        "/rmterm TRIPP | Zangezur",
        "/exclude TRIPP | Trump Tower",
        "/showlist TRIPP",
        "/testlist TRIPP",
        "/testlist TRIPP +Syunik",
        "/rmexclude TRIPP | Trump routed",
        "/deletelist TRIPP",
    ]

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for command in commands:
                [answer] = await b.send(command, user_id=ANN)
                assert answer.text == "Sorry, that command is for the bot's admins."
            assert b.store.audit_for("TRIPP") == [
                e for e in b.store.audit_for("TRIPP") if e.actor == "file"
            ]

    asyncio.run(scenario())
    refused = [r for r in caplog.records if "status=refused reason=not_admin" in r.getMessage()]
    assert len(refused) == len(commands)
    assert all(r.levelno == logging.WARNING and f"user={ANN}" in r.getMessage() for r in refused)
    assert not (tmp_path / "watchlists" / "rogun.toml").exists()
    assert '"Syunik"' not in (tmp_path / "watchlists" / "tripp.toml").read_text()


def test_newlist_then_testlist_shows_matches_with_snippets_and_what_a_hand_edit_would_drop(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            answer = await admin(b, "/newlist Alat Port\nPort of Alat\nAlat free zone --exact")
            assert "Created Alat Port in alat-port.toml with the terms" in answer
            assert "1 of them new" in answer
            created = tmp_path / "watchlists" / "alat-port.toml"
            assert "# terms: what to look for." in created.read_text()
            [listing] = await b.send("/watchlists", user_id=ANN)
            assert "Alat Port" in listing.text
            answer = await admin(b, "/newlist Alat-Port Expansion | Alat | Baku's new port")
            assert "Created Alat-Port Expansion in alat-port-expansion.toml" in answer
            assert "Baku's new port" in await admin(b, "/showlist alat port expansion")
            assert "alat-port.toml already exists" in await admin(b, "/newlist Alat Port Ж | xyz")

            [dry] = await b.send("/testlist alat port", user_id=ADMIN_ID)
            assert "Dry run of Alat Port" in dry.text
            assert "1 would match, 0 of them new; 0 would no longer match" in dry.text
            assert "✔️ Baku Expands Its Port" in dry.text
            assert "Cargo through the <b>Port of Alat</b> doubled" in (dry.html or "")

            # Cut down by hand a moment ago: the dry run reads the file as it is now.
            tripp = tmp_path / "watchlists" / "tripp.toml"
            tripp.write_text('name = "TRIPP"\nterms = ["Zangezur"]\n')
            [dry] = await b.send("/testlist TRIPP 7", user_id=ADMIN_ID)
            assert "in the last 7 days: 0 would match" in dry.text
            assert "1 would no longer match" in dry.text
            assert "➖ Iran Watches the New Route" in dry.text
            assert "file as it reads now" in dry.text

            [bad] = await b.send("/testlist TRIPP -3", user_id=ADMIN_ID)
            assert "days must be a whole number" in bad.text

    asyncio.run(scenario())


def test_a_broken_file_is_told_to_the_admin_once_and_the_last_good_version_still_matches(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    feeds.serve_feed("/a.feed", rss([SYUNIK_ITEM]))

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe TRIPP", user_id=ANN)
            path = tmp_path / "watchlists" / "tripp.toml"
            path.write_text(path.read_text().replace('"Trump Route",', '"Trump Route"', 1))
            with pytest.raises(WatchlistError) as broken:
                parse_watchlist(path.read_text(), path)
            for minute in (1, 2, 3):
                clock.set(NOW + timedelta(minutes=minute))
                await watchlist_tick(b)
            [notice] = fake.messages_to(ADMIN_ID)
            assert "A watchlist file did not load" in notice.text
            assert "File: tripp.toml" in notice.text
            assert f"Line: {broken.value.line}\nReason: {broken.value.reason}" in notice.text
            assert "last good version of TRIPP stays in force" in notice.text

            # A second, different breakage is news again.
            path.write_text("name = 'TRIPP'\n")
            await watchlist_tick(b)
            assert len(fake.messages_to(ADMIN_ID)) == 2
            assert "terms is required" in fake.messages_to(ADMIN_ID)[1].text

            feeds.publish("/a.feed", rss([TRIPP_ITEM, SYUNIK_ITEM]))
            clock.set(NOW + timedelta(minutes=10))
            await b.poll()
            [_, alert] = await b.messages(ANN, 2)
            assert "Iran Watches the New Route" in alert.text

    asyncio.run(scenario())


def test_followers_of_a_deleted_list_are_told_once_and_of_a_renamed_one_its_new_name(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    lists = tmp_path / "watchlists"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe Abraham Accords", user_id=ANN)
            await b.send("/subscribe TRIPP", user_id=ANN)
            await b.send("/subscribe TRIPP", user_id=BOB)

            (lists / "abraham-accords.toml").unlink()
            for minute in (1, 2):
                clock.set(NOW + timedelta(minutes=minute))
                await watchlist_tick(b)
            [*_, removed] = fake.messages_to(ANN)
            assert removed.text == (
                "The watchlist Abraham Accords was removed by an admin; you no longer get"
                " its alerts. /watchlists to pick others."
            )
            assert len(fake.messages_to(ANN)) == 3
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)
            assert b.store.audit_for("Abraham Accords")[0].action == "removed"

            tripp = lists / "tripp.toml"
            tripp.write_text(tripp.read_text().replace('name = "TRIPP"', 'name = "TRIPP route"'))
            await watchlist_tick(b)
            for chat in (ANN, BOB):
                last = fake.messages_to(chat)[-1]
                assert "The watchlist TRIPP is now called TRIPP route" in last.text
                assert b.store.chats.get(chat).watchlists == ("TRIPP route",)
            assert b.store.audit_for("TRIPP")[0].action == "renamed"
            assert len(fake.messages_to(BOB)) == 2

    asyncio.run(scenario())


def test_a_huge_argument_gets_a_short_reply(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for command in ("/addterm TRIPP | ", "/newlist ", "/testlist ", "/showlist "):
                answer = await admin(b, command + "Zangezur " * 1250)
                assert "a command takes at most 2,000" in answer
                assert len(answer) < 200
            assert fake.internal_errors == []

    asyncio.run(scenario())


# -- pure parts -----------------------------------------------------------------------------


def test_without_a_bar_the_list_is_the_longest_run_of_words_that_names_one() -> None:
    cases = {
        "Middle Corridor Trans-Caspian route": ("Middle Corridor", "Trans-Caspian route"),
        "middle corridor middle route": ("Middle Corridor", "middle route"),
        "tripp Zangazour": ("TRIPP", "Zangazour"),
        "midle corridor TITR --exact": ("Middle Corridor", "TITR --exact"),
        "abraham Abrahamic Accord": ("Abraham Accords", "Abrahamic Accord"),
        "Middle Corridor": ("Middle Corridor", ""),
        "Middle Corridor\nTMTM\nBTK": ("Middle Corridor", "TMTM\nBTK"),
        "Middle Corridor | TMTM, BTK": ("Middle Corridor", "TMTM, BTK"),
        "xyz foo": (None, "xyz foo"),
    }
    for text, (name, rest) in cases.items():
        found = split_list(text, NAMES)
        assert (found.name, found.rest) == (name, rest), text


def test_an_unknown_list_offers_the_close_ones() -> None:
    found = split_list("Tripoli | x", NAMES)
    assert found.name is None and found.query == "Tripoli" and found.candidates == ("TRIPP",)


def test_terms_are_split_on_commas_and_lines_and_take_their_flags() -> None:
    terms = parse_terms("TITR --exact, China–Kazakhstan route\nAktau —case-sensitive,  ")
    assert [(t.text, t.exact, t.case_sensitive) for t in terms] == [
        # Left out, case_sensitive is not said: TITR, being capitals, is then case-sensitive.
        ("TITR", True, None),
        ("China–Kazakhstan route", False, None),
        ("Aktau", False, True),
    ]
    with pytest.raises(ArgumentError, match="only its options"):
        parse_terms("--exact")
    with pytest.raises(ArgumentError, match="at least one term"):
        parse_terms(" , \n")


def test_days_and_names_and_size() -> None:
    assert split_days("Middle Corridor 30", 14) == ("Middle Corridor", 30)
    assert split_days("Middle Corridor", 14) == ("Middle Corridor", 14)
    assert split_days("TRIPP | 7", 14) == ("TRIPP", 7)
    with pytest.raises(ArgumentError):
        split_days("TRIPP 99999999999", 14)
    assert split_name("Rogun Dam | Rogun, Nurek | a dam") == ("Rogun Dam", "Rogun, Nurek | a dam")
    assert split_name("Rogun Dam\nRogun\nNurek") == ("Rogun Dam", "Rogun\nNurek")
    check_size("x" * MAX_ARGUMENTS)
    with pytest.raises(ArgumentError, match="2,001 characters"):
        check_size("x" * (MAX_ARGUMENTS + 1))


def test_terms_to_try_follow_the_first_word_starting_with_a_plus() -> None:
    cases = {
        "TRIPP": ("TRIPP", []),
        "TRIPP +Syunik": ("TRIPP", ["Syunik"]),
        "Middle Corridor 30 +Port of Alat +TITR --exact": (
            "Middle Corridor 30",
            ["Port of Alat", "TITR"],
        ),
        "TRIPP | 7 +Syunik, Lachin\n+Nakhchivan": ("TRIPP | 7", ["Syunik", "Lachin", "Nakhchivan"]),
        "C5+1 +C5+1 format": ("C5+1", ["C5+1 format"]),  # a "+" inside a word is a letter
        "TRIPP +30": ("TRIPP +30", []),  # days, as split_days reads them
    }
    for text, (rest, terms) in cases.items():
        found = split_trial(text)
        assert (found[0], [t.text for t in found[1]]) == (rest, terms), text
    assert split_trial("TRIPP +TITR --exact")[1][0].exact
    for empty in ("TRIPP +", "TRIPP + , +"):
        with pytest.raises(ArgumentError, match="at least one term"):
            split_trial(empty)


# Names and terms without the characters that mean something here ("+", "|", commas,
# dashes that start an option, line breaks).
_PLAIN = st.text(
    st.characters(categories=("L", "N"), include_characters=" '"), min_size=1, max_size=30
).filter(str.strip)


def _has_a_letter(text: str) -> bool:
    return any(c.isalpha() for c in text)  # a last "+30" is days


@given(name=_PLAIN, terms=st.lists(_PLAIN.filter(_has_a_letter), min_size=1, max_size=4))
def test_any_list_and_terms_written_with_pluses_split_back_into_them(
    name: str, terms: list[str]
) -> None:
    text = name + "".join(f" +{t}" for t in terms)
    rest, found = split_trial(text)
    assert rest == name.strip()
    assert [t.text for t in found] == [" ".join(t.split()) for t in terms]


def test_a_broken_file_error_is_read_back_into_line_and_reason() -> None:
    path = "/srv/caci-watch/watchlists/tripp.toml"
    with pytest.raises(WatchlistError) as caught:
        parse_watchlist('name = "TRIPP"\nterms = [\n', path)
    change = WatchlistChange("invalid", "TRIPP", path, str(caught.value))
    line, reason = where_and_why(change)
    assert line == caught.value.line and reason == caught.value.reason
    clash = WatchlistChange("invalid", "", path, f"{path}: name 'X' is already used by y.toml")
    assert where_and_why(clash) == (None, "name 'X' is already used by y.toml")


def test_a_list_broken_while_the_bot_was_stopped_is_not_taken_for_removed(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def before_the_restart() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe TRIPP", user_id=ANN)

    async def after_the_restart() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            assert await b.wait(lambda: len(fake.messages_to(ADMIN_ID)) == 1)
            assert "Nothing from this file is in force" in fake.messages_to(ADMIN_ID)[0].text
            path.write_text(good)
            clock.set(NOW + timedelta(minutes=1))
            await watchlist_tick(b)
            assert b.store.chats.get(ANN).watchlists == ("TRIPP",)
            assert len(fake.messages_to(ANN)) == 1, "no word of a removal"
            assert "removed" not in [e.action for e in b.store.audit_for("TRIPP")]

    asyncio.run(before_the_restart())
    good = path.read_text()
    path.write_text(good.replace("terms = [", "terms = ", 1))
    asyncio.run(after_the_restart())


# -- /rmexclude, /testlist +TERM, /deletelist ----------------------------------------------


def test_rmexclude_removes_an_exclusion_and_says_so_and_one_not_there_gets_a_did_you_mean(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            before = comment_lines(path)
            answer = await admin(b, "/rmexclude TRIPP | Trump rooted")
            assert 'Nothing changed: no exclude phrase "Trump rooted" in "TRIPP"' in answer
            assert 'did you mean "Trump routed"?' in answer
            answer = await admin(b, "/rmexclude tripp trump routed")
            assert "TRIPP no longer excludes “Trump routed”." in answer
            assert "It now matches" in answer
            assert comment_lines(path) == before
            assert "Trump routed" not in path.read_text().replace('# "Trump routed', "")
            entry = b.store.audit_for("TRIPP")[0]
            assert (entry.actor, entry.action, entry.detail) == (
                f"telegram:{ADMIN_ID}",
                "remove-exclude",
                "Trump routed",
            )
            [refused] = await b.send("/rmexclude TRIPP | Trump Tower", user_id=ANN)
            assert refused.text == "Sorry, that command is for the bot's admins."

    asyncio.run(scenario())


def test_testlist_with_a_term_shows_only_what_it_would_add_and_refuses_as_addterm_does(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            before = path.read_text()
            [tried] = await b.send("/testlist TRIPP +Syunik +Port of Alat", user_id=ADMIN_ID)
            assert "Trying “Syunik”, “Port of Alat” on TRIPP" in tried.text
            assert "Over 3 stored articles first seen in the last 30 days" in tried.text
            assert "it would add 2 (the list matches 1 now, 3 with it)." in tried.text
            assert "➕ Roads Across Syunik" in tried.text
            assert "➕ Baku Expands Its Port" in tried.text
            assert "Iran Watches the New Route" not in tried.text  # matched already
            assert "Cargo through the <b>Port of Alat</b> doubled" in (tried.html or "")
            assert "/addterm TRIPP | Syunik, Port of Alat adds them." in tried.text

            [none] = await b.send("/testlist tripp 7 +Nakhchivan", user_id=ADMIN_ID)
            assert "in the last 7 days: it would add none (the list matches 1 now)." in none.text

            for command, expected in {
                "/testlist TRIPP +Zangezur": 'Not tried: "TRIPP" already has the term "Zangezur"',
                "/testlist TRIPP +Trump routed": 'excludes "Trump routed"',
                "/testlist TRIPP +" + "x" * 300: "must be 1–200 characters",
                "/testlist TRIPP + , ": "give at least one term",
            }.items():
                answer = await admin(b, command)
                assert expected in answer, (command, answer)
            assert path.read_text() == before
            assert all(e.actor == "file" for e in b.store.audit_for("TRIPP"))

    asyncio.run(scenario())


def test_deletelist_asks_first_cancel_keeps_it_and_yes_deletes_and_tells_followers_once(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe TRIPP", user_id=ANN)
            [asked] = await b.send("/deletelist tripp", user_id=ADMIN_ID)
            assert "Delete the watchlist TRIPP and its 8 terms?" in asked.text
            assert "its 1 follower will be told" in asked.text
            assert [label for label, _ in fake.buttons(asked)] == ["Yes, delete it", "Cancel"]

            await press(b, asked, CANCEL)
            assert await b.wait(lambda: now_reads(fake, asked).startswith("Cancelled"))
            assert path.exists()

            [asked] = await b.send("/deletelist TRIPP", user_id=ADMIN_ID)
            # Only an admin's Yes counts, even under an admin's question.
            said = await press(b, asked, YES, user_id=ANN)
            assert said == "Sorry, that command is for the bot's admins."
            assert path.exists()

            yes = fake.buttons(asked)[YES][1]
            await press(b, asked, YES)
            assert await b.wait(lambda: "Deleted TRIPP (tripp.toml)" in now_reads(fake, asked))
            assert "1 follower told" in now_reads(fake, asked)
            assert fake.buttons(asked) == []
            assert not path.exists()
            assert await b.outbox_settled()
            told = [m for m in fake.messages_to(ANN) if "TRIPP was removed" in m.text]
            assert len(told) == 1
            assert b.store.chats.get(ANN).watchlists == ()

            # The same Yes again (a replayed tap), and the minute job: nothing more is
            # deleted or told.
            answered = len(fake.callback_answers)
            fake.user_presses(asked, yes, forged=True)
            assert await b.wait(lambda: len(fake.callback_answers) > answered)
            assert await b.wait(lambda: "already gone" in now_reads(fake, asked))
            clock.set(NOW + timedelta(minutes=1))
            await watchlist_tick(b)
            assert len([m for m in fake.messages_to(ANN) if "TRIPP was removed" in m.text]) == 1
            deletes = [e for e in b.store.audit_for("TRIPP") if e.action == "delete"]
            assert [(e.actor, e.action) for e in deletes] == [(f"telegram:{ADMIN_ID}", "delete")]
            assert "deleted" in await admin(b, "/showlist TRIPP")

    asyncio.run(scenario())


def test_an_old_or_outdated_yes_to_deletelist_deletes_nothing(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    path = tmp_path / "watchlists" / "tripp.toml"

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [asked] = await b.send("/deletelist TRIPP", user_id=ADMIN_ID)
            clock.set(NOW + ANSWER_WITHIN + timedelta(minutes=2))
            assert "expired" in await press(b, asked, YES)
            assert path.exists()

            clock.set(NOW)
            [asked] = await b.send("/deletelist TRIPP", user_id=ADMIN_ID)
            await admin(b, "/addterm TRIPP | Syunik")  # changed since the question
            await press(b, asked, YES)
            assert await b.wait(lambda: "already gone, or has changed" in now_reads(fake, asked))
            assert path.exists()
            assert "Did you mean TRIPP?" in await admin(b, "/deletelist Tripoli")

    asyncio.run(scenario())
