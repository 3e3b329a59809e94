// Command server runs the whole hanok system on one port: every service
// under its own prefix, with a SQLite file (or memory) for storage, or a
// PostgreSQL database that several servers share (-db postgres://...).
//
//	go run ./examples/server
//	go run ./examples/server trials-sync   # one trials sync, then exit
//
// Every flag has an environment default: HANOK_ + the flag's name in upper
// case with "-" as "_" (-jwt-secret -> HANOK_JWT_SECRET).
//
// Admin work is subcommands of the same program, after the flags, with the
// same flags and environment (see commands.go):
//
//	go run ./examples/server [flags] backup FILE
//	go run ./examples/server [flags] user add|passwd|list|superuser ...
//	go run ./examples/server [flags] auction import FILE.xlsx
//	go run ./examples/server [flags] auction seed -n N
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
	"syscall"
	"time"

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
	// trials is the trials mirror's part.
	trials trialsConfig
}

// envName is the environment variable of a flag: HANOK_ + NAME.
func envName(flagName string) string {
	return "HANOK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func parseConfig(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(out)
	str := func(p *string, name, def, usage string) {
		if v := getenv(envName(name)); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+envName(name)+")")
	}
	str(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	str(&c.db, "db", "hanok.db", `SQLite database file, "memory" for in-memory stores, or a postgres:// URL`)
	str(&c.media, "media", "media", "directory of uploaded files")
	str(&c.jwtSecret, "jwt-secret", "", "JWT signing secret, at least 32 bytes (default: generated on first start and kept in the database)")
	str(&c.superuser, "superuser", "", "name:password of a superuser to create or update at start")
	str(&c.auctionCatalog, "auction-catalog", "", "auction catalog .xlsx (브랜드 | 차종 | 모델) to import at start (default: the built-in catalog of 1,326 models, on first start)")
	auctionDuration := 48 * time.Hour
	if v := getenv(envName("auction-duration")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envName("auction-duration"), err)
		}
		auctionDuration = d
	}
	fs.DurationVar(&c.auctionDuration, "auction-duration", auctionDuration, "how long an approved auction runs (env "+envName("auction-duration")+")")
	mediaGrace := time.Hour
	if v := getenv(envName("media-grace")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envName("media-grace"), err)
		}
		mediaGrace = d
	}
	fs.DurationVar(&c.mediaGrace, "media-grace", mediaGrace, "at start, remove unfinished uploads and images no car refers to once they are this old (env "+envName("media-grace")+")")
	zone := calendar.DefaultZone
	str(&zone, "calendar-zone", zone, "time zone of the calendar's days and wall-clock times")
	var proxies string
	str(&proxies, "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For gives the client address (default: none)")
	mailingFlags(fs, str, &c.mailing)
	opsFlags(&c, str)
	trialsFlags(str, &c.trials)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	nets, err := httpx.ParseProxies(proxies)
	if err != nil {
		return nil, fmt.Errorf("-trusted-proxies: %w", err)
	}
	c.trustedProxies = nets
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("-calendar-zone %q: %w", zone, err)
	}
	c.calendarZone = loc
	c.command = fs.Args()
	if err := c.checkOps(); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return nil, fmt.Errorf("-addr %q: %w", c.addr, err)
	}
	if c.db == "" {
		return nil, errors.New("-db must not be empty")
	}
	if c.jwtSecret != "" && len(c.jwtSecret) < 32 {
		return nil, errors.New("-jwt-secret must be at least 32 bytes")
	}
	if c.auctionDuration <= 0 {
		return nil, errors.New("-auction-duration must be positive")
	}
	if c.mediaGrace < 0 {
		return nil, errors.New("-media-grace must not be negative")
	}
	if err := c.trials.check(); err != nil {
		return nil, err
	}
	if err := c.mailing.check(); err != nil {
		return nil, err
	}
	if c.superuser != "" {
		name, pw, ok := strings.Cut(c.superuser, ":")
		if !ok || name == "" || pw == "" {
			return nil, errors.New(`-superuser must be "name:password"`)
		}
	}
	return &c, nil
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

