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

-- Confirmed opt-in and the consent record: a pending subscriber awaits
-- its confirmation; when and from which client address each subscriber
-- last subscribed, confirmed and unsubscribed. Rows from before keep
-- their creation as their subscription.
ALTER TABLE mailing_subscribers
    ADD COLUMN pending boolean NOT NULL DEFAULT false,
    ADD COLUMN subscribed_at timestamptz,
    ADD COLUMN subscribed_from text NOT NULL DEFAULT '',
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN confirmed_from text NOT NULL DEFAULT '',
    ADD COLUMN unsubscribed_at timestamptz,
    ADD COLUMN unsubscribed_from text NOT NULL DEFAULT '';
UPDATE mailing_subscribers SET subscribed_at = created;
CREATE INDEX mailing_subscribers_pending ON mailing_subscribers (subscribed_at) WHERE pending;

-- Scheduling: when a campaign's deliveries are first due (NULL: at its
-- creation).
ALTER TABLE mailing_campaigns ADD COLUMN send_at timestamptz;
