-- Relevance feedback: the buttons under each alert (👍, 👎, mute a list for a week).
--
-- A queued message keeps its inline keyboard, so that a retry or the plain-text resend
-- carries the same buttons: JSON, [[[label, callback data], ...], ...] a row each, or ''.
ALTER TABLE outbox ADD COLUMN reply_markup TEXT NOT NULL DEFAULT '';

-- A button names an article by a short key (callback data holds 64 bytes; an article's id
-- is a guid or a link, ~120 characters): the first 12 hex digits of the id's SHA-1. An
-- alert's articles are noted here when it is queued, which is how a tap finds its article.
CREATE TABLE alert_articles (
    key      TEXT PRIMARY KEY,
    article  BIGINT NOT NULL REFERENCES articles (ref) ON DELETE CASCADE DEFERRABLE
);
CREATE INDEX alert_articles_by_article ON alert_articles (article);

-- One vote per chat, article and list: +1 (about the list) or -1 (not about it). Voting
-- again replaces it. The watchlist is its internal name (a personal list's ~owner/name).
CREATE TABLE votes (
    chat_id    BIGINT NOT NULL,
    article    BIGINT NOT NULL REFERENCES articles (ref) ON DELETE CASCADE DEFERRABLE,
    watchlist  TEXT NOT NULL,
    vote       BIGINT NOT NULL CHECK (vote IN (-1, 1)),
    voted_at   TEXT NOT NULL,
    PRIMARY KEY (chat_id, article, watchlist)
);
-- /feedback LIST: a list's votes over the last days.
CREATE INDEX votes_by_watchlist ON votes (watchlist, voted_at);

-- A subscription muted until this time (no alerts, no digest items for the list); NULL
-- when it is not muted. A mute that has run out is simply ignored (domain/mute.py).
ALTER TABLE subscriptions ADD COLUMN muted_until TEXT;
