package bounce

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/mailing"
)

// maxMessage is the largest report accepted: a notification with the
// original message attached.
const maxMessage = 4 << 20

// NewServer returns an SMTP server for the bounces of svc's messages,
// whose envelope senders verp made. It accepts RCPT TO a VERP address
// that verp reads (a forged or unknown one is refused with 550), reads
// the message with Parse, and records what it says with
// svc.RecordBounce as mailing.Admin. A message that is no report, or
// whose delivery is gone, is accepted and changes nothing (a refusal
// would only make its sender send another report, to nobody). Serve it
// on a listener; Close stops it.
func NewServer(svc *mailing.Service, verp mailing.VERP, logger *slog.Logger) *smtp.Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{svc: svc, verp: verp, logger: logger}, nil
	}))
	srv.Domain = verp.Domain
	srv.MaxMessageBytes = maxMessage
	srv.MaxRecipients = 50
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = 5 * time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

// delivery is one VERP recipient of a report.
type delivery struct {
	campaign   mailing.CampaignID
	subscriber mailing.SubscriberID
}

type session struct {
	svc    *mailing.Service
	verp   mailing.VERP
	logger *slog.Logger
	rcpts  []delivery
}

func (s *session) Reset()        { s.rcpts = nil }
func (s *session) Logout() error { return nil }

// Mail accepts any sender: reports come from the null sender "<>".
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

// errUnknownRecipient refuses an address that is no VERP address of the
// list (or whose mac is wrong).
var errUnknownRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such bounce address"}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c, sub, ok := s.verp.Parse(to)
	if !ok {
		s.logger.Warn("bounce: recipient refused", "to", to)
		return errUnknownRecipient
	}
	s.rcpts = append(s.rcpts, delivery{c, sub})
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	reports, err := Parse(bytes.NewReader(data))
	if err != nil {
		s.logger.Info("bounce: message ignored", "err", err)
		return nil
	}
	ctx := context.Background()
	for _, d := range s.rcpts {
		for _, rep := range reports {
			_, err := s.svc.RecordBounce(ctx, mailing.Admin, mailing.Bounce{Campaign: d.campaign, Subscriber: d.subscriber,
				Kind: rep.Kind, Status: rep.Status, Detail: rep.Detail})
			if err != nil {
				if c := hanok.CodeOf(err); c != hanok.NotFound && c != hanok.Invalid {
					// The store failed: ask the sender to try again.
					s.logger.Error("bounce: recording", "campaign", d.campaign, "subscriber", d.subscriber, "err", err)
					return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
				}
				s.logger.Info("bounce: report not applied", "campaign", d.campaign, "subscriber", d.subscriber, "err", err)
			}
		}
	}
	return nil
}
