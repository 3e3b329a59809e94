package mailing_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// A message the SMTP transport has staged is delivered by Commit only: an
// aborted one never reaches the server's mailbox, and the next message
// goes out over a new connection.
func TestSMTPStagedCommitAndAbort(t *testing.T) {
	srv := newSMTPServer(t, nil)
	tr := smtpTransport(t, srv.Addr)
	var st mailing.StagedTransport = tr
	ctx := context.Background()
	msg := func(to string) mailing.Message {
		return mailing.Message{MessageID: to + ".id@localhost", From: "news@example.com", To: to, Subject: "s", Text: "t\n", CampaignCreated: time.Now()}
	}

	dropped, err := st.Stage(ctx, msg("dropped@example.com"))
	require.NoError(t, err)
	dropped.Abort()

	kept, err := st.Stage(ctx, msg("kept@example.com"))
	require.NoError(t, err)
	require.NoError(t, kept.Commit())
	require.NoError(t, tr.Send(ctx, msg("sent@example.com")))

	msgs, _, _ := srv.snapshot()
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	assert.Equal(t, []string{"kept@example.com", "sent@example.com"}, to)
	assert.Equal(t, 2, srv.connections(), "one connection for the aborted message, one kept for the two others")
}

// groupCounter is a real store that counts the groups its
// FinishDeliveries writes, and checks at each the outbox's bound: no
// more messages delivered and not recorded than there are workers.
type groupCounter struct {
	mailing.Store
	t         *testing.T
	delivered func() int
	workers   int

	mu       sync.Mutex
	recorded int
	sizes    []int
}

func (g *groupCounter) FinishDeliveries(ctx context.Context, fs []mailing.Finish) []error {
	g.mu.Lock()
	assert.LessOrEqual(g.t, g.delivered()-g.recorded, g.workers, "messages delivered and not recorded")
	g.mu.Unlock()
	errs := g.Store.FinishDeliveries(ctx, fs)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, err := range errs {
		if err == nil {
			g.recorded++
		}
	}
	g.sizes = append(g.sizes, len(fs))
	return errs
}

// The dispatcher records its workers' outcomes in groups, one write for
// several workers' sends, and yet never has more messages delivered and
// not recorded than it has workers: what bounds the duplicates a crash
// can cause.
func TestDispatcherRecordsInGroups(t *testing.T) {
	const workers, n = 4, 400
	srv := newSMTPServer(t, nil)
	g := &groupCounter{Store: openSQLite(t, "").Mailing(), t: t, delivered: srv.count, workers: workers}
	svc := newService(t, g)
	subscribeAll(t, svc, n, "example.com", "example.org")
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	require.NoError(t, err)
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Workers: workers}, c.ID)
	assert.Equal(t, n, r.Sent)
	assert.Equal(t, n, srv.count())
	g.mu.Lock()
	defer g.mu.Unlock()
	assert.Equal(t, n, g.recorded)
	largest := slices.Max(g.sizes)
	assert.Greater(t, largest, 1, "some group holds several workers' outcomes")
	assert.LessOrEqual(t, largest, workers)
	assert.Less(t, len(g.sizes), n, "fewer writes than messages")
	t.Logf("%d messages in %d writes, the largest of %d", n, len(g.sizes), largest)
}
