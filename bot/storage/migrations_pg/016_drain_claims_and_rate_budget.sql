-- Several instances draining one outbox (issue 16): every `caci-watch run` on a
-- PostgreSQL store sends, each to the chats it has claimed, and all of them within one
-- bot-wide rate budget kept here. Times are the server's (clock_timestamp()), so the
-- instances' clocks do not matter.

-- Which instance sends to a chat for now: a chat's messages go from one instance at a
-- time, in order, at the chat's pace; a killed instance's claims lapse at expires_at.
CREATE TABLE outbox_claims (
    chat_id     BIGINT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_claims_holder ON outbox_claims (holder);

-- The bot-wide rate budget the instances share: the earliest moment the next message
-- may go ("theoretical arrival time" of a token bucket holding one token). Taking n
-- tokens is one UPDATE ... RETURNING that moves it n intervals past the later of itself
-- and the server's now.
CREATE TABLE rate_budget (
    name     TEXT PRIMARY KEY,
    next_at  TIMESTAMPTZ NOT NULL
);
