package sqlite

import (
	"context"
	"database/sql"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// calendarCache caches the calendar's event ranges and birthdays
// (readCache), which a month or a date reads at each request, and the
// results of searches.
type calendarCache struct {
	events readCache[eventsKey, []calendar.Event]
	// birthdays holds a user's birthday, or none (ok false).
	birthdays readCache[auth.UserID, cachedBirthday]
	// searches holds the events a search found.
	searches readCache[searchKey, []calendar.Event]
}

// searchKey is the key of a Search in the calendar's read cache: the
// user, the folded word and the limit. As with eventsKey, the rows do not
// depend on auth's tables.
type searchKey struct {
	user  auth.UserID
	word  string
	limit int
}

// maxCachedSearches bounds the cached searches: a search finds up to
// calendar.SearchLimit events, and a client picks its words.
const maxCachedSearches = 256

type cachedBirthday struct {
	b  calendar.Birthday
	ok bool
}

func (c *calendarCache) init() {
	c.events.query, c.events.max = calendarCountsQuery, maxCachedRanges
	c.birthdays.query = calendarCountsQuery
	c.searches.query, c.searches.max = calendarCountsQuery, maxCachedSearches
}

func (c *calendarCache) bump() {
	c.events.bump()
	c.birthdays.bump()
	c.searches.bump()
}

// eventsKey is the key of an Events read in the calendar's read cache
// (DB.calendar, a readCache): the user and the range's bounds in unix
// nanoseconds. The rows do not depend on auth's tables (the owner's email
// is stored with the event), so only calendar writes empty it.
type eventsKey struct {
	user   auth.UserID
	lo, hi int64
}

// maxCachedRanges bounds the calendar's read cache: a range holds up to
// hundreds of events (a month of 80 is about 20 KB), so fewer ranges than
// a readCache's default.
const maxCachedRanges = 1024

// calendarCountsQuery reads the count of calendar writes (migration
// 0019), in the two columns a readCache reads.
const calendarCountsQuery = `SELECT writes, 0 FROM calendar_writes WHERE id = 1`

// write runs fn in a write transaction that also adds one to the count of
// calendar writes (which the read caches of other processes on the file
// watch), and then, committed or not, empties this DB's calendar cache,
// so that no read after it is answered with rows from before it. Every
// write to the tables Events reads (events, groups, selections, the span)
// goes through it, and birthdays' too; feeds and sync states, which no
// cached read depends on, do not.
func (s *CalendarStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.writeCounted(ctx, "calendar_writes", s.db.calendar.bump, fn)
}
