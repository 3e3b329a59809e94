// Package transport holds the mailing list's transports, the
// infrastructure a mailing.Dispatcher sends through: an SMTP client that
// keeps a connection per worker (SMTP), a directory of .eml files
// (DirWriter), and the original service's HTTP mail API (HTTPAPI). The
// mailing package keeps only the Transport interface.
package transport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hanok-dev/hanok/mailing"
)

// Line lengths of a folded header (RFC 5322 §2.1.1 and RFC 2047 §2: a
// line holding encoded words is at most 76 characters).
const (
	maxLine = 76
	// maxWord is the longest encoded word (RFC 2047 §2).
	maxWord = 75
)

// EncodeSubject is the value of a Subject: header for s (after
// "Subject: "), folded so that no line is longer than 76 characters and
// the first word stays on the header's own line: a fold right after the
// colon makes some readers (Python's email package) decode the subject
// with a leading space. Plain ASCII without "=?" is folded at its
// spaces; anything else becomes base64 encoded words of UTF-8 (RFC
// 2047), each holding whole characters, one per line.
func EncodeSubject(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	room := maxLine - len("Subject: ")
	if plainASCII(s) {
		return foldWords(s, room)
	}
	const prefix, suffix = "=?UTF-8?B?", "?="
	var b strings.Builder
	line := room
	for s != "" {
		// The most whole characters whose encoded word fits on the line.
		limit := min(line, maxWord) - len(prefix) - len(suffix)
		maxBytes := limit / 4 * 3
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxBytes {
				break
			}
			n += size
		}
		if n == 0 { // cannot happen with lines of 76: a rune is 4 bytes at most
			_, n = utf8.DecodeRuneInString(s)
		}
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString(prefix + base64.StdEncoding.EncodeToString([]byte(s[:n])) + suffix)
		s = s[n:]
		line = maxLine - 1
	}
	return b.String()
}

// plainASCII reports whether s is printable ASCII that no reader would
// take for an encoded word.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return !strings.Contains(s, "=?")
}

// foldWords folds s at its spaces so that lines stay within maxLine
// characters where the words allow, the first line within first; the
// first word is never moved off the first line.
func foldWords(s string, first int) string {
	words := strings.Split(s, " ")
	var b strings.Builder
	room := first
	for i, w := range words {
		switch {
		case i == 0:
			b.WriteString(w)
			room -= len(w)
		case room-len(w)-1 < 0 && w != "":
			b.WriteString("\r\n " + w)
			room = maxLine - 1 - len(w)
		default:
			b.WriteString(" " + w)
			room -= len(w) + 1
		}
	}
	return b.String()
}

// DirWriter is a Transport that writes each message as an .eml file into
// a directory (the example server's default: mail to files). The file is
// named after the campaign, the time it was created and the subscriber
// (FileName), so a resent message replaces its file instead of adding a
// second one, and campaign 1 of another database does not overwrite it.
type DirWriter struct {
	dir     string
	created atomic.Bool
	r       *renderer
}

// NewDirWriter returns a DirWriter on dir. The directory is created with
// the first message; a file in its place is an error now.
func NewDirWriter(dir string) (*DirWriter, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("transport: mail directory %s: not a directory", dir)
	}
	return &DirWriter{dir: dir, r: newRenderer()}, nil
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
	name := FileName(m)
	tmp, err := os.CreateTemp(w.dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	msg, err := w.r.render(m)
	if err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(msg.Data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(w.dir, name))
}

// FileName is the name DirWriter gives m's file:
// "c<campaign>-<creation time, UTC, to the nanosecond>-s<subscriber>.eml",
// such as "c1-20260301T090000.123456789Z-s7.eml".
//
// A message from outside the outbox (a confirmation, a test send: no
// campaign or no subscriber) is named after its Message-ID instead,
// which carries the time it was made.
func FileName(m mailing.Message) string {
	if m.Campaign == 0 || m.Subscriber == 0 {
		return strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r < 0x20 {
				return '_'
			}
			return r
		}, m.MessageID) + ".eml"
	}
	return fmt.Sprintf("c%d-%s-s%d.eml", m.Campaign, m.CampaignCreated.UTC().Format("20060102T150405.000000000Z"), m.Subscriber)
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
