// Package system wires the hanok services into one http.Handler: the
// all-in-one server of examples/server, in a form another program can
// embed in a few lines.
//
// Each service is mounted under its own prefix with http.StripPrefix, so
// the seed's own paths follow the prefix unchanged: /auth/, /auction/,
// /calendar/, /microblog/, /trials/, /mailing/. A service left nil in
// Services is not mounted. The microblog's Mastodon client API
// (mastodonhttp), when Services.OAuth is set, is served at Mastodon's own
// paths instead: /api/v1/, /api/v2/, /oauth/, /.well-known/nodeinfo,
// /nodeinfo/2.0.
package system

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/mailinghttp"
	"github.com/hanok-dev/hanok/adapters/mastodonhttp"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/trials"
)

// Services are the services to mount. Auth is required; the others are
// mounted when not nil.
type Services struct {
	Auth *auth.Service
	// Auction is mounted at /auction/; its uploaded images are also
	// served at /media/, the URLs its bodies give.
	Auction *auction.Service
	// Calendar is mounted at /calendar/ (its routes are /calendar/api/v1/...).
	Calendar *calendar.Service
	// Microblog is mounted at /microblog/ (/microblog/tweet/, ...).
	Microblog *microblog.Service
	// Mailing is mounted at /mailing/ (its routes are /mailing/subscribe...).
	Mailing *mailing.Service
	// Trials is mounted at /trials/ (its routes are /trials/tasks...,
	// /trials/sync).
	Trials *trials.Service
	// OAuth, with Microblog, serves the Mastodon client API
	// (mastodonhttp) at Mastodon's paths: /api/v1/, /api/v2/, /oauth/,
	// /.well-known/nodeinfo and /nodeinfo/2.0.
	OAuth *auth.OAuth
}

// Config configures Handler.
type Config struct {
	// Logger receives one line per request and every internal error.
	// Default: discard.
	Logger *slog.Logger
	// Registry receives the metrics (default: NewRegistry()). Pass one to
	// serve it elsewhere (DebugHandler) or to add collectors of your own:
	// a service's own metrics (sync runs, outbox depth, sends) are
	// prometheus.Collectors the program registers here; the request
	// metrics of every mounted service need nothing of it.
	Registry *prometheus.Registry
	// NoMetricsRoute leaves /metrics off this handler, for a server that
	// serves it on a private listener (DebugHandler).
	NoMetricsRoute bool
	// DBStats, if set, reports the database pools' statistics by pool
	// name (sqlite's (*DB).Stats), exported as go_sql_* metrics.
	DBStats func() map[string]sql.DBStats
	// Ready, if set, is GET /readyz's check (a database ping): an error
	// makes it 503. Without it /readyz is 200 like /healthz.
	Ready func(ctx context.Context) error
	// CORSOrigins are the origins a browser app may call from (see
	// ParseOrigins); empty is CORS off.
	CORSOrigins []string
	// TrustedProxies are the networks of the reverse proxies whose
	// X-Forwarded-For gives the client's address (httpx.TrustProxies).
	// Default: none, the peer's address is the client's.
	TrustedProxies []netip.Prefix
	// Deadlines bound how long request bodies may take
	// (httpx.BodyDeadlines). Default: httpx's defaults, 10s for a JSON
	// body, and for any other body no wait for more bytes longer than
	// 30s and at least 1 KiB/s on average.
	Deadlines httpx.Deadlines
	// MailingToken is the token of the mailing list's admin routes.
	MailingToken string
}

