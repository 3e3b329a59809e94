// Package bounce reads the reports mail servers send back about the
// mailing list's messages, and receives them: delivery status
// notifications (RFC 3464, multipart/report; report-type=delivery-status)
// and abuse reports (ARF, RFC 5965, report-type=feedback-report), over
// an SMTP listener (github.com/emersion/go-smtp) that accepts mail for
// the list's VERP addresses only (mailing.VERP) and applies what it reads
// with mailing.Service.RecordBounce.
package bounce

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/hanok-dev/hanok/mailing"
)

// Report is one thing a report says about one recipient.
type Report struct {
	Kind mailing.BounceKind
	// Recipient is the address reported on (Final-Recipient or
	// Original-Rcpt-To), without its address type.
	Recipient string
	// Status is the enhanced status code ("5.1.1"), empty for a
	// complaint.
	Status string
	// Detail is the diagnostic (Diagnostic-Code), or the feedback type.
	Detail string
}

// ErrNotAReport is the error of a message that is no delivery status
// notification nor abuse report: it says nothing.
var ErrNotAReport = errors.New("bounce: not a delivery status notification nor an abuse report")

// maxPart bounds what is read of a report's machine-readable part.
const maxPart = 64 << 10

// Parse reads a message and returns what its report says: one Report per
// recipient that failed (Action: failed, a 5.x.x status is hard, a 4.x.x
// soft) or is delayed (soft), or one complaint for an abuse report.
// Recipients delivered, relayed or expanded are left out, so a report may
// say nothing (no Report, no error). A message that is not a report is
// ErrNotAReport.
func Parse(r io.Reader) ([]Report, error) {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAReport, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["boundary"] == "" {
		return nil, ErrNotAReport
	}
	kind := strings.ToLower(params["report-type"])
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return nil, ErrNotAReport
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotAReport, err)
		}
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		body, err := decoded(part)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotAReport, err)
		}
		switch {
		case (kind == "delivery-status" || kind == "global-delivery-status") && (pt == "message/delivery-status" || pt == "message/global-delivery-status"):
			return deliveryStatus(body)
		case kind == "feedback-report" && pt == "message/feedback-report":
			return feedback(body)
		}
	}
}

// decoded reads a part's body, undoing its transfer encoding.
func decoded(p *multipart.Part) ([]byte, error) {
	var r io.Reader = io.LimitReader(p, maxPart)
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	return io.ReadAll(r)
}

// newlineStripper drops the line breaks of base64 text.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// groups reads the blank-line separated groups of header fields of a
// delivery-status or feedback-report body.
func groups(body []byte) ([]textproto.MIMEHeader, error) {
	// Normalise line ends and drop leading blank lines: some servers
	// start the body with one.
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	body = bytes.TrimLeft(body, "\n")
	var out []textproto.MIMEHeader
	for _, chunk := range bytes.Split(body, []byte("\n\n")) {
		chunk = bytes.TrimSpace(chunk)
		if len(chunk) == 0 {
			continue
		}
		h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(chunk, '\n', '\n')))).ReadMIMEHeader()
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// typed strips the address type of a field such as "rfc822;
// user@example.com".
func typed(v string) string {
	if _, rest, ok := strings.Cut(v, ";"); ok {
		v = rest
	}
	return strings.Trim(strings.TrimSpace(v), "<>")
}

func deliveryStatus(body []byte) ([]Report, error) {
	gs, err := groups(body)
	if err != nil || len(gs) < 2 {
		return nil, fmt.Errorf("%w: delivery-status without a recipient", ErrNotAReport)
	}
	var out []Report
	for _, g := range gs[1:] {
		rcpt := typed(g.Get("Final-Recipient"))
		if rcpt == "" {
			rcpt = typed(g.Get("Original-Recipient"))
		}
		status, _, _ := strings.Cut(strings.TrimSpace(g.Get("Status")), " ")
		detail := strings.TrimSpace(g.Get("Diagnostic-Code"))
		r := Report{Recipient: rcpt, Status: status, Detail: detail}
		switch strings.ToLower(strings.TrimSpace(g.Get("Action"))) {
		case "failed":
			k, ok := mailing.KindOfStatus(status)
			if !ok {
				// A failure without a usable status: permanent, as
				// "failed" means the server gave up.
				k, r.Status = mailing.BounceHard, ""
			}
			r.Kind = k
		case "delayed":
			r.Kind = mailing.BounceSoft
			if k, ok := mailing.KindOfStatus(status); !ok || k != mailing.BounceSoft {
				r.Status = ""
			}
		default:
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func feedback(body []byte) ([]Report, error) {
	gs, err := groups(body)
	if err != nil || len(gs) == 0 {
		return nil, fmt.Errorf("%w: empty feedback report", ErrNotAReport)
	}
	g := gs[0]
	ft := strings.ToLower(strings.TrimSpace(g.Get("Feedback-Type")))
	if ft == "" {
		return nil, fmt.Errorf("%w: feedback report without Feedback-Type", ErrNotAReport)
	}
	if ft != "abuse" {
		return nil, nil // fraud, virus, not-spam...: not a complaint about the list
	}
	return []Report{{Kind: mailing.BounceComplaint, Recipient: typed(g.Get("Original-Rcpt-To")), Detail: "feedback-type: abuse"}}, nil
}
