-- A delivery keeps the subscriber's name with the address it was made
-- for, so its To: header carries the name.
ALTER TABLE mailing_deliveries ADD COLUMN name TEXT NOT NULL DEFAULT '';
