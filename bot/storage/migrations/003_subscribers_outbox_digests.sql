-- Telegram chats that use the bot (a private chat's id is the user's id; groups are
-- negative), what they follow, the messages owed to them, and the digests made.

CREATE TABLE subscribers (
    chat_id          INTEGER PRIMARY KEY,
    -- private, group, supergroup or channel: groups are paced at 20 messages a minute
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL DEFAULT '',
    timezone         TEXT NOT NULL,
    -- HH:MM on the subscriber's local clock
    digest_time      TEXT NOT NULL,
    mode             TEXT NOT NULL DEFAULT 'both'
                     CHECK (mode IN ('instant', 'daily', 'both', 'off')),
    -- 0 once Telegram said the bot was blocked or kicked; /start makes it 1 again
    active           INTEGER NOT NULL DEFAULT 1,
    inactive_reason  TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE subscriptions (
    chat_id     INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
    watchlist   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, watchlist)
);
CREATE INDEX subscriptions_by_watchlist ON subscriptions (watchlist);

-- Every message is written here before it is sent. dedup_key makes enqueueing the
-- same alert or digest part twice a no-op; a sent row keeps Telegram's message id.
CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key            TEXT NOT NULL UNIQUE,
    chat_id              INTEGER NOT NULL,
    -- alert, digest, notice, reply
    kind                 TEXT NOT NULL,
    text                 TEXT NOT NULL,
    -- 'HTML', or '' after Telegram refused the HTML and it was resent as plain text
    parse_mode           TEXT NOT NULL DEFAULT 'HTML',
    state                TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'sent', 'failed')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    sent_at              TEXT,
    telegram_message_id  INTEGER,
    last_error           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (chat_id, id) WHERE state = 'pending';

-- One digest per chat per local day; since/until is the window it covered, so the
-- next one starts where it ended.
CREATE TABLE digests (
    chat_id     INTEGER NOT NULL,
    local_date  TEXT NOT NULL,
    since       TEXT NOT NULL,
    until       TEXT NOT NULL,
    articles    INTEGER NOT NULL,
    parts       INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, local_date)
);
