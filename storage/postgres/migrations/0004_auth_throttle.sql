-- The login and registration budgets of every server on the database
-- (auth.ThrottleStore): one token bucket per key (a username, a client
-- address), and the attempts in progress. A key without a row has a full
-- bucket and nothing in progress.
CREATE TABLE auth_throttle (
    key        text PRIMARY KEY,
    spent      double precision NOT NULL,
    at         timestamptz NOT NULL,
    pending    integer NOT NULL,
    pending_at timestamptz
);
CREATE INDEX auth_throttle_at ON auth_throttle (at);
