-- Full-text search over every stored article (issue 14, "Search and export").
--
-- An article's text is kept deflated (009), so the index cannot read it from the table:
-- an external-content FTS5 table reads its content through a view that inflates it
-- (inflate_text() is bot/storage/article_text.py's unpack_text, given to every
-- connection the store opens). The index itself holds only the words' positions, not a
-- second copy of the text; snippet() reads the one row it quotes through the view.
--
-- The triggers keep the index in step with articles. A poll's "same" update touches only
-- last_seen_at, which the index does not hold, so it leaves the index alone. 'delete'
-- needs the values the row was indexed with: the old ones, inflated.
--
-- Words are indexed with the unicode61 tokenizer with diacritics removed, so "Sarkissian"
-- finds "Sarkissian" and "Şarkissian"; case is folded.

CREATE VIEW article_search_content AS
SELECT ref, title, author, inflate_text(text_deflated) AS text FROM articles;

CREATE VIRTUAL TABLE article_search USING fts5(
    title, author, text,
    content = 'article_search_content',
    content_rowid = 'ref',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER article_search_insert AFTER INSERT ON articles BEGIN
    INSERT INTO article_search (rowid, title, author, text)
    VALUES (new.ref, new.title, new.author, inflate_text(new.text_deflated));
END;

CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, title, author, text)
    VALUES ('delete', old.ref, old.title, old.author, inflate_text(old.text_deflated));
END;

CREATE TRIGGER article_search_update AFTER UPDATE OF title, author, text_deflated
ON articles BEGIN
    INSERT INTO article_search (article_search, rowid, title, author, text)
    VALUES ('delete', old.ref, old.title, old.author, inflate_text(old.text_deflated));
    INSERT INTO article_search (rowid, title, author, text)
    VALUES (new.ref, new.title, new.author, inflate_text(new.text_deflated));
END;

-- "/search WORDS since DATE" keeps to articles published from DATE (first seen, for an
-- article without a date). Without this index that reads every article's row, most of a
-- page each: 0.4 s over 100,000 articles; with it, the index alone.
CREATE INDEX articles_by_date ON articles (coalesce(published, first_seen_at));

-- Every article already stored.
INSERT INTO article_search (article_search) VALUES ('rebuild');
