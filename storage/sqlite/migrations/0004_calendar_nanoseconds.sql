-- One time convention in every table: INTEGER unix nanoseconds, UTC.
-- The calendar stored unix seconds; its rows are converted here. Its times
-- stay whole seconds (calendar.Store keeps them to the second).
--
-- A time that int64 nanoseconds cannot hold (before 1677-09-21 or after
-- 2262-04-11; the calendar accepted the years 1 to 9999 before this
-- migration) is clamped to the nearest second that it can, rather than
-- overflowing into a REAL. The calendar refuses such times from now on.
UPDATE calendar_groups SET
    created = max(-9223372036, min(9223372036, created)) * 1000000000,
    updated = max(-9223372036, min(9223372036, updated)) * 1000000000;

-- The indexes on start_at are built again after the update: one sort
-- costs less than moving every entry.
DROP INDEX calendar_events_owner_start;
DROP INDEX calendar_events_group_start;
UPDATE calendar_events SET
    start_at = max(-9223372036, min(9223372036, start_at)) * 1000000000,
    end_at   = max(-9223372036, min(9223372036, end_at)) * 1000000000,
    created  = max(-9223372036, min(9223372036, created)) * 1000000000,
    updated  = max(-9223372036, min(9223372036, updated)) * 1000000000;
CREATE INDEX calendar_events_owner_start ON calendar_events (owner_id, start_at);
CREATE INDEX calendar_events_group_start ON calendar_events (group_id, start_at);

UPDATE calendar_birthdays SET
    created = max(-9223372036, min(9223372036, created)) * 1000000000;

-- The longest end_at - start_at ever stored, now in nanoseconds.
ALTER TABLE calendar_span RENAME COLUMN max_seconds TO max_span;
UPDATE calendar_span SET max_span = min(max_span, 9223372036) * 1000000000;
