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
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newService(t testing.TB, store mailing.Store) *mailing.Service {
	t.Helper()
	svc, err := mailing.New(store, mailing.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// subscribeAll subscribes n addresses spread over domains and returns them.
func subscribeAll(t testing.TB, svc *mailing.Service, n int, domains ...string) []string {
	t.Helper()
	emails := make([]string, n)
	for i := range n {
		emails[i] = fmt.Sprintf("user%d@%s", i, domains[i%len(domains)])
		if _, err := svc.Subscribe(context.Background(), emails[i], fmt.Sprintf("User %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	return emails
}

func smtpTransport(t testing.TB, addr string) *transport.SMTP {
	t.Helper()
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: addr, TLS: transport.TLSOpportunistic, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
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
	d, err := mailing.NewDispatcher(svc.Store(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// A cap so that a bug fails the test instead of hanging it; it is
	// far beyond what the sends take.
	give := time.Now().Add(2 * time.Minute)
	for {
		r, err := svc.CampaignReport(context.Background(), mailing.Admin, c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Pending == 0 {
			return r
		}
		if time.Now().After(give) {
			t.Fatalf("campaign still pending: %+v", r)
		}
		time.Sleep(5 * time.Millisecond)
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
	if err != nil || n != 1000 {
		t.Fatalf("CreateCampaign = %d, %v", n, err)
	}
	r := sendAll(t, svc, mailing.DispatcherConfig{
		Routing:   mailing.SeedRouting(smtpTransport(t, first.Addr), smtpTransport(t, second.Addr)),
		PublicURL: "http://127.0.0.1:8080/mailing",
		Workers:   4,
	}, c.ID)
	if r.Sent != 1000 || r.Failed != 0 || r.Campaign.Status != mailing.CampaignDone {
		t.Fatalf("report %+v", r)
	}
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
			if k != 1 {
				t.Errorf("server %d: Message-ID %s came %d times", i, id, k)
			}
		}
		for _, m := range msgs {
			if len(m.To) != 1 {
				t.Fatalf("recipients %v", m.To)
			}
			to := m.To[0]
			got[to]++
			second := strings.HasSuffix(to, "@naver.com") || strings.HasSuffix(to, "@google.com")
			if second != (i == 1) {
				t.Errorf("%s went through server %d", to, i)
			}
			link := mailing.UnsubscribeURL("http://127.0.0.1:8080/mailing", tokens[to])
			if h := m.Header.Get("List-Unsubscribe"); h != "<"+link+">" {
				t.Errorf("%s: List-Unsubscribe %q, want <%s>", to, h, link)
			}
			if h := m.Header.Get("List-Unsubscribe-Post"); h != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: List-Unsubscribe-Post %q", to, h)
			}
			wantID := "<" + mailing.MessageID(c.ID, ids[to], "127.0.0.1") + ">"
			if h := m.Header.Get("Message-Id"); h != wantID {
				t.Errorf("%s: Message-ID %q, want %q", to, h, wantID)
			}
			if m.Header.Get("Subject") != "Hello" || !strings.Contains(unfoldQP(m.Body), link) {
				t.Errorf("%s: subject %q, body without the link:\n%s", to, m.Header.Get("Subject"), m.Body)
			}
		}
	}
	for _, e := range emails {
		if got[e] != 1 {
			t.Errorf("%s received %d messages", e, got[e])
		}
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
	if err != nil {
		t.Fatal(err)
	}
	r := sendAll(t, svc, mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)},
		Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	}, c.ID)
	if r.Sent != 20 || r.Failed != 0 {
		t.Fatalf("report %+v", r)
	}
	msgs, byID, refusals := srv.snapshot()
	if len(msgs) != 20 || len(byID) != 20 || refusals != 40 {
		t.Fatalf("%d messages, %d ids, %d refusals; want 20, 20, 40", len(msgs), len(byID), refusals)
	}
}

// 550 for one address fails it at once with the server's reply; the
// others are sent.
func TestSMTPPermanentFailureIsRecorded(t *testing.T) {
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 5, "example.com")
	if _, err := svc.Subscribe(context.Background(), "nobody@example.com", "Nobody"); err != nil {
		t.Fatal(err)
	}
	srv := newSMTPServer(t, func(to string, n int) error {
		if to == "nobody@example.com" {
			return smtpReply(550, "no such mailbox")
		}
		return nil
	})
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "body", "")
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Backoff: time.Millisecond}, c.ID)
	if r.Sent != 5 || r.Failed != 1 || len(r.Failures) != 1 {
		t.Fatalf("report %+v", r)
	}
	f := r.Failures[0]
	if f.Email != "nobody@example.com" || f.Attempts != 1 || len(f.Errors) != 1 || !strings.Contains(f.LastError, "550") || !strings.Contains(f.LastError, "no such mailbox") {
		t.Fatalf("failure %+v", f)
	}
	if _, _, refusals := srv.snapshot(); refusals != 1 {
		t.Fatalf("%d refusals, want 1 (no retry)", refusals)
	}
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
	if r.Failed != 1 || r.Failures[0].Attempts != 3 || len(r.Failures[0].Errors) != 3 {
		t.Fatalf("report %+v", r)
	}
	for i, e := range r.Failures[0].Errors {
		if e.Attempt != i+1 || !strings.Contains(e.Error, "421") {
			t.Errorf("error %d: %+v", i, e)
		}
	}
}

