-- Who changed which watchlist, and when; kept for as long as the database lives.
CREATE TABLE watchlist_audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    -- "cli:<login>", "telegram:<user id>", or "file" for an edit seen on disk
    actor      TEXT NOT NULL,
    watchlist  TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX watchlist_audit_by_list ON watchlist_audit (watchlist, at);

-- 1 when the match was found by matching stored articles again after a watchlist
-- changed: such matches go to the next digest, marked, never to instant alerts.
ALTER TABLE matches ADD COLUMN rematched INTEGER NOT NULL DEFAULT 0;
CREATE INDEX matches_rematched ON matches (rematched, matched_at) WHERE rematched = 1;

-- The watchlists the bot last matched with, as a fingerprint of their terms and rules,
-- so that a file edited while the bot was stopped is noticed when it starts.
CREATE TABLE watchlist_versions (
    name         TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    seen_at      TEXT NOT NULL
);
