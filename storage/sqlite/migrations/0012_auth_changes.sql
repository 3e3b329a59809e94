-- A count of the writes that can change what a token stands for: a user
-- updated (password, superuser, names) or deleted, a token revoked. The
-- token cache of every process on the file (auth.ChangeCounter) trusts
-- an entry only while the count is the one it was verified under, so a
-- write by any process (the CLI beside a running server, even the sqlite3
-- shell, as the triggers count every writer) is seen at the next request.
CREATE TABLE auth_changes (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL
);
INSERT INTO auth_changes (id, counter) VALUES (1, 0);
CREATE TRIGGER auth_changes_user_update AFTER UPDATE ON users
BEGIN
    UPDATE auth_changes SET counter = counter + 1 WHERE id = 1;
END;
CREATE TRIGGER auth_changes_user_delete AFTER DELETE ON users
BEGIN
    UPDATE auth_changes SET counter = counter + 1 WHERE id = 1;
END;
CREATE TRIGGER auth_changes_revoke AFTER INSERT ON revoked_tokens
BEGIN
    UPDATE auth_changes SET counter = counter + 1 WHERE id = 1;
END;
