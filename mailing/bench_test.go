package mailing_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
)

const benchMessages = 10_000

// benchCampaigns sends one 10,000-message campaign per iteration through
// a dispatcher with no rate limits, and reports messages a second (the
// campaign's creation, its snapshot of 10,000 delivery rows, included).
func benchCampaigns(b *testing.B, store mailing.Store, tr mailing.Transport, workers int) {
	svc := newService(b, store)
	subscribeAll(b, svc, benchMessages, "example.com", "naver.com", "example.co.kr")
	d, err := mailing.NewDispatcher(store, mailing.DispatcherConfig{Routing: mailing.SeedRouting(tr, tr), Workers: workers, Poll: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b.ResetTimer()
	for range b.N {
		c, n, err := svc.CreateCampaign(context.Background(), mailing.Admin, "bench", "a benchmark message\nof two lines", "")
		if err != nil || n != benchMessages {
			b.Fatalf("CreateCampaign = %d, %v", n, err)
		}
		d.Wake()
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
}

func BenchmarkDispatch(b *testing.B) {
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("sqlite/smtp/workers=%d", workers), func(b *testing.B) {
			srv := newSMTPServer(b, nil)
			benchCampaigns(b, openSQLite(b, "").Mailing(), smtpTransport(b, srv.Addr), workers)
		})
		b.Run(fmt.Sprintf("sqlite/dir/workers=%d", workers), func(b *testing.B) {
			w, err := transport.NewDirWriter(filepath.Join(b.TempDir(), "out"))
			if err != nil {
				b.Fatal(err)
			}
			benchCampaigns(b, openSQLite(b, "").Mailing(), w, workers)
		})
	}
	b.Run("memory/smtp/workers=4", func(b *testing.B) {
		srv := newSMTPServer(b, nil)
		benchCampaigns(b, memory.New().Mailing(), smtpTransport(b, srv.Addr), 4)
	})
}

// BenchmarkDispatchVsBare compares, in one run and against one go-smtp
// server on loopback, a campaign sent by a Dispatcher of W workers on a
// SQLite outbox with the same messages sent by a bare loop: W goroutines
// each with one kept SMTP connection, the messages rendered beforehand
// by the transport's own builder, no database. Each iteration sends the
// campaign four times, dispatcher, bare, bare, dispatcher, so that a
// change of load on the machine hits both alike. It reports the
// messages a second of each and their ratio (dispatcher/bare); the
// dispatcher's time runs from the campaign's creation (its snapshot of
// the delivery rows included) to the last outcome recorded.
func BenchmarkDispatchVsBare(b *testing.B) {
	for _, n := range []int{2_000, 10_000} {
		for _, workers := range []int{4, 16} {
			b.Run(fmt.Sprintf("msgs=%d/workers=%d", n, workers), func(b *testing.B) {
				benchVsBare(b, n, workers, benchShort)
			})
		}
	}
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("newsletter/msgs=10000/workers=%d", workers), func(b *testing.B) {
			benchVsBare(b, 10_000, workers, benchNewsletter)
		})
	}
}

// benchBody is a campaign's text and HTML.
type benchBody struct{ text, html string }

// The benchmarks' campaigns: two short lines, and a newsletter of some
// 4 KB of text with its HTML (Korean and English paragraphs).
var (
	benchShort      = benchBody{text: "a benchmark message\nof two lines"}
	benchNewsletter = func() benchBody {
		para := "한옥 소식 12월호: 이번 달에는 전통 가옥의 겨울나기와 온돌 이야기를 전해 드립니다. " +
			"The December issue: how a hanok keeps warm in winter, the ondol floor, and the open house on the 14th."
		var text, html strings.Builder
		html.WriteString("<!doctype html><html><body><h1>한옥 소식 12월호</h1>\n")
		for i := range 16 {
			fmt.Fprintf(&text, "%d. %s\n\n", i+1, para)
			fmt.Fprintf(&html, "<p style=\"margin:0 0 1em;font-family:sans-serif\">%d. %s</p>\n", i+1, para)
		}
		html.WriteString("</body></html>")
		return benchBody{text: text.String(), html: html.String()}
	}()
)

