package transport

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// Rendered is a message in RFC 5322 form with its SMTP envelope.
type Rendered struct {
	// From is the envelope sender in angle brackets (m.ReturnPath, else
	// From's address), To the recipient, likewise.
	From, To string
	// Data is the message: headers and body, lines ending in CRLF.
	Data []byte
}

// renderer writes messages: the headers From, Reply-To, To (with the
// recipient's name), Subject, Date, Message-ID, List-Unsubscribe and
// List-Unsubscribe-Post, and a quoted-printable text body with an
// optional HTML alternative. It keeps what the messages of a campaign
// share: the encoded From, Reply-To and Subject, and the encoded lines of
// each body before the one that holds the recipient's unsubscribe link.
// The zero renderer is ready to use and keeps nothing.
type renderer struct {
	mu     sync.Mutex
	keep   bool
	shared []sharedPart
	next   int
}

// sharedPart is one kept encoding: of a header's value, or of a body's
// lines before the unsubscribe link.
type sharedPart struct {
	kind, key, val string
}

// sharedParts is how many encodings a renderer keeps: the headers and
// bodies of a few campaigns at once.
const sharedParts = 16

// newRenderer returns a renderer that keeps the shared parts.
func newRenderer() *renderer { return &renderer{keep: true} }

// encoded returns enc(s), kept under (kind, s).
func (r *renderer) encoded(kind, s string, enc func(string) (string, error)) (string, error) {
	if !r.keep {
		return enc(s)
	}
	r.mu.Lock()
	for _, p := range r.shared {
		if p.kind == kind && p.key == s {
			r.mu.Unlock()
			return p.val, nil
		}
	}
	r.mu.Unlock()
	v, err := enc(s)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	if len(r.shared) < sharedParts {
		r.shared = append(r.shared, sharedPart{kind, s, v})
	} else {
		r.shared[r.next] = sharedPart{kind, s, v}
		r.next = (r.next + 1) % sharedParts
	}
	r.mu.Unlock()
	return v, nil
}

// render renders m.
func (r *renderer) render(m mailing.Message) (Rendered, error) {
	from, err := r.encoded("from", m.From, encodeFrom)
	if err != nil {
		return Rendered{}, mailing.Permanent(fmt.Errorf("from %q: %w", m.From, err))
	}
	var replyTo string
	if m.ReplyTo != "" {
		if replyTo, err = r.encoded("reply-to", m.ReplyTo, encodeReplyTo); err != nil {
			return Rendered{}, mailing.Permanent(fmt.Errorf("reply-to %q: %w", m.ReplyTo, err))
		}
	}
	sender := m.ReturnPath
	if sender == "" {
		sender, _ = r.encoded("sender", m.From, func(s string) (string, error) {
			a, err := mail.ParseAddress(s)
			if err != nil {
				return "", err
			}
			return a.Address, nil
		})
	} else if err := bareAddress(sender); err != nil {
		return Rendered{}, mailing.Permanent(fmt.Errorf("return path %q: %w", sender, err))
	}
	if err := bareAddress(m.To); err != nil {
		return Rendered{}, mailing.Permanent(fmt.Errorf("to %q: %w", m.To, err))
	}
	to := foldWords("To: "+(&mail.Address{Name: m.ToName, Address: m.To}).String(), maxLine)
	subject, _ := r.encoded("subject", m.Subject, func(s string) (string, error) { return EncodeSubject(s), nil })
	if strings.ContainsAny(m.MessageID+m.UnsubscribeURL, "\r\n<>") {
		return Rendered{}, mailing.Permanent(fmt.Errorf("message id %q or unsubscribe link %q: line break or angle bracket", m.MessageID, m.UnsubscribeURL))
	}

	var b bytes.Buffer
	b.Grow(1024 + len(m.Text) + len(m.HTML))
	header := func(lines ...string) {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteString("\r\n")
		}
	}
	header("Date: "+time.Now().Format(time.RFC1123Z), "MIME-Version: 1.0", "Message-ID: <"+m.MessageID+">", "Subject: "+subject, from)
	if replyTo != "" {
		header(replyTo)
	}
	header(to)
	if m.UnsubscribeURL != "" {
		header("List-Unsubscribe: <"+m.UnsubscribeURL+">", "List-Unsubscribe-Post: List-Unsubscribe=One-Click")
	}
	textPart := "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	if m.HTML == "" {
		b.WriteString(textPart)
		r.body(&b, m.Text, m.UnsubscribeURL)
		return Rendered{From: "<" + sender + ">", To: "<" + m.To + ">", Data: b.Bytes()}, nil
	}
	var rnd [24]byte
	_, _ = rand.Read(rnd[:])
	boundary := hex.EncodeToString(rnd[:])
	header("Content-Type: multipart/alternative;", " boundary="+boundary, "")
	b.WriteString("--" + boundary + "\r\n" + textPart)
	r.body(&b, m.Text, m.UnsubscribeURL)
	b.WriteString("\r\n--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	r.body(&b, m.HTML, html.EscapeString(m.UnsubscribeURL))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return Rendered{From: "<" + sender + ">", To: "<" + m.To + ">", Data: b.Bytes()}, nil
}

// body writes s quoted-printable. Quoted-printable encodes line by line,
// so the lines before the one holding link (a campaign's text, the same
// in each of its messages) are encoded once and kept.
func (r *renderer) body(b *bytes.Buffer, s, link string) {
	cut := 0
	if i := strings.Index(s, link); link != "" && i > 0 {
		cut = strings.LastIndexByte(s[:i], '\n') + 1
	}
	if cut > 0 {
		head, _ := r.encoded("body", s[:cut], func(s string) (string, error) { return quotedPrintable(s), nil })
		b.WriteString(head)
	}
	b.WriteString(quotedPrintable(s[cut:]))
}

// quotedPrintable is s in quoted-printable encoding (RFC 2045), lines
// ending in CRLF.
func quotedPrintable(s string) string {
	var b strings.Builder
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// The encoders of the From and Reply-To lines.
var encodeFrom, encodeReplyTo = encodeAddress("From"), encodeAddress("Reply-To")

// encodeAddress returns the encoder of a header line name: v, v an
// address with an optional display name, its name in RFC 2047 encoded
// words where not ASCII, folded.
func encodeAddress(name string) func(string) (string, error) {
	return func(s string) (string, error) {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return "", err
		}
		return foldWords(name+": "+a.String(), maxLine), nil
	}
}

// bareAddress checks that s is an address without a display name or
// angle brackets.
func bareAddress(s string) error {
	a, err := mail.ParseAddress("<" + s + ">")
	if err != nil {
		return err
	}
	if a.Address != s {
		return fmt.Errorf("not a bare address")
	}
	return nil
}

// WriteMessage writes m to w in RFC 5322 form.
func WriteMessage(w io.Writer, m mailing.Message) (int64, error) {
	var r renderer
	msg, err := r.render(m)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(msg.Data)
	return int64(n), err
}

// Render renders m as the SMTP transport sends it: its envelope and its
// data.
func Render(m mailing.Message) (Rendered, error) {
	var r renderer
	return r.render(m)
}
