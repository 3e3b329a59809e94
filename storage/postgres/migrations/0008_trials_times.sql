-- The trials mirror's times become timestamptz, the one time type of the
-- PostgreSQL stores (microseconds; NULL is "no time"), from bigint unix
-- nanoseconds: a nanosecond count is cut to its microseconds (the
-- service keeps its times to the microsecond). A sync run is recorded
-- when it starts, before it has a finished time: trial_runs.finished
-- becomes nullable, NULL while the run goes on.
ALTER TABLE trials
    ALTER COLUMN first_seen TYPE timestamptz USING timestamptz 'epoch' + (first_seen / 1000) * interval '1 microsecond',
    ALTER COLUMN last_changed TYPE timestamptz USING timestamptz 'epoch' + (last_changed / 1000) * interval '1 microsecond',
    ALTER COLUMN last_seen TYPE timestamptz USING timestamptz 'epoch' + (last_seen / 1000) * interval '1 microsecond';
ALTER TABLE trials_seen
    ALTER COLUMN at TYPE timestamptz USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';
ALTER TABLE trial_runs
    ALTER COLUMN started TYPE timestamptz USING timestamptz 'epoch' + (started / 1000) * interval '1 microsecond',
    ALTER COLUMN finished DROP NOT NULL,
    ALTER COLUMN finished TYPE timestamptz USING timestamptz 'epoch' + (finished / 1000) * interval '1 microsecond';
ALTER TABLE trial_changes
    ALTER COLUMN at TYPE timestamptz USING timestamptz 'epoch' + (at / 1000) * interval '1 microsecond';
