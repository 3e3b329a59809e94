-- mailing_writes counts the mailing list's write transactions (the
-- subscribers' and the campaigns'; not the dispatcher's delivery
-- bookkeeping, which changes no subscriber): the read cache of every
-- process on the file compares it to tell a write of the list by another
-- process from a write to other tables.
CREATE TABLE mailing_writes (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	writes INTEGER NOT NULL
);
INSERT INTO mailing_writes (id, writes) VALUES (1, 0);
