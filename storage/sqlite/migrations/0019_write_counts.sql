-- microblog_writes counts the microblog's write transactions (tweets,
-- likes, follows, profiles) and calendar_writes the calendar's (events,
-- groups, selections, birthdays, CalDAV): the read cache of every process
-- on the file compares them to tell a write of the domain by another
-- process from a write to other tables.
CREATE TABLE microblog_writes (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	writes INTEGER NOT NULL
);
INSERT INTO microblog_writes (id, writes) VALUES (1, 0);
CREATE TABLE calendar_writes (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	writes INTEGER NOT NULL
);
INSERT INTO calendar_writes (id, writes) VALUES (1, 0);
