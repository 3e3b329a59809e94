package calendartest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/calendar"
)

// BenchStore makes a fresh store holding total events, mine of them owned
// by user 1 (user1@example.com), with starts over 2015 to 2024. Each store
// fills itself its fastest way (bulk inserts, COPY).
type BenchStore func(b *testing.B, total, mine int) calendar.Store

// BenchmarkMonth is the month query (June 2020) of a user who owns 10,000
// events, in a database of 10,000 events in all and in one of 1,000,000:
// through the store, and through the service (which adds the groups and the
// birthday). It reports the events a query returns.
func BenchmarkMonth(b *testing.B, mk BenchStore) {
	ctx := context.Background()
	for _, size := range []struct {
		name  string
		total int
	}{{"events=10k", 10_000}, {"events=1M", 1_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			began := time.Now()
			store := mk(b, size.total, 10_000)
			b.Logf("inserted %d events in %v", size.total, time.Since(began).Round(time.Millisecond))
			svc, err := calendar.New(store, calendar.Config{})
			require.NoError(b, err)
			user := hanok.Actor{ID: 1, Email: "user1@example.com"}
			from := time.Date(2020, 6, 1, 0, 0, 0, 0, svc.Location())
			to := from.AddDate(0, 1, 0)
			for _, q := range []struct {
				name  string
				query func() ([]calendar.Event, error)
			}{
				{"store", func() ([]calendar.Event, error) { return store.Events(ctx, user.ID, from, to) }},
				{"service", func() ([]calendar.Event, error) { return svc.Month(ctx, user, 2020, time.June) }},
			} {
				b.Run(q.name, func(b *testing.B) {
					var n int
					for b.Loop() {
						evs, err := q.query()
						if err != nil {
							// Not require: its Helper call would be timed.
							b.Fatal(err)
						}
						n = len(evs)
					}
					b.ReportMetric(float64(n), "events/op")
				})
			}
		})
	}
}
