package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/bounce"
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
	// from and fromName are the From: header; replyTo the Reply-To:;
	// returnPath the envelope sender (bounces go there).
	from       string
	fromName   string
	replyTo    string
	returnPath string
	// rate is the global rate ("10/s"), domainRate the per-domain ones
	// ("naver.com=5/s,*=2/s"), parsed by check into rates.
	rate       string
	domainRate string
	rates      mailRates
	// bounceAddr is where the bounce listener listens; bounceDomain the
	// domain of the VERP envelope senders (verp, once check and
	// mailingVERPSecret have run).
	bounceAddr   string
	bounceDomain string
	verp         *mailing.VERP
	// softLimit soft bounces within softWindow bounce an address.
	softLimitFlag, softWindowFlag string
	softLimit                     int
	softWindow                    time.Duration
	// confirm turns confirmed opt-in on; unconfirmed subscriptions
	// expire after confirmTTL.
	confirmFlag, confirmTTLFlag string
	confirm                     bool
	confirmTTL                  time.Duration
}

// mailRates are the rates of -mail-rate and -mail-domain-rate, in
// messages a second (0 unlimited).
type mailRates struct {
	global      float64
	domain      float64
	domainRates map[string]float64
}

// mailingFlags adds the mailing list's flags to fs.
func mailingFlags(fs *flag.FlagSet, c *mailingConfig) {
	fs.StringVar(&c.token, "mailing-token", "", "token of the mailing list's admin routes (default: generated on first start, logged, and kept in the database)")
	fs.StringVar(&c.out, "mail-out", "mail-out", "directory the mailing list writes its mail to, one .eml file a message (when -smtp is not set)")
	fs.StringVar(&c.smtp, "smtp", "", "host:port of an SMTP server to send the mailing list's mail through, instead of -mail-out")
	fs.StringVar(&c.smtpUser, "smtp-user", "", "SMTP username")
	fs.StringVar(&c.smtpPassword, "smtp-password", "", "SMTP password (better given in the environment than on the command line, where other users of the machine see it)")
	fs.StringVar(&c.smtpTLS, "smtp-tls", "opportunistic", "STARTTLS: opportunistic, mandatory or off")
	fs.StringVar(&c.publicURL, "public-url", "", "the server's public URL, the base of unsubscribe links (default http:// + the listen address; required with -smtp, and not on loopback)")
	fs.StringVar(&c.from, "mail-from", "mailing@localhost", "address of the mailing list's From: header (with -smtp, a real domain's)")
	fs.StringVar(&c.fromName, "mail-from-name", "hanok mailing", "display name of the From: header")
	fs.StringVar(&c.replyTo, "mail-reply-to", "", "address of the Reply-To: header (default: none, replies go to -mail-from)")
	fs.StringVar(&c.returnPath, "mail-return-path", "", "envelope sender (MAIL FROM), where bounces go (default: -mail-from)")
	fs.StringVar(&c.rate, "mail-rate", "", `most messages sent a second over all domains, such as "10/s" or "600/m" (default: unlimited)`)
	fs.StringVar(&c.bounceAddr, "bounce-addr", "", "host:port of the SMTP listener for bounces and abuse reports sent to the VERP addresses (default: none)")
	fs.StringVar(&c.bounceDomain, "bounce-domain", "", "domain of the VERP envelope senders (bounces+<token>@domain), whose MX is -bounce-addr (default with -bounce-addr: the domain of -mail-return-path, else of -mail-from)")
	fs.StringVar(&c.confirmFlag, "mailing-confirm", "false", "confirmed opt-in: a subscription stays pending, and gets no campaign, until the link of its confirmation mail is followed")
	fs.StringVar(&c.confirmTTLFlag, "mailing-confirm-ttl", "48h", "how long a confirmation link works; unconfirmed subscriptions are deleted after it")
	fs.StringVar(&c.softLimitFlag, "mail-soft-bounce-limit", "3", "soft bounces within -mail-soft-bounce-window that mark an address bounced")
	fs.StringVar(&c.softWindowFlag, "mail-soft-bounce-window", "168h", "window in which soft bounces are counted")
	fs.StringVar(&c.domainRate, "mail-domain-rate", "", `most messages a second to single recipient domains, such as "naver.com=5/s,gmail.com=10/s"; "*" sets every other domain's (default: unlimited)`)
}

