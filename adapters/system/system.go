// Package system wires the hanok services into one http.Handler: the
// all-in-one server of examples/server, in a form another program can
// embed in a few lines.
//
// Each service is mounted under its own prefix with http.StripPrefix, so
// the seed's own paths follow the prefix unchanged: /auth/, /auction/,
// /calendar/, /trials/. A service left nil in Services is not mounted.
package system

import (
	"log/slog"
	"net/http"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
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
	// Trials is mounted at /trials/ (its routes are /trials/tasks...,
	// /trials/sync).
	Trials *trials.Service
}

// Config configures Handler.
type Config struct {
	// Logger receives one line per request and every internal error.
	// Default: discard.
	Logger *slog.Logger
}

// Handler returns the whole system's handler: every service under its
// prefix, GET /healthz, request logging and panic recovery.
func Handler(svcs Services, cfg Config) http.Handler {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mount(mux, "/auth", authhttp.NewHandler(svcs.Auth, authhttp.WithLogger(logger)))
	if svcs.Auction != nil {
		ah := auctionhttp.NewHandler(svcs.Auction, svcs.Auth, auctionhttp.WithLogger(logger))
		mount(mux, "/auction", ah)
		mux.Handle("GET /media/", ah)
	}
	if svcs.Calendar != nil {
		mount(mux, "/calendar", calendarhttp.NewHandler(svcs.Calendar, svcs.Auth, calendarhttp.WithLogger(logger)))
	}
	if svcs.Trials != nil {
		mount(mux, "/trials", trialshttp.NewHandler(svcs.Trials, svcs.Auth, trialshttp.WithLogger(logger)))
	}
	var h http.Handler = mux
	h = httpx.Recover(logger)(h)
	h = httpx.LogRequests(logger)(h)
	return h
}

// mount serves h under prefix, with the prefix stripped.
func mount(mux *http.ServeMux, prefix string, h http.Handler) {
	mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
}
