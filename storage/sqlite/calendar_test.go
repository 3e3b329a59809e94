package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// queryPlan returns the details of EXPLAIN QUERY PLAN q, one per line.
func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.reader.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	lines, err := collect("query plan", rows, err, func(sc scanner) (string, error) {
		var id, parent, unused int
		var detail string
		err := sc.Scan(&id, &parent, &unused, &detail)
		return detail, err
	})
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

// The overlap query must read calendar_events through its indexes, by a
// start_at range, never by a scan of the table.
func TestCalendarEventsQueryUsesIndexes(t *testing.T) {
	db := openTestDB(t)
	from := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	plan := queryPlan(t, db, eventsQuery, 1, from+int64(30*24*time.Hour), from, from-int64(time.Hour))
	t.Logf("plan:\n%s", plan)
	for _, want := range []string{
		"SEARCH calendar_events USING INDEX calendar_events_owner_start (owner_id=? AND start_at>? AND start_at<?)",
		"SEARCH ev USING INDEX calendar_events_group_start (group_id=? AND start_at>? AND start_at<?)",
		"SEARCH sel USING PRIMARY KEY (user_id=?)",
	} {
		assert.Contains(t, plan, want)
	}
	for _, line := range strings.Split(plan, "\n") {
		assert.NotContains(t, line, "SCAN calendar_events", "the plan scans events")
		assert.NotContains(t, line, "SCAN ev", "the plan scans events")
	}
}

// Concurrent writers and readers: writes serialize on the writer
// connection, reads see whole events, and nothing is lost.
func TestCalendarConcurrentWrites(t *testing.T) {
	db := openTestDB(t)
	s := db.Calendar()
	ctx := context.Background()
	base := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	owner := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: base}
	require.NoError(t, db.Auth().CreateUser(ctx, owner))
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				start := base.Add(time.Duration(w*each+i) * time.Hour)
				e := &calendar.Event{UID: fmt.Sprintf("%d-%d@test", w, i), Owner: owner.ID, Subject: "s", Start: start, End: start.Add(time.Hour), Created: base}
				if err := s.CreateEvent(ctx, e); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				evs, err := s.Events(ctx, owner.ID, base, base.AddDate(0, 1, 0))
				if err != nil {
					errs <- err
					continue
				}
				for _, e := range evs {
					if e.Subject != "s" || !e.End.After(e.Start) {
						errs <- fmt.Errorf("partial event %+v", e)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	evs, err := s.Events(ctx, owner.ID, base, base.AddDate(0, 1, 0))
	require.NoError(t, err)
	assert.Len(t, evs, writers*each)
}

// TestMigrateCalendarFold opens a file whose search keys were folded by
// strings.ToLower (final sigma, long s and micro sign kept as they are)
// and finds the events by the one fold after Open migrated the keys.
func TestMigrateCalendarFold(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	writeVersion3(t, path,
		`INSERT INTO users (id, username, username_key, email, email_key, password_hash, created) VALUES
			(7, 'park', 'park', 'park@example.com', 'park@example.com', x'00', 0)`,
		`INSERT INTO calendar_events (id, uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created, updated) VALUES
			(11, 'a@hanok', 7, 'park@example.com', NULL, 'Οδυσσευς', 'οδυσσευς', 1497916800, 1497920400, 1497916800, NULL),
			(12, 'b@hanok', 7, 'park@example.com', NULL, 'Meſſe 5µs', 'meſſe 5µs', 1497916800, 1497920400, 1497916800, NULL)`,
	)
	db, err := Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	s := db.Calendar()
	for word, want := range map[string]calendar.EventID{"ΟΔΥΣΣΕΥΣ": 11, "messe": 12, "5μs": 12} {
		evs, err := s.Search(ctx, 7, hanok.Fold(word), 10)
		require.NoError(t, err)
		require.Len(t, evs, 1, "search %q", word)
		assert.Equal(t, want, evs[0].ID, "search %q", word)
	}
}
