from __future__ import annotations

import logging

import pytest

from bot.runtime.logs import RedactingFormatter, setup_logging

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


def test_an_event_with_a_traceback_or_newlines_stays_one_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "job=%s status=failed", ("poll\r\n",), None
        )
        record.exc_info = sys.exc_info()
    line = RedactingFormatter("level=%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\r" not in line
    assert line.startswith("level=ERROR job=poll\\r\\n status=failed\\nTraceback")
    assert "ValueError: bad\\nvalue" in line


def test_every_level_is_named_on_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG")
    try:
        log = logging.getLogger("bot.test")
        log.debug("a=1")
        log.warning("b=2")
        log.error("c=3")
        lines = capsys.readouterr().err.splitlines()
    finally:
        setup_logging("WARNING")
    assert [line.split(" ")[1] for line in lines] == [
        "level=DEBUG",
        "level=WARNING",
        "level=ERROR",
    ]
