package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
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
func mailingFlags(fs *flag.FlagSet, c *mailingConfig) {
	fs.StringVar(&c.token, "mailing-token", "", "token of the mailing list's admin routes (default: generated on first start, logged, and kept in the database)")
	fs.StringVar(&c.out, "mail-out", "mail-out", "directory the mailing list writes its mail to, one .eml file a message (when -smtp is not set)")
	fs.StringVar(&c.smtp, "smtp", "", "host:port of an SMTP server to send the mailing list's mail through, instead of -mail-out")
	fs.StringVar(&c.smtpUser, "smtp-user", "", "SMTP username")
	fs.StringVar(&c.smtpPassword, "smtp-password", "", "SMTP password")
	fs.StringVar(&c.smtpTLS, "smtp-tls", "opportunistic", "STARTTLS: opportunistic, mandatory or off")
	fs.StringVar(&c.publicURL, "public-url", "", "the server's public URL, the base of unsubscribe links (default http:// + the listen address)")
}

// check validates the mailing flags; name is how an error names a flag.
func (c *mailingConfig) check(name func(string) string) error {
	if _, err := transport.ParseTLSMode(c.smtpTLS); err != nil {
		return fmt.Errorf("%s: %w", name("smtp-tls"), err)
	}
	if c.smtp != "" {
		if _, _, err := net.SplitHostPort(c.smtp); err != nil {
			return fmt.Errorf("%s %q: %w", name("smtp"), c.smtp, err)
		}
	} else if c.out == "" {
		return fmt.Errorf("%s must not be empty without -smtp", name("mail-out"))
	}
	if c.smtpUser == "" && c.smtpPassword != "" {
		return fmt.Errorf("%s needs -smtp-user", name("smtp-password"))
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s %q: want an http:// or https:// URL", name("public-url"), c.publicURL)
		}
	}
	return nil
}

// checkOut makes sure the mail directory can be written to, at start
// (as -media is), rather than when the first campaign fails: it creates
// the directory and a file in it, and removes the file.
func (c *mailingConfig) checkOut(name func(string) string) error {
	if c.smtp != "" {
		return nil
	}
	if err := os.MkdirAll(c.out, 0o700); err != nil {
		return fmt.Errorf("%s %s: %w", name("mail-out"), c.out, err)
	}
	f, err := os.CreateTemp(c.out, ".write-check-*")
	if err != nil {
		return fmt.Errorf("%s %s: the directory is not writable: %w", name("mail-out"), c.out, err)
	}
	f.Close()
	return os.Remove(f.Name())
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
