package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// subs is how many subscribers the finish tests' campaigns go to.
const subs = 64

// subscribedStore is a mailing store with n active subscribers, and the
// time they were made.
func subscribedStore(t *testing.T, n int) (mailing.Store, time.Time) {
	t.Helper()
	s := openTestDB(t).Mailing()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	for i := range n {
		sub := mailing.Subscriber{Email: fmt.Sprintf("s%d@example.com", i), Name: "s", Subscribed: true, Token: fmt.Sprint("token-", i), Created: t0, Updated: t0}
		require.NoError(t, s.CreateSubscriber(context.Background(), &sub))
	}
	return s, t0
}

// Finishes of one campaign's deliveries from many connections at once,
// the last ones among them together: the campaign ends done every time,
// whichever finish commits last.
func TestMailingConcurrentFinishesSettle(t *testing.T) {
	s, t0 := subscribedStore(t, subs)
	ctx := context.Background()
	for round := range 10 {
		c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
		n, err := s.CreateCampaign(ctx, &c)
		require.NoError(t, err)
		require.Equal(t, subs, n)
		ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), subs)
		require.NoError(t, err)
		require.Len(t, ds, subs)
		var wg sync.WaitGroup
		for _, d := range ds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, s.FinishDelivery(ctx, d, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0}))
			}()
		}
		wg.Wait()
		got, err := s.Campaign(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, mailing.CampaignDone, got.Status, "round %d", round)
	}
}

// Groups of finishes, each holding deliveries of two campaigns in
// opposite orders, written from many connections at once (as two
// dispatchers' recorders would): none deadlocks or fails, and both
// campaigns end done.
func TestMailingConcurrentGroupsOfTwoCampaigns(t *testing.T) {
	s, t0 := subscribedStore(t, subs)
	ctx := context.Background()
	for round := range 5 {
		var cs [2]mailing.Campaign
		var ds [2][]mailing.Delivery
		for k := range cs {
			cs[k] = mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
			_, err := s.CreateCampaign(ctx, &cs[k])
			require.NoError(t, err)
		}
		all, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 2*subs)
		require.NoError(t, err)
		require.Len(t, all, 2*subs)
		for _, d := range all {
			k := 0
			if d.Campaign == cs[1].ID {
				k = 1
			}
			ds[k] = append(ds[k], d)
		}
		var wg sync.WaitGroup
		for g := 0; g < subs; g += 4 {
			wg.Go(func() {
				var fs []mailing.Finish
				first, second := ds[0][g:g+4], ds[1][g:g+4]
				if g%8 == 4 {
					first, second = second, first
				}
				for _, d := range append(append([]mailing.Delivery(nil), first...), second...) {
					fs = append(fs, mailing.Finish{Delivery: d, Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0}})
				}
				for _, err := range s.FinishDeliveries(ctx, fs) {
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		for _, c := range cs {
			got, err := s.Campaign(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, mailing.CampaignDone, got.Status, "round %d", round)
		}
	}
}

// Migration 0009 turns the mailing times from bigint nanoseconds (0 for
// none) into timestamptz (NULL for none), keeping the microseconds.
func TestMailingTimesMigration(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.DSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	exec := func(file string) {
		t.Helper()
		sql, err := os.ReadFile(filepath.Join("migrations", file))
		require.NoError(t, err)
		_, err = conn.Exec(ctx, string(sql))
		require.NoError(t, err, file)
	}
	exec("0006_mailing.sql")
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	ns := at.UnixNano()
	for _, q := range []string{
		`INSERT INTO mailing_subscribers VALUES (1, 'a@example.com', 'a@example.com', 'A', true, 't', $1, $1), (2, 'b@example.com', 'b@example.com', 'B', true, 'u', $1, $1)`,
		`INSERT INTO mailing_campaigns VALUES (1, 's', 't', '', 'sending', $1, $1)`,
		`INSERT INTO mailing_deliveries (id, campaign_id, subscriber_id, email, token, status, next_attempt, lease_until, sent_at)
			VALUES (1, 1, 1, 'a@example.com', 't', 'pending', $1, 0, 0), (2, 1, 2, 'b@example.com', 'u', 'sent', $1, $1, $1)`,
	} {
		_, err = conn.Exec(ctx, q, ns)
		require.NoError(t, err)
	}
	exec("0009_mailing_times.sql")

	var created time.Time
	require.NoError(t, conn.QueryRow(ctx, `SELECT created FROM mailing_subscribers`).Scan(&created))
	assert.Equal(t, at.Truncate(time.Microsecond), created.UTC())
	var lease, sent *time.Time
	require.NoError(t, conn.QueryRow(ctx, `SELECT lease_until, sent_at FROM mailing_deliveries WHERE id = 1`).Scan(&lease, &sent))
	assert.Nil(t, lease, "0 became NULL")
	assert.Nil(t, sent, "0 became NULL")
	require.NoError(t, conn.QueryRow(ctx, `SELECT lease_until, sent_at FROM mailing_deliveries WHERE id = 2`).Scan(&lease, &sent))
	require.NotNil(t, sent)
	assert.Equal(t, at.Truncate(time.Microsecond), sent.UTC())
}
