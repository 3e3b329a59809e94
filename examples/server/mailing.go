package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
)

// mailingConfig is the mailing list's part of the configuration.
type mailingConfig struct {
	// onOutcome receives every recorded send attempt (the metrics).
	onOutcome    func(mailing.Outcome)
	token        string
	out          string
	smtp         string
	smtpUser     string
	smtpPassword string
	smtpTLS      string
	publicURL    string
}

// mailingFlags adds the mailing list's flags to fs.
func mailingFlags(fs *flag.FlagSet, str func(p *string, name, def, usage string), c *mailingConfig) {
	str(&c.token, "mailing-token", "", "token of the mailing list's admin routes (default: generated on first start, logged, and kept in the database)")
	str(&c.out, "mail-out", "mail-out", "directory the mailing list writes its mail to, one .eml file a message (when -smtp is not set)")
	str(&c.smtp, "smtp", "", "host:port of an SMTP server to send the mailing list's mail through, instead of -mail-out")
	str(&c.smtpUser, "smtp-user", "", "SMTP username")
	str(&c.smtpPassword, "smtp-password", "", "SMTP password")
	str(&c.smtpTLS, "smtp-tls", "opportunistic", "STARTTLS: opportunistic, mandatory or off")
	str(&c.publicURL, "public-url", "", "the server's public URL, the base of unsubscribe links (default http:// + the listen address)")
}

// check validates the mailing flags.
func (c *mailingConfig) check() error {
	if _, err := transport.ParseTLSMode(c.smtpTLS); err != nil {
		return fmt.Errorf("-smtp-tls: %w", err)
	}
	if c.smtp != "" {
		if _, _, err := net.SplitHostPort(c.smtp); err != nil {
			return fmt.Errorf("-smtp %q: %w", c.smtp, err)
		}
	} else if c.out == "" {
		return errors.New("-mail-out must not be empty without -smtp")
	}
	if c.smtpUser == "" && c.smtpPassword != "" {
		return errors.New("-smtp-password needs -smtp-user")
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-public-url %q: want an http:// or https:// URL", c.publicURL)
		}
	}
	return nil
}

// mailingToken returns the admin token: the flag's, or the one kept in
// the database, generated and logged on first start.
func mailingToken(ctx context.Context, c *mailingConfig, st *stores, logger *slog.Logger) (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	fresh := rand.Text()
	kept, err := st.auth.Secret(ctx, "mailing-token", []byte(fresh))
	if err != nil {
		return "", fmt.Errorf("mailing token: %w", err)
	}
	if string(kept) == fresh {
		logger.Info("mailing admin token generated (send it as the Authorization header of the admin routes)", "token", fresh)
	}
	return string(kept), nil
}

// newMailing builds the mailing service, its subscriptions throttled per
// client address by throttle (the auth service, as registrations), and
// its dispatcher. The
// dispatcher's transport is the SMTP server of -smtp, or the directory
// writer of -mail-out; routing sends naver.com, google.com and gmail.com
// through the second transport as the original did (here the same one).
func newMailing(c *mailingConfig, store mailing.Store, throttle mailing.Throttle, listenAddr string, logger *slog.Logger) (*mailing.Service, *mailing.Dispatcher, func() error, error) {
	var tr mailing.Transport
	closeTr := func() error { return nil }
	if c.smtp != "" {
		mode, _ := transport.ParseTLSMode(c.smtpTLS)
		s, err := transport.NewSMTP(transport.SMTPConfig{Addr: c.smtp, Username: c.smtpUser, Password: c.smtpPassword, TLS: mode})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("-smtp: %w", err)
		}
		tr, closeTr = s, s.Close
	} else {
		w, err := transport.NewDirWriter(c.out)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("-mail-out: %w", err)
		}
		tr = w
	}
	public := c.publicURL
	if public == "" {
		public = "http://" + listenAddr
	}
	disp, err := mailing.NewDispatcher(store, mailing.DispatcherConfig{
		Routing:   mailing.SeedRouting(tr, tr),
		PublicURL: strings.TrimRight(public, "/") + "/mailing",
		OnOutcome: c.onOutcome,
		Logger:    logger,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	svc, err := mailing.New(store, mailing.Config{Logger: logger, Throttle: throttle, OnCampaign: func(mailing.Campaign) { disp.Wake() }})
	if err != nil {
		return nil, nil, nil, err
	}
	return svc, disp, closeTr, nil
}
