// Command server runs the whole hanok system on one port: every service
// under its own prefix, with a SQLite file (or memory) for storage, or a
// PostgreSQL database that several servers share (-db postgres://...).
//
//	go run ./examples/server
//	go run ./examples/server -h      # the flags and the commands
//
// Every flag has an environment variable: HANOK_ + the flag's name in
// upper case with "-" as "_" (-jwt-secret -> HANOK_JWT_SECRET); a flag on
// the command line wins over its variable.
//
// Admin work is commands of the same program, with the same flags and
// environment, given before or after the command (see commands.go):
//
//	go run ./examples/server [flags] backup FILE
//	go run ./examples/server [flags] user add|passwd|list|superuser ...
//	go run ./examples/server [flags] auction import FILE.xlsx
//	go run ./examples/server [flags] auction seed -n N
//	go run ./examples/server [flags] trials-sync
//	go run ./examples/server [flags] trials import FILE.json
//
// On SIGTERM or Ctrl-C the server drains for -drain (5s): /readyz answers
// 503 and every answer closes its connection, then it stops accepting and
// finishes the requests in flight.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal the default handling comes back, so a
		// second Ctrl-C ends a shutdown that takes too long.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// config is the server's configuration, from flags and the environment.
type config struct {
	addr      string
	db        string
	media     string
	jwtSecret string
	superuser string
	// auctionCatalog is an .xlsx catalog to import at start;
	// auctionDuration is how long an approved auction runs.
	auctionCatalog  string
	auctionDuration time.Duration
	// drain is how long a shutdown serves with /readyz failing before it
	// stops accepting.
	drain time.Duration
	// mediaGrace is how old a leftover media file must be for the
	// cleanup at start to remove it.
	mediaGrace time.Duration
	// calendarZone is the zone of the calendar's days and wall-clock times.
	calendarZone *time.Location
	// trustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed.
	trustedProxies []netip.Prefix
	// mailing is the mailing list's part.
	mailing mailingConfig

	// Operation: see ops.go.
	logFormat, logLevel string
	debugAddr           string
	corsList            string
	corsOrigins         []string
	// command is the subcommand and its arguments, if any.
	command []string
	// flags are the server's flags; fromEnv holds the names of those whose
	// value came from the environment.
	flags   *flag.FlagSet
	fromEnv map[string]bool
	// help prints the usage of the server's flags and commands (-h).
	help func()
	// zone and proxies are -calendar-zone and -trusted-proxies as given.
	zone, proxies string
	// trials is the trials mirror's part.
	trials trialsConfig
}

// envName is the environment variable of a flag: HANOK_ + NAME.
func envName(flagName string) string {
	return "HANOK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// usageHead and usageTail frame the flags in the output of -h.
const (
	usageHead = `usage: server [flags] [command [flags] ARGS...]

Runs every hanok service on one port, or, with a command, one admin task
on the same database. Every flag has an environment variable: HANOK_ and
its name in upper case, "-" as "_" (-jwt-secret: HANOK_JWT_SECRET); a flag
on the command line wins. Flags may also follow the command.

flags:`
)

// parseConfig reads the flags in args (those before a command, the
// command's own flags being its to read), then the environment: one
// variable a flag, for each flag not on the command line. -h prints the
// usage to out and returns flag.ErrHelp.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	c := &config{fromEnv: map[string]bool{}}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	// The error is returned (and printed once, by main), not printed here.
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&c.db, "db", "hanok.db", `SQLite database file, "memory" for in-memory stores, or a postgres:// URL`)
	fs.StringVar(&c.media, "media", "media", "directory of uploaded files")
	fs.StringVar(&c.jwtSecret, "jwt-secret", "", "JWT signing secret, at least 32 bytes (default: generated on first start and kept in the database)")
	fs.StringVar(&c.superuser, "superuser", "", "a superuser to create or update at start: NAME, with the password from HANOK_PASSWORD or the first line of standard input, or NAME:PASSWORD (best from the environment: on the command line the process list shows it)")
	fs.StringVar(&c.auctionCatalog, "auction-catalog", "", "auction catalog .xlsx (브랜드 | 차종 | 모델) to import at start (default: the built-in catalog of 1,326 models, on first start)")
	fs.DurationVar(&c.auctionDuration, "auction-duration", 48*time.Hour, "how long an approved auction runs")
	fs.DurationVar(&c.mediaGrace, "media-grace", time.Hour, "at start, remove unfinished uploads and images no car refers to once they are this old")
	fs.StringVar(&c.zone, "calendar-zone", calendar.DefaultZone, "time zone of the calendar's days and wall-clock times")
	fs.DurationVar(&c.drain, "drain", 5*time.Second, "on SIGTERM or Ctrl-C, how long /readyz fails (503) while requests are still served, before the server stops accepting and shuts down")
	fs.StringVar(&c.proxies, "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For gives the client address (default: none)")
	mailingFlags(fs, &c.mailing)
	opsFlags(fs, c)
	trialsFlags(fs, &c.trials)
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envName(f.Name) + ")" })
	c.help = func() {
		fmt.Fprintln(out, usageHead)
		fs.SetOutput(out)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		fmt.Fprintln(out)
		fmt.Fprintln(out, commandsUsage)
	}
	c.flags = fs
	if err := c.parse(fs, args, c.help); err != nil {
		return nil, err
	}
	c.command = fs.Args()
	// The environment: every flag not given on the command line takes its
	// variable's value, through the flag's own parser.
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		v := getenv(envName(f.Name))
		if v == "" || onCommandLine[f.Name] {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			return
		}
		c.fromEnv[f.Name] = true
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, c.check()
}

