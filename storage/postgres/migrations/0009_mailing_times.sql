-- The mailing times follow the house convention for PostgreSQL:
-- timestamptz (microseconds), NULL for "no time". They were bigint unix
-- nanoseconds, with 0 for "none" in lease_until and sent_at; the
-- conversion keeps the microseconds (integer division, no float).
ALTER TABLE mailing_subscribers
    ALTER COLUMN created TYPE timestamptz USING to_timestamp(0) + (created / 1000) * interval '1 microsecond',
    ALTER COLUMN updated TYPE timestamptz USING to_timestamp(0) + (updated / 1000) * interval '1 microsecond';

ALTER TABLE mailing_campaigns
    ALTER COLUMN created TYPE timestamptz USING to_timestamp(0) + (created / 1000) * interval '1 microsecond',
    ALTER COLUMN updated TYPE timestamptz USING to_timestamp(0) + (updated / 1000) * interval '1 microsecond';

ALTER TABLE mailing_deliveries
    ALTER COLUMN next_attempt TYPE timestamptz USING to_timestamp(0) + (next_attempt / 1000) * interval '1 microsecond',
    ALTER COLUMN lease_until DROP DEFAULT,
    ALTER COLUMN lease_until DROP NOT NULL,
    ALTER COLUMN lease_until TYPE timestamptz USING CASE WHEN lease_until = 0 THEN NULL ELSE to_timestamp(0) + (lease_until / 1000) * interval '1 microsecond' END,
    ALTER COLUMN sent_at DROP DEFAULT,
    ALTER COLUMN sent_at DROP NOT NULL,
    ALTER COLUMN sent_at TYPE timestamptz USING CASE WHEN sent_at = 0 THEN NULL ELSE to_timestamp(0) + (sent_at / 1000) * interval '1 microsecond' END;

ALTER TABLE mailing_delivery_errors
    ALTER COLUMN at TYPE timestamptz USING to_timestamp(0) + (at / 1000) * interval '1 microsecond';