func openStores(ctx context.Context, c *config) (*stores, error) {
	if c.db == "memory" {
		m := memory.New()
		return &stores{auction: m.Auction(), auctionMedia: m.Media(), auth: m.Auth(), calendar: m.Calendar(), microblog: m.Microblog(), mailing: m.Mailing(), trials: m.Trials(), close: func() error { return nil }}, nil
	}
	if postgres.IsDSN(c.db) {
		return openPostgres(ctx, c)
	}
	db, err := sqlite.Open(ctx, c.db)
	if err != nil {
		return nil, fmt.Errorf("-db %s: %w", c.db, err)
	}
	media, err := files.Open(c.media)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("-media %s: %w", c.media, err)
	}
	return &stores{db: db, ping: db.Ping, stats: db.Stats, auction: db.Auction(), auctionMedia: media, auth: db.Auth(), calendar: db.Calendar(), microblog: db.Microblog(), mailing: db.Mailing(), trials: db.Trials(), close: func() error { return errors.Join(media.Close(), db.Close()) }}, nil
}

// openPostgres opens the PostgreSQL database of -db, shared with any other
// server given the same -db. Uploaded media stay in -media: servers on one
// host share it by pointing at one directory. Each server runs its own
// mailing dispatcher: their claims of deliveries exclude each other. One
// trials sync runs at a time, and each day's scheduled sync once across
// all the servers.
func openPostgres(ctx context.Context, c *config) (*stores, error) {
	db, err := postgres.Open(ctx, c.db)
	if err != nil {
		return nil, fmt.Errorf("-db %s: %w", postgres.Redacted(c.db), err)
	}
	media, err := files.Open(c.media)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("-media %s: %w", c.media, err)
	}
	return &stores{auction: db.Auction(), auctionMedia: media, auth: db.Auth(), throttles: db.Auth(), calendar: db.Calendar(),
		microblog: db.Microblog(), mailing: db.Mailing(), trials: db.Trials(), ping: db.Pool().Ping, close: func() error { return errors.Join(media.Close(), db.Close()) }}, nil
}

// run starts the server and blocks until ctx is done, then shuts down
// gracefully: in-flight requests finish and the database is closed. With
// a subcommand it runs that instead.
//
// The server listens before it opens and migrates the database, behind a
// gate that answers /healthz and says 503 to everything else (/readyz
// too) until the services are built.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "trials-sync" {
		// The subcommand's own flags may follow it.
		return trialsSync(ctx, args[1:], getenv, stdout)
	}
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
		return runCommand(ctx, c, getenv, os.Stdin, stdout)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("-addr %s: %w", c.addr, err)
	}
	gate := system.NewGate("starting: opening and migrating the database")
	srv := newHTTPServer(gate, logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer srv.Close()
	logger.Info("hanok starting", "addr", "http://"+ln.Addr().String())
	st, err := openStores(ctx, c)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.close(); err != nil {
			logger.Error("closing database", "err", err)
		}
	}()

	secret := []byte(c.jwtSecret)
	if len(secret) == 0 {
		if secret, err = st.auth.Secret(ctx, "jwt", auth.GenerateSecret()); err != nil {
			return fmt.Errorf("jwt secret: %w", err)
		}
	}
	authCfg := auth.Config{Secret: secret, Logger: logger, Throttles: st.throttles}
	if st.throttles != nil {
		// Several servers share this database: a logout on one must be
		// refused by every other at once, so no server trusts a token it
		// checked before without asking the database again.
		authCfg.TokenCacheTTL = -1
	}
	authn, err := auth.New(st.auth, authCfg)
	if err != nil {
		return err
	}
	if c.superuser != "" {
		name, pw, _ := strings.Cut(c.superuser, ":")
		if _, err := authn.EnsureSuperuser(ctx, name, pw); err != nil {
			return fmt.Errorf("-superuser: %w", err)
		}
		logger.Info("superuser ready", "username", name)
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
	handler := system.Handler(system.Services{Auth: authn, Auction: auctions, Calendar: cal, Microblog: posts, Trials: mirror, Mailing: mail}, sysCfg)
	gate.Open(handler)

	logger.Info("hanok listening", "addr", "http://"+ln.Addr().String(), "db", postgres.Redacted(c.db))
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
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
			return nil, fmt.Errorf("-auction-catalog: %w", err)
		}
		defer f.Close()
		if _, err := svc.ImportCatalog(ctx, f); err != nil {
			return nil, fmt.Errorf("-auction-catalog %s: %w", c.auctionCatalog, err)
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
