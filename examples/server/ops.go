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
	"strings"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/system"
)

// opsFlags adds the flags of operation: logging, the debug listener and
// CORS.
func opsFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.logFormat, "log-format", "text", `log format: "text" or "json"`)
	fs.StringVar(&c.logLevel, "log-level", "info", `lowest level logged: "debug", "info", "warn" or "error"`)
	fs.StringVar(&c.debugAddr, "debug-addr", "", "listen address of /metrics and /debug/pprof/ (default: off; /metrics is then on -addr, pprof nowhere)")
	fs.StringVar(&c.corsList, "cors-origins", "", `comma-separated origins a browser app may call from, or "*" (default: none, CORS off)`)
}

// checkOps checks the operation flags and parses -cors-origins.
func (c *config) checkOps() error {
	o, err := system.ParseOrigins(c.corsList)
	if err != nil {
		return fmt.Errorf("%s: %w", c.name("cors-origins"), err)
	}
	c.corsOrigins = o
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf(`%s %q: want "text" or "json"`, c.name("log-format"), c.logFormat)
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf(`%s %q: want "debug", "info", "warn" or "error"`, c.name("log-level"), c.logLevel)
	}
	if c.debugAddr != "" {
		if _, _, err := net.SplitHostPort(c.debugAddr); err != nil {
			return fmt.Errorf("%s %q: %w", c.name("debug-addr"), c.debugAddr, err)
		}
	}
	return nil
}

// logger is the server's logger, in -log-format from -log-level, adding
// the request id to every line logged for a request.
func (c *config) logger(out io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.logLevel)) // checked by checkOps
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(out, opts)
	if c.logFormat == "json" {
		h = slog.NewJSONHandler(out, opts)
	}
	return slog.New(httpx.NewLogHandler(h))
}

// systemConfig is the system handler's configuration: logger, metrics with
// the database pools, readiness, CORS. With -debug-addr it starts the
// debug listener (metrics and pprof) and returns the function that stops
// it.
func (c *config) systemConfig(st *stores, logger *slog.Logger) (system.Config, func(), error) {
	cfg := system.Config{Logger: logger, Registry: system.NewRegistry(), CORSOrigins: c.corsOrigins}
	cfg.DBStats = st.stats
	cfg.Ready = st.ping
	if c.debugAddr == "" {
		return cfg, func() {}, nil
	}
	cfg.NoMetricsRoute = true
	ln, err := net.Listen("tcp", c.debugAddr)
	if err != nil {
		return cfg, nil, fmt.Errorf("%s %s: %w", c.name("debug-addr"), c.debugAddr, err)
	}
	srv := &http.Server{Handler: system.DebugHandler(cfg.Registry), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("debug listener", "err", err)
		}
	}()
	logger.Info("debug listening", "addr", "http://"+ln.Addr().String(), "paths", strings.Join([]string{"/metrics", "/debug/pprof/"}, " "))
	if !loopback(ln.Addr()) {
		logger.Warn("-debug-addr listens beyond this host: anyone who reaches it can read /metrics and /debug/pprof/ (the process's memory, goroutines and command line); listen on 127.0.0.1 or ::1",
			"addr", ln.Addr().String())
	}
	return cfg, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// loopback reports whether addr is a loopback address: not the wildcard
// (":6060" listens on every interface) nor a routable one.
func loopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
