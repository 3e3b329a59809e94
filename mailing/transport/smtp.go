package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
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
	// Timeout bounds the dial and each command before the mail
	// transaction: the greeting, EHLO, STARTTLS and AUTH (default 5
	// minutes, RFC 5321's for the initial 220 message).
	Timeout time.Duration
	// Timeouts bound the commands of the mail transaction; zero fields
	// take RFC 5321's values (§4.5.3.2).
	Timeouts Timeouts
	// HELO is the name sent in EHLO (default "localhost").
	HELO string
	// NoPipelining sends each command of the mail transaction on its
	// own and waits for its reply, even to a server that offers
	// PIPELINING (RFC 2920), for a server that offers it and mishandles
	// it.
	NoPipelining bool
}

// Timeouts are how long the client waits for the server at each step of a
// mail transaction (RFC 5321 §4.5.3.2). A server that is slow to answer
// the final dot has often accepted the message already: giving up on it
// early sends the message again later, so these are long on purpose.
type Timeouts struct {
	// Mail is the wait for the reply to MAIL FROM (default 5 minutes).
	Mail time.Duration
	// Rcpt is the wait for the reply to each RCPT TO (default 5 minutes).
	Rcpt time.Duration
	// DataInit is the wait for the 354 reply to DATA (default 2 minutes).
	DataInit time.Duration
	// DataBlock bounds the sending of each block of the message's data
	// (default 3 minutes).
	DataBlock time.Duration
	// DataTermination is the wait for the reply to the final "."
	// (default 10 minutes).
	DataTermination time.Duration
}

// RFC5321Timeouts are the timeouts RFC 5321 §4.5.3.2 recommends.
var RFC5321Timeouts = Timeouts{
	Mail: 5 * time.Minute, Rcpt: 5 * time.Minute, DataInit: 2 * time.Minute,
	DataBlock: 3 * time.Minute, DataTermination: 10 * time.Minute,
}

// withDefaults fills the zero fields of t with RFC 5321's values.
func (t Timeouts) withDefaults() Timeouts {
	def := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	d := RFC5321Timeouts
	def(&t.Mail, d.Mail)
	def(&t.Rcpt, d.Rcpt)
	def(&t.DataInit, d.DataInit)
	def(&t.DataBlock, d.DataBlock)
	def(&t.DataTermination, d.DataTermination)
	return t
}

// Total is the longest one message's transaction may take by these
// timeouts with blocks data blocks: what a Dispatcher's SendTimeout
// should allow at least.
func (t Timeouts) Total(blocks int) time.Duration {
	t = t.withDefaults()
	return t.Mail + t.Rcpt + t.DataInit + time.Duration(blocks)*t.DataBlock + t.DataTermination
}

