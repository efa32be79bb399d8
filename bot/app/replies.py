"""Answers too long for one message: queued in the outbox, paced and in order like any
other message to the chat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.app.service import Service
from bot.domain.models import OutgoingMessage

# A long reply (/digest, /latest, /testlist) waits while this many messages to the chat
# are queued: someone repeating /latest 20 in a group must not fill the outbox for all.
MAX_PENDING_FOR_REPLY = 10


def queue_reply(
    service: Service,
    chat_id: int,
    texts: Sequence[str],
    *,
    key: str,
    now: datetime,
    kind: str = "reply",
) -> bool:
    """Queue ``texts`` as the parts ``<key>:1``, ``<key>:2``…; False (nothing queued)
    while the chat already has too much waiting."""
    if service.store.outbox.pending_count(chat_id) >= MAX_PENDING_FOR_REPLY:
        return False
    messages = [
        OutgoingMessage(f"{key}:{i}", chat_id, kind, text) for i, text in enumerate(texts, start=1)
    ]
    service.store.outbox.enqueue(messages, now)
    service.on_queued()
    return True
