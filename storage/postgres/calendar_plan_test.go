package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// TestCalendarEventsReadsOnlyTheRange: a month of a user with 60 events
// who selected three groups of 10 events in it, among 5,000 events of 50
// other groups and 20,000 events of no group over twenty years. The query
// reads the user's and the group's events near the month by their index
// ranges: as a join, the planner once merged the whole start_at range of
// the group index and read every event near the month.
func TestCalendarEventsReadsOnlyTheRange(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	ctx := context.Background()
	s := db.Calendar()
	var users [2]auth.UserID
	for i, name := range []string{"reader", "other"} {
		require.NoError(t, db.pool.QueryRow(ctx, `INSERT INTO users (username, username_key, password_hash, created) VALUES ($1, $1, '\x00', now()) RETURNING id`, name).Scan(&users[i]))
	}
	reader, other := users[0], users[1]
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	var groups []calendar.GroupID
	for i := range 3 {
		g := &calendar.Group{Name: "team", Creator: other, CreatorEmail: "other", Created: from}
		require.NoError(t, s.CreateGroup(ctx, g))
		groups = append(groups, g.ID)
		for j := range 10 {
			start := from.AddDate(0, 0, 3*j+i).Add(15 * time.Hour)
			require.NoError(t, s.CreateEvent(ctx, &calendar.Event{UID: fmt.Sprintf("team-%d-%d", i, j), Owner: other, OwnerEmail: "other", Group: g.ID, Subject: "team", Start: start, End: start.Add(30 * time.Minute), Created: from}))
		}
	}
	require.NoError(t, s.SelectGroups(ctx, reader, groups))
	// 50 groups the reader did not select, with 100 events each over the
	// twenty years.
	var others []int64
	for range 50 {
		g := &calendar.Group{Name: "elsewhere", Creator: other, CreatorEmail: "other", Created: from}
		require.NoError(t, s.CreateGroup(ctx, g))
		others = append(others, int64(g.ID))
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO calendar_events (uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created)
		SELECT 'elsewhere-' || i, $1, 'other', ($3::bigint[])[1 + i % 50], 'other', 'other', $2::timestamptz + (i * 7919 % 7300) * interval '1 day',
			$2::timestamptz + (i * 7919 % 7300) * interval '1 day' + interval '1 hour', $2
		FROM generate_series(1, 5000) AS i`, other, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), others)
	require.NoError(t, err)
	for i := range 60 {
		start := from.AddDate(0, 0, i%30).Add(9 * time.Hour)
		require.NoError(t, s.CreateEvent(ctx, &calendar.Event{UID: fmt.Sprintf("own-%d", i), Owner: reader, OwnerEmail: "reader", Subject: "own", Start: start, End: start.Add(time.Hour), Created: from}))
	}
	// 20,000 events of another user and no group, over twenty years.
	_, err = db.pool.Exec(ctx, `INSERT INTO calendar_events (uid, owner_id, owner_email, subject, subject_key, start_at, end_at, created)
		SELECT 'other-' || i, $1, 'other', 'other', 'other', $2::timestamptz + (i * 7919 % 7300) * interval '1 day',
			$2::timestamptz + (i * 7919 % 7300) * interval '1 day' + interval '1 hour', $2
		FROM generate_series(1, 20000) AS i`, other, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	_, err = db.pool.Exec(ctx, `ANALYZE calendar_events, calendar_selections, calendar_groups`)
	require.NoError(t, err)

	events, err := s.Events(ctx, reader, from, to)
	require.NoError(t, err)
	assert.Len(t, events, 90, "the reader's and the groups' events of the month")

	var out []byte
	require.NoError(t, db.pool.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+eventsQuery, reader, to, from).Scan(&out))
	var plans []struct{ Plan planNode }
	require.NoError(t, json.Unmarshal(out, &plans))
	read := 0.0
	var walk func(n planNode)
	walk = func(n planNode) {
		assert.False(t, n.NodeType == "Seq Scan" && n.RelationName == "calendar_events", "a sequential scan of calendar_events\n%s", out)
		if n.RelationName == "calendar_events" {
			read += (n.ActualRows + n.RowsRemovedByFilter) * n.ActualLoops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	// A scan's rows are those it returned and those its filter dropped,
	// per loop times its loops (EXPLAIN rounds per loop: a row or two more
	// than the 90).
	assert.LessOrEqual(t, read, 100.0, "rows of calendar_events read\n%s", out)
}
