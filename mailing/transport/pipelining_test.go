package transport_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
)

// wireServer is an SMTP server on loopback written against the wire, to
// see how the client orders its commands. With advertise it offers
// PIPELINING; with hold it answers MAIL and RCPT only once DATA has come
// (RFC 2920 lets a server hold its replies until then): a client that
// waits for each reply before its next command gets no answer. RCPT to an address
// starting with "refused" is answered 550, and DATA after a refused
// envelope 554.
type wireServer struct {
	addr            string
	advertise, hold bool

	mu       sync.Mutex
	conns    int
	commands []string
	messages int
	last     []byte // the data of the last message, dot-unstuffed
}

func newWireServer(t *testing.T, advertise, hold bool) *wireServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &wireServer{addr: l.Addr().String(), advertise: advertise, hold: hold}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			wg.Go(func() { s.serve(c) })
		}
	})
	return s
}

func (s *wireServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		return w.Flush() == nil
	}
	if !reply("220 wire ESMTP") {
		return
	}
	var held []string // replies held until DATA
	refused := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		s.mu.Unlock()
		var out string
		switch {
		case verb == "EHLO":
			if s.advertise {
				reply("250-wire", "250-PIPELINING", "250 8BITMIME")
			} else {
				reply("250-wire", "250 8BITMIME")
			}
			continue
		case verb == "MAIL":
			out = "250 2.1.0 ok"
		case verb == "RCPT" && strings.HasPrefix(strings.ToUpper(cmd), "RCPT TO:<REFUSED"):
			out, refused = "550 5.1.1 no such user", true
		case verb == "RCPT":
			out = "250 2.1.5 ok"
		case verb == "DATA" && refused:
			held = append(held, "554 5.5.1 no valid recipients")
			if !reply(held...) {
				return
			}
			held, refused = nil, false
			continue
		case verb == "DATA":
			held = append(held, "354 go ahead")
			if !reply(held...) {
				return
			}
			held = nil
			var data []byte
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data = append(data, strings.TrimPrefix(l, ".")...)
			}
			s.mu.Lock()
			s.messages++
			s.last = data
			s.mu.Unlock()
			if !reply("250 2.0.0 queued") {
				return
			}
			continue
		case verb == "RSET":
			held, refused = nil, false
			out = "250 2.0.0 reset"
		case verb == "QUIT":
			reply("221 bye")
			return
		default:
			out = "502 5.5.2 not implemented"
		}
		if s.hold && (verb == "MAIL" || verb == "RCPT") {
			held = append(held, out)
			continue
		}
		if !reply(out) {
			return
		}
	}
}

func (s *wireServer) snapshot() (conns int, commands []string, messages int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, append([]string(nil), s.commands...), s.messages
}

// sendThree sends a message, one to a refused address, and another,
// returning the second's error.
func sendThree(t *testing.T, tr *transport.SMTP) error {
	t.Helper()
	m := func(to string) mailing.Message {
		return mailing.Message{MessageID: "m@localhost", From: "news@example.com", ReturnPath: "bounces@example.com", To: to, Subject: "s", Text: "body\n"}
	}
	ctx := context.Background()
	require.NoError(t, tr.Send(ctx, m("a@example.com")))
	refused := tr.Send(ctx, m("refused@example.com"))
	require.NoError(t, tr.Send(ctx, m("b@example.com")))
	return refused
}

// A server that offers PIPELINING gets MAIL, RCPT and DATA before it
// answers any of them; a refused recipient is a permanent failure with the
// server's reply, and the connection stays in step for the next message.
func TestSMTPPipelining(t *testing.T) {
	srv := newWireServer(t, true, true)
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.addr, TLS: transport.TLSOff, Timeout: 5 * time.Second,
		Timeouts: transport.Timeouts{Mail: 2 * time.Second, Rcpt: 2 * time.Second, DataInit: 2 * time.Second}})
	require.NoError(t, err)
	defer tr.Close()
	refused := sendThree(t, tr)
	require.Error(t, refused)
	assert.True(t, mailing.IsPermanent(refused), "permanent: %v", refused)
	assert.Contains(t, refused.Error(), `550 "5.1.1 no such user"`)
	conns, cmds, msgs := srv.snapshot()
	assert.Equal(t, 1, conns, "one connection for all three")
	assert.Equal(t, 2, msgs)
	assert.Equal(t, []string{
		"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<a@example.com>", "DATA",
		"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<refused@example.com>", "DATA", "RSET",
		"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<b@example.com>", "DATA",
	}, cmds[1:], "after EHLO")
}

// A server that does not offer PIPELINING, and one that does when the
// transport is told not to use it, get one command at a time: the same
// messages, the same refusal, one connection.
func TestSMTPWithoutPipelining(t *testing.T) {
	for _, tc := range []struct {
		name         string
		offered, off bool
	}{{"not offered", false, false}, {"turned off", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newWireServer(t, tc.offered, false)
			tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.addr, TLS: transport.TLSOff, Timeout: 5 * time.Second, NoPipelining: tc.off})
			require.NoError(t, err)
			defer tr.Close()
			refused := sendThree(t, tr)
			require.Error(t, refused)
			assert.True(t, mailing.IsPermanent(refused))
			assert.Contains(t, refused.Error(), `550 "5.1.1 no such user"`)
			conns, cmds, msgs := srv.snapshot()
			assert.Equal(t, 1, conns)
			assert.Equal(t, 2, msgs)
			assert.Equal(t, []string{
				"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<a@example.com>", "DATA",
				"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<refused@example.com>", "RSET",
				"MAIL FROM:<bounces@example.com> BODY=8BITMIME", "RCPT TO:<b@example.com>", "DATA",
			}, cmds[1:])
		})
	}
}

// The pipelining test's server really stalls a client that waits for
// each reply: without PIPELINING in use, the send times out.
func TestWireServerHoldsReplies(t *testing.T) {
	srv := newWireServer(t, true, true)
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.addr, TLS: transport.TLSOff, Timeout: 5 * time.Second, NoPipelining: true,
		Timeouts: transport.Timeouts{Mail: 200 * time.Millisecond}})
	require.NoError(t, err)
	defer tr.Close()
	err = tr.Send(context.Background(), mailing.Message{MessageID: "m@localhost", From: "news@example.com", To: "a@example.com", Subject: "s", Text: "body\n"})
	require.Error(t, err)
	assert.False(t, mailing.IsPermanent(err))
	assert.Contains(t, err.Error(), "MAIL FROM")
}

// A message larger than the connection's buffer arrives whole over a
// pipelining server: the data written while staging, the rest with the
// final dot, lines that start with a dot stuffed and unstuffed.
func TestSMTPPipeliningLargeMessage(t *testing.T) {
	srv := newWireServer(t, true, true)
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.addr, TLS: transport.TLSOff, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer tr.Close()
	var body strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&body, ".line %d of a long message, with a leading dot\n", i)
	}
	m := mailing.Message{MessageID: "big@localhost", From: "news@example.com", To: "a@example.com", Subject: "big", Text: body.String()}
	require.NoError(t, tr.Send(context.Background(), m))
	want, err := transport.Render(m)
	require.NoError(t, err)
	_, _, msgs := srv.snapshot()
	assert.Equal(t, 1, msgs)
	srv.mu.Lock()
	got := srv.last
	srv.mu.Unlock()
	assert.Greater(t, len(got), 200_000)
	// Date is rendered per message: compare from the line after it.
	cut := func(b []byte) string { return string(b[bytes.IndexByte(b, '\n')+1:]) }
	assert.Equal(t, cut(want.Data), cut(got))
}
