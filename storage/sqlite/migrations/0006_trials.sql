-- The trials mirror: trials (one row per upstream 과제번호), sync runs, and
-- the history of changes each run made. Times are INTEGER unix nanoseconds
-- UTC.
CREATE TABLE trials (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    number           TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    department       TEXT NOT NULL,
    institute        TEXT NOT NULL,
    target_size      INTEGER,          -- NULL when the text is not a count
    target_size_text TEXT NOT NULL,
    duration         TEXT NOT NULL,
    duration_months  INTEGER,          -- NULL when the text is not a length
    study_type       TEXT NOT NULL,
    phase            TEXT NOT NULL,
    scope            TEXT NOT NULL,
    -- digest is trials.Record.Digest of the fields above: a sync compares
    -- it first and reads the whole row only when it differs.
    digest           TEXT NOT NULL,
    -- The *_key columns are the values case-folded in Go (trials.Fold),
    -- what searches match: SQLite's lower() and LIKE fold ASCII only.
    title_key        TEXT NOT NULL,
    department_key   TEXT NOT NULL,
    institute_key    TEXT NOT NULL,
    study_type_key   TEXT NOT NULL,
    phase_key        TEXT NOT NULL,
    scope_key        TEXT NOT NULL,
    first_seen       INTEGER NOT NULL,
    last_changed     INTEGER NOT NULL,
    -- last_seen is kept here for withdrawn trials; a trial that is not
    -- withdrawn was seen by the last sync, whose start is trials_seen.at
    -- (one row written a sync, not one a trial): readers take the later
    -- of the two.
    last_seen        INTEGER NOT NULL,
    withdrawn        INTEGER NOT NULL DEFAULT 0
);
-- Every list is ordered by last_changed DESC, number among the trials
-- that are not withdrawn, and "updated recently" is a last_changed range.
CREATE INDEX trials_listed ON trials (withdrawn, last_changed DESC, number);

CREATE TABLE trials_seen (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);

CREATE TABLE trial_runs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    started   INTEGER NOT NULL,
    finished  INTEGER NOT NULL,
    pages     INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    inserted  INTEGER NOT NULL,
    changed   INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    skipped   INTEGER NOT NULL,
    error     TEXT NOT NULL -- '' for a run that succeeded
);

CREATE TABLE trial_changes (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES trial_runs (id),
    field  TEXT NOT NULL,
    old    TEXT NOT NULL,
    new    TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX trial_changes_number ON trial_changes (number, run_id DESC, id);