// parse parses args with fs, which is the server's flag set or a
// command's: -h calls help and is flag.ErrHelp; a bad flag is an error
// that says where the flags are listed, printed once (by main).
func (c *config) parse(fs *flag.FlagSet, args []string, help func()) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		help()
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (-h lists the flags)", err)
	}
	return nil
}

// parseCommand parses the arguments of a command with fs, its own flags,
// to which it adds every server flag it does not define itself: the flags
// of the database, the trials upstream... may follow the command. It
// checks the configuration again.
func (c *config) parseCommand(fs *flag.FlagSet, usage string, args []string, out io.Writer) error {
	fs.SetOutput(io.Discard)
	own := map[string]bool{}
	help := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	help.SetOutput(out)
	fs.VisitAll(func(f *flag.Flag) {
		own[f.Name] = true
		help.Var(f.Value, f.Name, f.Usage)
	})
	printHelp := func() {
		fmt.Fprintln(out, "usage: "+usage)
		help.PrintDefaults()
		fmt.Fprintln(out, "and any of the server's flags (server -h lists them)")
	}
	c.flags.VisitAll(func(f *flag.Flag) {
		if !own[f.Name] {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	// Flags and arguments may mix (trials import FILE -db X): parse up to
	// each argument, keep it, and go on after it.
	var positional []string
	for {
		if err := c.parse(fs, args, printHelp); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
		if len(args) > 0 && args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
	}
	_ = fs.Parse(append([]string{"--"}, positional...)) // fs.Args() is now the arguments
	fs.Visit(func(f *flag.Flag) {
		if !own[f.Name] {
			delete(c.fromEnv, f.Name) // the command line's value now
		}
	})
	return c.check()
}

// name is how an error names the flag f: "-f", or "HANOK_F (-f)" when the
// value came from the environment.
func (c *config) name(f string) string {
	if c.fromEnv[f] {
		return envName(f) + " (-" + f + ")"
	}
	return "-" + f
}

// check checks the flags' values and derives the parsed ones.
func (c *config) check() error {
	nets, err := httpx.ParseProxies(c.proxies)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name("trusted-proxies"), err)
	}
	c.trustedProxies = nets
	loc, err := time.LoadLocation(c.zone)
	if err != nil {
		return fmt.Errorf("%s %q: %w", c.name("calendar-zone"), c.zone, err)
	}
	c.calendarZone = loc
	if err := c.checkOps(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("%s %q: %w", c.name("addr"), c.addr, err)
	}
	if c.db == "" {
		return fmt.Errorf("%s must not be empty", c.name("db"))
	}
	if c.jwtSecret != "" && len(c.jwtSecret) < 32 {
		return fmt.Errorf("%s must be at least 32 bytes", c.name("jwt-secret"))
	}
	if c.auctionDuration <= 0 {
		return fmt.Errorf("%s must be positive", c.name("auction-duration"))
	}
	if c.drain < 0 {
		return fmt.Errorf("%s must not be negative", c.name("drain"))
	}
	if c.mediaGrace < 0 {
		return fmt.Errorf("%s must not be negative", c.name("media-grace"))
	}
	if err := c.trials.check(c.name); err != nil {
		return err
	}
	if err := c.mailing.check(c.name); err != nil {
		return err
	}
	if c.superuser != "" {
		// Checked before anything is created: a refused password leaves
		// no database behind.
		name, pw, ok := strings.Cut(c.superuser, ":")
		if name == "" || ok && pw == "" {
			return fmt.Errorf(`%s must be "name" (the password then from HANOK_PASSWORD or standard input) or "name:password"`, c.name("superuser"))
		}
		if ok {
			if err := auth.CheckPassword(pw); err != nil {
				return fmt.Errorf("%s: %s", c.name("superuser"), hanok.MessageOf(err))
			}
		}
	}
	return nil
}

// superuserCredentials returns the name and password of -superuser, or
// "" when it is not set: the password after the colon (with a warning when
// it came from the command line, which the process list and
// /debug/pprof/cmdline show), else $HANOK_PASSWORD or the first line of
// standard input. The password is checked before anything is created.
func (c *config) superuserCredentials(getenv func(string) string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) (name, password string, err error) {
	if c.superuser == "" {
		return "", "", nil
	}
	name, password, ok := strings.Cut(c.superuser, ":")
	if ok {
		if !c.fromEnv["superuser"] {
			logger.Warn("-superuser NAME:PASSWORD shows the password in the process list: set HANOK_SUPERUSER instead, or give -superuser NAME and the password in HANOK_PASSWORD or on standard input")
		}
		return name, password, nil
	}
	password, err = readPassword(getenv, stdin, stdout, name)
	if err != nil {
		return "", "", fmt.Errorf("%s %s: %w", c.name("superuser"), name, err)
	}
	if err := auth.CheckPassword(password); err != nil {
		return "", "", fmt.Errorf("%s %s: %s", c.name("superuser"), name, hanok.MessageOf(err))
	}
	return name, password, nil
}

// warnFileMode warns when the database file at path may be read by its
// group or others: it holds the JWT signing key and the users' password
// hashes. (A new file is created 0600; one made readable by hand stays
// so.)
func warnFileMode(path string, logger *slog.Logger) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	logger.Warn("the database file may be read by other users: it holds the JWT signing key and password hashes; make it private (chmod 600)",
		"file", path, "mode", fi.Mode().Perm().String())
}

