package mailing

import (
	"context"
	"errors"
	"html"
	"strings"
	"time"
)

// Message is one mail as a Transport sends it.
type Message struct {
	// MessageID is the Message-ID without angle brackets, derived from
	// (campaign, subscriber): a resend after a crash carries the same one.
	MessageID string
	Campaign  CampaignID
	// CampaignCreated is when the campaign was created: with Campaign
	// and Subscriber, it names the message apart from those of other
	// databases (DirWriter's file names).
	CampaignCreated time.Time
	Subscriber      SubscriberID
	// From is the From: header, an address with an optional display
	// name ("hanok <news@example.com>").
	From string
	// ReplyTo, if set, is the Reply-To: header, in the form of From.
	ReplyTo string
	// ReturnPath is the envelope sender (SMTP MAIL FROM), the address
	// bounces go to; empty means From's address.
	ReturnPath string
	// To is the recipient's address and ToName the display name of its
	// To: header (may be empty).
	To      string
	ToName  string
	Subject string
	// Text and HTML are the bodies with the unsubscribe link added.
	Text string
	HTML string
	// UnsubscribeURL is the one-click unsubscribe link (List-Unsubscribe).
	UnsubscribeURL string
}

// Transport sends messages. Send must be safe for concurrent use. Its
// error says whether a retry may succeed: wrap it with Permanent when it
// cannot (an SMTP 5xx reply, an HTTP 4xx); any other error is temporary.
type Transport interface {
	Send(ctx context.Context, m Message) error
}

// StagedTransport is a Transport that can send a message in two steps,
// so that a Dispatcher's worker transfers its next message before it may
// deliver it (see Dispatcher.Run: no more messages delivered and not
// recorded than there are workers): Stage transfers all of the message
// that does not yet deliver it (SMTP: the envelope and the data, not the
// final dot), and Staged.Commit delivers it. A staged message is not
// delivered if its sender dies, or calls Abort, before Commit (an SMTP
// server discards a transaction whose connection ends before the final
// dot, RFC 5321 §4.1.1.4).
type StagedTransport interface {
	Transport
	// Stage transfers m short of delivering it. Its error is classed as
	// Send's, and leaves nothing to commit or abort.
	Stage(ctx context.Context, m Message) (Staged, error)
}

// Staged is a message a StagedTransport has transferred and not yet
// delivered. Exactly one of Commit, CommitNext and Abort must be called,
// within the context Stage was given.
type Staged interface {
	// Commit delivers the message; its error is classed as Send's.
	Commit() error
	// CommitNext delivers the message as Commit does, and stages next
	// as the transport's Stage does, with ctx, in the same exchange
	// where the transport can (SMTP with PIPELINING, RFC 2920: the final
	// dot and the next MAIL, RCPT and DATA in one write), so that a
	// stream of messages costs one round trip each. It calls committed
	// with the commit's error, classed as Send's, once, as soon as it is
	// known, and before it returns next's Staged or stage error.
	CommitNext(ctx context.Context, next Message, committed func(error)) (Staged, error)
	// Abort drops the message undelivered.
	Abort()
}

// SendError is a Transport's error with its class.
type SendError struct {
	// Permanent errors are not retried.
	Permanent bool
	Err       error
}

// Error implements error.
func (e *SendError) Error() string {
	if e.Permanent {
		return "permanent: " + e.Err.Error()
	}
	return "temporary: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *SendError) Unwrap() error { return e.Err }

// Permanent marks err as a failure a retry cannot fix.
func Permanent(err error) error { return &SendError{Permanent: true, Err: err} }

// Temporary marks err as a failure a retry may fix.
func Temporary(err error) error { return &SendError{Err: err} }

// IsPermanent reports whether err is marked permanent. Unmarked errors
// (network errors, timeouts) are temporary.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// textWithLink and htmlWithLink add the unsubscribe link to the bodies.
func textWithLink(text, link string) string {
	return strings.TrimRight(text, "\r\n") + "\n\n-- \nUnsubscribe: " + link + "\n"
}

func htmlWithLink(body, link string) string {
	if body == "" {
		return ""
	}
	return body + "\n<p style=\"font-size:small\"><a href=\"" + html.EscapeString(link) + "\">Unsubscribe</a></p>\n"
}

// Routing sends each recipient domain through its transport.
type Routing struct {
	// Default carries every domain not in Domains.
	Default Transport
	// Domains maps a lower-case domain to its transport.
	Domains map[string]Transport
}

// SeedRouting is the original service's v2 routing: naver.com, google.com
// and gmail.com go through second, every other domain through first.
func SeedRouting(first, second Transport) Routing {
	return Routing{Default: first, Domains: map[string]Transport{
		"naver.com": second, "google.com": second, "gmail.com": second,
	}}
}

// Transport returns the transport of an address's domain.
func (r Routing) Transport(email string) Transport {
	if t, ok := r.Domains[Domain(email)]; ok && t != nil {
		return t
	}
	return r.Default
}
