// Package auctionhttp is the HTTP adapter of the used-car auction, with the
// routes, bodies and status codes of the original service:
//
//	POST /users/registration/  {username, password1, password2, email} -> 201 {token, user}
//	POST /users/login/         {username, password}                    -> 200 {token, user}
//	POST /users/logout/                                                -> 200 {detail}
//	GET  /cars/search/         [?brand= | ?kind=[&brand=]]             -> brands, kinds or models
//	POST /cars/new/            multipart, 5+ car_images                -> 201 car
//	PUT  /cars/{id}/approval/  superuser                               -> 200 car
//	GET  /cars/                [?page=&model=&ordering=reverse]        -> 200 page of cars
//	GET  /cars/{id}            (and /cars/{id}/)                       -> 200 car
//	POST /cars/test/           superuser                               -> 200 generated test data
//	POST /cars/{id}/bids/      {amount}                                -> 201 bid
//	GET  /cars/{id}/bids/                                              -> 200 bids
//	POST /cars/{id}/accept/    {bid_id}                                -> 200 car
//	GET  /media/{path...}                                              -> the uploaded file
//
// Every route but registration, login and media needs a token in
// "Authorization: JWT <t>" (or "Bearer <t>"). Errors are bodies in the
// style of Django REST framework: {"detail": "..."}, or for invalid
// fields {"<field>": ["reason"]}.
package auctionhttp

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// where the adapter is mounted.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

// WithMediaURL sets the URL prefix of image URLs in bodies (default
// "/media/"). The handler itself serves media at /media/ under wherever
// it is mounted; an embedder that mounts it under a prefix either mounts
// /media/ on the same handler too or sets this to the prefixed path.
func WithMediaURL(prefix string) Option {
	return func(h *handler) {
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		h.mediaURL = prefix
	}
}

// WithMaxUploadBytes sets the largest accepted car registration body
// (default 100 MiB).
func WithMaxUploadBytes(n int64) Option { return func(h *handler) { h.maxUpload = n } }

// WithMaxConcurrentUploads sets how many car registrations may upload at
// once, over every user (default 8); one more is answered 503 with
// Retry-After before its body is read. An upload streams its images to
// the media store's disk and decodes them within the service's memory
// budget (auction.Config.MaxDecodeBytes), so this bounds connections and
// disk, not memory.
func WithMaxConcurrentUploads(n int) Option {
	return func(h *handler) { h.uploads.max = max(n, 1) }
}

// WithMaxUploadsPerUser sets how many car registrations one user may
// upload at once (default 2), so that no user holds every upload slot;
// one more is answered 429 with Retry-After before its body is read.
func WithMaxUploadsPerUser(n int) Option {
	return func(h *handler) { h.uploads.perUser = max(n, 1) }
}

// WithUploadProgress sets how a car registration's body must keep
// arriving (default: no pause over 30 s, 16 KiB/s on average); a client
// that falls behind is answered 400 and cut off.
func WithUploadProgress(p httpx.Progress) Option { return func(h *handler) { h.progress = p } }

type handler struct {
	progress  httpx.Progress
	svc       *auction.Service
	authn     *auth.Service
	logger    *slog.Logger
	mediaURL  string
	maxUpload int64
	// uploads counts the car registrations in flight.
	uploads uploadSlots
}

// NewHandler returns the adapter's handler.
func NewHandler(svc *auction.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, authn: authn, logger: slog.New(slog.DiscardHandler), mediaURL: "/media/", maxUpload: 100 << 20, uploads: uploadSlots{max: 8, perUser: 2},
		progress: httpx.Progress{Idle: 30 * time.Second, MinRate: 16 << 10}}
	for _, o := range opts {
		o(h)
	}
	return h.routes()
}

// routes lists every route.
func (h *handler) routes() http.Handler {
	rt := httpx.NewRouter(h.render, h.authn, "")
	rt.Public("POST /users/registration/{$}", h.register)
	rt.Public("POST /users/login/{$}", h.login)
	rt.User("POST /users/logout/{$}", h.logout)

	rt.User("GET /cars/search/{$}", h.search)
	rt.User("POST /cars/new/{$}", h.createCar)
	rt.User("PUT /cars/{id}/approval/{$}", h.approve)
	rt.User("GET /cars/{$}", h.list)
	rt.User("GET /cars/{id}", h.detail)
	rt.User("GET /cars/{id}/{$}", h.detail)
	rt.User("POST /cars/test/{$}", h.seed)
	rt.User("POST /cars/{id}/bids/{$}", h.placeBid)
	rt.User("GET /cars/{id}/bids/{$}", h.bids)
	rt.User("POST /cars/{id}/accept/{$}", h.accept)

	rt.Public("GET /media/{path...}", h.media)
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}

// render is the adapter's one renderer: err as a body in the style of
// Django REST framework, {"detail": "..."}, or {"<field>": ["reason"]} for
// an invalid field. A request that is not signed in is told the scheme.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	if hanok.IsCode(err, hanok.Unauthenticated) {
		w.Header().Set("WWW-Authenticate", `JWT realm="api"`)
	}
	status, msg := httpx.Report(w, r, h.logger, err)
	if fields := hanok.FieldsOf(err); status == http.StatusBadRequest && len(fields) > 0 {
		body := make(map[string][]string, len(fields))
		for f, reason := range fields {
			body[f] = []string{reason}
		}
		httpx.WriteJSON(w, status, body)
		return
	}
	httpx.WriteJSON(w, status, Detail{Detail: msg})
}

// superuserOnly turns the refusal of a superuser-only call into 401, as the
// original service documents ("UNAUTHORIZED").
func superuserOnly(err error) error {
	if hanok.IsCode(err, hanok.Forbidden) {
		return &hanok.Error{Code: hanok.Unauthenticated, Message: hanok.MessageOf(err), Err: err}
	}
	return err
}

// Detail is the body of a message or an error.
type Detail struct {
	Detail string `json:"detail"`
}

// carID parses the {id} path value with httpx.PathID: anything but a
// positive integer is a car that does not exist.
func carID(r *http.Request) (auction.CarID, error) {
	id, err := httpx.PathID(r, "id", "car")
	return auction.CarID(id), err
}
