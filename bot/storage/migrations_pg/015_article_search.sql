-- Full-text search over every stored article (issue 14, "Search and export"), with
-- PostgreSQL's own text search (SQLite's 015 builds an FTS5 index instead).
--
-- An article's text is kept deflated (009), so no trigger can read it: the store writes
-- each new or changed article's search words itself, from the text it has in hand
-- (bot/storage/articles.py::write_search_words): title weighted A, author B, text D, in
-- the 'simple' configuration (lower case, no stemming, as FTS5's unicode61), diacritics
-- folded in Python first (as remove_diacritics 2), so "Sarkissian" finds "Şarkissian".
ALTER TABLE articles ADD COLUMN search_words TSVECTOR;
CREATE INDEX articles_search ON articles USING GIN (search_words);

-- "/search WORDS since DATE" keeps to articles published from DATE (first seen, for an
-- article without a date).
CREATE INDEX articles_by_date ON articles (coalesce(published, first_seen_at));
