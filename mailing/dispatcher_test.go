package mailing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// openSQLite opens a database file under the test's directory.
func openSQLite(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "mailing.db")
	}
	db, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func newService(t testing.TB, store mailing.Store) *mailing.Service {
	t.Helper()
	svc, err := mailing.New(store, mailing.Config{})
	require.NoError(t, err)
	return svc
}

// subscribeAll subscribes n addresses spread over domains and returns them.
func subscribeAll(t testing.TB, svc *mailing.Service, n int, domains ...string) []string {
	t.Helper()
	emails := make([]string, n)
	for i := range n {
		emails[i] = fmt.Sprintf("user%d@%s", i, domains[i%len(domains)])
		_, err := svc.Subscribe(context.Background(), emails[i], fmt.Sprintf("User %d", i))
		require.NoError(t, err)
	}
	return emails
}

func smtpTransport(t testing.TB, addr string) *transport.SMTP {
	t.Helper()
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: addr, TLS: transport.TLSOpportunistic, Timeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	return tr
}

// sendAll runs a dispatcher until campaign c has nothing pending, then
// stops it and waits for Run to return.
func sendAll(t testing.TB, svc *mailing.Service, cfg mailing.DispatcherConfig, c mailing.CampaignID) mailing.Report {
	t.Helper()
	if cfg.Poll == 0 {
		cfg.Poll = 5 * time.Millisecond
	}
	// recorded is signalled after every recorded outcome.
	recorded := make(chan struct{}, 1)
	onOutcome := cfg.OnOutcome
	cfg.OnOutcome = func(o mailing.Outcome) {
		if onOutcome != nil {
			onOutcome(o)
		}
		select {
		case recorded <- struct{}{}:
		default:
		}
	}
	d, err := mailing.NewDispatcher(svc.Store(), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done, "Run")
	}()
	// The report is read again after each recorded outcome, up to a cap
	// so that a bug fails the test instead of hanging it; the cap is far
	// beyond what the sends take.
	give := time.After(2 * time.Minute)
	for {
		r, err := svc.CampaignReport(context.Background(), mailing.Admin, c)
		require.NoError(t, err)
		if r.Pending == 0 {
			return r
		}
		select {
		case <-recorded:
		case <-give:
			require.FailNow(t, "campaign still pending after 2 minutes", "%+v", r)
		}
	}
}

// A thousand subscribers on three domains, two SMTP servers: every one
// gets the campaign once, through the transport of its domain, with the
// unsubscribe headers and link.
func TestSMTPCampaignRoutedOnce(t *testing.T) {
	db := openSQLite(t, "")
	svc := newService(t, db.Mailing())
	emails := subscribeAll(t, svc, 1000, "example.com", "naver.com", "google.com")
	first, second := newSMTPServer(t, nil), newSMTPServer(t, nil)
	ctx := context.Background()
	c, n, err := svc.CreateCampaign(ctx, mailing.Admin, "Hello", "Dear reader,\nnews.", "<p>news</p>")
	require.NoError(t, err)
	require.Equal(t, 1000, n)
	r := sendAll(t, svc, mailing.DispatcherConfig{
		Routing:   mailing.SeedRouting(smtpTransport(t, first.Addr), smtpTransport(t, second.Addr)),
		PublicURL: "http://127.0.0.1:8080/mailing",
		Workers:   4,
	}, c.ID)
	assert.Equal(t, 1000, r.Sent)
	assert.Zero(t, r.Failed)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
	subs, _ := svc.Subscribers(ctx, mailing.Admin)
	tokens := map[string]string{}
	ids := map[string]mailing.SubscriberID{}
	for _, s := range subs {
		tokens[s.Email], ids[s.Email] = s.Token, s.ID
	}
	got := map[string]int{}
	for i, srv := range []*smtpServer{first, second} {
		msgs, byID, _ := srv.snapshot()
		for id, k := range byID {
			assert.Equal(t, 1, k, "server %d: copies of Message-ID %s", i, id)
		}
		for _, m := range msgs {
			require.Len(t, m.To, 1, "recipients")
			to := m.To[0]
			got[to]++
			second := strings.HasSuffix(to, "@naver.com") || strings.HasSuffix(to, "@google.com")
			assert.Equal(t, i == 1, second, "%s went through server %d", to, i)
			link := mailing.UnsubscribeURL("http://127.0.0.1:8080/mailing", tokens[to])
			assert.Equal(t, "<"+link+">", m.Header.Get("List-Unsubscribe"), to)
			assert.Equal(t, "List-Unsubscribe=One-Click", m.Header.Get("List-Unsubscribe-Post"), to)
			assert.Equal(t, "<"+mailing.MessageID(c.ID, ids[to], "127.0.0.1")+">", m.Header.Get("Message-Id"), to)
			assert.Equal(t, "Hello", m.Header.Get("Subject"), to)
			assert.Contains(t, unfoldQP(m.Body), link, to)
		}
	}
	for _, e := range emails {
		assert.Equal(t, 1, got[e], "messages to %s", e)
	}
}

