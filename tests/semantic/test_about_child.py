"""The "possibly about" tier in its child process, with the real model: an article that
discusses a list's subject without naming it comes back with its closest passage; a
named list, a neighbouring subject and a list without `about` do not; a child that
crashes, hangs, floods or garbles gives nothing and says so in the log; and the bot's
own process never loads numpy or the model."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.aboutness import VERY_CLOSE
from bot.semantic.about_child import (
    found_from_json,
    found_to_json,
    possibly_about_in_child,
    possibly_about_in_child_here,
    request_from_json,
    request_to_json,
)
from tests.semantic.about_fixture import ABOUT_IT, NEIGHBOUR, ROUTE, UNRELATED

ROOT = Path(__file__).resolve().parents[2]


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_an_article_discussing_the_subject_without_naming_it_is_possibly_about_it() -> None:
    found = asyncio.run(possibly_about_in_child([ABOUT_IT, NEIGHBOUR, UNRELATED], [ROUTE], {}))
    assert [(f.article_id, f.watchlist, f.strength) for f in found] == [
        ("about-it", "Route", VERY_CLOSE)
    ]
    assert "Meghri gorge" in found[0].passage
    assert len(found[0].passage) <= 300


def test_an_article_never_comes_back_for_a_list_it_names() -> None:
    named = {ABOUT_IT.id: frozenset({"Route"})}
    assert asyncio.run(possibly_about_in_child([ABOUT_IT], [ROUTE], named)) == []


def test_lists_without_about_sentences_start_no_child() -> None:
    plain = dataclasses.replace(ROUTE, about=(), not_about=())
    # A command that cannot start would be logged; nothing is asked of it at all.
    found = asyncio.run(
        possibly_about_in_child([ABOUT_IT], [plain], {}, command=("/nonexistent/python",))
    )
    assert found == []


def test_the_synchronous_runner_gives_what_the_async_one_gives() -> None:
    assert possibly_about_in_child_here([ABOUT_IT, NEIGHBOUR], [ROUTE], {}) == asyncio.run(
        possibly_about_in_child([ABOUT_IT, NEIGHBOUR], [ROUTE], {})
    )


def test_the_synchronous_runner_works_from_a_running_event_loop_thread() -> None:
    async def on_the_loop() -> list[str]:
        return [f.article_id for f in possibly_about_in_child_here([ABOUT_IT], [ROUTE], {})]

    assert asyncio.run(on_the_loop()) == ["about-it"]


@pytest.mark.parametrize(
    ("code", "logged"),
    [
        pytest.param("import os; os.abort()", "killed by SIGABRT", id="crash"),
        pytest.param(
            "import sys; sys.stdin.read(); raise MemoryError('model')", "MemoryError", id="raises"
        ),
        pytest.param("import sys; sys.stdout.write('[{]')", "garbled", id="garbled"),
        pytest.param(
            "import sys; sys.stdout.write('x' * 5_000_000)", "output_over_cap", id="floods"
        ),
    ],
)
def test_a_child_that_fails_gives_nothing_and_is_logged(
    code: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.semantic.about_child"):
        found = asyncio.run(possibly_about_in_child([ABOUT_IT], [ROUTE], {}, command=python(code)))
    assert found == []
    assert logged in caplog.text


def test_a_child_that_hangs_is_stopped_and_gives_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.semantic.about_child"):
        found = asyncio.run(
            possibly_about_in_child(
                [ABOUT_IT], [ROUTE], {}, timeout=0.5, command=python("import time; time.sleep(600)")
            )
        )
    assert found == []
    assert "status=timeout" in caplog.text


def test_a_child_cannot_answer_for_a_list_or_article_it_was_not_asked_about() -> None:
    forged = (
        '[{"article_id": "about-it", "watchlist": "Other", "score": 2, "strength": "close",'
        ' "passage": "x"}, {"article_id": "elsewhere", "watchlist": "Route", "score": 2,'
        ' "strength": "close", "passage": "x"}]'
    )
    code = f"import sys; sys.stdin.read(); sys.stdout.write({forged!r})"
    assert asyncio.run(possibly_about_in_child([ABOUT_IT], [ROUTE], {}, command=python(code))) == []


def test_the_request_and_the_answer_survive_their_json() -> None:
    articles, lists, named = request_from_json(
        request_to_json([ABOUT_IT], [ROUTE], {ABOUT_IT.id: frozenset({"Other"})})
    )
    assert [(a.id, a.title, a.text) for a in articles] == [
        (ABOUT_IT.id, ABOUT_IT.title, ABOUT_IT.text)
    ]
    assert [(w.name, w.about, w.not_about, w.about_close, w.about_very_close) for w in lists] == [
        (ROUTE.name, ROUTE.about, ROUTE.not_about, ROUTE.about_close, ROUTE.about_very_close)
    ]
    assert named == {ABOUT_IT.id: frozenset({"Other"})}
    found = possibly_about_in_child_here([ABOUT_IT], [ROUTE], {})
    assert found_from_json(found_to_json(found)) == found


def test_the_bot_process_never_loads_numpy_or_the_model() -> None:
    code = (
        "import sys, asyncio\n"
        "import bot.app.service, bot.app.poll, bot.app.rematch, bot.semantic.about_child as c\n"
        "from tests.semantic.about_fixture import ABOUT_IT, ROUTE\n"
        "found = asyncio.run(c.possibly_about_in_child([ABOUT_IT], [ROUTE], {}))\n"
        "print(len(found), 'numpy' in sys.modules, 'wordllama' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["1", "False", "False"]
