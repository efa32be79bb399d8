-- Health: how long a feed has been failing, whether admins were told, and when each of
-- the bot's periodic jobs last finished (read by `caci-watch status`, a separate process).

-- When the current run of failures began (NULL while the feed works), so "failing for
-- more than an hour" survives restarts and backoff.
ALTER TABLE feeds ADD COLUMN failing_since TEXT;
-- A feed already failing at the upgrade: its run of failures began no later than its
-- last error (the earliest time this schema can vouch for).
UPDATE feeds SET failing_since = COALESCE(last_error_at, last_attempt_at) WHERE error_count > 0;
-- The failing_since of the failure admins were told about; cleared once they have been
-- told of the recovery. Both notices are sent once per failure, even across restarts.
ALTER TABLE feeds ADD COLUMN down_notice_for TEXT;

CREATE TABLE job_runs (
    job          TEXT PRIMARY KEY,
    finished_at  TEXT NOT NULL,
    ok           BIGINT NOT NULL,
    detail       TEXT NOT NULL DEFAULT ''
);

-- Finding old delivered messages whose text can be dropped (the row stays: its dedup
-- key is what keeps a message from ever being sent twice).
CREATE INDEX outbox_done_with_text ON outbox (created_at) WHERE state <> 'pending' AND text <> '';
