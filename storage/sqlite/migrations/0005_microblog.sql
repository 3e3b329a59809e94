-- The microblog: profiles, tweets, likes, follows, and the home timelines.
-- Times are unix nanoseconds (UTC).
-- A profile's handle is its user's username, read from users, so that it
-- follows a rename.
CREATE TABLE microblog_profiles (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    name    TEXT NOT NULL,
    bio     TEXT NOT NULL,
    created INTEGER NOT NULL
);

-- AUTOINCREMENT: an id is never reused after a deletion, so ids grow with
-- time and serve as cursors.
CREATE TABLE microblog_tweets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id   INTEGER NOT NULL REFERENCES microblog_profiles (user_id),
    content     TEXT NOT NULL,
    -- No foreign key: a reply outlives its parent and keeps its id.
    in_reply_to INTEGER,
    like_count  INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL
);
CREATE INDEX microblog_tweets_author ON microblog_tweets (author_id, id);
CREATE INDEX microblog_tweets_reply ON microblog_tweets (in_reply_to, id) WHERE in_reply_to IS NOT NULL;

CREATE TABLE microblog_likes (
    tweet_id INTEGER NOT NULL REFERENCES microblog_tweets (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES microblog_profiles (user_id),
    PRIMARY KEY (tweet_id, user_id)
) WITHOUT ROWID;

CREATE TABLE microblog_follows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id INTEGER NOT NULL REFERENCES microblog_profiles (user_id),
    followee_id INTEGER NOT NULL REFERENCES microblog_profiles (user_id),
    created     INTEGER NOT NULL,
    UNIQUE (follower_id, followee_id)
);
CREATE INDEX microblog_follows_follower ON microblog_follows (follower_id, id);
CREATE INDEX microblog_follows_followee ON microblog_follows (followee_id, id);

-- The home timelines, fanned out on write: one row per tweet and per user
-- whose home shows it (its author and the author's followers at the time,
-- plus the older tweets of a user when someone starts following it). A
-- page of a home timeline is then one range of the primary key, whatever
-- the number of tweets in all or of users followed.
CREATE TABLE microblog_home (
    owner_id  INTEGER NOT NULL,
    tweet_id  INTEGER NOT NULL REFERENCES microblog_tweets (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL,
    PRIMARY KEY (owner_id, tweet_id)
) WITHOUT ROWID;
CREATE INDEX microblog_home_tweet ON microblog_home (tweet_id);
CREATE INDEX microblog_home_author ON microblog_home (owner_id, author_id);
