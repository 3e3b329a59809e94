-- The microblog's times become timestamptz, PostgreSQL's one time type in
-- hanok (NULL: no time), as auth, auction, calendar and the throttle keep
-- theirs; 0005 kept them as bigint unix nanoseconds. The service keeps
-- times to the microsecond, which is what timestamptz holds, so nothing is
-- lost; older rows lose their nanoseconds below the microsecond (rounded
-- down). 0 was the old "no time": NULL now.
ALTER TABLE microblog_profiles
    ALTER COLUMN created DROP NOT NULL,
    ALTER COLUMN created TYPE timestamptz USING CASE WHEN created = 0 THEN NULL ELSE 'epoch'::timestamptz + (created / 1000) * interval '1 microsecond' END;
ALTER TABLE microblog_tweets
    ALTER COLUMN created DROP NOT NULL,
    ALTER COLUMN created TYPE timestamptz USING CASE WHEN created = 0 THEN NULL ELSE 'epoch'::timestamptz + (created / 1000) * interval '1 microsecond' END,
    ALTER COLUMN updated DROP NOT NULL,
    ALTER COLUMN updated TYPE timestamptz USING CASE WHEN updated = 0 THEN NULL ELSE 'epoch'::timestamptz + (updated / 1000) * interval '1 microsecond' END;
ALTER TABLE microblog_follows
    ALTER COLUMN created DROP NOT NULL,
    ALTER COLUMN created TYPE timestamptz USING CASE WHEN created = 0 THEN NULL ELSE 'epoch'::timestamptz + (created / 1000) * interval '1 microsecond' END;
