-- Schedules and quiet hours (issue 14): which days a chat's digest comes on, the hours
-- its instant alerts are held, and a mode per followed list.
--
-- digest_days: 'daily', 'weekdays', or one day 'mon' ... 'sun' (a weekly digest), on
-- the chat's local clock at digest_time (bot/domain/schedule.py::cadence_days).
ALTER TABLE subscribers ADD COLUMN digest_days TEXT NOT NULL DEFAULT 'daily';
-- 'HH:MM-HH:MM' local, or '' for none (bot/domain/quiet.py). Alerts are not kept while
-- held: what a span held is read back from the articles first seen in it.
ALTER TABLE subscribers ADD COLUMN quiet_hours TEXT NOT NULL DEFAULT '';
-- The end of the last span of held alerts sent or folded into a digest; a span is owed
-- from there. Set to the time quiet hours are set, so nothing before is sent again.
ALTER TABLE subscribers ADD COLUMN quiet_released_until TEXT;
-- 1: in mode 'both', the digest leaves out the lists whose articles came as alerts.
ALTER TABLE subscribers ADD COLUMN digest_skips_alerted BIGINT NOT NULL DEFAULT 0;

-- A followed list's own mode; NULL: the chat's.
ALTER TABLE subscriptions ADD COLUMN mode TEXT
    CHECK (mode IS NULL OR mode IN ('instant', 'daily', 'both', 'off'));
