"""/search and /export through the real PTB client against the fake Bot API: results
paged with buttons, hostile words answered, a list's matches sent as a CSV document."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242


def _item(n: int, title: str, body: str, age: timedelta) -> tuple[str, str, str, datetime]:
    return (str(9000 + n), title, f"<p>{body}</p>", NOW - age)


ITEMS = [
    _item(
        n,
        f"Pipeline politics part {n}",
        f"The pipeline crosses Georgia, stage {n}.",
        timedelta(days=n),
    )
    for n in range(1, 8)
] + [
    _item(
        20,
        '=HYPERLINK("http://evil.example") and the TRIPP route',
        "Tehran objects to the Trump Route for International Peace and Prosperity (TRIPP).",
        timedelta(hours=2),
    )
]


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss(ITEMS))
        yield server


def _bot(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock, store: str
) -> BotUnderTest:
    config = make_config(
        tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")], store=store
    )
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


def test_search_pages_through_results_with_buttons(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with _bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            [first] = await b.send("/search Georgia pipeline", user_id=ANN)
            assert first.text.startswith("7 articles with")
            assert "(1–5)" in first.text
            assert "<b>pipeline</b>" in (first.html or "") and "<b>Georgia</b>" in (
                first.html or ""
            )
            [(label, data)] = fake.buttons(first)
            assert label.startswith("More")
            fake.user_presses(first, data, user_id=ANN)
            await b.wait(lambda: len(fake.edits) >= 1)
            second = fake.edits[-1]
            assert "(6–7)" in second.text
            assert [lbl for lbl, _ in fake.buttons(second)] == ["◀ Back"]

    asyncio.run(scenario())


def test_search_answers_hostile_words_and_bad_dates_with_a_sentence(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with _bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            for text in ['/search "pipeline', "/search NEAR(pipe*", "/search -pipeline OR x"]:
                [answer] = await b.send(text, user_id=ANN)
                assert "wrong" not in answer.text, answer.text
            [none] = await b.send("/search * ( )", user_id=ANN)
            assert none.text.startswith("Use /search")
            [bad] = await b.send("/search pipeline since Tuesdayish", user_id=ANN)
            assert "Give the day" in bad.text
            [kept] = await b.send(
                "/search pipeline since " + (NOW - timedelta(days=2)).date().isoformat(),
                user_id=ANN,
            )
            assert kept.text.startswith("2 articles with")
            [in_list] = await b.send("/search route TRIPP", user_id=ANN)
            assert in_list.text.startswith("1 article with") and "in TRIPP" in in_list.text
            [spaced] = await b.send("/search pipeline middle CORRIDOR", user_id=ANN)
            assert (
                spaced.text.startswith("No stored article holds")
                and "Middle Corridor" in spaced.text
            )

    asyncio.run(scenario())


def test_export_sends_the_lists_matches_as_a_csv_document(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with _bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            fake.user_sends("/export tripp 7", user_id=ANN)
            [doc] = await asyncio.to_thread(fake.wait_for_documents, ANN, 1)
            assert doc.file_name.endswith(".csv") and doc.mime_type
            assert "TRIPP" in doc.caption and "1 match" in doc.caption
            rows = list(csv.DictReader(io.StringIO(doc.data.decode("utf-8-sig"))))
            assert len(rows) == 1
            assert rows[0]["watchlist"] == "TRIPP" and rows[0]["term"]
            # A title a spreadsheet would run as a formula is kept as text.
            assert rows[0]["title"].startswith("'=HYPERLINK")
            [unknown] = await b.send("/export nosuchlist", user_id=ANN)
            assert "nosuchlist" in unknown.text and "/export" in unknown.text
            [none] = await b.send("/export abraham 1", user_id=ANN)
            assert none.text.startswith("Nothing matched")

    asyncio.run(scenario())


def test_a_page_button_past_the_last_result_leaves_the_results_as_they_are(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, store_url: str
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with _bot(tmp_path, fake, feeds, clock, store_url) as b:
            await b.poll()
            [first] = await b.send("/search Georgia pipeline", user_id=ANN)
            # An old button after the store lost articles, or a forged one.
            for offset in ("1000000", "99999999999999999999"):
                fake.user_presses(first, f"search:1:{offset}", user_id=ANN, forged=True)
            await b.wait(lambda: len(fake.callback_answers) >= 2)
            assert fake.edits == []
            assert all("send it again" in (a.text or "") for a in fake.callback_answers)

    asyncio.run(scenario())
