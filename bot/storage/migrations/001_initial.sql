-- Feeds, articles and their watchlist matches. Times are ISO 8601 UTC strings
-- ("2025-08-20T18:51:00+00:00") so that they sort and compare as text.

CREATE TABLE feeds (
    url             TEXT PRIMARY KEY,
    effective_url   TEXT,
    etag            TEXT,
    last_modified   TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    next_poll_at    TEXT,
    last_attempt_at TEXT,
    last_success_at TEXT,
    last_error_at   TEXT,
    last_error      TEXT,
    newest_item_at  TEXT,
    title           TEXT NOT NULL DEFAULT '',
    -- 0 until the first successful poll; that poll stores without alerting.
    initialised     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id             TEXT PRIMARY KEY,
    feed_url       TEXT NOT NULL,
    link           TEXT NOT NULL,
    title          TEXT NOT NULL,
    author         TEXT NOT NULL,
    section        TEXT NOT NULL,
    published      TEXT,
    summary        TEXT NOT NULL,
    html           TEXT NOT NULL,
    text           TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    -- Set when the content changed after the article was first seen.
    updated_at     TEXT,
    last_seen_at   TEXT NOT NULL
);
CREATE INDEX articles_by_first_seen ON articles (first_seen_at);
CREATE INDEX articles_by_updated ON articles (updated_at);

CREATE TABLE matches (
    id            INTEGER PRIMARY KEY,
    article_id    TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    watchlist     TEXT NOT NULL,
    term          TEXT NOT NULL,
    matched_text  TEXT NOT NULL,
    score         REAL NOT NULL,
    field         TEXT NOT NULL,
    snippet       TEXT NOT NULL,
    mark_start    INTEGER NOT NULL,
    mark_end      INTEGER NOT NULL,
    matched_at    TEXT NOT NULL
);
CREATE INDEX matches_by_article ON matches (article_id);
CREATE INDEX matches_by_watchlist ON matches (watchlist, article_id);
