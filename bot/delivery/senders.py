"""Who sends a message: the ``Sender`` protocol, its ``SendResult`` and the console sender.

The outbox drain only knows this protocol; the Telegram sender implements it in
``bot.telegram.sender``, and ``ConsoleSender`` prints instead (the demo, a token-less ``run``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal, Protocol, TextIO

from bot.messages.html import html_to_plain

Outcome = Literal[
    "sent",
    "retry_after",
    "blocked",
    "bad_html",
    "too_long",
    "rejected",
    "transient",
    "migrated",
    # the forum topic it went to was deleted (or closed): the chat itself still takes it
    "topic_gone",
]


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str = ""
    new_chat_id: int | None = None


class Sender(Protocol):
    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        """Send one message; ``reply_markup`` is its inline keyboard as the outbox keeps
        it (JSON, see ``bot.messages.alert_keyboard``), "" for none; ``thread_id`` the
        forum topic it goes to (None: the chat itself)."""
        ...


class ConsoleSender:
    """Prints messages instead of sending them: the demo and a token-less ``run``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._next_id = 0

    async def send(
        self,
        chat_id: int,
        text: str,
        parse_mode: str,
        reply_markup: str = "",
        thread_id: int | None = None,
    ) -> SendResult:
        # A terminal has no buttons: they are left out.
        stream = self._stream or sys.stdout
        plain = html_to_plain(text) if parse_mode else text
        topic = "" if thread_id is None else f", topic {thread_id}"
        stream.write(f"--- to chat {chat_id}{topic} ---\n{plain}\n")
        stream.flush()
        self._next_id += 1
        return SendResult("sent", message_id=self._next_id)