// parseRate reads a rate: "5/s", "300/m", "1000/h", or a bare number of
// messages a second; "" is 0, unlimited.
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want a number of messages such as 5/s, 300/m or 1000/h", s)
	}
	switch strings.TrimSpace(unit) {
	case "", "s":
		return n, nil
	case "m":
		return n / 60, nil
	case "h":
		return n / 3600, nil
	}
	return 0, fmt.Errorf("rate %q: the unit is s, m or h", s)
}

// parseRates reads -mail-rate and -mail-domain-rate.
func parseRates(global, domains string) (mailRates, error) {
	var r mailRates
	var err error
	if r.global, err = parseRate(global); err != nil {
		return r, fmt.Errorf("-mail-rate: %w", err)
	}
	for _, item := range strings.Split(domains, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		domain, rate, ok := strings.Cut(item, "=")
		domain = strings.ToLower(strings.TrimSpace(domain))
		if !ok || domain == "" {
			return r, fmt.Errorf("-mail-domain-rate: %q: want domain=rate, such as naver.com=5/s", item)
		}
		n, err := parseRate(strings.TrimSpace(rate))
		if err != nil {
			return r, fmt.Errorf("-mail-domain-rate: %s: %w", domain, err)
		}
		if domain == "*" {
			r.domain = n
			continue
		}
		if r.domainRates == nil {
			r.domainRates = map[string]float64{}
		}
		if _, dup := r.domainRates[domain]; dup {
			return r, fmt.Errorf("-mail-domain-rate: %s is given twice", domain)
		}
		r.domainRates[domain] = n
	}
	return r, nil
}

// loopbackHost reports whether host names this machine only: localhost
// (and *.localhost), a loopback or unspecified IP address.
func loopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "localhost.localdomain" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// sender is the From: header of the flags.
func (c *mailingConfig) sender() string {
	return (&mail.Address{Name: c.fromName, Address: c.from}).String()
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
	var publicHost string
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s %q: want an http:// or https:// URL", name("public-url"), c.publicURL)
		}
		publicHost = u.Hostname()
	}
	for _, a := range []struct{ flag, value string }{{"-mail-from", c.from}, {"-mail-reply-to", c.replyTo}, {"-mail-return-path", c.returnPath}} {
		if a.value == "" && a.flag != "-mail-from" {
			continue
		}
		addr, err := mail.ParseAddress(a.value)
		if err != nil || addr.Name != "" || addr.Address != a.value {
			return fmt.Errorf("%s %q: want a bare address such as news@example.com", a.flag, a.value)
		}
	}
	if c.smtp != "" {
		// Mail that leaves the machine: a From on localhost is refused
		// or junked by the receiving servers, and a link to loopback
		// works for nobody who reads it.
		for _, a := range []struct{ flag, value string }{{"-mail-from", c.from}, {"-mail-reply-to", c.replyTo}, {"-mail-return-path", c.returnPath}} {
			if a.value != "" && (loopbackHost(mailing.Domain(a.value)) || !strings.Contains(mailing.Domain(a.value), ".")) {
				return fmt.Errorf("%s %q: with -smtp the address must be on a real domain, such as news@example.com", a.flag, a.value)
			}
		}
		if c.publicURL == "" {
			return errors.New("-smtp needs -public-url, the public address of this server that unsubscribe links point to")
		}
		if loopbackHost(publicHost) {
			return fmt.Errorf("-public-url %q: with -smtp the unsubscribe links must work for the recipients, not on this machine only", c.publicURL)
		}
	}
	rates, err := parseRates(c.rate, c.domainRate)
	if err != nil {
		return err
	}
	c.rates = rates
	if c.softLimit, err = strconv.Atoi(c.softLimitFlag); err != nil || c.softLimit < 1 {
		return fmt.Errorf("-mail-soft-bounce-limit %q: want a positive number", c.softLimitFlag)
	}
	if c.softWindow, err = time.ParseDuration(c.softWindowFlag); err != nil || c.softWindow <= 0 {
		return fmt.Errorf("-mail-soft-bounce-window %q: want a positive duration such as 168h", c.softWindowFlag)
	}
	if c.confirm, err = strconv.ParseBool(c.confirmFlag); err != nil {
		return fmt.Errorf("-mailing-confirm %q: want true or false", c.confirmFlag)
	}
	if c.confirmTTL, err = time.ParseDuration(c.confirmTTLFlag); err != nil || c.confirmTTL <= 0 {
		return fmt.Errorf("-mailing-confirm-ttl %q: want a positive duration such as 48h", c.confirmTTLFlag)
	}
	if c.bounceAddr != "" {
		if _, _, err := net.SplitHostPort(c.bounceAddr); err != nil {
			return fmt.Errorf("-bounce-addr %q: %w", c.bounceAddr, err)
		}
		if c.bounceDomain == "" {
			c.bounceDomain = mailing.Domain(c.from)
			if c.returnPath != "" {
				c.bounceDomain = mailing.Domain(c.returnPath)
			}
		}
	}
	if d := c.bounceDomain; d != "" {
		if _, err := mail.ParseAddress("bounces@" + d); err != nil || strings.ContainsAny(d, "@ ") {
			return fmt.Errorf("-bounce-domain %q: want a domain such as lists.example.com", d)
		}
		if c.smtp != "" && (loopbackHost(d) || !strings.Contains(d, ".")) {
			return fmt.Errorf("-bounce-domain %q: with -smtp bounces must reach a real domain", d)
		}
	}
	return nil
}

