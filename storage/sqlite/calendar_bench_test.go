package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
)

// fillCalendar inserts total events, mine of them owned by user 1 and the
// others spread over 1,000 other users (a tenth of them in groups), with
// starts uniform over 2015-2024 (whole seconds, in unix nanoseconds) and lengths of 30 minutes to 3 hours. It
// writes in transactions of 100,000 rows through one prepared statement.
func fillCalendar(b *testing.B, db *DB, total, mine int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	created := time.Date(2014, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	const others = 1000
	var groups []int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		for u := 0; u < 50; u++ {
			res, err := tx.ExecContext(ctx, `INSERT INTO calendar_groups (name, creator_id, creator_email, created) VALUES (?, ?, ?, ?)`,
				fmt.Sprint("group ", u), u+2, fmt.Sprintf("user%d@example.com", u+2), created)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			groups = append(groups, id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE calendar_span SET max_span = ? WHERE id = 1`, int64(3*time.Hour))
		return err
	})
	require.NoError(b, err)
	const batch = 100_000
	for done := 0; done < total; done += batch {
		err := db.write(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO calendar_events (uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := done; i < min(done+batch, total); i++ {
				owner := int64(1)
				var group any
				if i >= mine {
					owner = 2 + int64(i%others)
					if i%10 == 0 {
						group = groups[i%len(groups)]
					}
				}
				start := lo + rng.Int64N((hi-lo)/1e9)*1e9
				end := start + int64(30*time.Minute) + rng.Int64N(9000)*1e9
				subject := fmt.Sprint("event ", i)
				if _, err := stmt.ExecContext(ctx, fmt.Sprintf("bench-%d@hanok", i), owner, fmt.Sprintf("user%d@example.com", owner),
					group, subject, subject, start, end, created); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(b, err)
	}
}

// BenchmarkCalendarMonth is calendartest.BenchmarkMonth on a SQLite file.
func BenchmarkCalendarMonth(b *testing.B) {
	calendartest.BenchmarkMonth(b, func(b *testing.B, total, mine int) calendar.Store {
		db := openTestDB(b)
		fillCalendar(b, db, total, mine)
		return db.Calendar()
	})
}
