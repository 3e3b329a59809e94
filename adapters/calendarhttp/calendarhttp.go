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
//	GET    /api/v1/calendar.ics          ?from=2017-06-01&to=2017-07-01 (text/calendar; default this month)
//	POST   /api/v1/feed/                 a new subscription link {url, webcal} (replaces the old one)
//	DELETE /api/v1/feed/                 revokes it
//	GET    /feeds/<secret>.ics           the subscription link: no token; ETag, Last-Modified, 304
//	GET    /api/v1/app-passwords/        the actor's app passwords
//	POST   /api/v1/app-passwords/        {name} -> {id, name, password, username, dav_url} (shown once)
//	DELETE /api/v1/app-passwords/{id}    revokes one
//	*      /dav/...                      CalDAV (RFC 4791), HTTP Basic: email and app password (dav.go)
package calendarhttp

import (
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// TokenHeader is the header the seed's clients send their token in.
const TokenHeader = "X-calendar-access-token"

// maxBody is the largest request body accepted: the seed's bodies are a
// few fields.
const maxBody = 64 << 10

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// where the adapter is mounted.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

type handler struct {
	svc    *calendar.Service
	authn  *auth.Service
	logger *slog.Logger
	// davWrites serializes each user's CalDAV PUTs (dav.go).
	davWrites userLocks
}

// NewHandler returns the adapter's handler, to be mounted under any
// prefix with http.StripPrefix.
func NewHandler(svc *calendar.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, authn: authn, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	rt := httpx.NewRouter(h.render, authn, TokenHeader)
	rt.Public("POST /api/v1/user/{$}", h.signIn)
	rt.User("POST /api/v1/user/calendar/group", h.selectGroups)
	rt.User("GET /api/v1/calendar/{$}", h.thisMonth)
	rt.User("GET /api/v1/calendar/month", h.month)
	rt.User("GET /api/v1/calendar/today", h.today)
	rt.User("GET /api/v1/calendar/date", h.date)
	rt.User("GET /api/v1/calendar/search", h.search)
	rt.User("POST /api/v1/calendar/event", h.createEvent)
	rt.User("PUT /api/v1/calendar/event", h.updateEvent)
	rt.User("DELETE /api/v1/calendar/event", h.deleteEvent)
	rt.User("PUT /api/v1/calendar/birthday", h.birthday)
	rt.User("POST /api/v1/calendar/birthday", h.birthday)
	rt.User("POST /api/v1/group/{$}", h.createGroup)
	rt.User("PUT /api/v1/group/{$}", h.renameGroup)
	rt.User("DELETE /api/v1/group/{$}", h.deleteGroup)
	rt.User("GET /api/v1/group/{$}", h.myGroups)
	rt.User("GET /api/v1/group/list", h.allGroups)
	rt.User("POST /api/v1/group/event", h.createGroupEvent)
	rt.User("GET /api/v1/calendar.ics", h.ics)
	rt.User("POST /api/v1/feed/{$}", h.createFeed)
	rt.User("DELETE /api/v1/feed/{$}", h.revokeFeed)
	rt.Public("GET /feeds/{file}", h.feed)
	rt.User("GET /api/v1/app-passwords/{$}", h.appPasswords)
	rt.User("POST /api/v1/app-passwords/{$}", h.createAppPassword)
	rt.User("DELETE /api/v1/app-passwords/{id}", h.revokeAppPassword)
	rt.Handle("/dav/", http.HandlerFunc(h.dav))
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}
