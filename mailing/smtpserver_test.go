package mailing_test

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// received is one message a test SMTP server accepted.
type received struct {
	From   string
	To     []string
	Header mail.Header
	Body   string
}

// smtpServer is an SMTP server on loopback that records what it accepts.
// rcpt, if set, may refuse a recipient: it gets the address and how many
// times that address was offered so far (1 for the first).
type smtpServer struct {
	Addr string

	rcpt func(to string, n int) error

	mu       sync.Mutex
	offered  map[string]int
	messages []received
	byID     map[string]int
	refusals int
	// onMessage, if set, is called (outside the lock) with the number of
	// messages accepted so far.
	onMessage func(n int)
}

func newSMTPServer(t testing.TB, rcpt func(to string, n int) error) *smtpServer {
	t.Helper()
	s := &smtpServer{rcpt: rcpt, offered: map[string]int{}, byID: map[string]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s}, nil
	}))
	srv.Domain = "localhost"
	// A killed client's reset connection is expected, not worth a line.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxRecipients = 10
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// setOnMessage sets onMessage.
func (s *smtpServer) setOnMessage(fn func(n int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// count returns the number of messages accepted.
func (s *smtpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages)
}

// snapshot returns the messages, how many times each Message-ID came, and
// the number of refused recipients.
func (s *smtpServer) snapshot() ([]received, map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make(map[string]int, len(s.byID))
	for k, v := range s.byID {
		ids[k] = v
	}
	return append([]received(nil), s.messages...), ids, s.refusals
}

type smtpSession struct {
	s    *smtpServer
	from string
	to   []string
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	s.offered[to]++
	n := s.offered[to]
	s.mu.Unlock()
	if s.rcpt != nil {
		if err := s.rcpt(to, n); err != nil {
			s.mu.Lock()
			s.refusals++
			s.mu.Unlock()
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message: " + err.Error()}
	}
	body, _ := io.ReadAll(msg.Body)
	s := ss.s
	s.mu.Lock()
	s.messages = append(s.messages, received{From: ss.from, To: ss.to, Header: msg.Header, Body: string(body)})
	s.byID[strings.Trim(msg.Header.Get("Message-Id"), "<>")]++
	n := len(s.messages)
	on := s.onMessage
	s.mu.Unlock()
	if on != nil {
		on(n)
	}
	return nil
}

// smtpReply is an SMTP error reply.
func smtpReply(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}
