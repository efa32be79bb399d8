from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFormatter, setup_logging

TOKEN = "123456789:AAE-abcdefghijklmnopqrstuvwxyz_0123456"


def test_token_shaped_strings_never_reach_a_log_line() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "GET https://api.telegram.org/bot%s/getMe", (TOKEN,), None
    )
    line = RedactingFormatter("%(message)s").format(record)
    assert TOKEN not in line
    assert "<redacted>" in line


def test_http_client_request_logging_stays_at_warning(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG")
    try:
        logging.getLogger("httpx").info("HTTP Request: GET https://api.telegram.org/bot%s/x", TOKEN)
        logging.getLogger("bot.test").info("event=ok")
        err = capsys.readouterr().err
    finally:
        setup_logging("WARNING")
    assert "HTTP Request" not in err
    assert "level=INFO logger=bot.test event=ok" in err
