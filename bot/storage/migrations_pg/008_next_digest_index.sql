-- When each chat's next digest is due, so that the every-minute digest tick reads only
-- the chats whose digest may be due (through the index) instead of every chat.
--
-- An ISO 8601 UTC time, written by the tick from bot/domain/schedule.py::chat_next_digest;
-- NULL: the chat gets no digest (inactive, a mode without digests, following nothing);
-- '': to be worked out, as it sorts before every time: the tick looks at the chat at
-- once. Every change to a chat's settings, lists or state sets it to '' (ChatStore),
-- so a stored time is never later than the chat's next digest.
--
-- Existing chats start at '' (the column's default): the first tick after the upgrade
-- looks at each of them once, as every tick did before, and stores their times.
ALTER TABLE subscribers ADD COLUMN next_digest_at TEXT DEFAULT '';

CREATE INDEX subscribers_by_next_digest ON subscribers (next_digest_at)
    WHERE next_digest_at IS NOT NULL;
