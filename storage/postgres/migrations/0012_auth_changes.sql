-- A count of the writes that can change what a token stands for: a user
-- updated (password, superuser, names) or deleted, a token revoked. The
-- token cache of every server on the database (auth.ChangeCounter)
-- trusts an entry only while the count is the one it was verified under,
-- so a write by any server or program is seen at the next request.
CREATE TABLE auth_changes (
    id      integer PRIMARY KEY CHECK (id = 1),
    counter bigint NOT NULL
);
INSERT INTO auth_changes (id, counter) VALUES (1, 0);
CREATE FUNCTION auth_changes_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_changes SET counter = counter + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER auth_changes_users AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION auth_changes_bump();
CREATE TRIGGER auth_changes_revoke AFTER INSERT ON revoked_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION auth_changes_bump();
