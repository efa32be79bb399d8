-- The store keeps an article's words once: in `text`. The HTML they were rendered from
-- becomes a delta against the text (`html_delta`: deflated with the text as the preset
-- dictionary, see bot/storage/html_delta.py), about 2% of its size, and a summary that
-- is the text again (a feed item with only a description) is a flag, not a second copy.

-- NULL: `html` holds the HTML as it is (rows are converted below; '' has no delta).
ALTER TABLE articles ADD COLUMN html_delta BLOB;
-- 1: the summary is `text` itself, and `summary` holds ''.
ALTER TABLE articles ADD COLUMN summary_is_text INTEGER NOT NULL DEFAULT 0;

-- Every stored article converted in this one transaction, losing nothing: html_delta()
-- is the Python function pack_html, given to the connection before migrating. Each
-- expression reads the row as it was before this UPDATE. The file keeps its size (the
-- space freed is reused by later articles) until a VACUUM (see OPERATIONS.md).
UPDATE articles SET
    html_delta = html_delta(html, text),
    html = '',
    summary_is_text = (summary = text AND summary <> ''),
    summary = CASE WHEN summary = text THEN '' ELSE summary END;
