-- OAuth apps, the grants of their tokens and the authorization codes
-- waiting to be exchanged (auth.OAuthStore). Scopes and redirect URIs are
-- space-separated (neither holds white space); secrets and codes are kept
-- as SHA-256 digests only. Times are unix nanoseconds; revoked is NULL
-- while not revoked.
CREATE TABLE oauth_apps (
    id            INTEGER PRIMARY KEY,
    client_id     TEXT NOT NULL UNIQUE,
    secret_hash   BLOB NOT NULL,
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    website       TEXT NOT NULL,
    created       INTEGER NOT NULL,
    revoked       INTEGER
);

-- user_id is 0 for an app's own token (client credentials).
CREATE TABLE oauth_grants (
    token_id  TEXT PRIMARY KEY,
    app_id    INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL,
    scopes    TEXT NOT NULL,
    created   INTEGER NOT NULL,
    expires   INTEGER NOT NULL,
    revoked   INTEGER
);
CREATE INDEX oauth_grants_app ON oauth_grants (app_id);
CREATE INDEX oauth_grants_expires ON oauth_grants (expires);

CREATE TABLE oauth_codes (
    code_hash        TEXT PRIMARY KEY,
    app_id           INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri     TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    challenge        TEXT NOT NULL,
    challenge_method TEXT NOT NULL,
    expires          INTEGER NOT NULL
);
CREATE INDEX oauth_codes_expires ON oauth_codes (expires);
