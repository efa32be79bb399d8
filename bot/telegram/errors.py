"""Reading Telegram's error answers: how long a 429 says to wait, and an error's text
fit for a log line or the outbox's record."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import RetryAfter, TelegramError

# PTB puts the whole body of an answer it cannot read as JSON into the error's message
# ("Bad Gateway (502). Parsing the server response b'<html>…' failed"): a proxy's
# error page, dozens of lines. What comes before it says all there is to say.
_UNREADABLE_BODY = ". Parsing the server response"
MAX_ERROR_TEXT = 200


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the int form is deprecated; both forms are handled here.
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return max(1.0, value.total_seconds())
    return max(1.0, float(value))


def error_text(exc: TelegramError) -> str:
    """The error in a few words: never the HTML page a failing proxy answered with."""
    text = exc.message or type(exc).__name__
    cut = text.find(_UNREADABLE_BODY)
    if cut >= 0:
        text = text[:cut]
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 1] + "…"
    return text
