-- Accounts, token revocations and named secrets (the JWT signing key).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL,
    -- username_key and email_key are the case-folded forms (folded in Go,
    -- since SQLite's NOCASE folds ASCII only); uniqueness is on them.
    username_key  TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    email_key     TEXT NOT NULL DEFAULT '',
    password_hash BLOB NOT NULL,
    superuser     INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL -- unix nanoseconds
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_email_key ON users (email_key) WHERE email_key <> '';

CREATE TABLE revoked_tokens (
    jti     TEXT PRIMARY KEY,
    expires INTEGER NOT NULL -- unix nanoseconds
) WITHOUT ROWID;
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
