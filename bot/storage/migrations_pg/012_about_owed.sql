-- What the "possibly about" tier still owes (issue 13 part 1): nothing it should read is
-- lost to a crash between a poll's commit and the tier, a child that fails or times out,
-- or an edit of a list's `about` while the bot is stopped.
--
-- A poll that stores an article's new or changed text marks it here in the same
-- transaction (watchlist ''), when the tier is on; the mark goes when the tier's findings
-- for that text are stored, in the findings' transaction. An edit of a list's `about`,
-- `not_about` or thresholds (or a new list with `about`) marks the articles of the
-- re-match window for that list alone (watchlist NAME). The running bot reads what is
-- owed after each poll and at start-up, the poll's marks first, then the oldest.
CREATE TABLE about_owed (
    article       BIGINT NOT NULL REFERENCES articles (ref) ON DELETE CASCADE DEFERRABLE,
    -- '': every list with `about` (the poll stored this text); else the one list edited
    watchlist     TEXT NOT NULL,
    -- the text owed; a newer poll of the article moves a '' mark to its new text
    content_hash  TEXT NOT NULL,
    -- how the article came: 'new' or 'updated' by a poll (an alert says which), 'edit'
    change        TEXT NOT NULL CHECK (change IN ('new', 'updated', 'edit')),
    -- 1: the poll's own rule let it alert (a feed's first poll: only within the
    -- backfill); a finding read late alerts only if it is also recent. An edit's: 0.
    alerts        BIGINT NOT NULL CHECK (alerts IN (0, 1)),
    owed_since    TEXT NOT NULL,
    -- How often the tier failed reading this text alone, and when to try it again: such
    -- a text is read alone, after the others, so that one text the tier cannot read
    -- (one that crashes or hangs its child) holds up no other, and is not dropped.
    failures      BIGINT NOT NULL DEFAULT 0,
    retry_at      TEXT,
    PRIMARY KEY (article, watchlist)
);
-- What is owed, in turn: the polls' marks first, then the oldest.
CREATE INDEX about_owed_in_turn ON about_owed (failures, (watchlist <> ''), owed_since, article);

-- The `about` side of each list (about, not_about, thresholds, hashed) the tier last read
-- the recent articles with: a list whose hash differs, or that has none, is owed a reading.
CREATE TABLE about_versions (
    watchlist     TEXT PRIMARY KEY,
    fingerprint   TEXT NOT NULL,
    seen_at       TEXT NOT NULL
);
