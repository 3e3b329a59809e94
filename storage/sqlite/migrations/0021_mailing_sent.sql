-- mailing_sent holds the deliveries recorded sent and not yet folded
-- into mailing_deliveries: recording a sent message adds a row here (one
-- page written, no index of mailing_deliveries touched), and the next
-- write that reads the deliveries' status folds them in, many at once.
CREATE TABLE mailing_sent (
    delivery_id INTEGER PRIMARY KEY REFERENCES mailing_deliveries (id) ON DELETE CASCADE,
    sent_at     INTEGER NOT NULL
);