// A server that answers 451 to the first two offers of each address gets
// every message after retries.
func TestSMTPTemporaryFailuresAreRetried(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 20, "example.com", "example.org")
	srv := newSMTPServer(t, func(to string, n int) error {
		if n <= 2 {
			return smtpReply(451, "greylisted, try again later")
		}
		return nil
	})
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "body", "")
	require.NoError(t, err)
	r := sendAll(t, svc, mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)},
		Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	}, c.ID)
	assert.Equal(t, 20, r.Sent)
	assert.Zero(t, r.Failed)
	msgs, byID, refusals := srv.snapshot()
	assert.Len(t, msgs, 20)
	assert.Len(t, byID, 20)
	assert.Equal(t, 40, refusals)
}

// 550 for one address fails it at once with the server's reply; the
// others are sent.
func TestSMTPPermanentFailureIsRecorded(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 5, "example.com")
	_, err := svc.Subscribe(context.Background(), "nobody@example.com", "Nobody")
	require.NoError(t, err)
	srv := newSMTPServer(t, func(to string, n int) error {
		if to == "nobody@example.com" {
			return smtpReply(550, "no such mailbox")
		}
		return nil
	})
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "body", "")
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Backoff: time.Millisecond}, c.ID)
	assert.Equal(t, 5, r.Sent)
	assert.Equal(t, 1, r.Failed)
	require.Len(t, r.Failures, 1)
	f := r.Failures[0]
	assert.Equal(t, "nobody@example.com", f.Email)
	assert.Equal(t, 1, f.Attempts)
	assert.Len(t, f.Errors, 1)
	assert.Contains(t, f.LastError, "550")
	assert.Contains(t, f.LastError, "no such mailbox")
	_, _, refusals := srv.snapshot()
	assert.Equal(t, 1, refusals, "no retry")
}

// A temporary failure that never ends fails the delivery after
// MaxAttempts, with every attempt's error kept.
func TestRetriesEndAfterMaxAttempts(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 1, "example.com")
	srv := newSMTPServer(t, func(string, int) error { return smtpReply(421, "busy") })
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "body", "")
	r := sendAll(t, svc, mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)},
		Backoff: time.Millisecond, MaxAttempts: 3,
	}, c.ID)
	assert.Equal(t, 1, r.Failed)
	require.Len(t, r.Failures, 1)
	assert.Equal(t, 3, r.Failures[0].Attempts)
	require.Len(t, r.Failures[0].Errors, 3)
	for i, e := range r.Failures[0].Errors {
		assert.Equal(t, i+1, e.Attempt)
		assert.Contains(t, e.Error, "421")
	}
}

// TLS mandatory refuses a server without STARTTLS: a temporary failure,
// nothing sent.
func TestSMTPMandatoryTLSRefusesPlainServer(t *testing.T) {
	srv := newSMTPServer(t, nil)
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.Addr, TLS: transport.TLSMandatory, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer tr.Close()
	err = tr.Send(context.Background(), mailing.Message{MessageID: "x@localhost", From: "a@localhost.localdomain", To: "b@example.com", Subject: "s", Text: "t"})
	require.Error(t, err)
	assert.False(t, mailing.IsPermanent(err), "a temporary error: %v", err)
	assert.Zero(t, srv.count(), "a message went over a connection without TLS")
}