// SMTP is a Transport that delivers through one SMTP server with
// github.com/wneessen/go-mail. Connections are kept open and reused: a
// worker takes an idle one (or dials), sends, and gives it back, so each
// worker of a Dispatcher keeps one connection. A server that offers
// PIPELINING (RFC 2920) gets MAIL, RCPT and DATA in one write. A reply of
// 4xx is a temporary failure, 5xx permanent; a network error temporary.
type SMTP struct {
	client     *gomail.Client
	timeout    time.Duration
	timeouts   Timeouts
	pipelining bool
	r          *renderer

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
		cfg.Timeout = 5 * time.Minute
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
	return &SMTP{client: client, timeout: cfg.Timeout, timeouts: cfg.Timeouts.withDefaults(), pipelining: !cfg.NoPipelining, r: newRenderer()}, nil
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
		if time.Since(ic.used) < checkAfter || (ic.c.UpdateDeadline(s.timeout) == nil && ic.c.Noop() == nil) {
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

// Send implements Transport. Each step of the transaction has its own
// timeout (see Timeouts).
func (s *SMTP) Send(ctx context.Context, m mailing.Message) error {
	st, err := s.Stage(ctx, m)
	if err != nil {
		return err
	}
	return st.Commit()
}

// Stage implements mailing.StagedTransport: it sends MAIL, RCPT, DATA and
// the message's data over a connection it keeps until Commit sends the
// final dot (or Abort closes it, which makes the server drop the
// message).
func (s *SMTP) Stage(ctx context.Context, m mailing.Message) (mailing.Staged, error) {
	msg, err := s.r.render(m)
	if err != nil {
		return nil, err
	}
	c, err := s.take(ctx)
	if err != nil {
		return nil, mailing.Temporary(fmt.Errorf("smtp connect: %w", err))
	}
	return s.stageOn(ctx, c, msg, nil)
}

// stageOn stages msg on c under ctx. dot, if not nil, says that c's
// buffer holds the final dot of the message before: it goes out with the
// envelope, and dot is called with its reply's error (nil for a 250),
// read before the envelope's, unless the connection fails first.
func (s *SMTP) stageOn(ctx context.Context, c *smtp.Client, msg Rendered, dot func(error)) (mailing.Staged, error) {
	// A cancelled context ends the exchange by closing the connection.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	w, reusable, err := s.stage(c, msg, dot)
	if err != nil {
		live := stop()
		s.done(c, reusable && live)
		return nil, sendError(err)
	}
	return &smtpStaged{s: s, c: c, w: w, stop: stop}, nil
}

// smtpStaged is a message staged on an SMTP connection: all sent but the
// final dot.
type smtpStaged struct {
	s    *SMTP
	c    *smtp.Client
	w    *dataWriter
	stop func() bool
}

// Commit implements mailing.Staged: it sends the final dot and waits for
// the server's reply.
func (st *smtpStaged) Commit() error {
	err := st.w.Close()
	live := st.stop()
	st.s.done(st.c, err == nil && live)
	if err != nil {
		return sendError(err)
	}
	return nil
}

// CommitNext implements mailing.Staged. To a server that offers
// PIPELINING, the final dot of this message and the envelope of next
// (MAIL, RCPT, DATA) go in one write, and their replies come back
// together; otherwise it commits, then stages next as Stage does.
func (st *smtpStaged) CommitNext(ctx context.Context, next mailing.Message, committed func(error)) (mailing.Staged, error) {
	s := st.s
	msg, rerr := s.r.render(next)
	if rerr == nil {
		rerr = checkEnvelope(msg)
	}
	if rerr != nil || !s.pipelined(st.c) {
		committed(st.Commit())
		if rerr != nil {
			return nil, rerr
		}
		return s.Stage(ctx, next)
	}
	if err := st.w.end(); err != nil {
		st.stop()
		_ = st.c.Close()
		committed(sendError(err))
		return nil, mailing.Temporary(err)
	}
	// This message's exchange ends with the reply to its dot, which
	// stage reads before the envelope's; the connection is next's, under
	// ctx, from the write on.
	st.stop()
	called := false
	staged, err := s.stageOn(ctx, st.c, msg, func(err error) {
		called = true
		if err != nil {
			err = sendError(err)
		}
		committed(err)
	})
	if !called {
		// The connection broke before the dot's reply came: whether the
		// server took the message is unknown, as when Commit fails so.
		committed(mailing.Temporary(fmt.Errorf("smtp final dot: %w", err)))
	}
	return staged, err
}

// Abort implements mailing.Staged: it closes the connection, and so ends
// the transaction before its final dot.
func (st *smtpStaged) Abort() {
	st.stop()
	_ = st.c.Close()
}

// done gives c back for reuse when reusable, else closes it.
func (s *SMTP) done(c *smtp.Client, reusable bool) {
	if reusable {
		s.put(c)
	} else {
		_ = c.Close()
	}
}

// sendError classes an error of the exchange: a 5xx reply is permanent,
// anything else temporary.
func sendError(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return mailing.Permanent(err)
	}
	return mailing.Temporary(err)
}

// step runs one command of the exchange over c under its timeout d.
func (s *SMTP) step(c *smtp.Client, d time.Duration, what string, fn func() error) error {
	if err := c.UpdateDeadline(d); err != nil {
		return fmt.Errorf("smtp %s: %w", what, err)
	}
	if err := fn(); err != nil {
		return fmt.Errorf("smtp %s: %w", what, err)
	}
	return nil
}

// pipelined reports whether the exchange over c pipelines (RFC 2920).
func (s *SMTP) pipelined(c *smtp.Client) bool {
	ok, _ := c.Extension("PIPELINING")
	return ok && s.pipelining
}

// checkEnvelope refuses an envelope address with a line break, which
// would end its command early.
func checkEnvelope(msg Rendered) error {
	for _, a := range []string{msg.From, msg.To} {
		if strings.ContainsAny(a, "\r\n") {
			return mailing.Permanent(fmt.Errorf("smtp: address %q holds a line break", a))
		}
	}
	return nil
}

// stage sends msg over c short of the final dot: MAIL, RCPT, DATA and the
// data, each under its timeout, and returns the data writer whose Close
// sends the dot. reusable says whether c may carry another message after
// err (the server refused the envelope and took the RSET). A server that
// offers PIPELINING (RFC 2920) gets the envelope and DATA in one write,
// and answers them in one round trip. dot is as stageOn's; it needs a
// server that offers PIPELINING.
func (s *SMTP) stage(c *smtp.Client, msg Rendered, dot func(error)) (w *dataWriter, reusable bool, err error) {
	t := s.timeouts
	from, rcpts := msg.From, []string{msg.To}
	refused := func(err error) (*dataWriter, bool, error) {
		// The server refused the envelope: after RSET the connection
		// is still good. After a timeout or a broken connection it is
		// not (a late reply would answer the next command).
		var te *textproto.Error
		if !errors.As(err, &te) {
			return nil, false, err
		}
		return nil, s.step(c, s.timeout, "RSET", c.Reset) == nil, err
	}
	if s.pipelined(c) {
		if err := s.envelopePipelined(c, msg, dot); err != nil {
			return refused(err)
		}
	} else {
		if err := s.step(c, t.Mail, "MAIL FROM", func() error { return c.Mail(from) }); err != nil {
			return refused(err)
		}
		for _, r := range rcpts {
			if err := s.step(c, t.Rcpt, "RCPT TO", func() error { return c.Rcpt(r) }); err != nil {
				return refused(err)
			}
		}
		// DATA without go-mail's data writer: the one writer below
		// serves both ways of sending the envelope.
		if err := s.step(c, t.DataInit, "DATA", func() error {
			if err := c.Text.PrintfLine("DATA"); err != nil {
				return err
			}
			_, _, err := c.Text.ReadResponse(354)
			return err
		}); err != nil {
			return nil, false, err
		}
	}
	w = s.dataWriter(c)
	for data := msg.Data; len(data) > 0; {
		n := min(len(data), dataBlock)
		if _, err := w.Write(data[:n]); err != nil {
			return nil, false, fmt.Errorf("smtp data: %w", err)
		}
		data = data[n:]
	}
	// The data has gone out but for the last part of it that the
	// connection's buffer holds: that goes with the final dot, in
	// Commit, so that a short message costs one write, not two.
	return w, true, nil
}

// envelopePipelined sends MAIL, RCPT and DATA in one write (RFC 2920),
// after what c's buffer holds (a final dot, when dot is not nil: see
// stageOn), and reads their replies, each under its timeout. Every reply is read, even after
// a refusal, so that the connection stays in step; the first refusal is
// the error (a *textproto.Error). Should the server take DATA although it
// refused the envelope, the empty message that follows ends the
// transaction.
func (s *SMTP) envelopePipelined(c *smtp.Client, msg Rendered, dot func(error)) error {
	t := s.timeouts
	if err := checkEnvelope(msg); err != nil {
		return err
	}
	from, rcpts := msg.From, []string{msg.To}
	mail := "MAIL FROM:" + from
	if ok, _ := c.Extension("8BITMIME"); ok {
		mail += " BODY=8BITMIME"
	}
	if ok, _ := c.Extension("SMTPUTF8"); ok {
		mail += " SMTPUTF8"
	}
	if err := c.UpdateDeadline(t.Mail); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	bw := c.Text.W
	bw.WriteString(mail + "\r\n")
	for _, r := range rcpts {
		bw.WriteString("RCPT TO:" + r + "\r\n")
	}
	bw.WriteString("DATA\r\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if dot != nil {
		if err := c.UpdateDeadline(t.DataTermination); err != nil {
			return fmt.Errorf("smtp final dot: %w", err)
		}
		_, _, err := c.Text.ReadResponse(250)
		var te *textproto.Error
		if err != nil && !errors.As(err, &te) {
			return fmt.Errorf("smtp final dot: %w", err)
		}
		if err != nil {
			err = fmt.Errorf("smtp final dot: %w", err)
		}
		dot(err)
	}
	var refusal error
	reply := func(d time.Duration, what string, code int) (ok bool, err error) {
		if err := c.UpdateDeadline(d); err != nil {
			return false, fmt.Errorf("smtp %s: %w", what, err)
		}
		_, _, err = c.Text.ReadResponse(code)
		var te *textproto.Error
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &te):
			if refusal == nil {
				refusal = fmt.Errorf("smtp %s: %w", what, err)
			}
			return false, nil
		}
		return false, fmt.Errorf("smtp %s: %w", what, err)
	}
	if _, err := reply(t.Mail, "MAIL FROM", 250); err != nil {
		return err
	}
	for range rcpts {
		if _, err := reply(t.Rcpt, "RCPT TO", 25); err != nil {
			return err
		}
	}
	data, err := reply(t.DataInit, "DATA", 354)
	if err != nil {
		return err
	}
	if data && refusal != nil {
		if err := s.dataWriter(c).Close(); err != nil {
			var te *textproto.Error
			if !errors.As(err, &te) {
				return err
			}
		}
	}
	return refusal
}

