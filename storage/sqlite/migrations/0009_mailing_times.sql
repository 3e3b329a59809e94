-- The mailing times follow the house convention (nanos/fromNanos):
-- INTEGER unix nanoseconds, UTC, and NULL for "no time". Until now the
-- deliveries' lease_until and sent_at spelt "none" as 0.
ALTER TABLE mailing_deliveries ADD COLUMN lease_until_ns INTEGER;
ALTER TABLE mailing_deliveries ADD COLUMN sent_ns INTEGER;
UPDATE mailing_deliveries SET lease_until_ns = nullif(lease_until, 0), sent_ns = nullif(sent_at, 0);
ALTER TABLE mailing_deliveries DROP COLUMN lease_until;
ALTER TABLE mailing_deliveries DROP COLUMN sent_at;
ALTER TABLE mailing_deliveries RENAME COLUMN lease_until_ns TO lease_until;
ALTER TABLE mailing_deliveries RENAME COLUMN sent_ns TO sent_at;
