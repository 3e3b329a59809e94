// Command embedcalendar shows one way to embed a single hanok service: the
// calendar, mounted under /cal/ of a program's own http.ServeMux, next to
// the program's own routes, on one SQLite file.
//
//	go run ./examples/embedcalendar -addr 127.0.0.1:8081 -db calendar.db
//
// The calendar's routes follow the prefix: POST /cal/api/v1/user/ signs
// in, GET /cal/api/v1/calendar/ reads this month, and so on.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dbPath := flag.String("db", "calendar.db", "SQLite database file")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, *addr, *dbPath, logger); err != nil {
		fmt.Fprintln(os.Stderr, "embedcalendar:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, dbPath string, logger *slog.Logger) error {
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	handler, err := newHandler(ctx, db, logger)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			logger.Error("shutdown", "err", err)
		}
	}()
	logger.Info("listening", "addr", addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newHandler is the program's own mux with the calendar mounted under
// /cal/. The signing key is kept in the database, so tokens survive a
// restart.
func newHandler(ctx context.Context, db *sqlite.DB, logger *slog.Logger) (http.Handler, error) {
	secret, err := db.Auth().Secret(ctx, "jwt", auth.GenerateSecret())
	if err != nil {
		return nil, err
	}
	authn, err := auth.New(db.Auth(), auth.Config{Secret: secret, Logger: logger})
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New(db.Calendar(), calendar.Config{Logger: logger})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/cal/", http.StripPrefix("/cal", calendarhttp.NewHandler(cal, authn, calendarhttp.WithLogger(logger))))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "my own home page; the calendar is under /cal/\n")
	})
	return mux, nil
}
