"""/help fits a phone screen: one short line per command, and not many of them.

Telegram would take 4,096 characters; a reader on a phone should not have to scroll far
to see what the bot does. The admin's /help is longer by its own section."""

from __future__ import annotations

import pytest

from bot.messages.screens import CHAT_COMMANDS, PERSONAL_COMMANDS, help_text
from tests.fake_telegram import parse_telegram_html

# About what a phone shows without scrolling, a line a row.
MAX_LINES = 30
MAX_CHARACTERS = 1_000
# A line that wraps on a phone in portrait is two rows.
MAX_LINE = 60


@pytest.mark.parametrize("group", [False, True], ids=["private", "group"])
def test_help_fits_a_phone_screen(group: bool) -> None:
    shown = parse_telegram_html(help_text(is_admin=False, group=group)).text
    lines = shown.splitlines()
    assert len(lines) <= MAX_LINES
    assert len(shown) <= MAX_CHARACTERS
    assert all(len(line) <= MAX_LINE for line in lines if line.startswith("/"))


def test_every_command_has_a_line_of_help_in_words() -> None:
    for name, about in (*CHAT_COMMANDS, *PERSONAL_COMMANDS):
        line = f"/{name} — {about}"
        assert len(line) <= MAX_LINE, line
        assert sum(c.isalpha() for c in about) >= 8, f"/{name}: {about!r} says little"
