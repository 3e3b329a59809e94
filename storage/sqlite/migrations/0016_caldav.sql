-- CalDAV and the subscription link: app passwords (auth), subscription
-- links (calendar), and how CalDAV names and finds events.
-- Times are INTEGER unix nanoseconds, NULL for none.
CREATE TABLE auth_app_passwords (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    -- hash is the SHA-256 of the password; the password is never stored.
    hash      BLOB NOT NULL UNIQUE,
    created   INTEGER NOT NULL,
    last_used INTEGER
);
CREATE INDEX auth_app_passwords_user ON auth_app_passwords (user_id, id);

-- One subscription link per user: the SHA-256 of its secret, and the
-- validators of the document it served last.
CREATE TABLE calendar_feeds (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_hash BLOB NOT NULL UNIQUE,
    created     INTEGER NOT NULL,
    etag        TEXT NOT NULL DEFAULT '',
    modified    INTEGER
);

-- The name of an event's CalDAV resource when its client chose another
-- than "<uid>.ics" (NULL, the default name, for every other row).
ALTER TABLE calendar_events ADD COLUMN resource TEXT;
CREATE INDEX calendar_events_uid ON calendar_events (uid);
CREATE INDEX calendar_events_resource ON calendar_events (resource) WHERE resource IS NOT NULL;

-- The states of CalDAV calendars when their sync tokens (RFC 6578) were
-- given out: a sync-collection report answers the difference from one.
-- The newest few per user and calendar are kept.
CREATE TABLE calendar_sync_states (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    token      TEXT NOT NULL,
    state      BLOB NOT NULL,
    created    INTEGER NOT NULL,
    PRIMARY KEY (user_id, collection, token)
);