// mailingVERPSecret loads the secret of the VERP addresses (kept in the
// database, generated on first start) when -bounce-domain or
// -bounce-addr is set.
func mailingVERPSecret(ctx context.Context, c *mailingConfig, st *stores) error {
	if c.bounceDomain == "" {
		return nil
	}
	secret, err := st.auth.Secret(ctx, "mailing-verp", []byte(rand.Text()))
	if err != nil {
		return fmt.Errorf("mailing VERP secret: %w", err)
	}
	c.verp = &mailing.VERP{Domain: c.bounceDomain, Secret: secret}
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
		Routing:     mailing.SeedRouting(tr, tr),
		From:        c.sender(),
		ReplyTo:     c.replyTo,
		ReturnPath:  c.returnPath,
		PublicURL:   strings.TrimRight(public, "/") + "/mailing",
		VERP:        c.verp,
		Rate:        c.rates.global,
		DomainRate:  c.rates.domain,
		DomainRates: c.rates.domainRates,
		OnOutcome:   c.onOutcome,
		Logger:      logger,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := mailing.Config{Logger: logger, Throttle: throttle, OnCampaign: func(mailing.Campaign) { disp.Wake() },
		SoftBounceLimit: c.softLimit, SoftBounceWindow: c.softWindow, ConfirmTTL: c.confirmTTL, Tester: disp}
	if c.confirm {
		cfg.Confirmer = disp
	}
	svc, err := mailing.New(store, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if c.confirm {
		// Unconfirmed subscriptions are swept every tenth of their
		// time to live (at most hourly).
		stop := make(chan struct{})
		swept := make(chan struct{})
		go func() {
			defer close(swept)
			t := time.NewTicker(min(c.confirmTTL/10, time.Hour))
			defer t.Stop()
			for {
				if _, err := svc.ExpirePending(context.Background()); err != nil {
					logger.Warn("expiring unconfirmed subscriptions", "err", err)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		closeBefore := closeTr
		closeTr = func() error {
			close(stop)
			<-swept
			return closeBefore()
		}
	}
	if c.bounceAddr != "" && c.verp != nil {
		ln, err := net.Listen("tcp", c.bounceAddr)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("-bounce-addr: %w", err)
		}
		srv := bounce.NewServer(svc, *c.verp, logger)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
				logger.Error("bounce listener", "err", err)
			}
		}()
		logger.Info("mailing bounce listener", "addr", ln.Addr().String(), "verp", "bounces+<token>@"+c.verp.Domain)
		closeSMTP := closeTr
		closeTr = func() error { return errors.Join(srv.Close(), closeSMTP()) }
	}
	return svc, disp, closeTr, nil
}