// stores are the persistence of every service.
type stores struct {
	auth     auth.Store
	calendar calendar.Store
	mailing  mailing.Store
	trials   trials.Store
	close    func() error
	// db is the SQLite database, nil for the other stores (backup needs it).
	db *sqlite.DB

	microblog microblog.Store
	oauth     auth.OAuthStore

	auction      auction.Store
	auctionMedia auction.MediaStore

	// throttles, when not nil, keeps the login and registration budgets
	// that every server on the database shares.
	throttles auth.ThrottleStore
	// ping and stats, when not nil, are the database's health check and
	// pool statistics (for /readyz and /metrics).
	ping  func(context.Context) error
	stats func() map[string]sql.DBStats
}

// openStores opens the stores of c; the media directory (-media) only
// when withMedia is set, so that a command that uploads nothing creates
// no directory.
func openStores(ctx context.Context, c *config, withMedia bool) (*stores, error) {
	if c.db == "memory" {
		m := memory.New()
		return &stores{auction: m.Auction(), auctionMedia: m.Media(), auth: m.Auth(), calendar: m.Calendar(), microblog: m.Microblog(), oauth: m.OAuth(), mailing: m.Mailing(), trials: m.Trials(), close: func() error { return nil }}, nil
	}
	if postgres.IsDSN(c.db) {
		return openPostgres(ctx, c, withMedia)
	}
	db, err := sqlite.Open(ctx, c.db)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.name("db"), c.db, err)
	}
	st := &stores{db: db, ping: db.Ping, stats: db.Stats, auction: db.Auction(), auth: db.Auth(), calendar: db.Calendar(), microblog: db.Microblog(), oauth: db.OAuth(), mailing: db.Mailing(), trials: db.Trials(), close: db.Close}
	return st, st.openMedia(c, withMedia)
}

// openMedia opens -media as the auction's media store when withMedia is
// set; on failure it closes the database.
func (st *stores) openMedia(c *config, withMedia bool) error {
	if !withMedia {
		return nil
	}
	media, err := files.Open(c.media)
	if err != nil {
		st.close()
		return fmt.Errorf("%s %s: %w", c.name("media"), c.media, err)
	}
	closeDB := st.close
	st.auctionMedia = media
	st.close = func() error { return errors.Join(media.Close(), closeDB()) }
	return nil
}

