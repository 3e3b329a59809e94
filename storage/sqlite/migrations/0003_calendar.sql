-- The calendar: groups, events, group selections, birthdays.
-- Times are unix seconds (UTC instants); the service shows them in its zone.
-- Owner and creator emails are recorded with the rows so that listings
-- need no per-row user lookup.
CREATE TABLE calendar_groups (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    creator_id    INTEGER NOT NULL,
    creator_email TEXT NOT NULL,
    created       INTEGER NOT NULL,
    updated       INTEGER -- NULL until renamed
);
CREATE INDEX calendar_groups_creator ON calendar_groups (creator_id, id);

CREATE TABLE calendar_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uid         TEXT NOT NULL,
    owner_id    INTEGER NOT NULL,
    owner_email TEXT NOT NULL,
    group_id    INTEGER REFERENCES calendar_groups (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    -- subject_key is the subject case-folded in Go (SQLite's lower() and
    -- LIKE fold ASCII only), searched with instr().
    subject_key TEXT NOT NULL,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    updated     INTEGER -- NULL until changed
);
-- The overlap query (start_at < :to AND end_at > :from) reads these
-- indexes by range: start_at is bounded below by :from minus the longest
-- event span (calendar_span), so only the owner's or the group's events
-- near the range are visited.
CREATE INDEX calendar_events_owner_start ON calendar_events (owner_id, start_at);
CREATE INDEX calendar_events_group_start ON calendar_events (group_id, start_at);

-- The longest end_at - start_at ever stored. It only grows; it bounds the
-- index range of the overlap query.
CREATE TABLE calendar_span (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    max_seconds INTEGER NOT NULL
);
INSERT INTO calendar_span (id, max_seconds) VALUES (1, 0);

-- The groups each user shows in its calendar.
CREATE TABLE calendar_selections (
    user_id  INTEGER NOT NULL,
    group_id INTEGER NOT NULL REFERENCES calendar_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
CREATE INDEX calendar_selections_group ON calendar_selections (group_id);

-- One birthday per user, as a date (2006-01-02).
CREATE TABLE calendar_birthdays (
    user_id INTEGER PRIMARY KEY,
    email   TEXT NOT NULL,
    date    TEXT NOT NULL,
    created INTEGER NOT NULL
);
