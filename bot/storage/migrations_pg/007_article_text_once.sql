-- The store keeps an article's words once: in `text`. The HTML they were rendered from
-- becomes a delta against the text (`html_delta`: deflated with the text as the preset
-- dictionary, see bot/storage/html_delta.py), about 2% of its size, and a summary that
-- is the text again (a feed item with only a description) is a flag, not a second copy.

-- NULL: `html` holds the HTML as it is (rows are converted below; '' has no delta).
ALTER TABLE articles ADD COLUMN html_delta BYTEA;
-- 1: the summary is `text` itself, and `summary` holds ''.
ALTER TABLE articles ADD COLUMN summary_is_text BIGINT NOT NULL DEFAULT 0;

-- PostgreSQL: no PostgreSQL store predates migration 015 (PostgreSQL came after it), so
-- this migration only ever runs on an empty table; the conversion SQLite does with a
-- Python function (which PostgreSQL cannot call) has nothing to convert, and a store that
-- somehow holds rows is refused rather than converted wrongly.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM articles) THEN
        RAISE EXCEPTION 'articles to convert: migrate an SQLite store instead';
    END IF;
END $$;
