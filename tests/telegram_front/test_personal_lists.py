"""Personal watchlists: the rules and limits, their table, how they are matched and shown,
and the /my… commands end to end through the real bot and the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.digest import build_digest
from bot.domain.models import DigestEntry, Term
from bot.lists.personal import (
    MAX_LISTS,
    MAX_TERMS,
    PersonalError,
    PersonalList,
    add_terms,
    display_name,
    internal_name,
    new_list,
    owner_of,
    remove_term,
)
from bot.messages.fanout import digest_texts
from bot.storage import open_store
from tests.bot_harness import TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import make_article, make_match, rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB = 4242, 4343

OLD_ITEM = ("9001", "Water Politics", "<p>Irrigation in the valley.</p>", NOW - timedelta(days=9))
ROGUN_ITEM = (
    "9201",
    "Tajikistan Fills the Reservoir",
    "<p>Engineers say the Rogun Dam will reach full height by 2029.</p>",
    NOW - timedelta(hours=1),
)


# -- the rules ------------------------------------------------------------------------------


def test_internal_names_cannot_be_shown_by_mistake() -> None:
    name = internal_name(ANN, "Rogun Dam")
    assert name == "~4242/Rogun Dam"
    assert owner_of(name) == ANN and owner_of("TRIPP") is None
    assert display_name(name) == "Rogun Dam (personal)"
    assert display_name("TRIPP") == display_name("TRIPP") == "TRIPP"
    assert display_name("~not/personal") == "~not/personal"


def test_limits_on_lists_terms_and_lengths_are_enforced_with_reasons() -> None:
    lists = [PersonalList(ANN, f"List {i}", (Term("x"),)) for i in range(MAX_LISTS)]
    with pytest.raises(PersonalError, match="5 personal watchlists, the most allowed"):
        new_list(lists, ANN, "One more", [Term("Rogun")])
    with pytest.raises(PersonalError, match="at most 40 characters"):
        new_list([], ANN, "N" * 41, [Term("Rogun")])
    with pytest.raises(PersonalError, match="at most 60 characters"):
        new_list([], ANN, "Rogun", [Term("R" * 61)])
    with pytest.raises(PersonalError, match="at most 20 terms"):
        new_list([], ANN, "Rogun", [Term(f"term {i}") for i in range(MAX_TERMS + 1)])
    with pytest.raises(PersonalError, match="already have a list called"):
        new_list(lists[:1], ANN, "list 0", [Term("Rogun")])
    with pytest.raises(PersonalError, match="cannot start with ~"):
        new_list([], ANN, "~1/Mine", [Term("Rogun")])
    # The shared files' rules hold too: no line breaks, no term without a letter.
    with pytest.raises(PersonalError, match="line break"):
        new_list([], ANN, "Rogun\nDam", [Term("Rogun")])
    with pytest.raises(PersonalError, match="letter or digit"):
        new_list([], ANN, "Rogun", [Term("--")])


def test_terms_are_added_and_removed_but_the_last_one_stays() -> None:
    plist = new_list([], ANN, "  Rogun Dam ", [Term(" Rogun ")])
    assert plist.name == "Rogun Dam" and plist.terms == (Term("Rogun"),)
    plist = add_terms(plist, [Term("Nurek"), Term("VAKHSH", exact=True)])
    assert [t.text for t in plist.terms] == ["Rogun", "Nurek", "VAKHSH"]
    with pytest.raises(PersonalError, match='already has the term "Nurek"'):
        add_terms(plist, [Term("nurek")])
    plist = remove_term(plist, "nurek")
    with pytest.raises(PersonalError, match='did you mean "Rogun"'):
        remove_term(plist, "Rogum")
    plist = remove_term(plist, "VAKHSH")
    with pytest.raises(PersonalError, match=r"only term .* /myrm Rogun Dam deletes"):
        remove_term(plist, "Rogun")


# -- storage, matching and display -------------------------------------------------------


def test_the_table_keeps_each_users_lists_and_a_deleted_one_leaves_no_matches() -> None:
    store = open_store(":memory:")
    mine = PersonalList(ANN, "Rogun", (Term("Rogun Dam"), Term("TALCO", exact=True)))
    store.personal.save(mine, NOW)
    store.personal.save(PersonalList(BOB, "Aral", (Term("Aral Sea"),)), NOW)
    assert store.personal.of(ANN) == [mine]
    store.personal.save(PersonalList(ANN, "rogun", (Term("Nurek"),)), NOW)  # same list
    assert store.personal.of(ANN) == [PersonalList(ANN, "Rogun", (Term("Nurek"),))]
    assert [p.owner for p in store.personal.all()] == [ANN, BOB]

    article = make_article(1)
    store.upsert_article(article, NOW)
    store.replace_matches(article.id, [make_match(mine.internal_name)], NOW)
    assert store.personal.delete(mine)
    assert store.personal.of(ANN) == []
    assert store.article_ids_matching(mine.internal_name) == set()
    store.close()


def test_a_digest_shows_a_personal_list_by_its_owners_name() -> None:
    name = internal_name(ANN, "Rogun")
    entry = DigestEntry(make_article(1), NOW, updated=False, matches=(make_match(name),))
    digest = build_digest([entry], since=NOW, until=NOW + timedelta(hours=1), feeds=[])
    [text] = digest_texts(
        digest, now=NOW, tz=ZoneInfo("UTC"), stale_after=timedelta(days=45), empty="send"
    )
    assert "Rogun (personal)" in text and "~4242" not in text


# -- end to end ---------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    # Many commands a second from one user: the 429s of 5 a second are another test's.
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD_ITEM]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


async def say(b: BotUnderTest, text: str, user_id: int = ANN) -> str:
    [answer] = await b.send(text, user_id=user_id)
    return str(answer.text)


def test_a_personal_list_alerts_only_its_owner_under_the_name_they_gave_it(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            answer = await say(b, "/mynew Rogun | Rogun Dam, Vakhsh cascade")
            assert "Created Rogun with the terms “Rogun Dam”, “Vakhsh cascade”" in answer
            assert "only you get its alerts" in answer
            await say(b, "/subscribe TRIPP", BOB)
            assert "Rogun" not in await say(b, "/watchlists", BOB)
            assert "I know no watchlist called" in await say(b, "/subscribe rogun", BOB)
            assert "no personal watchlists yet" in await say(b, "/mylists", BOB)
            assert "no personal watchlists yet" in await say(b, "/myadd Rogun | Nurek", BOB)

            feeds.publish("/a.feed", rss([ROGUN_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            alert = (await b.messages(ANN, 2))[-1]
            assert "Tajikistan Fills the Reservoir" in alert.text
            assert "Rogun (personal)" in alert.text and "~" not in alert.text
            assert "the <b>Rogun Dam</b> will reach" in (alert.html or "")
            assert await b.outbox_settled()
            assert all("Tajikistan" not in m.text for m in fake.messages_to(BOB))

            answer = await say(b, "/myadd rogun Nurek --exact")
            assert "Added the term “Nurek” (exact) to Rogun" in answer
            listing = await say(b, "/mylists")
            assert (
                "Rogun (3 of at most 20 terms)" in listing
                and "• Nurek (exact, any case)" in listing
            )

    asyncio.run(scenario())


def test_personal_commands_refuse_clearly_and_delete_only_on_the_whole_name(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for i in range(MAX_LISTS):
                assert "Created" in await say(b, f"/mynew List {i} | term {i}")
            answer = await say(b, "/mynew Sixth | Rogun")
            assert "you have 5 personal watchlists, the most allowed" in answer
            answer = await say(b, "/myadd List 0 | " + "x" * 61)
            assert "at most 60 characters (this one has 61)" in answer
            terms = ", ".join(f"t{i}" for i in range(MAX_TERMS))
            assert "at most 20 terms (1 already, 20 more" in await say(
                b, f"/myadd List 0 | {terms}"
            )
            assert "only term" in await say(b, "/myrm List 0 | term 0")
            assert "Usage: /mynew NAME | TERM" in await say(b, "/mynew")
            assert "a command takes at most 2,000" in await say(b, "/mynew " + "Rogun, " * 1500)
            assert "no list called “Aral”; yours are List 0" in await say(b, "/myrm Aral | x")

            # Stopped (once confirmed), a list is paused; /mynew with its name alone resumes it.
            [asked] = await b.send("/stop", user_id=ANN)
            fake.user_presses(asked, fake.buttons(asked)[0][1])
            assert await b.wait(lambda: any("Unsubscribed" in m.text for m in fake.edits))
            assert "paused; /mynew List 1 resumes it" in await say(b, "/mylists")
            assert "Resumed List 1" in await say(b, "/mynew list 1")

            assert "Which of yours: List 0, List 1 or List 2?" in await say(b, "/myrm List")
            assert "send /myrm List 4 (its whole name)" in await say(b, "/myrm Lis 4")
            assert len(b.store.personal.of(ANN)) == MAX_LISTS
            [asked] = await b.send("/myrm list 4", user_id=ANN)
            assert "Delete your list List 4 and its 1 term?" in asked.text
            fake.user_presses(asked, fake.buttons(asked)[0][1])
            assert await b.wait(lambda: any("Deleted your list" in m.text for m in fake.edits))
            assert [p.name for p in b.store.personal.of(ANN)] == [f"List {i}" for i in range(4)]
            assert "~4242/List 4" not in b.store.chats.get(ANN).watchlists

            [group] = await b.send(
                "/mynew Rogun | Rogun", user_id=ANN, chat_id=-100, chat_type="group"
            )
            assert "private chat" in group.text
            assert fake.internal_errors == []

    asyncio.run(scenario())


def test_mysubs_and_unsubscribe_use_the_personal_lists_own_name(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await say(b, "/mynew Rogun | Rogun Dam")
            subs = await say(b, "/mysubs")
            assert "• Rogun (personal)" in subs
            assert "~" not in subs and "No longer available" not in subs
            assert "Stopped following Rogun (personal)" in await say(b, "/unsubscribe rogun")
            assert "Following Rogun (personal)" in await say(b, "/subscribe rogun")

    asyncio.run(scenario())
