package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/mailingtest"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Mailing dispatchers on one PostgreSQL database, each with its own pool,
// sending one campaign to one loopback SMTP sink. These tests need
// HANOK_TEST_POSTGRES and skip without it.

// sink is an SMTP server on loopback counting the messages it accepts by
// recipient and by sender, told apart by the host of the List-Unsubscribe
// link (each dispatcher is given its own public URL).
type sink struct {
	addr string

	mu       sync.Mutex
	total    int
	byRcpt   map[string]int
	bySender map[string]int
	// onMessage, if set, is called (outside the lock) after each message
	// with the counts of its sender and of all.
	onMessage func(sender string, fromSender, total int)
	// lastFrom and lastHeader are the envelope sender and the header of
	// the last message.
	lastFrom   string
	lastHeader mail.Header
}

func newSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{byRcpt: map[string]int{}, bySender: map[string]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	// A killed client's reset connection is expected.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) setOnMessage(fn func(sender string, fromSender, total int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// counts returns copies of the counts.
// last returns the envelope sender and header of the last message.
func (s *sink) last() (string, mail.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastFrom, s.lastHeader
}

func (s *sink) counts() (total int, byRcpt, bySender map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byRcpt, bySender = map[string]int{}, map[string]int{}
	for k, v := range s.byRcpt {
		byRcpt[k] = v
	}
	for k, v := range s.bySender {
		bySender[k] = v
	}
	return s.total, byRcpt, bySender
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, m.Body); err != nil {
		return err
	}
	// <http://host/mailing/unsubscribe/token>
	sender := strings.TrimPrefix(m.Header.Get("List-Unsubscribe"), "<http://")
	sender, _, _ = strings.Cut(sender, "/")
	s := ss.s
	s.mu.Lock()
	s.total++
	s.lastFrom, s.lastHeader = ss.from, m.Header
	for _, to := range ss.to {
		s.byRcpt[to]++
	}
	s.bySender[sender]++
	fn, n, total := s.onMessage, s.bySender[sender], s.total
	s.mu.Unlock()
	if fn != nil {
		fn(sender, n, total)
	}
	return nil
}