// TLS mandatory refuses a server without STARTTLS: a temporary failure,
// nothing sent.
func TestSMTPMandatoryTLSRefusesPlainServer(t *testing.T) {
	srv := newSMTPServer(t, nil)
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.Addr, TLS: transport.TLSMandatory, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	err = tr.Send(context.Background(), mailing.Message{MessageID: "x@localhost", From: "a@localhost.localdomain", To: "b@example.com", Subject: "s", Text: "t"})
	if err == nil || mailing.IsPermanent(err) {
		t.Fatalf("Send = %v, want a temporary error", err)
	}
	if srv.count() != 0 {
		t.Fatal("a message went over a connection without TLS")
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	r, _ := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
	if r.Sent != srv.count() || r.Sent+r.Pending != 200 {
		t.Fatalf("after stop: report %+v, server has %d", r, srv.count())
	}
	// Nothing is left leased: every pending row can be claimed now.
	later := time.Now().Add(time.Second)
	ds, err := svc.Store().ClaimDeliveries(context.Background(), later, later, 1000)
	if err != nil || len(ds) != r.Pending {
		t.Fatalf("claimable after stop: %d (%v), want %d", len(ds), err, r.Pending)
	}
	for _, del := range ds {
		svc.Store().FinishDelivery(context.Background(), del, mailing.Outcome{Status: mailing.DeliveryPending, At: later, NextAttempt: del.NextAttempt})
	}
	r = sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr}}, c.ID)
	_, byID, _ := srv.snapshot()
	if r.Sent != 200 || len(byID) != 200 || srv.count() != 200 {
		t.Fatalf("after resume: report %+v, %d messages for %d ids", r, srv.count(), len(byID))
	}
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
		if err != nil {
			t.Fatal(err)
		}
		err = tr.Send(context.Background(), mailing.Message{MessageID: string(tc.mode) + "@localhost", From: "a@localhost.localdomain", To: "b@example.com", Subject: "s", Text: "t"})
		tr.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		msgs, _, _ := srv.snapshot()
		if last := msgs[len(msgs)-1]; last.TLS != tc.tls {
			t.Errorf("%s: TLS %v, want %v", tc.mode, last.TLS, tc.tls)
		}
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
	if r.Sent != 100 || srv.count() != 100 {
		t.Fatalf("report %+v, %d received", r, srv.count())
	}
	if n := srv.connections(); n > 2 {
		t.Fatalf("%d connections for 2 workers", n)
	}
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
