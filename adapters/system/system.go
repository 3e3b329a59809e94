// Package system wires the hanok services into one http.Handler: the
// all-in-one server of examples/server, in a form another program can
// embed in a few lines.
//
// Each service is mounted under its own prefix with http.StripPrefix, so
// the seed's own paths follow the prefix unchanged: /auth/, /auction/,
// /calendar/, /microblog/, /mailing/. A service left nil in Services is not mounted.
package system

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/mailinghttp"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
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
}

// Config configures Handler.
type Config struct {
	// Logger receives one line per request and every internal error.
	// Default: discard.
	Logger *slog.Logger
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
// prefix, GET /healthz, Swagger UI at /docs/ over every service's OpenAPI
// document, request body deadlines, request logging and panic recovery.
func Handler(svcs Services, cfg Config) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	var docs []apiDoc
	mount := func(prefix string, h http.Handler) {
		mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
		docs = append(docs, apiDoc{Name: strings.TrimPrefix(prefix, "/"), URL: prefix + "/openapi.json"})
	}
	mount("/auth", authhttp.NewHandler(svcs.Auth, authhttp.WithLogger(logger)))
	if svcs.Auction != nil {
		ah := auctionhttp.NewHandler(svcs.Auction, svcs.Auth, auctionhttp.WithLogger(logger))
		mount("/auction", ah)
		mux.Handle("GET /media/", ah)
	}
	if svcs.Calendar != nil {
		mount("/calendar", calendarhttp.NewHandler(svcs.Calendar, svcs.Auth, calendarhttp.WithLogger(logger)))
	}
	if svcs.Microblog != nil {
		mount("/microblog", microbloghttp.NewHandler(svcs.Microblog, svcs.Auth, microbloghttp.WithLogger(logger)))
	}
	if svcs.Mailing != nil {
		mount("/mailing", mailinghttp.NewHandler(svcs.Mailing, svcs.Auth, mailinghttp.WithLogger(logger), mailinghttp.WithAdminToken(cfg.MailingToken)))
	}
	mux.Handle("GET /docs/", docsHandler(docs))
	var h http.Handler = mux
	h = httpx.BodyDeadlines(cfg.Deadlines)(h)
	h = httpx.Recover(logger)(h)
	h = httpx.LogRequests(logger)(h)
	h = httpx.TrustProxies(cfg.TrustedProxies)(h)
	return h
}
