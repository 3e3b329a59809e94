package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storetest"
)

func BenchmarkAuctionList(b *testing.B) {
	auctiontest.BenchmarkListCars(b, func(tb testing.TB) storetest.Harness[auction.Store] {
		db := openTestDB(tb)
		return storetest.Harness[auction.Store]{Store: analyzedAuction{db.Auction(), db}, Users: authtest.Users(db.Auth())}
	})
}

// analyzedAuction runs ANALYZE after every CreateCars, as autovacuum would
// some time after a bulk insert, so that the benchmark measures the plans
// of a database with statistics and not autovacuum's timing.
type analyzedAuction struct {
	*postgres.AuctionStore
	db *postgres.DB
}

func (s analyzedAuction) CreateCars(ctx context.Context, cars []*auction.Car) error {
	if err := s.AuctionStore.CreateCars(ctx, cars); err != nil {
		return err
	}
	_, err := s.db.Pool().Exec(ctx, `ANALYZE`)
	return err
}

// fillCalendar inserts, with COPY, total events, mine of them owned by
// user 1 and the others spread over 1,000 other users (a tenth of them in
// 50 groups), with starts uniform over 2015-2024 (whole seconds) and
// lengths of 30 minutes to 3 hours: the data of storage/sqlite's
// BenchmarkMonth data (calendartest).
func fillCalendar(b *testing.B, db *postgres.DB, total, mine int) {
	b.Helper()
	ctx := context.Background()
	const others = 1000
	created := time.Date(2014, 12, 1, 0, 0, 0, 0, time.UTC)
	users := make([][]any, 0, others+1)
	for u := 1; u <= others+1; u++ {
		users = append(users, []any{fmt.Sprint("user", u), fmt.Sprint("user", u), fmt.Sprintf("user%d@example.com", u), fmt.Sprintf("user%d@example.com", u), []byte("x"), created})
	}
	_, err := db.Pool().CopyFrom(ctx, pgx.Identifier{"users"}, []string{"username", "username_key", "email", "email_key", "password_hash", "created"}, pgx.CopyFromRows(users))
	require.NoError(b, err)
	var groups []int64
	for u := range 50 {
		var id int64
		err := db.Pool().QueryRow(ctx, `INSERT INTO calendar_groups (name, creator_id, creator_email, created) VALUES ($1, $2, $3, $4) RETURNING id`,
			fmt.Sprint("group ", u), u+2, fmt.Sprintf("user%d@example.com", u+2), created).Scan(&id)
		require.NoError(b, err)
		groups = append(groups, id)
	}
	_, err = db.Pool().Exec(ctx, `UPDATE calendar_span SET max_seconds = $1 WHERE id = 1`, int64(3*time.Hour/time.Second))
	require.NoError(b, err)
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == total {
			return nil, nil
		}
		owner := int64(1)
		var group any
		if i >= mine {
			owner = 2 + int64(i%others)
			if i%10 == 0 {
				group = groups[i%len(groups)]
			}
		}
		start := lo + rng.Int64N(hi-lo)
		end := start + int64(30*60) + rng.Int64N(9000)
		subject := fmt.Sprint("event ", i)
		row := []any{fmt.Sprintf("bench-%d@hanok", i), owner, fmt.Sprintf("user%d@example.com", owner), group, subject, subject,
			time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC(), created}
		i++
		return row, nil
	})
	_, err = db.Pool().CopyFrom(ctx, pgx.Identifier{"calendar_events"}, []string{"uid", "owner_id", "owner_email", "group_id", "subject", "subject_key", "start_at", "end_at", "created"}, src)
	require.NoError(b, err)
	_, err = db.Pool().Exec(ctx, `ANALYZE`)
	require.NoError(b, err)
}

// BenchmarkCalendarMonth is calendartest.BenchmarkMonth on PostgreSQL.
func BenchmarkCalendarMonth(b *testing.B) {
	calendartest.BenchmarkMonth(b, func(b *testing.B, total, mine int) calendar.Store {
		db := openTestDB(b)
		fillCalendar(b, db, total, mine)
		return db.Calendar()
	})
}
