-- One active sender per store: several `caci-watch run` may share this database, and
-- only the holder of the "sender" lease polls, queues digests, receives Telegram's
-- updates and sends. Times here are ISO 8601 UTC with milliseconds
-- ("2025-08-20T18:51:00.250+00:00"), always written the same way, so they compare as text.
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    -- host:pid:random, one per run of a process
    holder       TEXT NOT NULL,
    -- when this holder took it (a renewal keeps it)
    acquired_at  TEXT NOT NULL,
    -- free to take from then on, unless renewed before
    expires_at   TEXT NOT NULL
);

-- Every running `caci-watch run`, active or standby, as it last said (for `status`, and
-- for a standby on the same machine to tell that the holder's process is gone).
CREATE TABLE instances (
    holder      TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    pid         BIGINT NOT NULL,
    -- boot and process namespace: a pid means the same process only within one origin
    origin      TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('active', 'standby')),
    -- "telegram @name", "console" without a token, '' for a standby
    sender      TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    seen_at     TEXT NOT NULL
);
