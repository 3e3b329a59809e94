package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/hanok-dev/hanok/mailing"
)

// TLSMode says how the SMTP transport uses STARTTLS.
type TLSMode string

// The TLS modes.
const (
	// TLSOpportunistic uses STARTTLS when the server offers it (default).
	TLSOpportunistic TLSMode = "opportunistic"
	// TLSMandatory refuses a server that does not offer STARTTLS.
	TLSMandatory TLSMode = "mandatory"
	// TLSOff never uses STARTTLS.
	TLSOff TLSMode = "off"
)

// ParseTLSMode reads "opportunistic", "mandatory" or "off".
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case TLSOpportunistic, TLSMandatory, TLSOff:
		return m, nil
	case "":
		return TLSOpportunistic, nil
	}
	return "", fmt.Errorf("TLS mode %q: want opportunistic, mandatory or off", s)
}

// SMTPConfig configures an SMTP transport.
type SMTPConfig struct {
	// Addr is the server's host:port.
	Addr string
	// Username and Password, if Username is set, authenticate with the
	// best mechanism the server offers (PLAIN or LOGIN need TLS).
	Username string
	Password string
	// TLS is the STARTTLS policy (default opportunistic).
	TLS TLSMode
	// TLSConfig overrides the TLS settings (default: verify the host).
	TLSConfig *tls.Config
	// Timeout bounds the dial and every command (default 30s).
	Timeout time.Duration
	// HELO is the name sent in EHLO (default "localhost").
	HELO string
}

// SMTP is a Transport that delivers through one SMTP server with
// github.com/wneessen/go-mail. Connections are kept open and reused: a
// worker takes an idle one (or dials), sends, and gives it back, so each
// worker of a Dispatcher keeps one connection. A reply of 4xx is a
// temporary failure, 5xx permanent; a network error temporary.
type SMTP struct {
	client *gomail.Client

	mu     sync.Mutex
	idle   []*idleConn
	closed bool
}

type idleConn struct {
	c    *smtp.Client
	used time.Time
}

// checkAfter is how long a connection may sit idle before it is checked
// with NOOP before use.
const checkAfter = 5 * time.Second

// NewSMTP returns an SMTP transport. It does not connect yet.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("transport: smtp address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("transport: smtp address %q: bad port", cfg.Addr)
	}
	mode, err := ParseTLSMode(string(cfg.TLS))
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HELO == "" {
		cfg.HELO = "localhost"
	}
	policy := map[TLSMode]gomail.TLSPolicy{TLSOpportunistic: gomail.TLSOpportunistic, TLSMandatory: gomail.TLSMandatory, TLSOff: gomail.NoTLS}[mode]
	opts := []gomail.Option{
		gomail.WithPort(port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(cfg.Timeout),
		gomail.WithHELO(cfg.HELO), gomail.WithoutNoop(), gomail.WithoutRset(),
	}
	if cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(cfg.TLSConfig))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("transport: smtp client: %w", err)
	}
	return &SMTP{client: client}, nil
}

// take returns an idle connection that still answers, or dials one.
func (s *SMTP) take(ctx context.Context) (*smtp.Client, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, errors.New("smtp transport closed")
		}
		var ic *idleConn
		if n := len(s.idle); n > 0 {
			ic = s.idle[n-1]
			s.idle = s.idle[:n-1]
		}
		s.mu.Unlock()
		if ic == nil {
			return s.client.DialToSMTPClientWithContext(ctx)
		}
		if time.Since(ic.used) < checkAfter || ic.c.Noop() == nil {
			return ic.c, nil
		}
		_ = ic.c.Close()
	}
}

// put gives a connection back for reuse.
func (s *SMTP) put(c *smtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = s.client.CloseWithSMTPClient(c)
		return
	}
	s.idle = append(s.idle, &idleConn{c: c, used: time.Now()})
}

// Send implements Transport.
func (s *SMTP) Send(ctx context.Context, m mailing.Message) error {
	msg, err := Build(m)
	if err != nil {
		return err
	}
	c, err := s.take(ctx)
	if err != nil {
		return mailing.Temporary(fmt.Errorf("smtp connect: %w", err))
	}
	// go-mail bounds each command by its timeout; a cancelled context
	// ends the exchange by closing the connection.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	err = s.client.SendWithSMTPClient(c, msg)
	cancelled := !stop()
	if err == nil {
		if cancelled {
			_ = c.Close()
		} else {
			s.put(c)
		}
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !cancelled && (se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPMailFrom) {
		// The server refused the envelope and go-mail sent RSET: the
		// connection is still good.
		if c.Reset() == nil {
			s.put(c)
		} else {
			_ = c.Close()
		}
	} else {
		_ = c.Close()
	}
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return mailing.Permanent(err)
		}
	}
	return mailing.Temporary(err)
}

// Close closes the idle connections; connections in use are closed when
// they come back.
func (s *SMTP) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	var errs []error
	for _, ic := range idle {
		if err := s.client.CloseWithSMTPClient(ic.c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
