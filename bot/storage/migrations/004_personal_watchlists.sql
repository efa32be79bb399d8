-- Personal watchlists: lists a user keeps for themselves, matched like the shared ones
-- under the internal name "~<owner>/<name>" (which is what `subscriptions` and
-- `matches` hold for them). The shared lists stay files in watchlists/.

CREATE TABLE personal_watchlists (
    id          INTEGER PRIMARY KEY,
    -- the owner's private chat id, which is their Telegram user id
    owner       INTEGER NOT NULL,
    name        TEXT NOT NULL,
    -- the name as the rules compare it (case and accents folded): one list per key
    name_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (owner, name_key)
);

CREATE TABLE personal_terms (
    list_id         INTEGER NOT NULL REFERENCES personal_watchlists (id) ON DELETE CASCADE,
    -- the order the owner added them in, from 0
    position        INTEGER NOT NULL,
    text            TEXT NOT NULL,
    exact           INTEGER NOT NULL DEFAULT 0,
    case_sensitive  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, position)
);
