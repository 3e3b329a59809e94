package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
)

func openCalendarDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "calendar.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestCalendarStore(t *testing.T) {
	calendartest.RunStoreTests(t, func(t *testing.T) calendar.Store { return openCalendarDB(t).Calendar() })
}

// queryPlan returns the details of EXPLAIN QUERY PLAN q, one per line.
func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.reader.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// The overlap query must read calendar_events through its indexes, by a
// start_at range, never by a scan of the table.
func TestCalendarEventsQueryUsesIndexes(t *testing.T) {
	db := openCalendarDB(t)
	from := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	plan := queryPlan(t, db, eventsQuery, 1, from+30*86400, from, from-3600)
	t.Logf("plan:\n%s", plan)
	for _, want := range []string{
		"SEARCH calendar_events USING INDEX calendar_events_owner_start (owner_id=? AND start_at>? AND start_at<?)",
		"SEARCH ev USING INDEX calendar_events_group_start (group_id=? AND start_at>? AND start_at<?)",
		"SEARCH sel USING PRIMARY KEY (user_id=?)",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, "SCAN calendar_events") || strings.Contains(line, "SCAN ev") {
			t.Errorf("plan scans events: %q", line)
		}
	}
}
