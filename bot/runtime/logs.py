"""Logging: one line per event, key=value, and never a secret."""

from __future__ import annotations

import logging
import re
import sys
import time

# The Telegram token sits in every Bot API URL (/bot<token>/method). Libraries log
# URLs at INFO (httpx) or DEBUG, so their loggers stay at WARNING and every line is
# scrubbed as a second line of defence.
_TOKEN = re.compile(r"(?:bot)?\d{5,}:[A-Za-z0-9_-]{30,}")
_NOISY = ("httpx", "httpcore", "telegram", "apscheduler", "hpack")


_SECRETS: set[str] = set()

# python-telegram-bot logs an ERROR with a traceback and the whole body for every answer
# that is not JSON ("Can not load invalid JSON data: <html>…" for each 502 a proxy sends
# during a Telegram outage), then raises an error that says the same in one line; the bot
# handles that error (the outage is one WARNING line, bot.delivery.outage). The record
# adds only noise, and the page, so it is dropped.
_PTB_REQUEST_LOGGER = "telegram.request.BaseRequest"
_PTB_UNREADABLE_BODY = "Can not load invalid JSON data"


class _DropUnreadableBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_PTB_UNREADABLE_BODY)


_DROP_UNREADABLE_BODIES = _DropUnreadableBodies()


def redact(secret: str) -> None:
    """Scrub this exact string from every log line too, whatever its shape."""
    if secret:
        _SECRETS.add(secret)


class RedactingFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # ISO 8601 in UTC, without the space logging's default puts in the middle of
        # a key=value line.
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in _SECRETS:
            line = line.replace(secret, "<redacted>")
        # One event, one line, even with a traceback or a newline in a logged value: the
        # journal and grep then never split an event or mix two.
        line = line.replace("\r", "\\r").replace("\n", "\\n")
        return _TOKEN.sub("<redacted>", line)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    quiet_library_errors()


def quiet_library_errors() -> None:
    """The library records that only repeat, at length, an error the bot handles."""
    ptb = logging.getLogger(_PTB_REQUEST_LOGGER)
    if _DROP_UNREADABLE_BODIES not in ptb.filters:
        ptb.addFilter(_DROP_UNREADABLE_BODIES)
