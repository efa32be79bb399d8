"""Where the token comes from, and that a bad one is refused without being printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.credentials import TokenError, load_token

TOKEN = "123456789:AAHfakefakefakefakefakefakefake_-12"


def test_the_environment_variable_wins() -> None:
    assert load_token({"CACI_WATCH_TOKEN": f" {TOKEN}\n"}) == TOKEN


def test_the_systemd_credential_is_read_when_the_variable_is_absent(tmp_path: Path) -> None:
    (tmp_path / "telegram-token").write_text(TOKEN + "\n")
    assert load_token({"CREDENTIALS_DIRECTORY": str(tmp_path)}) == TOKEN


def test_no_token_anywhere_means_the_console(tmp_path: Path) -> None:
    assert load_token({}) is None
    assert load_token({"CREDENTIALS_DIRECTORY": str(tmp_path)}) is None


def test_a_malformed_token_is_refused_without_echoing_it() -> None:
    secret = "not a token but secret-ish 9f8e7d"
    with pytest.raises(TokenError) as info:
        load_token({"CACI_WATCH_TOKEN": secret})
    assert secret not in str(info.value)
    assert "CACI_WATCH_TOKEN" in str(info.value)
