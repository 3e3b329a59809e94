package mailing_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/mailingtest"
)

// The database dies (its file closed under the store) in the middle of a
// campaign: a worker stops at the first delivery it cannot record
// instead of sending the rest of its claimed batch, so the messages sent
// but not recorded, and sent again once the leases end, are at most one
// per worker. Resumed on the same file, every recipient gets the mail.
func TestDatabaseLostMidCampaign(t *testing.T) {
	const n, workers, batch = 400, 4, 8
	path := filepath.Join(t.TempDir(), "outage.db")
	db := openSQLite(t, path)
	svc := newService(t, db.Mailing())
	emails := subscribeAll(t, svc, n, "example.com", "example.org")
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "outage", "body", "")
	require.NoError(t, err)

	srv := newSMTPServer(t, nil)
	var once sync.Once
	srv.setOnMessage(func(got int) {
		if got >= 10 {
			// Before the 10th message is acknowledged.
			once.Do(func() { assert.NoError(t, db.Close()) })
		}
	})
	stopped := make(chan struct{})
	logs := mailingtest.NewClaimFailures(workers, stopped)
	d, err := mailing.NewDispatcher(db.Mailing(), mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Workers: workers, Batch: batch,
		Lease: time.Minute, SendTimeout: 10 * time.Second, Poll: time.Millisecond, Logger: slog.New(logs),
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		t.Fatal("the workers never failed to claim after the database closed")
	}
	cancel()
	require.NoError(t, <-ran)
	before := srv.count()

	db2 := openSQLite(t, path)
	svc2 := newService(t, db2.Mailing())
	r, err := svc2.CampaignReport(context.Background(), mailing.Admin, c.ID)
	require.NoError(t, err)
	unrecorded := before - r.Sent
	t.Logf("database closed: %d messages received, %d recorded sent", before, r.Sent)
	require.Positive(t, r.Pending, "the campaign finished before the outage; nothing was tested")
	assert.LessOrEqual(t, unrecorded, workers, "messages sent but not recorded")

	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	r = sendAll(t, svc2, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Now: later, Workers: workers}, c.ID)
	require.Equal(t, n, r.Sent)
	msgs, _, _ := srv.snapshot()
	got := map[string]int{}
	for _, m := range msgs {
		got[m.To[0]]++
	}
	missing := 0
	for _, e := range emails {
		if got[e] == 0 {
			missing++
		}
	}
	t.Logf("%d messages for %d recipients: %d missing, %d duplicates", len(msgs), n, missing, len(msgs)-n)
	assert.Zero(t, missing)
	assert.LessOrEqual(t, len(msgs)-n, workers, "duplicates")
}
