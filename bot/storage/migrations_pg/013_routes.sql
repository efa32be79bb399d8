-- Routing: a chat's subscription to a list delivered elsewhere, to a channel where the
-- bot is an admin or to a topic of a forum supergroup.

-- One route per subscription; it goes with the subscription (unfollowing drops it, a
-- renamed list or a migrated group takes it along).
-- thread_id is the forum topic (message_thread_id), NULL for a whole chat (a channel).
CREATE TABLE routes (
    chat_id         BIGINT NOT NULL,
    watchlist       TEXT NOT NULL,
    target_chat_id  BIGINT NOT NULL,
    thread_id       BIGINT,
    -- how the target is shown: a channel's title or @name, a topic's "topic N"
    target_title    TEXT NOT NULL DEFAULT '',
    set_by          TEXT NOT NULL,
    set_at          TEXT NOT NULL,
    PRIMARY KEY (chat_id, watchlist),
    FOREIGN KEY (chat_id, watchlist) REFERENCES subscriptions (chat_id, watchlist)
        ON DELETE CASCADE ON UPDATE CASCADE DEFERRABLE
);
CREATE INDEX routes_by_target ON routes (target_chat_id, thread_id);

-- A message goes to chat_id, in its topic thread_id when set. origin_chat_id is the
-- subscriber it was made for when a route sent it elsewhere (NULL: chat_id is the
-- subscriber): should the target be lost, the message falls back to that chat.
ALTER TABLE outbox ADD COLUMN thread_id BIGINT;
ALTER TABLE outbox ADD COLUMN origin_chat_id BIGINT;
