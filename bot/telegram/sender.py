"""Sending outbox messages with python-telegram-bot, Telegram's answers mapped to outcomes.

The outbox needs only the new message's id from Telegram's answer, so it sends through
``Bot.do_api_request`` with no return type: the same request object, rate limiter hook
and error mapping as ``send_message``, without building a ``Message`` (its chat, its
sender, every entity) for each of thousands of alerts, about a sixth of a send's CPU.
"""

from __future__ import annotations

import warnings
from typing import Any

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
from telegram.warnings import PTBUserWarning

from bot.delivery.senders import SendResult
from bot.messages.alert_keyboard import decode
from bot.telegram.errors import error_text, retry_after_seconds
from bot.telegram.limiter import OUTBOX
from bot.telegram.replies import markup

# Alerts carry one link; a preview of the article page would push the text out of view.
_NO_PREVIEW = {"is_disabled": True}
# do_api_request warns that send_message exists; we skip it on purpose (see above).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


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
            params: dict[str, Any] = {
                "chat_id": chat_id,
                "text": text,
                "link_preview_options": _NO_PREVIEW,
            }
            if parse_mode:
                params["parse_mode"] = parse_mode
            # An alert's buttons; the same on a retry and on the plain-text resend.
            if (buttons := markup(decode(reply_markup))) is not None:
                params["reply_markup"] = buttons
            if thread_id is not None:
                params["message_thread_id"] = thread_id
            sent = await self._bot.do_api_request(
                "sendMessage",
                params,
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
        return SendResult("sent", message_id=_message_id(sent))


def _message_id(sent: object) -> int | None:
    if isinstance(sent, dict):
        message_id = sent.get("message_id")
        if isinstance(message_id, int):
            return message_id
    return None  # Telegram took it; an answer without an id only loses us the id


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
