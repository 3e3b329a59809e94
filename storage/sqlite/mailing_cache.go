package sqlite

import (
	"context"
	"database/sql"

	"github.com/hanok-dev/hanok/mailing"
)

// mailingCache caches the subscriber list (readCache), which the
// administrator's list reads whole at each request: the rows as the
// query returned them, keyed by the query (the whole list, or a page).
// The rows depend on the mailing list's tables only.
type mailingCache struct {
	subscribers readCache[mailing.SubscriberQuery, []mailing.Subscriber]
}

// maxCachedSubscriberReads bounds the mailing's read cache: the whole
// list is one read, and each page another.
const maxCachedSubscriberReads = 256

// mailingCountsQuery reads the count of mailing writes (migration 0020),
// in the two columns a readCache reads.
const mailingCountsQuery = `SELECT writes, 0 FROM mailing_writes WHERE id = 1`

func (c *mailingCache) init() {
	c.subscribers.query, c.subscribers.max = mailingCountsQuery, maxCachedSubscriberReads
}

// write runs fn in a write transaction that also adds one to the count of
// mailing writes (which the read caches of other processes on the file
// watch), and then, committed or not, empties this DB's mailing cache, so
// that no read after it is answered with rows from before it. Every write
// to the subscribers goes through it, and the campaigns' too; the
// dispatcher's delivery bookkeeping (claims, finishes, failed and bounced
// deliveries) changes no subscriber and does not: a bounce or an
// unsubscribe changes the subscriber through UpdateSubscriber.
func (s *MailingStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.writeCounted(ctx, "mailing_writes", s.db.mailing.subscribers.bump, fn)
}
