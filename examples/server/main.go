// Command server runs the whole hanok system on one port: every service
// under its own prefix, with a SQLite file (or memory) for storage.
//
//	go run ./examples/server
//	go run ./examples/server trials-sync   # one trials sync, then exit
//
// Every flag has an environment default: HANOK_ + the flag's name in upper
// case with "-" as "_" (-jwt-secret -> HANOK_JWT_SECRET).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storage/memory"
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
	// calendarZone is the zone of the calendar's days and wall-clock times.
	calendarZone *time.Location
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
	str(&c.db, "db", "hanok.db", `SQLite database file, or "memory" for in-memory stores`)
	str(&c.media, "media", "media", "directory of uploaded files")
	str(&c.jwtSecret, "jwt-secret", "", "JWT signing secret, at least 32 bytes (default: generated on first start and kept in the database)")
	str(&c.superuser, "superuser", "", "name:password of a superuser to create or update at start")
	str(&c.auctionCatalog, "auction-catalog", "", "auction catalog .xlsx (브랜드 | 차종 | 모델) to import at start (default: a small built-in catalog on first start)")
	auctionDuration := 48 * time.Hour
	if v := getenv(envName("auction-duration")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", envName("auction-duration"), err)
		}
		auctionDuration = d
	}
	fs.DurationVar(&c.auctionDuration, "auction-duration", auctionDuration, "how long an approved auction runs (env "+envName("auction-duration")+")")
	zone := calendar.DefaultZone
	str(&zone, "calendar-zone", zone, "time zone of the calendar's days and wall-clock times")
	trialsFlags(str, &c.trials)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("-calendar-zone %q: %w", zone, err)
	}
	c.calendarZone = loc
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
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
	if err := c.trials.check(); err != nil {
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
	trials   trials.Store
	close    func() error

	auction      auction.Store
	auctionMedia auction.MediaStore
}

func openStores(ctx context.Context, c *config) (*stores, error) {
	if c.db == "memory" {
		m := memory.New()
		return &stores{auction: m.Auction(), auctionMedia: m.Media(), auth: m.Auth(), calendar: m.Calendar(), trials: m.Trials(), close: func() error { return nil }}, nil
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
	return &stores{auction: db.Auction(), auctionMedia: media, auth: db.Auth(), calendar: db.Calendar(), trials: db.Trials(), close: func() error { return errors.Join(media.Close(), db.Close()) }}, nil
}

// run starts the server and blocks until ctx is done, then shuts down
// gracefully: in-flight requests finish and the database is closed.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "trials-sync" {
		return trialsSync(ctx, args[1:], getenv, stdout)
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	c, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
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
	authn, err := auth.New(st.auth, auth.Config{Secret: secret, Logger: logger})
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

	handler := system.Handler(system.Services{Auth: authn, Auction: auctions, Calendar: cal, Trials: mirror}, system.Config{Logger: logger})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("-addr %s: %w", c.addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout: an image upload may take long on a slow link;
		// idle keep-alive connections are closed after two minutes.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("hanok listening", "addr", "http://"+ln.Addr().String(), "db", c.db)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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

// newAuction builds the auction service and fills its catalog: the file of
// -auction-catalog, or the built-in catalog when the catalog is empty.
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
		if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
			return nil, fmt.Errorf("auction catalog: %w", err)
		}
	}
	return svc, nil
}