// Handler returns the whole system's handler: every service under its
// prefix, GET /healthz, GET /readyz, GET /metrics, Swagger UI at /docs/
// over every service's OpenAPI document, request ids, metrics, request
// body deadlines, request logging, panic recovery, trusted proxies and
// CORS. Every response carries X-Content-Type-Options: nosniff, and an
// unknown path or method is a JSON error (404, 405 with Allow).
func Handler(svcs Services, cfg Config) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = slog.New(httpx.NewLogHandler(logger.Handler()))
	reg := cfg.Registry
	if reg == nil {
		reg = NewRegistry()
	}
	if cfg.DBStats != nil {
		register(reg, prometheus.Collector(newDBStatsCollector(cfg.DBStats)))
	}
	render := func(w http.ResponseWriter, r *http.Request, err error) { httpx.WriteError(w, r, logger, err) }

	const readyRetry = 5 * time.Second
	// The root is a Router, as each adapter's is, so that an unknown path
	// (/nowhere, /healthz/x) or method (POST /healthz) is answered in JSON
	// like every other error, not in the ServeMux's plain text.
	mux := httpx.NewRouter(render, svcs.Auth, "")
	handle(mux, "system", "GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	handle(mux, "system", "GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := cfg.Ready(ctx); err != nil {
				logger.WarnContext(ctx, "not ready", "err", err)
				if !hanok.IsCode(err, hanok.Unavailable) {
					err = hanok.Wrap(hanok.Unavailable, err, "not ready: the database is unreachable")
				}
				if hanok.RetryAfterOf(err) == 0 {
					// A load balancer or client may ask again soon.
					err = &hanok.Error{Code: hanok.Unavailable, Message: hanok.MessageOf(err), RetryAfter: readyRetry, Err: err}
				}
				render(w, r, err)
				return
			}
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}))
	if !cfg.NoMetricsRoute {
		handle(mux, "system", "GET /metrics", MetricsHandler(reg))
	}
	var docs []apiDoc
	service := func(prefix string, h http.Handler) {
		mount(mux, prefix, h)
		docs = append(docs, apiDoc{Name: strings.TrimPrefix(prefix, "/"), URL: prefix + "/openapi.json"})
	}
	service("/auth", authhttp.NewHandler(svcs.Auth, authhttp.WithLogger(logger)))
	if svcs.Auction != nil {
		ah := auctionhttp.NewHandler(svcs.Auction, svcs.Auth, auctionhttp.WithLogger(logger))
		service("/auction", ah)
		handle(mux, "auction", "GET /media/", ah)
	}
	if svcs.Calendar != nil {
		service("/calendar", calendarhttp.NewHandler(svcs.Calendar, svcs.Auth, calendarhttp.WithLogger(logger)))
		// CalDAV discovery (RFC 6764): the well-known URL, and a PROPFIND
		// of the root, lead to the calendar's DAV tree.
		davRoot := http.RedirectHandler("/calendar/dav/", http.StatusPermanentRedirect)
		handle(mux, "calendar", "/.well-known/caldav", davRoot)
		// Only PROPFIND: any other method on the root is the unknown path
		// it always was (404), not a 405 naming PROPFIND.
		handle(mux, "calendar", "/{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "PROPFIND" {
				render(w, r, httpx.ErrNoRoute)
				return
			}
			davRoot.ServeHTTP(w, r)
		}))
	}
	if svcs.Microblog != nil {
		service("/microblog", microbloghttp.NewHandler(svcs.Microblog, svcs.Auth, microbloghttp.WithLogger(logger)))
	}
	if svcs.Microblog != nil && svcs.OAuth != nil {
		mh := mastodonhttp.NewHandler(svcs.Microblog, svcs.OAuth, mastodonhttp.WithLogger(logger))
		for _, p := range mastodonhttp.Paths {
			handle(mux, "mastodon", p, mh)
		}
		docs = append(docs, apiDoc{Name: "mastodon", URL: "/api/v1/openapi.json"})
	}
	if svcs.Trials != nil {
		service("/trials", trialshttp.NewHandler(svcs.Trials, svcs.Auth, trialshttp.WithLogger(logger)))
	}
	if svcs.Mailing != nil {
		service("/mailing", mailinghttp.NewHandler(svcs.Mailing, svcs.Auth, mailinghttp.WithLogger(logger), mailinghttp.WithAdminToken(cfg.MailingToken)))
	}
	handle(mux, "docs", "GET /docs/", docsHandler(docs, render))
	var h http.Handler = mux
	h = httpx.BodyDeadlines(cfg.Deadlines)(h)
	if len(cfg.CORSOrigins) > 0 {
		h = cors(cfg.CORSOrigins, render, h)
	}
	h = httpx.Recover(logger)(h)
	h = httpx.LogRequests(logger)(h)
	h = httpx.TrustProxies(cfg.TrustedProxies)(h)
	h = newHTTPMetrics(reg).observe(h)
	h = noSniff(h)
	return h
}

// mount serves h under prefix, with the prefix stripped; the service is
// named by the prefix ("/auction" -> "auction") in logs and metrics.
func mount(mux *httpx.Router, prefix string, h http.Handler) {
	handle(mux, strings.TrimPrefix(prefix, "/"), prefix+"/", http.StripPrefix(prefix, h))
}

// handle serves pattern with h, recording service and the pattern in the
// request's httpx.RequestInfo (an httpx.Router inside h then records its
// own, finer pattern).
func handle(mux *httpx.Router, service, pattern string, h http.Handler) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r, service, pattern)
		h.ServeHTTP(w, r)
	}))
}
