-- The "possibly about" tier (issue 13 part 1): what it found in each article, and which
-- chats want its findings as instant alerts too.
--
-- One row per article and list the article does not name but discusses. content_hash is
-- the article's text it was found in: a row whose hash is no longer the article's is a
-- verdict on old text, never shown, and replaced when the tier reads the new text (an
-- edited article is read again; should the tier fail then, the old verdict stays hidden).
-- found_at is when the row was written: the digest shows each finding in the window it
-- was made in, so a finding made just after a digest whose window held the article's
-- first sight is in the next digest rather than in none.
CREATE TABLE possibly_about (
    article       BIGINT NOT NULL REFERENCES articles (ref) ON DELETE CASCADE DEFERRABLE,
    watchlist     TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    -- similarity, for ordering; never shown
    score         DOUBLE PRECISION NOT NULL,
    -- the plain words shown
    strength      TEXT NOT NULL CHECK (strength IN ('close', 'very close')),
    -- the article's closest passage, plain text
    passage       TEXT NOT NULL,
    found_at      TEXT NOT NULL,
    PRIMARY KEY (article, watchlist)
);
-- The digest's window.
CREATE INDEX possibly_about_by_found ON possibly_about (found_at);
-- A list renamed or deleted.
CREATE INDEX possibly_about_by_watchlist ON possibly_about (watchlist);

-- 1: the chat gets instant alerts for articles possibly about this list too (with its
-- mode allowing instant alerts). Off by default: they are in the digest regardless.
ALTER TABLE subscriptions ADD COLUMN about_alerts BIGINT NOT NULL DEFAULT 0;