// dataWriter is a message's data writer after the 354 reply to DATA: it
// dot-stuffs the data (RFC 5321 §4.5.2) and ends lines with CRLF, into
// the connection's buffer. Each Write is a block of data under
// Timeouts.DataBlock; Close sends what the buffer holds of the data and
// the final dot under the same, and reads the server's reply under
// Timeouts.DataTermination.
type dataWriter struct {
	c           *smtp.Client
	dot         dotStuffer
	block, term time.Duration
}

// dataWriter returns the data writer of c after DATA.
func (s *SMTP) dataWriter(c *smtp.Client) *dataWriter {
	return &dataWriter{c: c, dot: dotStuffer{w: c.Text.W}, block: s.timeouts.DataBlock, term: s.timeouts.DataTermination}
}

func (d *dataWriter) Write(p []byte) (int, error) {
	if err := d.c.UpdateDeadline(d.block); err != nil {
		return 0, err
	}
	return d.dot.Write(p)
}

// end puts the end of the data, the final dot, in the connection's
// buffer, under Timeouts.DataBlock (the buffer may fill and be sent).
func (d *dataWriter) end() error {
	if err := d.c.UpdateDeadline(d.block); err != nil {
		return fmt.Errorf("smtp final dot: %w", err)
	}
	if err := d.dot.end(); err != nil {
		return fmt.Errorf("smtp final dot: %w", err)
	}
	return nil
}

func (d *dataWriter) Close() error {
	if err := d.end(); err != nil {
		return err
	}
	err := d.c.Text.W.Flush()
	if err == nil {
		err = d.c.UpdateDeadline(d.term)
	}
	if err == nil {
		_, _, err = d.c.Text.ReadResponse(250)
	}
	if err != nil {
		return fmt.Errorf("smtp final dot: %w", err)
	}
	return nil
}

// dataBlock is the size of the blocks the message's data is written in,
// each under Timeouts.DataBlock.
const dataBlock = 64 << 10

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
