// Package transport holds the mailing list's transports, the
// infrastructure a mailing.Dispatcher sends through: an SMTP client that
// keeps a connection per worker (SMTP), a directory of .eml files
// (DirWriter), and the original service's HTTP mail API (HTTPAPI). The
// mailing package keeps only the Transport interface.
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	gomail "github.com/wneessen/go-mail"

	"github.com/hanok-dev/hanok/mailing"
)

// Build renders the message m as a go-mail message: From, To, Subject, Message-ID,
// List-Unsubscribe and List-Unsubscribe-Post, and a text body with an
// optional HTML alternative.
func Build(m mailing.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, mailing.Permanent(fmt.Errorf("from %q: %w", m.From, err))
	}
	if err := msg.To(m.To); err != nil {
		return nil, mailing.Permanent(fmt.Errorf("to %q: %w", m.To, err))
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

// WriteMessage writes m to w in RFC 5322 form.
func WriteMessage(w io.Writer, m mailing.Message) (int64, error) {
	msg, err := Build(m)
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
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
		return nil, fmt.Errorf("transport: mail directory %s: not a directory", dir)
	}
	return &DirWriter{dir: dir}, nil
}

// Dir returns the directory written to.
func (w *DirWriter) Dir() string { return w.dir }

// Send implements Transport: it writes the message to a temporary file
// and renames it into place, so a reader never sees half a message.
func (w *DirWriter) Send(ctx context.Context, m mailing.Message) error {
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
	if _, err := WriteMessage(tmp, m); err != nil {
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
func (a *HTTPAPI) Send(ctx context.Context, m mailing.Message) error {
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
		return mailing.Permanent(err)
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
		return mailing.Temporary(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("mail API answered %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return mailing.Temporary(err)
	}
	return mailing.Permanent(err)
}
