-- A delivery keeps the subscriber's name with the address it was made
-- for, so its To: header carries the name.
ALTER TABLE mailing_deliveries ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- Bounces: when an address was found dead, the soft bounces of the
-- current window, and what a bounce or complaint said of one delivery.
-- Times are unix nanoseconds, NULL for none.
ALTER TABLE mailing_subscribers ADD COLUMN bounced_at INTEGER;
ALTER TABLE mailing_subscribers ADD COLUMN soft_bounces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailing_subscribers ADD COLUMN soft_since INTEGER;
ALTER TABLE mailing_deliveries ADD COLUMN bounce_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_deliveries ADD COLUMN bounce_status TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_deliveries ADD COLUMN bounce_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_deliveries ADD COLUMN bounced_at INTEGER;

-- Confirmed opt-in and the consent record: a pending subscriber awaits
-- its confirmation; when and from which client address each subscriber
-- last subscribed, confirmed and unsubscribed. Rows from before keep
-- their creation as their subscription.
ALTER TABLE mailing_subscribers ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailing_subscribers ADD COLUMN subscribed_at INTEGER;
ALTER TABLE mailing_subscribers ADD COLUMN subscribed_from TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_subscribers ADD COLUMN confirmed_at INTEGER;
ALTER TABLE mailing_subscribers ADD COLUMN confirmed_from TEXT NOT NULL DEFAULT '';
ALTER TABLE mailing_subscribers ADD COLUMN unsubscribed_at INTEGER;
ALTER TABLE mailing_subscribers ADD COLUMN unsubscribed_from TEXT NOT NULL DEFAULT '';
UPDATE mailing_subscribers SET subscribed_at = created;
CREATE INDEX mailing_subscribers_pending ON mailing_subscribers (subscribed_at) WHERE pending;

-- Scheduling: when a campaign's deliveries are first due (NULL: at its
-- creation).
ALTER TABLE mailing_campaigns ADD COLUMN send_at INTEGER;
