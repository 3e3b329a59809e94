-- The mailing list: subscribers, campaigns, and the delivery outbox the
-- dispatcher claims rows of. Times are unix nanoseconds (UTC); 0 stands
-- for "none" in lease_until and sent_at.
CREATE TABLE mailing_subscribers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL,
    -- email_key is the email case-folded, for case-insensitive uniqueness.
    email_key  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    subscribed INTEGER NOT NULL,
    token      TEXT NOT NULL UNIQUE,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL
);

CREATE TABLE mailing_campaigns (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    subject   TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    status    TEXT NOT NULL,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL
);

CREATE TABLE mailing_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id   INTEGER NOT NULL REFERENCES mailing_campaigns (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES mailing_subscribers (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    token         TEXT NOT NULL,
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    lease_until   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    sent_at       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, subscriber_id)
);
-- The claim reads the pending rows in due order.
CREATE INDEX mailing_deliveries_due ON mailing_deliveries (next_attempt, id) WHERE status = 'pending';
CREATE INDEX mailing_deliveries_campaign ON mailing_deliveries (campaign_id, status);
CREATE INDEX mailing_deliveries_subscriber ON mailing_deliveries (subscriber_id);

-- Every failed attempt's error.
CREATE TABLE mailing_delivery_errors (
    delivery_id INTEGER NOT NULL REFERENCES mailing_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    error       TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
