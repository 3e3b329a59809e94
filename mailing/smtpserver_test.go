package mailing_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// received is one message a test SMTP server accepted.
type received struct {
	From   string
	To     []string
	Header mail.Header
	Body   string
	// TLS says whether the connection was encrypted (STARTTLS).
	TLS bool
	// User and Mech are who authenticated and with which mechanism.
	User, Mech string
	// Raw is the message as received.
	Raw []byte
}

// smtpServer is an SMTP server on loopback that records what it accepts.
// rcpt, if set, may refuse a recipient: it gets the address and how many
// times that address was offered so far (1 for the first).
type smtpServer struct {
	Addr string

	rcpt func(to string, n int) error
	auth *smtpAuth

	mu       sync.Mutex
	sessions int
	offered  map[string]int
	messages []received
	byID     map[string]int
	refusals int
	// onMessage, if set, is called (outside the lock) with the number of
	// messages accepted so far.
	onMessage func(n int)
	// discard, if set, makes the server parse each message and count it
	// without keeping it (benchmarks of many messages).
	discard  bool
	accepted int
}

func newSMTPServer(t testing.TB, rcpt func(to string, n int) error) *smtpServer {
	t.Helper()
	return newSMTPServerTLS(t, rcpt, nil)
}

// newSMTPServerTLS is newSMTPServer offering STARTTLS with tlsConfig (if
// not nil).
func newSMTPServerTLS(t testing.TB, rcpt func(to string, n int) error, tlsConfig *tls.Config) *smtpServer {
	t.Helper()
	return newSMTPServerAuth(t, rcpt, tlsConfig, nil)
}

// smtpAuth is the authentication a test server requires: one of mechs
// ("PLAIN", "LOGIN"), over TLS only, before MAIL.
type smtpAuth struct {
	user, password string
	mechs          []string
}

// newSMTPServerAuth is newSMTPServerTLS requiring auth (if not nil).
func newSMTPServerAuth(t testing.TB, rcpt func(to string, n int) error, tlsConfig *tls.Config, auth *smtpAuth) *smtpServer {
	t.Helper()
	s := &smtpServer{rcpt: rcpt, offered: map[string]int{}, byID: map[string]int{}, auth: auth}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &smtpSession{s: s, conn: c}, nil
	}))
	srv.TLSConfig = tlsConfig
	srv.Domain = "localhost"
	// A killed client's reset connection is expected, not worth a line.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = auth == nil
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxRecipients = 10
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
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

// connections returns the number of SMTP sessions opened.
func (s *smtpServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// count returns the number of messages accepted.
func (s *smtpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// setDiscard makes the server keep no message it accepts, only count it.
func (s *smtpServer) setDiscard() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discard = true
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
	conn *smtp.Conn
	from string
	to   []string
	// user is who authenticated, and how.
	user, mech string
}

// AuthMechanisms implements smtp.AuthSession.
func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.auth == nil {
		return nil
	}
	return ss.s.auth.mechs
}

// Auth implements smtp.AuthSession: PLAIN, or LOGIN (RFC draft
// "Username:"/"Password:" challenges).
func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	a := ss.s.auth
	if a == nil || !slices.Contains(a.mechs, mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(user, password string) error {
		if user != a.user || password != a.password {
			return smtp.ErrAuthFailed
		}
		ss.user, ss.mech = user, mech
		return nil
	}
	if mech == sasl.Plain {
		return sasl.NewPlainServer(func(identity, user, password string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, password)
		}), nil
	}
	return &loginServer{check: check}, nil
}

// loginServer is the server side of AUTH LOGIN.
type loginServer struct {
	step  int
	user  string
	check func(user, password string) error
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step++
		if response == nil {
			return []byte("Username:"), false, nil
		}
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.auth != nil && ss.user == "" {
		return smtp.ErrAuthRequired
	}
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
	_, tlsOn := ss.conn.TLSConnectionState()
	s.accepted++
	if !s.discard {
		s.messages = append(s.messages, received{From: ss.from, To: ss.to, Header: msg.Header, Body: string(body), TLS: tlsOn, User: ss.user, Mech: ss.mech, Raw: data})
		s.byID[strings.Trim(msg.Header.Get("Message-Id"), "<>")]++
	}
	n := s.accepted
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

// selfSigned returns a server TLS config for 127.0.0.1 and a client
// config that trusts it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
