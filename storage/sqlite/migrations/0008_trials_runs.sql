-- The trials mirror records a sync run when it starts, before it has a
-- finished time: trial_runs.finished becomes nullable (NULL while the run
-- goes on, the one "no time" of the SQLite stores). SQLite cannot drop a
-- NOT NULL, so trial_runs is rebuilt, and with it trial_changes, whose
-- rows refer to it (rebuilt first, so that no row ever refers to a
-- missing run). Times stay INTEGER unix nanoseconds UTC.
CREATE TABLE trial_runs_new (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    started   INTEGER NOT NULL,
    finished  INTEGER,          -- NULL while the run goes on
    pages     INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    inserted  INTEGER NOT NULL,
    changed   INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    skipped   INTEGER NOT NULL,
    error     TEXT NOT NULL -- '' for a run that succeeded or goes on
);
INSERT INTO trial_runs_new (id, started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error)
    SELECT id, started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error FROM trial_runs;

CREATE TABLE trial_changes_new (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES trial_runs_new (id),
    field  TEXT NOT NULL,
    old    TEXT NOT NULL,
    new    TEXT NOT NULL,
    at     INTEGER NOT NULL
);
INSERT INTO trial_changes_new (id, number, run_id, field, old, new, at)
    SELECT id, number, run_id, field, old, new, at FROM trial_changes;

DROP TABLE trial_changes;
DROP TABLE trial_runs;
-- Renaming a table rewrites the references to it: trial_changes.run_id
-- refers to trial_runs again.
ALTER TABLE trial_runs_new RENAME TO trial_runs;
ALTER TABLE trial_changes_new RENAME TO trial_changes;
CREATE INDEX trial_changes_number ON trial_changes (number, run_id DESC, id);
