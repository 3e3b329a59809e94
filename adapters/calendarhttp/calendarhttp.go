// Package calendarhttp is the HTTP adapter of the calendar: the seed's
// routes under /api/v1, its JSON bodies and its response envelope
//
//	{"meta": {"code": 20000, "message": "SUCCESS"}, "data": ...}
//
// whose HTTP status is the first three digits of the code. The token is
// read from the X-calendar-access-token header (or Authorization: Bearer).
//
//	POST   /api/v1/user/                 {useremail, password} -> {token}
//	POST   /api/v1/user/calendar/group   {selected_group: "1,2,13"} ("0" clears)
//	GET    /api/v1/calendar/             this month
//	GET    /api/v1/calendar/month        ?year_month=2017-06
//	GET    /api/v1/calendar/today
//	GET    /api/v1/calendar/date         ?date=2017-06-22
//	GET    /api/v1/calendar/search       ?search_word=...
//	POST   /api/v1/calendar/event        {sdate, edate, subject}
//	PUT    /api/v1/calendar/event        {sdate, edate, subject, event_id}
//	DELETE /api/v1/calendar/event        {event_id}
//	PUT    /api/v1/calendar/birthday     {birthday: "2017-06-19"} (POST too)
//	POST   /api/v1/group/                {group_name}
//	PUT    /api/v1/group/                {group_id, group_name}
//	DELETE /api/v1/group/                {group_id}
//	GET    /api/v1/group/                my groups
//	GET    /api/v1/group/list            every group
//	POST   /api/v1/group/event           {sdate, edate, subject, group_id}
//	GET    /api/v1/calendar.ics          ?from=2017-06-01&to=2017-07-01 (text/calendar)
package calendarhttp

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// TokenHeader is the header the seed's clients send their token in.
const TokenHeader = "X-calendar-access-token"

// maxBody is the largest request body accepted: the seed's bodies are a
// few fields.
const maxBody = 64 << 10

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

type handler struct {
	svc    *calendar.Service
	authn  *auth.Service
	logger *slog.Logger
}

// NewHandler returns the adapter's handler, to be mounted under any
// prefix with http.StripPrefix.
func NewHandler(svc *calendar.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, authn: authn, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	mux := http.NewServeMux()
	user := httpx.RequireUser(authn, httpx.AuthOptions{Header: TokenHeader, OnError: h.authError})
	route := func(pattern string, fn func(http.ResponseWriter, *http.Request, calendar.Actor)) {
		mux.Handle(pattern, user(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fn(w, r, actorOf(r))
		})))
	}
	mux.HandleFunc("POST /api/v1/user/{$}", h.signIn)
	route("POST /api/v1/user/calendar/group", h.selectGroups)
	route("GET /api/v1/calendar/{$}", h.thisMonth)
	route("GET /api/v1/calendar/month", h.month)
	route("GET /api/v1/calendar/today", h.today)
	route("GET /api/v1/calendar/date", h.date)
	route("GET /api/v1/calendar/search", h.search)
	route("POST /api/v1/calendar/event", h.createEvent)
	route("PUT /api/v1/calendar/event", h.updateEvent)
	route("DELETE /api/v1/calendar/event", h.deleteEvent)
	route("PUT /api/v1/calendar/birthday", h.birthday)
	route("POST /api/v1/calendar/birthday", h.birthday)
	route("POST /api/v1/group/{$}", h.createGroup)
	route("PUT /api/v1/group/{$}", h.renameGroup)
	route("DELETE /api/v1/group/{$}", h.deleteGroup)
	route("GET /api/v1/group/{$}", h.myGroups)
	route("GET /api/v1/group/list", h.allGroups)
	route("POST /api/v1/group/event", h.createGroupEvent)
	route("GET /api/v1/calendar.ics", h.ics)
	return &router{mux: mux}
}

// router answers the requests no route matches in the envelope too:
// 40400 for an unknown path, 40500 for a method the path does not serve.
// It also keeps the mux's redirects (/api/v1/calendar to
// /api/v1/calendar/) inside the prefix the handler is mounted under.
type router struct{ mux *http.ServeMux }

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern == "" {
		h.ServeHTTP(&unmatched{ResponseWriter: w}, r)
		return
	}
	if prefix := mountPrefix(r); prefix != "" {
		w = &mounted{ResponseWriter: w, prefix: prefix}
	}
	rt.mux.ServeHTTP(w, r)
}

// mountPrefix returns the part of the request's path that
// http.StripPrefix removed before the request reached the handler.
func mountPrefix(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	prefix, ok := strings.CutSuffix(u.EscapedPath(), r.URL.EscapedPath())
	if !ok {
		return ""
	}
	return prefix
}

// mounted puts the mount prefix in front of the path of a redirect's
// Location, which the mux computes from the stripped path.
type mounted struct {
	http.ResponseWriter
	prefix string
}

func (m *mounted) WriteHeader(status int) {
	if status >= 300 && status < 400 {
		loc := m.Header().Get("Location")
		if strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
			m.Header().Set("Location", m.prefix+loc)
		}
	}
	m.ResponseWriter.WriteHeader(status)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (m *mounted) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// unmatched replaces the mux's plain-text 404 and 405 bodies with the
// envelope, keeping their status and the Allow header.
type unmatched struct {
	http.ResponseWriter
	wrote bool
}

func (u *unmatched) WriteHeader(status int) {
	if u.wrote {
		return
	}
	u.wrote = true
	u.Header().Del("X-Content-Type-Options")
	if status == http.StatusMethodNotAllowed {
		write(u.ResponseWriter, CodeMethodNotAllowed, "METHOD NOT ALLOWED", nil)
		return
	}
	write(u.ResponseWriter, CodeNotFound, "NOT FOUND: no such route", nil)
}

func (u *unmatched) Write(b []byte) (int, error) {
	if !u.wrote {
		u.WriteHeader(http.StatusNotFound)
	}
	return len(b), nil
}

// actorOf returns the calendar actor of an authenticated request. Users
// registered without an email are shown by username.
func actorOf(r *http.Request) calendar.Actor {
	u, _ := httpx.UserFrom(r.Context())
	email := u.Email
	if email == "" {
		email = u.Username
	}
	return calendar.Actor{ID: u.ID, Email: email}
}
