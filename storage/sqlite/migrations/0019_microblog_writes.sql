-- microblog_writes counts the microblog's write transactions (tweets,
-- likes, follows, profiles): the read cache of every process on the file
-- compares it to tell a microblog write of another process from a write
-- to other tables.
CREATE TABLE microblog_writes (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	writes INTEGER NOT NULL
);
INSERT INTO microblog_writes (id, writes) VALUES (1, 0);
