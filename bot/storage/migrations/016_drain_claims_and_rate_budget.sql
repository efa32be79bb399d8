-- Several instances draining one outbox (issue 16). Used on PostgreSQL only, where every
-- `caci-watch run` sends; an SQLite store has one sender, and keeps these tables empty so
-- that both databases have the same tables at the same version.

-- Which instance sends to a chat for now: a chat's messages go from one instance at a
-- time, in order, at the chat's pace; a killed instance's claims lapse at expires_at.
CREATE TABLE outbox_claims (
    chat_id     INTEGER PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- The bot-wide rate budget the instances share: the earliest moment the next message
-- may go ("theoretical arrival time" of a token bucket holding one token).
CREATE TABLE rate_budget (
    name     TEXT PRIMARY KEY,
    next_at  TEXT NOT NULL
);