func benchVsBare(b *testing.B, n, workers int, body benchBody) {

	srv := newSMTPServer(b, nil)
	srv.setDiscard()
	store := openSQLite(b, "").Mailing()
	svc := newService(b, store)
	subscribeAll(b, svc, n, "example.com", "naver.com", "example.co.kr")

	var recorded atomic.Int64
	var target atomic.Int64
	done := make(chan struct{}, 1)
	d, err := mailing.NewDispatcher(store, mailing.DispatcherConfig{
		// The default poll: an idle worker is woken by Wake, and does
		// not claim in a loop while the bare loop runs.
		Routing: mailing.SeedRouting(smtpTransport(b, srv.Addr), smtpTransport(b, srv.Addr)), Workers: workers,
		OnOutcome: func(o mailing.Outcome) {
			if o.Status != mailing.DeliverySent {
				b.Errorf("outcome %+v", o)
			}
			if recorded.Add(1) == target.Load() {
				done <- struct{}{}
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- d.Run(ctx) }()
	defer func() { cancel(); <-stopped }()

	// The bare loop's messages: what the dispatcher renders for this
	// campaign's deliveries, as bytes on the wire.
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "bench", body.text, body.html)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CancelCampaign(context.Background(), mailing.Admin, c.ID); err != nil {
		b.Fatal(err)
	}
	subs, err := store.Subscribers(context.Background(), mailing.SubscriberQuery{})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]bareMessage, len(subs))
	for i, s := range subs {
		m := mailing.DispatcherMessage(d, c, mailing.Delivery{Campaign: c.ID, Subscriber: s.ID, Email: s.Email, Name: s.Name, Token: s.Token})
		msgs[i] = renderBare(b, m)
	}
	clients := make([]*gosmtp.Client, workers)
	for i := range clients {
		if clients[i], err = gosmtp.Dial(srv.Addr); err != nil {
			b.Fatal(err)
		}
		if err := clients[i].Hello("localhost"); err != nil {
			b.Fatal(err)
		}
		defer clients[i].Close()
	}

	// The pipelining bare loop's connections: raw, after EHLO.
	piped := make([]*pipedConn, workers)
	for i := range piped {
		if piped[i], err = dialPiped(srv.Addr); err != nil {
			b.Fatal(err)
		}
		defer piped[i].Close()
	}

	dispatch := func() time.Duration {
		recorded.Store(0)
		target.Store(int64(n))
		start := time.Now()
		if _, k, err := svc.CreateCampaign(context.Background(), mailing.Admin, "bench", body.text, body.html); err != nil || k != n {
			b.Fatalf("CreateCampaign = %d, %v", k, err)
		}
		d.Wake()
		<-done
		took := time.Since(start)
		// The last outcomes recorded, the workers fold the SQLite
		// store's mailing_sent rows into mailing_deliveries (at most
		// the last thousand or so, a few milliseconds): let them before
		// the next loop starts. That CPU counts as the dispatcher's.
		time.Sleep(50 * time.Millisecond)
		return took
	}
	// loop sends every message with workers goroutines, each sending
	// over its connection with send(worker, message).
	loop := func(send func(w int, m bareMessage) error) time.Duration {
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(msgs) {
						return
					}
					if err := send(w, msgs[i]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	bare := func() time.Duration { return loop(func(w int, m bareMessage) error { return m.send(clients[w]) }) }
	pipelined := func() time.Duration { return loop(func(w int, m bareMessage) error { return piped[w].send(m) }) }
	var dt, bt, pt, dc, bc, pc time.Duration
	timed := func(f func() time.Duration, wall, cpu *time.Duration) {
		c0 := cpuTime()
		*wall += f()
		*cpu += cpuTime() - c0
	}
	b.ResetTimer()
	for range b.N {
		timed(dispatch, &dt, &dc)
		timed(bare, &bt, &bc)
		timed(pipelined, &pt, &pc)
		timed(pipelined, &pt, &pc)
		timed(bare, &bt, &bc)
		timed(dispatch, &dt, &dc)
	}
	b.StopTimer()
	sent := float64(2 * n * b.N)
	dRate, bRate, pRate := sent/dt.Seconds(), sent/bt.Seconds(), sent/pt.Seconds()
	b.ReportMetric(dRate, "dispatch-msgs/s")
	b.ReportMetric(bRate, "bare-msgs/s")
	b.ReportMetric(pRate, "piped-msgs/s")
	b.ReportMetric(dRate/bRate, "ratio")
	b.ReportMetric(dRate/pRate, "ratio-piped")
	b.ReportMetric(float64(dc.Microseconds())/sent, "dispatch-cpu-µs/msg")
	b.ReportMetric(float64(bc.Microseconds())/sent, "bare-cpu-µs/msg")
	b.ReportMetric(float64(pc.Microseconds())/sent, "piped-cpu-µs/msg")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bareMessage is one message as the bare loop sends it.
type bareMessage struct {
	from string
	to   []string
	data []byte
}

// renderBare renders m as the SMTP transport does.
func renderBare(b testing.TB, m mailing.Message) bareMessage {
	r, err := transport.Render(m)
	if err != nil {
		b.Fatal(err)
	}
	// go-smtp adds the angle brackets of its own.
	bare := func(a string) string { return strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">") }
	return bareMessage{from: bare(r.From), to: []string{bare(r.To)}, data: r.Data}
}

// send sends the message over c: MAIL, RCPT, DATA.
func (m bareMessage) send(c *gosmtp.Client) error {
	if err := c.Mail(m.from, nil); err != nil {
		return err
	}
	for _, to := range m.to {
		if err := c.Rcpt(to, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.data); err != nil {
		return err
	}
	return w.Close()
}

// pipedConn is the pipelining bare loop's connection: a raw SMTP client
// that sends MAIL, RCPT and DATA in one write (RFC 2920), as the
// transport does with a server that offers PIPELINING, and then the data
// and the final dot in another.
type pipedConn struct {
	c net.Conn
	w *bufio.Writer
	r *textproto.Reader
}

func dialPiped(addr string) (*pipedConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &pipedConn{c: c, w: bufio.NewWriter(c), r: textproto.NewReader(bufio.NewReader(c))}
	if _, _, err := p.r.ReadResponse(220); err != nil {
		c.Close()
		return nil, err
	}
	p.w.WriteString("EHLO localhost\r\n")
	if err := p.w.Flush(); err != nil {
		c.Close()
		return nil, err
	}
	if _, msg, err := p.r.ReadResponse(250); err != nil || !strings.Contains(msg, "PIPELINING") {
		c.Close()
		return nil, fmt.Errorf("EHLO: %q, %v", msg, err)
	}
	return p, nil
}

func (p *pipedConn) Close() error { return p.c.Close() }

// send sends m: the envelope and DATA, their replies, then the data
// (dot-stuffed) with the final dot, and its reply.
func (p *pipedConn) send(m bareMessage) error {
	p.w.WriteString("MAIL FROM:<" + m.from + "> BODY=8BITMIME\r\n")
	for _, to := range m.to {
		p.w.WriteString("RCPT TO:<" + to + ">\r\n")
	}
	p.w.WriteString("DATA\r\n")
	if err := p.w.Flush(); err != nil {
		return err
	}
	if _, _, err := p.r.ReadResponse(250); err != nil {
		return err
	}
	for range m.to {
		if _, _, err := p.r.ReadResponse(25); err != nil {
			return err
		}
	}
	if _, _, err := p.r.ReadResponse(354); err != nil {
		return err
	}
	dw := textproto.NewWriter(p.w).DotWriter()
	if _, err := dw.Write(m.data); err != nil {
		return err
	}
	if err := dw.Close(); err != nil {
		return err
	}
	_, _, err := p.r.ReadResponse(250)
	return err
}