// openPostgres opens the PostgreSQL database of -db, shared with any other
// server given the same -db. Uploaded media stay in -media: servers on one
// host share it by pointing at one directory. Each server runs its own
// mailing dispatcher: their claims of deliveries exclude each other. One
// trials sync runs at a time, and each day's scheduled sync once across
// all the servers.
func openPostgres(ctx context.Context, c *config, withMedia bool) (*stores, error) {
	db, err := postgres.Open(ctx, c.db)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.name("db"), postgres.Redacted(c.db), err)
	}
	st := &stores{auction: db.Auction(), auth: db.Auth(), throttles: db.Auth(), calendar: db.Calendar(),
		microblog: db.Microblog(), oauth: db.OAuth(), mailing: db.Mailing(), trials: db.Trials(), ping: db.Pool().Ping, close: db.Close}
	return st, st.openMedia(c, withMedia)
}

// run starts the server and blocks until ctx is done, then shuts down
// gracefully: in-flight requests finish and the database is closed. With
// a subcommand it runs that instead.
//
// The server listens before it opens and migrates the database, behind a
// gate that answers /healthz and says 503 to everything else (/readyz
// too) until the services are built.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	c, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		// -h printed the usage: asking for help is no failure.
		return nil
	}
	if err != nil {
		return err
	}
	logger := c.logger(stdout)
	if len(c.command) > 0 {
		err := runCommand(ctx, c, getenv, os.Stdin, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	superName, superPassword, err := c.superuserCredentials(getenv, os.Stdin, stdout, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.name("addr"), c.addr, err)
	}
	gate := system.NewGate("starting: opening and migrating the database")
	drain := &drainer{next: gate}
	srv := newHTTPServer(drain, logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer srv.Close()
	logger.Info("hanok starting", "addr", "http://"+ln.Addr().String())
	if err := c.mailing.checkOut(c.name); err != nil {
		return err
	}
	st, err := openStores(ctx, c, true)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.close(); err != nil {
			logger.Error("closing database", "err", err)
		}
	}()
	if st.db != nil {
		warnFileMode(st.db.Path(), logger)
	}

	secret := []byte(c.jwtSecret)
	if len(secret) == 0 {
		if secret, err = st.auth.Secret(ctx, "jwt", auth.GenerateSecret()); err != nil {
			return fmt.Errorf("jwt secret: %w", err)
		}
	}
	// Several servers may share a PostgreSQL database: a logout on one
	// must be refused by every other at once. Its AuthStore is an
	// auth.ChangeCounter, so a cached token is trusted only while the
	// database's count of auth writes is the one it was checked under
	// (one small query per request instead of the two of a check).
	authCfg := auth.Config{Secret: secret, Logger: logger, Throttles: st.throttles}
	authn, err := auth.New(st.auth, authCfg)
	if err != nil {
		return err
	}
	if superName != "" {
		if _, err := authn.EnsureSuperuser(ctx, superName, superPassword); err != nil {
			return fmt.Errorf("%s: %w", c.name("superuser"), err)
		}
		logger.Info("superuser ready", "username", superName)
	}

	cal, err := calendar.New(st.calendar, calendar.Config{Location: c.calendarZone, Logger: logger})
	if err != nil {
		return err
	}

	auctions, err := newAuction(ctx, c, st, logger)
	if err != nil {
		return err
	}

	// Before serving, so no upload is in flight.
	if _, err := auctions.CleanMedia(ctx, c.mediaGrace); err != nil {
		logger.Error("media cleanup", "err", err)
	}
	posts := microblog.New(st.microblog, authn, microblog.Config{Logger: logger})

	sysCfg, stopDebug, err := c.systemConfig(st, logger)
	if err != nil {
		return err
	}
	defer stopDebug()
	sysCfg.Ready = drain.ready(sysCfg.Ready)
	metrics := system.NewServiceMetrics(sysCfg.Registry)
	c.trials.onRun = metrics.TrialsRun
	c.mailing.onOutcome = metrics.MailOutcome

	mirror, err := newTrials(&c.trials, st.trials, logger)
	if err != nil {
		return err
	}
	// The schedule stops before the database closes (deferred calls run
	// in reverse order).
	scheduleCtx, stopSchedule := context.WithCancel(ctx)
	waitSchedule := startTrialsSchedule(scheduleCtx, &c.trials, mirror, logger)
	defer func() {
		stopSchedule()
		waitSchedule()
	}()

	token, err := mailingToken(ctx, &c.mailing, st, logger)
	if err != nil {
		return err
	}
	if err := mailingVERPSecret(ctx, &c.mailing, st); err != nil {
		return err
	}
	mail, dispatcher, closeMail, err := newMailing(&c.mailing, st.mailing, authn, ln.Addr().String(), logger)
	if err != nil {
		return err
	}
	// The dispatcher stops after the HTTP server (deferred calls run in
	// reverse), finishing its sends in flight, before the database closes.
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	dispatched := make(chan error, 1)
	go func() { dispatched <- dispatcher.Run(dispatchCtx) }()
	defer func() {
		stopDispatch()
		<-dispatched
		if err := closeMail(); err != nil {
			logger.Warn("closing the mail transport", "err", err)
		}
	}()
	metrics.WatchOutbox(sysCfg.Registry, mail)

	sysCfg.TrustedProxies = c.trustedProxies
	sysCfg.MailingToken = token
	handler := system.Handler(system.Services{Auth: authn, Auction: auctions, Calendar: cal, Microblog: posts, Trials: mirror, Mailing: mail,
		OAuth: auth.NewOAuth(authn, st.oauth, auth.OAuthConfig{})}, sysCfg)
	gate.Open(handler)

	logger.Info("hanok listening", "addr", "http://"+ln.Addr().String(), "db", postgres.Redacted(c.db))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// A load balancer polling /readyz sees 503 at once and stops sending;
	// what still comes in the drain period is served, each answer closing
	// its connection, so that no request reaches a connection the
	// shutdown closes.
	drain.start(c.drain)
	logger.Info("shutting down: draining", "for", c.drain.String())
	select {
	case <-time.After(c.drain):
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// drainer is the server's handler during a shutdown's drain period:
// every answer closes its connection, and /readyz fails.
type drainer struct {
	next     http.Handler
	draining atomic.Bool
	// retry is the Retry-After of /readyz while draining.
	retry time.Duration
}

func (d *drainer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.draining.Load() {
		w.Header().Set("Connection", "close")
	}
	d.next.ServeHTTP(w, r)
}

// start begins the drain, which lasts for drain.
func (d *drainer) start(drain time.Duration) {
	d.retry = max(drain, time.Second)
	d.draining.Store(true)
}

// ready is the readiness check check (nil: none) failing while draining.
func (d *drainer) ready(check func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if d.draining.Load() {
			return &hanok.Error{Code: hanok.Unavailable, Message: "shutting down", RetryAfter: d.retry}
		}
		if check == nil {
			return nil
		}
		return check(ctx)
	}
}

// Connection limits of the server. Request bodies have their own
// deadlines, fitted to the route (system.Config.Deadlines: 10s for a JSON
// body, progress-based for uploads), so there is no ReadTimeout, which
// would cut a long upload on a slow link.
const (
	readHeaderTimeout = 10 * time.Second
	// writeTimeout bounds a request's handling and answer, from the end
	// of its headers; an upload handler that streams its body pushes it
	// along with the body (httpx.ProgressDeadline).
	writeTimeout = 2 * time.Minute
	idleTimeout  = 2 * time.Minute
	// maxHeaderBytes is far above any real request's headers (the
	// default, 1 MiB, lets every connection hold a megabyte).
	maxHeaderBytes = 64 << 10
)

func newHTTPServer(handler http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// newAuction builds the auction service and fills its catalog: the file of
// -auction-catalog, or the built-in catalog (auction.BuiltInCatalog, the
// full one) when the catalog is empty.
// Both imports add only what is missing.
func newAuction(ctx context.Context, c *config, st *stores, logger *slog.Logger) (*auction.Service, error) {
	svc, err := auction.New(st.auction, st.auctionMedia, auction.Config{AuctionDuration: c.auctionDuration, Logger: logger})
	if err != nil {
		return nil, err
	}
	if c.auctionCatalog != "" {
		f, err := os.Open(c.auctionCatalog)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name("auction-catalog"), err)
		}
		defer f.Close()
		if _, err := svc.ImportCatalog(ctx, f); err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.name("auction-catalog"), c.auctionCatalog, err)
		}
		return svc, nil
	}
	brands, err := svc.Brands(ctx)
	if err != nil {
		return nil, fmt.Errorf("auction catalog: %w", err)
	}
	if len(brands) == 0 {
		if _, err := svc.ImportEntries(ctx, auction.BuiltInCatalog()); err != nil {
			return nil, fmt.Errorf("auction catalog: %w", err)
		}
	}
	return svc, nil
}
