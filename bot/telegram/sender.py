"""Sending outbox messages with python-telegram-bot, Telegram's answers mapped to outcomes."""

from __future__ import annotations

from telegram import LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.delivery.senders import SendResult
from bot.messages.alert_keyboard import decode
from bot.telegram.errors import error_text, retry_after_seconds
from bot.telegram.limiter import OUTBOX
from bot.telegram.replies import markup

# Alerts carry one link; a preview of the article page would push the text out of view.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramSender:
    def __init__(self, bot: ExtBot[str]) -> None:
        self._bot = bot

    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        try:
            sent = await self._bot.send_message(
                chat_id,
                text,
                parse_mode=parse_mode or None,
                # An alert's buttons; the same on a retry and on the plain-text resend.
                reply_markup=markup(decode(reply_markup)),
                link_preview_options=_NO_PREVIEW,
                message_thread_id=thread_id,
                # The outbox has paced this one already (see bot.telegram.limiter).
                rate_limit_args=OUTBOX,
            )
        except RetryAfter as exc:
            return SendResult("retry_after", retry_after=retry_after_seconds(exc), error=str(exc))
        except Forbidden as exc:
            return SendResult("blocked", error=exc.message)
        except ChatMigrated as exc:
            return SendResult("migrated", new_chat_id=exc.new_chat_id, error=str(exc))
        except BadRequest as exc:
            return _bad_request(exc)
        except InvalidToken as exc:
            # Nothing is lost: the message stays pending and the drain backs off.
            return SendResult("transient", error=f"token refused: {exc.message}")
        except NetworkError as exc:  # also TimedOut and 5xx answers
            return SendResult("transient", error=error_text(exc))
        except TelegramError as exc:
            return SendResult("transient", error=error_text(exc))
        return SendResult("sent", message_id=sent.message_id)


def _bad_request(exc: BadRequest) -> SendResult:
    text = exc.message.lower()
    if "can't parse entities" in text or "can't find end tag" in text:
        return SendResult("bad_html", error=exc.message)
    if "message thread not found" in text or "topic_closed" in text:
        return SendResult("topic_gone", error=exc.message)
    if "message is too long" in text:
        return SendResult("too_long", error=exc.message)
    if "chat not found" in text or "user is deactivated" in text:
        return SendResult("blocked", error=exc.message)
    return SendResult("rejected", error=exc.message)
