-- A delivery keeps the subscriber's name with the address it was made
-- for, so its To: header carries the name.
ALTER TABLE mailing_deliveries ADD COLUMN name text NOT NULL DEFAULT '';

-- Bounces: when an address was found dead, the soft bounces of the
-- current window, and what a bounce or complaint said of one delivery.
ALTER TABLE mailing_subscribers
    ADD COLUMN bounced_at timestamptz,
    ADD COLUMN soft_bounces integer NOT NULL DEFAULT 0,
    ADD COLUMN soft_since timestamptz;
ALTER TABLE mailing_deliveries
    ADD COLUMN bounce_kind text NOT NULL DEFAULT '',
    ADD COLUMN bounce_status text NOT NULL DEFAULT '',
    ADD COLUMN bounce_detail text NOT NULL DEFAULT '',
    ADD COLUMN bounced_at timestamptz;
