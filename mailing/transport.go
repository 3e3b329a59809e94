package mailing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail as a Transport sends it.
type Message struct {
	// MessageID is the Message-ID without angle brackets, derived from
	// (campaign, subscriber): a resend after a crash carries the same one.
	MessageID  string
	Campaign   CampaignID
	Subscriber SubscriberID
	From       string
	To         string
	Subject    string
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

// Build renders m as a go-mail message: From, To, Subject, Message-ID,
// List-Unsubscribe and List-Unsubscribe-Post, and a text body with an
// optional HTML alternative.
func (m Message) Build() (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, Permanent(fmt.Errorf("from %q: %w", m.From, err))
	}
	if err := msg.To(m.To); err != nil {
		return nil, Permanent(fmt.Errorf("to %q: %w", m.To, err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	if m.UnsubscribeURL != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.UnsubscribeURL+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// WriteTo writes m in RFC 5322 form.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	msg, err := m.Build()
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
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

// DirWriter is a Transport that writes each message as an .eml file into
// a directory (the example server's default: mail to files). The file is
// named after the campaign and subscriber, so a resent message replaces
// its file instead of adding a second one.
type DirWriter struct {
	dir     string
	created atomic.Bool
}

// NewDirWriter returns a DirWriter on dir. The directory is created with
// the first message; a file in its place is an error now.
func NewDirWriter(dir string) (*DirWriter, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("mailing: mail directory %s: not a directory", dir)
	}
	return &DirWriter{dir: dir}, nil
}

// Dir returns the directory written to.
func (w *DirWriter) Dir() string { return w.dir }

// Send implements Transport: it writes the message to a temporary file
// and renames it into place, so a reader never sees half a message.
func (w *DirWriter) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !w.created.Load() {
		if err := os.MkdirAll(w.dir, 0o700); err != nil {
			return fmt.Errorf("mail directory: %w", err)
		}
		w.created.Store(true)
	}
	name := fmt.Sprintf("c%d-s%d.eml", m.Campaign, m.Subscriber)
	tmp, err := os.CreateTemp(w.dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(w.dir, name))
}

// HTTPAPI is the original service's mail API as a Transport: a POST of
// mailto, subject and content to URL, as a form (v1) or as JSON (v2),
// with an Authorization header. A 2xx answer is success; 429 and 5xx are
// temporary failures, other 4xx permanent.
type HTTPAPI struct {
	URL           string
	JSON          bool
	Authorization string
	// Client defaults to a client with a 30-second timeout.
	Client *http.Client
}

var defaultAPIClient = &http.Client{Timeout: 30e9}

// Send implements Transport.
func (a *HTTPAPI) Send(ctx context.Context, m Message) error {
	var body []byte
	var ctype string
	if a.JSON {
		body, _ = json.Marshal(map[string]string{"mailto": m.To, "subject": m.Subject, "content": m.Text})
		ctype = "application/json"
	} else {
		body = []byte(url.Values{"mailto": {m.To}, "subject": {m.Subject}, "content": {m.Text}}.Encode())
		ctype = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", ctype)
	if a.Authorization != "" {
		req.Header.Set("Authorization", a.Authorization)
	}
	client := a.Client
	if client == nil {
		client = defaultAPIClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Temporary(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("mail API answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return Temporary(err)
	}
	return Permanent(err)
}