// subscribeMany subscribes n addresses through a pool of its own and
// returns them.
func subscribeMany(t testing.TB, dsn string, n int) []string {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := mailing.New(db.Mailing(), mailing.Config{})
	if err != nil {
		t.Fatal(err)
	}
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("user%d@example.com", i)
	}
	// Eight at a time.
	const conc = 8
	errs := make(chan error, conc)
	for w := range conc {
		go func() {
			for i := w; i < n; i += conc {
				if _, err := svc.Subscribe(context.Background(), emails[i], fmt.Sprint("User ", i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range conc {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return emails
}

// waitDone waits until campaign id of the database of dsn has nothing
// pending, and returns its report.
func waitDone(t testing.TB, dsn string, id mailing.CampaignID) mailing.Report {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A cap so that a bug fails the test instead of hanging it.
	give := time.Now().Add(5 * time.Minute)
	for {
		r, err := db.Mailing().CampaignReport(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Pending == 0 {
			return r
		}
		if time.Now().After(give) {
			t.Fatalf("campaign not done: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const twoServersMessages = 2000

// Two servers, each run() with its own pool and dispatcher, on one
// database: a 2,000-message campaign created on one reaches every
// recipient exactly once, whichever dispatcher claimed it.
func TestPostgresMailingTwoServers(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 2,000 messages")
	}
	dsn := pgtest.DSN(t)
	sk := newSink(t)
	// Each server's unsubscribe links name it (its -public-url).
	args := func(host string) []string {
		return []string{"-db", dsn, "-media", filepath.Join(t.TempDir(), "media"), "-smtp", sk.addr, "-smtp-tls", "off", "-mailing-token", "admin-token",
			"-public-url", "http://" + host, "-mail-from", "news@hanok.example"}
	}
	a := start(t, nil, args("a.example")...)
	b := start(t, nil, args("b.example")...)
	emails := subscribeMany(t, dsn, twoServersMessages)

	code, m := a.do(t, "POST", "/mailing/subscribe/send-mail", "admin-token", `{"subject":"News","content":"Hello from two servers"}`)
	if code != 203 {
		t.Fatalf("send-mail: %d %v", code, m)
	}
	id, _ := m["campaign_id"].(float64)
	r := waitDone(t, dsn, mailing.CampaignID(id))
	if r.Sent != twoServersMessages || r.Failed != 0 || r.Campaign.Status != mailing.CampaignDone {
		t.Fatalf("report: %+v", r)
	}
	total, byRcpt, bySender := sk.counts()
	for _, e := range emails {
		if byRcpt[e] != 1 {
			t.Errorf("%s received %d messages, want 1", e, byRcpt[e])
		}
	}
	if total != twoServersMessages {
		t.Errorf("%d messages for %d recipients", total, twoServersMessages)
	}
	t.Logf("messages by server: a %d, b %d", bySender["a.example"], bySender["b.example"])
	for _, s := range []*server{a, b} {
		if err := s.stop(); err != nil {
			t.Errorf("%s: %v", s.url, err)
		}
	}
}

// The dispatcher of the killed process and of the survivor: short leases,
// so that the survivor takes the dead one's rows back soon.
const (
	killedEnvDSN  = "HANOK_PG_MAILING_CHILD_DSN"
	killedEnvSMTP = "HANOK_PG_MAILING_CHILD_SMTP"
	killedWorkers = 4
	killedLease   = 5 * time.Second
)

// newDispatcher is a server's mailing stack without HTTP: a pool of its
// own on dsn and a dispatcher sending to the SMTP server at smtpAddr,
// whose unsubscribe links name host.
func newDispatcher(t testing.TB, dsn, smtpAddr, host string, workers int) *mailing.Dispatcher {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: smtpAddr, TLS: transport.TLSOff, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	d, err := mailing.NewDispatcher(db.Mailing(), mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: tr}, PublicURL: "http://" + host + "/mailing",
		Workers: workers, Lease: killedLease, SendTimeout: 2 * time.Second, Poll: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPostgresMailingKilledChild is the process
// TestPostgresMailingDispatcherKilled kills: a dispatcher on the database
// and the SMTP server it is given, until it is killed.
func TestPostgresMailingKilledChild(t *testing.T) {
	dsn, addr := os.Getenv(killedEnvDSN), os.Getenv(killedEnvSMTP)
	if dsn == "" {
		return // only as TestPostgresMailingDispatcherKilled's child process
	}
	newDispatcher(t, dsn, addr, "killed.invalid", killedWorkers).Run(context.Background()) // until killed
}

// Two dispatchers, in two processes, share a 2,000-message campaign; one
// process is killed (SIGKILL: nothing drained, nothing released) in the
// middle. The survivor sends the rest, the dead one's claims once their
// leases run out: every recipient gets the message, and the duplicates
// are at most the sends that were in flight in the killed process (one
// per worker).
func TestPostgresMailingDispatcherKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dsn := pgtest.DSN(t)
	sk := newSink(t)
	emails := subscribeMany(t, dsn, twoServersMessages)

	var once sync.Once
	midway := make(chan struct{})
	sk.setOnMessage(func(sender string, fromSender, total int) {
		// The child has sent some and the campaign is far from done.
		if sender == "killed.invalid" && fromSender >= 200 && total >= 400 {
			once.Do(func() { close(midway) })
		}
	})
	cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresMailingKilledChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killedEnvDSN+"="+dsn, killedEnvSMTP+"="+sk.addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	survivor := newDispatcher(t, dsn, sk.addr, "survivor.invalid", killedWorkers)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- survivor.Run(ctx) }()
	defer func() { cancel(); <-ran }()

	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc, err := mailing.New(db.Mailing(), mailing.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c, n, err := svc.CreateCampaign(context.Background(), mailing.Admin, "crash", "Hello from a dispatcher that dies", "")
	if err != nil || n != twoServersMessages {
		t.Fatalf("CreateCampaign = %d, %v", n, err)
	}
	select {
	case <-midway:
	case err := <-exited:
		t.Fatalf("the child exited before being killed: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("the child sent too little")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	exited <- nil // for the cleanup
	before, _, bySender := sk.counts()
	r, err := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed after %d messages (%d from the killed process); %d marked sent, %d pending", before, bySender["killed.invalid"], r.Sent, r.Pending)
	if r.Pending == 0 {
		t.Fatal("the campaign finished before the kill; nothing was tested")
	}

	r = waitDone(t, dsn, c.ID)
	if r.Sent != twoServersMessages || r.Failed != 0 {
		t.Fatalf("report: %+v", r)
	}
	total, byRcpt, bySender := sk.counts()
	var dups int
	for _, e := range emails {
		switch byRcpt[e] {
		case 0:
			t.Errorf("%s never received the message", e)
		case 1:
		default:
			dups += byRcpt[e] - 1
		}
	}
	t.Logf("%d messages for %d recipients (killed process %d, survivor %d): %d duplicates",
		total, twoServersMessages, bySender["killed.invalid"], bySender["survivor.invalid"], dups)
	if dups > killedWorkers {
		t.Fatalf("%d duplicates, more than the %d sends that can be in flight", dups, killedWorkers)
	}
}

const benchMessages = 10_000

// BenchmarkPostgresDispatch sends one 10,000-message campaign per
// iteration to a loopback SMTP sink through one dispatcher, or through two
// with a pool each (two servers' mailing stacks), of 4 workers each, on
// one PostgreSQL database, and reports messages a second (the campaign's
// creation and its 10,000 delivery rows included).
//
//	go test -run '^$' -bench PostgresDispatch -benchtime 3x ./examples/server
func BenchmarkPostgresDispatch(b *testing.B) {
	for _, servers := range []int{1, 2} {
		b.Run(fmt.Sprintf("servers=%d", servers), func(b *testing.B) {
			dsn := pgtest.DSN(b)
			sk := newSink(b)
			subscribeMany(b, dsn, benchMessages)
			ctx, cancel := context.WithCancel(context.Background())
			var ds []*mailing.Dispatcher
			done := make(chan error, servers)
			for i := range servers {
				d := newDispatcher(b, dsn, sk.addr, fmt.Sprint("server", i), 4)
				ds = append(ds, d)
				go func() { done <- d.Run(ctx) }()
			}
			defer func() {
				cancel()
				for range servers {
					<-done
				}
			}()
			db, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc, err := mailing.New(db.Mailing(), mailing.Config{})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				c, n, err := svc.CreateCampaign(context.Background(), mailing.Admin, "bench", "a benchmark message\nof two lines", "")
				if err != nil || n != benchMessages {
					b.Fatalf("CreateCampaign = %d, %v", n, err)
				}
				for _, d := range ds {
					d.Wake()
				}
				for {
					r, err := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
					if err != nil {
						b.Fatal(err)
					}
					if r.Pending == 0 {
						if r.Sent != benchMessages {
							b.Fatalf("report %+v", r)
						}
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "msgs/s")
			if total, _, bySender := sk.counts(); total != benchMessages*b.N {
				b.Fatalf("%d messages, want %d", total, benchMessages*b.N)
			} else {
				b.Logf("messages by server: %v", bySender)
			}
		})
	}
}

// The database goes away mid-campaign (the dispatcher's pool is closed
// under it, as when PostgreSQL stops): each worker stops at the first
// delivery it cannot record instead of sending the rest of its claimed
// batch, so the messages sent but unrecorded, sent again once the leases
// end, are at most one per worker. A dispatcher on a new pool finishes
// the campaign: no one is missed.
func TestPostgresMailingDatabaseOutage(t *testing.T) {
	const n, workers, batch = 600, 4, 8
	dsn := pgtest.DSN(t)
	sk := newSink(t)
	emails := subscribeMany(t, dsn, n)
	ctx := context.Background()

	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	svc, err := mailing.New(db.Mailing(), mailing.Config{})
	require.NoError(t, err)
	c, _, err := svc.CreateCampaign(ctx, mailing.Admin, "outage", "body", "")
	require.NoError(t, err)

	var once sync.Once
	sk.setOnMessage(func(_ string, _, total int) {
		if total >= 20 {
			once.Do(func() { db.Close() }) // before the 20th message is acknowledged
		}
	})
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: sk.addr, TLS: transport.TLSOff, Timeout: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	stopped := make(chan struct{})
	logs := mailingtest.NewClaimFailures(workers, stopped)
	d, err := mailing.NewDispatcher(db.Mailing(), mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: tr}, Workers: workers, Batch: batch,
		Lease: time.Minute, SendTimeout: 10 * time.Second, Poll: time.Millisecond, Logger: slog.New(logs),
	})
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- d.Run(runCtx) }()
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		t.Fatal("the workers never failed to claim after the pool closed")
	}
	cancel()
	require.NoError(t, <-ran)
	before, _, _ := sk.counts()

	db2, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db2.Close() })
	r, err := db2.Mailing().CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	t.Logf("pool closed: %d messages received, %d recorded sent", before, r.Sent)
	require.Positive(t, r.Pending, "the campaign finished before the outage; nothing was tested")
	assert.LessOrEqual(t, before-r.Sent, workers, "messages sent but not recorded")

	// The new dispatcher's clock is past the first one's leases.
	d2, err := mailing.NewDispatcher(db2.Mailing(), mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: tr}, Workers: workers, Poll: time.Millisecond,
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) },
	})
	require.NoError(t, err)
	runCtx, cancel = context.WithCancel(ctx)
	go func() { ran <- d2.Run(runCtx) }()
	r = waitDone(t, dsn, c.ID)
	cancel()
	require.NoError(t, <-ran)
	assert.Equal(t, n, r.Sent)
	total, byRcpt, _ := sk.counts()
	missing := 0
	for _, e := range emails {
		if byRcpt[e] == 0 {
			missing++
		}
	}
	t.Logf("%d messages for %d recipients: %d missing, %d duplicates", total, n, missing, total-n)
	assert.Zero(t, missing)
	assert.LessOrEqual(t, total-n, workers, "duplicates")
}
