-- Articles get an integer key, and what refers to an article uses it; the text is kept
-- deflated. Before this, each match row and both indexes on matches repeated the article's
-- id (a guid or link, ~120 characters), and the text, the bulk of the store, was kept as it
-- is: the store was ~1.3x the text. Now it is about half the text (bench_store_size.py).
--
-- articles.ref is an INTEGER PRIMARY KEY, the rowid itself, so VACUUM keeps it (an
-- implicit rowid may be renumbered); id stays UNIQUE, which is how a poll finds an article.
-- The small columns come first and the two blobs last, so that reading a time or a hash
-- does not walk a long row's overflow pages.
--
-- text_deflated: the text in UTF-8, deflated (zlib format, with its checksum; see
-- bot/storage/article_text.py). html_delta: the HTML as a delta against the text (007),
-- NULL for none. The `html` column is gone: since 007 every row has kept it as ''.

CREATE TABLE articles_009 (
    ref              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    feed_url         TEXT NOT NULL,
    link             TEXT NOT NULL,
    title            TEXT NOT NULL,
    author           TEXT NOT NULL,
    section          TEXT NOT NULL,
    published        TEXT,
    content_hash     TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    -- Set when the content changed after the article was first seen.
    updated_at       TEXT,
    last_seen_at     TEXT NOT NULL,
    -- 1: the summary is the text itself, and `summary` holds ''.
    summary_is_text  INTEGER NOT NULL DEFAULT 0,
    summary          TEXT NOT NULL,
    html_delta       BLOB,
    text_deflated    BLOB NOT NULL
);

-- Every article converted in this one transaction, keeping its rowid as its ref (so the
-- order the reader pages in, first sight then rowid, is unchanged). deflate_text() and
-- html_delta() are the Python functions pack_text and pack_html, given to the connection
-- before migrating; html_delta() takes up any row still holding its HTML as it is.
INSERT INTO articles_009 (ref, id, feed_url, link, title, author, section, published,
                          content_hash, first_seen_at, updated_at, last_seen_at,
                          summary_is_text, summary, html_delta, text_deflated)
SELECT rowid, id, feed_url, link, title, author, section, published,
       content_hash, first_seen_at, updated_at, last_seen_at,
       summary_is_text, summary,
       CASE WHEN html_delta IS NULL AND html <> '' THEN html_delta(html, text)
            ELSE html_delta END,
       deflate_text(text)
FROM articles
ORDER BY rowid;

CREATE TABLE matches_009 (
    id            INTEGER PRIMARY KEY,
    article       INTEGER NOT NULL REFERENCES articles_009 (ref) ON DELETE CASCADE,
    watchlist     TEXT NOT NULL,
    term          TEXT NOT NULL,
    matched_text  TEXT NOT NULL,
    score         REAL NOT NULL,
    field         TEXT NOT NULL,
    snippet       TEXT NOT NULL,
    mark_start    INTEGER NOT NULL,
    mark_end      INTEGER NOT NULL,
    matched_at    TEXT NOT NULL,
    -- 1 when found by matching stored articles again after a watchlist edit (002).
    rematched     INTEGER NOT NULL DEFAULT 0
);

-- Each match keeps its id (the order an article's matches were stored in). The foreign
-- key cascaded every article's deletion to its matches, so each has its article.
INSERT INTO matches_009 (id, article, watchlist, term, matched_text, score, field, snippet,
                         mark_start, mark_end, matched_at, rematched)
SELECT m.id, a.rowid, m.watchlist, m.term, m.matched_text, m.score, m.field, m.snippet,
       m.mark_start, m.mark_end, m.matched_at, m.rematched
FROM matches AS m JOIN articles AS a ON a.id = m.article_id
ORDER BY m.id;

-- matches first: dropping articles deletes its rows, which would cascade to the old ones.
DROP TABLE matches;
DROP TABLE articles;
-- Renaming also renames matches_009's reference to articles_009.
ALTER TABLE articles_009 RENAME TO articles;
ALTER TABLE matches_009 RENAME TO matches;

-- The digest's window, the re-match and the dry run page by first sight.
CREATE INDEX articles_by_first_seen ON articles (first_seen_at);
-- The digest's window for changed articles; most articles never change (NULL).
CREATE INDEX articles_by_updated ON articles (updated_at) WHERE updated_at IS NOT NULL;
-- An article's matches (a poll replacing them, the digest, the foreign key's cascade).
CREATE INDEX matches_by_article ON matches (article);
-- A list's matches (how many articles it matches, a rename, a personal list deleted).
CREATE INDEX matches_by_watchlist ON matches (watchlist, article);
-- The digest's window for matches an edited list brought.
CREATE INDEX matches_rematched ON matches (rematched, matched_at) WHERE rematched = 1;