// Stopping the dispatcher mid-campaign finishes the sends in flight,
// releases the rest of its claims (they are due again at once, not after
// the lease), and a new Run sends them.
func TestStopAndResume(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 200, "example.com")
	srv := newSMTPServer(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	srv.setOnMessage(func(n int) {
		if n == 50 {
			cancel()
		}
	})
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "body", "")
	tr := smtpTransport(t, srv.Addr)
	d, err := mailing.NewDispatcher(svc.Store(), mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr}, Workers: 4, Poll: time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, d.Run(ctx))
	r, _ := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
	assert.Equal(t, srv.count(), r.Sent, "after stop")
	assert.Equal(t, 200, r.Sent+r.Pending, "after stop")
	// Nothing is left leased: every pending row can be claimed now.
	later := time.Now().Add(time.Second)
	ds, err := svc.Store().ClaimDeliveries(context.Background(), later, later, 1000)
	require.NoError(t, err)
	require.Len(t, ds, r.Pending, "claimable after stop")
	for _, del := range ds {
		svc.Store().FinishDelivery(context.Background(), del, mailing.Outcome{Status: mailing.DeliveryPending, At: later, NextAttempt: del.NextAttempt})
	}
	r = sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr}}, c.ID)
	_, byID, _ := srv.snapshot()
	assert.Equal(t, 200, r.Sent)
	assert.Len(t, byID, 200)
	assert.Equal(t, 200, srv.count())
}

// unfoldQP removes quoted-printable soft line breaks.
func unfoldQP(s string) string {
	return strings.NewReplacer("=\r\n", "", "=\n", "").Replace(s)
}

// STARTTLS is used when the server offers it (opportunistic and
// mandatory), and not with TLS off.
func TestSMTPStartTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := newSMTPServerTLS(t, nil, serverTLS)
	for _, tc := range []struct {
		mode transport.TLSMode
		tls  bool
	}{{transport.TLSOpportunistic, true}, {transport.TLSMandatory, true}, {transport.TLSOff, false}} {
		tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.Addr, TLS: tc.mode, TLSConfig: clientTLS, Timeout: 5 * time.Second})
		require.NoError(t, err)
		err = tr.Send(context.Background(), mailing.Message{MessageID: string(tc.mode) + "@localhost", From: "a@localhost.localdomain", To: "b@example.com", Subject: "s", Text: "t"})
		tr.Close()
		require.NoError(t, err, tc.mode)
		msgs, _, _ := srv.snapshot()
		assert.Equal(t, tc.tls, msgs[len(msgs)-1].TLS, "%s: TLS", tc.mode)
	}
}

// Each worker keeps one connection: a campaign of 100 over two workers
// opens at most two.
func TestSMTPConnectionReusedPerWorker(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 100, "example.com")
	srv := newSMTPServer(t, nil)
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Workers: 2}, c.ID)
	assert.Equal(t, 100, r.Sent)
	assert.Equal(t, 100, srv.count())
	assert.LessOrEqual(t, srv.connections(), 2, "connections for 2 workers")
}

// A server slow to answer (a RCPT that takes longer than the connection
// timeout, a final dot answered only after the message was stored) is
// waited for with RFC 5321's per-step timeouts, here scaled down a
// hundredfold: 300 ms stands for the old 30-second timeout of every
// command, and the server takes 650 ms (65 s) to answer the final dot.
// The message is sent once and recorded sent.
func TestSMTPSlowServerIsWaitedFor(t *testing.T) {
	db := openSQLite(t, "")
	svc := newService(t, db.Mailing())
	emails := subscribeAll(t, svc, 3, "example.com")
	srv := newSMTPServer(t, func(string, int) error {
		time.Sleep(400 * time.Millisecond) // the slow server itself
		return nil
	})
	srv.setOnMessage(func(int) { time.Sleep(650 * time.Millisecond) })
	tr, err := transport.NewSMTP(transport.SMTPConfig{
		Addr: srv.Addr, TLS: transport.TLSOff, Timeout: 300 * time.Millisecond,
		Timeouts: transport.Timeouts{Mail: 3 * time.Second, Rcpt: 3 * time.Second, DataInit: 1200 * time.Millisecond, DataBlock: 1800 * time.Millisecond, DataTermination: 6 * time.Second},
	})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "slow", "body", "")
	require.NoError(t, err)
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr}, Workers: 1, Lease: time.Minute, SendTimeout: 20 * time.Second, MaxAttempts: 1}, c.ID)
	assert.Equal(t, 3, r.Sent)
	assert.Zero(t, r.Failed, "failures: %+v", r.Failures)
	msgs, byID, _ := srv.snapshot()
	assert.Len(t, msgs, len(emails), "messages the server accepted")
	for id, n := range byID {
		assert.Equal(t, 1, n, "copies of %s", id)
	}
}

func TestRFC5321Timeouts(t *testing.T) {
	assert.Equal(t, 25*time.Minute, transport.RFC5321Timeouts.Total(1))
	assert.Equal(t, 25*time.Minute, transport.Timeouts{}.Total(1), "zero fields take RFC 5321's values")
	assert.Equal(t, 27*time.Minute, transport.Timeouts{Mail: time.Minute}.Total(3))
}
