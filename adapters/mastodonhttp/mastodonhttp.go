// Package mastodonhttp is the Mastodon client API of the microblog, so
// that the apps made for Mastodon (toot, Tusky, Elk, Phanpy, ...) can use
// it: the same tweets, follows and likes as the seed's routes
// (adapters/microbloghttp), over the same microblog.Service, with the
// accounts and tokens of auth (its OAuth 2: apps, the password,
// authorization code and client credentials grants, revocation).
//
// Its paths are Mastodon's, from the root of the server:
//
//	POST   /api/v1/apps                          register an app: client_id, client_secret
//	GET    /api/v1/apps/verify_credentials       (token) the token's app
//	GET    /oauth/authorize                      the login and consent page (also with a trailing /)
//	POST   /oauth/authorize                      the page's form: a code (redirect, or shown for oob)
//	POST   /oauth/token                          grant_type password, authorization_code, client_credentials
//	POST   /oauth/revoke                         revoke a token (RFC 7009)
//	GET    /api/v1/instance, /api/v2/instance    the server
//	GET    /.well-known/nodeinfo, /nodeinfo/2.0  NodeInfo
//	GET    /api/v1/accounts/verify_credentials   (read) the token's user
//	GET    /api/v1/accounts/lookup?acct=         an account by username
//	GET    /api/v1/accounts/search?q=            the same, as a list
//	GET    /api/v1/accounts/relationships?id[]=  (read:follows)
//	GET    /api/v1/accounts/{id}                 an account with its counts
//	GET    /api/v1/accounts/{id}/statuses        paged
//	GET    /api/v1/accounts/{id}/followers       paged
//	GET    /api/v1/accounts/{id}/following       paged
//	POST   /api/v1/accounts/{id}/follow          (write:follows) -> Relationship
//	POST   /api/v1/accounts/{id}/unfollow        (write:follows) -> Relationship
//	POST   /api/v1/statuses                      (write:statuses) status, in_reply_to_id
//	GET    /api/v1/statuses/{id}                 a status
//	DELETE /api/v1/statuses/{id}                 (write:statuses) one's own status
//	GET    /api/v1/statuses/{id}/context         ancestors and descendants
//	POST   /api/v1/statuses/{id}/favourite       (write:favourites)
//	POST   /api/v1/statuses/{id}/unfavourite     (write:favourites)
//	GET    /api/v1/statuses/{id}/favourited_by   an empty list
//	GET    /api/v1/timelines/home                (read:statuses) paged
//	GET    /api/v1/timelines/public              paged
//	GET    /api/v1/timelines/tag/{hashtag}       an empty list (no hashtags)
//	GET    /api/v2/search?q=&type=               accounts by exact username
//	GET    /api/v1/openapi.json                  the OpenAPI document of these routes
//
// What hanok does not have answers as Mastodon does when a feature is
// empty or off: notifications, bookmarks, favourites, lists, filters,
// blocks, mutes, follow requests, custom emojis, markers, announcements,
// trends, suggestions and conversations are empty lists; media, polls,
// reblogs, pins, bookmarks, mutes, blocks, status edits and account
// registration are 422 (or 404 for a thing that cannot exist), with
// Mastodon's {"error": "..."} body. OAuth's routes answer OAuth's errors,
// {"error": "invalid_grant", "error_description": "..."}.
//
// Ids are strings. Lists are newest first, paged with max_id, since_id,
// min_id and limit (default 20, at most 40 as Mastodon, 80 for accounts)
// and a Link header with rel="next" and rel="prev".
package mastodonhttp

import (
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document (GET
// /api/v1/openapi.json serves it). Its paths are from the server's root.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Paths are the path prefixes the adapter serves, from the server's root:
// a server mounts the handler at each, without stripping them.
var Paths = []string{"/api/v1/", "/api/v2/", "/oauth/", "/.well-known/nodeinfo", "/nodeinfo/2.0"}

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

// WithTitle sets the server's title in the instance documents (default
// "hanok").
func WithTitle(title string) Option { return func(h *handler) { h.title = title } }

type handler struct {
	oauth  *auth.OAuth
	svc    *microblog.Service
	logger *slog.Logger
	title  string
}

// maxBody is the largest request body accepted: a status and a few
// fields.
const maxBody = 64 << 10

// NewHandler returns the adapter's handler, to be served at the root of
// a server's paths (see Paths).
func NewHandler(svc *microblog.Service, oauth *auth.OAuth, opts ...Option) http.Handler {
	h := &handler{oauth: oauth, svc: svc, logger: slog.New(slog.DiscardHandler), title: "hanok"}
	for _, o := range opts {
		o(h)
	}
	rt := httpx.NewRouter(h.render, oauth.Service(), "")
	rt.Public("GET /api/v1/openapi.json", httpx.ServeOpenAPI(openAPI))

	// Apps and OAuth.
	rt.Public("POST /api/v1/apps", h.createApp)
	rt.Public("GET /api/v1/apps/verify_credentials", h.verifyApp)
	rt.Public("GET /oauth/authorize", h.authorizePage)
	// toot asks for the page with a trailing slash.
	rt.Public("GET /oauth/authorize/", h.authorizePage)
	rt.Public("POST /oauth/authorize", h.authorize)
	rt.Public("POST /oauth/token", h.token)
	rt.Public("POST /oauth/revoke", h.revoke)

	// The server.
	rt.Public("GET /api/v1/instance", h.instanceV1)
	rt.Public("GET /api/v2/instance", h.instanceV2)
	rt.Public("GET /.well-known/nodeinfo", h.nodeinfoLinks)
	rt.Public("GET /nodeinfo/2.0", h.nodeinfo)

	// Accounts.
	rt.Public("GET /api/v1/accounts/verify_credentials", h.user("read:accounts", h.verifyCredentials))
	rt.Public("GET /api/v1/accounts/lookup", h.account(h.lookup))
	rt.Public("GET /api/v1/accounts/search", h.account(h.searchAccounts))
	rt.Public("GET /api/v1/accounts/relationships", h.user("read:follows", h.relationships))
	rt.Public("GET /api/v1/accounts/{id}", h.account(h.getAccount))
	rt.Public("GET /api/v1/accounts/{id}/statuses", h.account(h.accountStatuses))
	rt.Public("GET /api/v1/accounts/{id}/followers", h.account(h.followers))
	rt.Public("GET /api/v1/accounts/{id}/following", h.account(h.following))
	rt.Public("POST /api/v1/accounts/{id}/follow", h.user("write:follows", h.follow))
	rt.Public("POST /api/v1/accounts/{id}/unfollow", h.user("write:follows", h.unfollow))

	// Statuses.
	rt.Public("POST /api/v1/statuses", h.user("write:statuses", h.postStatus))
	rt.Public("GET /api/v1/statuses/{id}", h.account(h.getStatus))
	rt.Public("DELETE /api/v1/statuses/{id}", h.user("write:statuses", h.deleteStatus))
	rt.Public("GET /api/v1/statuses/{id}/context", h.account(h.statusContext))
	rt.Public("POST /api/v1/statuses/{id}/favourite", h.user("write:favourites", h.favourite))
	rt.Public("POST /api/v1/statuses/{id}/unfavourite", h.user("write:favourites", h.unfavourite))
	rt.Public("GET /api/v1/statuses/{id}/favourited_by", h.account(h.emptyList))
	rt.Public("GET /api/v1/statuses/{id}/reblogged_by", h.account(h.emptyList))

	// Timelines and search.
	rt.Public("GET /api/v1/timelines/home", h.user("read:statuses", h.homeTimeline))
	rt.Public("GET /api/v1/timelines/public", h.account(h.publicTimeline))
	// hanok has no hashtags: every tag's timeline is empty.
	rt.Public("GET /api/v1/timelines/tag/{hashtag}", h.account(h.emptyList))
	rt.Public("GET /api/v2/search", h.account(h.search))

	// What hanok has none of: empty lists for a signed-in user.
	for _, p := range []string{
		"GET /api/v1/notifications", "GET /api/v1/bookmarks", "GET /api/v1/favourites",
		"GET /api/v1/lists", "GET /api/v1/filters", "GET /api/v2/filters", "GET /api/v1/blocks",
		"GET /api/v1/mutes", "GET /api/v1/domain_blocks", "GET /api/v1/follow_requests",
		"GET /api/v1/conversations", "GET /api/v1/scheduled_statuses", "GET /api/v1/followed_tags",
		"GET /api/v1/endorsements", "GET /api/v1/featured_tags", "GET /api/v1/announcements",
		"GET /api/v1/accounts/{id}/lists", "GET /api/v1/accounts/{id}/featured_tags",
	} {
		rt.Public(p, h.user("read", h.emptyList))
	}
	// And empty lists for anyone.
	for _, p := range []string{
		"GET /api/v1/custom_emojis", "GET /api/v1/trends", "GET /api/v1/trends/tags",
		"GET /api/v1/trends/statuses", "GET /api/v1/trends/links", "GET /api/v2/suggestions",
		"GET /api/v1/instance/peers", "GET /api/v1/instance/rules", "GET /api/v1/instance/domain_blocks",
		"GET /api/v1/directory",
	} {
		rt.Public(p, h.account(h.emptyList))
	}
	rt.Public("GET /api/v1/markers", h.user("read", h.emptyObject))
	rt.Public("POST /api/v1/markers", h.user("write", h.emptyObject))
	rt.Public("GET /api/v1/preferences", h.user("read", h.preferences))
	rt.Public("GET /api/v1/notifications/{id}", h.user("read", func(http.ResponseWriter, *http.Request, *auth.Access) error { return errRecordNotFound }))
	rt.Public("POST /api/v1/notifications/clear", h.user("write", h.emptyObject))
	// What hanok cannot do: Mastodon's 422 of a feature that is off.
	for _, p := range []string{
		"POST /api/v1/media", "POST /api/v2/media", "POST /api/v1/polls/{id}/votes",
		"POST /api/v1/statuses/{id}/reblog", "POST /api/v1/statuses/{id}/unreblog",
		"POST /api/v1/statuses/{id}/bookmark", "POST /api/v1/statuses/{id}/unbookmark",
		"POST /api/v1/statuses/{id}/pin", "POST /api/v1/statuses/{id}/unpin",
		"POST /api/v1/statuses/{id}/mute", "POST /api/v1/statuses/{id}/unmute",
		"PUT /api/v1/statuses/{id}", "PATCH /api/v1/accounts/update_credentials",
		"POST /api/v1/accounts/{id}/block", "POST /api/v1/accounts/{id}/unblock",
		"POST /api/v1/accounts/{id}/mute", "POST /api/v1/accounts/{id}/unmute",
		"POST /api/v1/lists", "POST /api/v1/filters", "POST /api/v2/filters",
	} {
		rt.Public(p, h.user("write", h.unsupported))
	}
	rt.Public("POST /api/v1/accounts", h.unsupportedPublic)
	rt.Public("GET /api/v1/polls/{id}", func(http.ResponseWriter, *http.Request) error { return errRecordNotFound })
	return rt
}

// apiError is an error with Mastodon's status for it, where that differs
// from hanok's (422 for a refused input, say).
type apiError struct {
	status int
	err    error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// unprocessable is Mastodon's 422 with message.
func unprocessable(message string) error {
	return &apiError{status: http.StatusUnprocessableEntity, err: &hanok.Error{Code: hanok.Invalid, Message: message}}
}

// render is the adapter's one error renderer: {"error": message} with the
// status Mastodon gives (422 for a refused input, 403 for a missing scope),
// and on OAuth's routes {"error": code, "error_description": message}.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := httpx.Report(w, r, h.logger, err)
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status = ae.status
	case errors.Is(err, auth.ErrNeedsUser):
		status = http.StatusUnprocessableEntity
	case status == http.StatusBadRequest && !strings.HasPrefix(r.URL.Path, "/oauth/"):
		// Mastodon's answer to input it refuses.
		status = http.StatusUnprocessableEntity
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="`+strings.ReplaceAll(msg, `"`, `'`)+`"`)
	}
	if strings.HasPrefix(r.URL.Path, "/oauth/") {
		code := auth.OAuthErrorCode(err)
		switch {
		case code != "":
		case status == http.StatusTooManyRequests:
			code = "rate_limited"
		case status >= 500:
			code = "server_error"
		case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
			code = "not_found"
		default:
			code = "invalid_request"
		}
		if code == "invalid_client" {
			status = http.StatusUnauthorized
		}
		httpx.WriteJSON(w, status, map[string]string{"error": code, "error_description": msg})
		return
	}
	httpx.WriteJSON(w, status, map[string]string{"error": msg})
}

// accessFunc is a handler of a request with its token's access (nil for
// a request without a token, on routes that allow one).
type accessFunc func(w http.ResponseWriter, r *http.Request, acc *auth.Access) error

// errNoToken is Mastodon's answer to a request without a token.
var errNoToken = &hanok.Error{Code: hanok.Unauthenticated, Message: "The access token is invalid", Err: auth.ErrInvalidToken}

// access checks the request's token, if any: nil without one.
func (h *handler) access(r *http.Request) (*auth.Access, error) {
	tok := httpx.Token(r, "")
	if tok == "" {
		return nil, nil
	}
	acc, err := h.oauth.Verify(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if info := httpx.RequestInfoFrom(r.Context()); info != nil && acc.User != nil {
		info.UserID = acc.User.ID
	}
	return acc, nil
}

// account serves a route anyone may read; a token, when sent, must be
// valid and have "read", and makes "favourited" its user's.
func (h *handler) account(fn accessFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		acc, err := h.access(r)
		if err != nil {
			return err
		}
		if acc != nil && !acc.Can("read") && acc.User != nil {
			// A token that may not read reads as anonymous.
			acc = nil
		}
		return fn(w, r, acc)
	}
}

// user serves a route that needs a user's token with the scope.
func (h *handler) user(scope string, fn accessFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		acc, err := h.access(r)
		if err != nil {
			return err
		}
		if acc == nil {
			return errNoToken
		}
		if !acc.Can(scope) {
			return auth.ErrInsufficientScope
		}
		if acc.User == nil {
			return auth.ErrNeedsUser
		}
		return fn(w, r, acc)
	}
}

// viewerOf is the user id of acc, 0 for none.
func viewerOf(acc *auth.Access) hanok.UserID {
	if acc == nil || acc.User == nil {
		return 0
	}
	return acc.User.ID
}

func (h *handler) emptyList(w http.ResponseWriter, _ *http.Request, _ *auth.Access) error {
	httpx.WriteJSON(w, http.StatusOK, []any{})
	return nil
}

func (h *handler) emptyObject(w http.ResponseWriter, _ *http.Request, _ *auth.Access) error {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{})
	return nil
}

func (h *handler) preferences(w http.ResponseWriter, _ *http.Request, _ *auth.Access) error {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"posting:default:visibility": "public", "posting:default:sensitive": false, "posting:default:language": nil,
		"reading:expand:media": "default", "reading:expand:spoilers": false,
	})
	return nil
}

// errUnsupported is the answer to what hanok's microblog does not do.
const errUnsupported = "This feature is not available on this server"

func (h *handler) unsupported(http.ResponseWriter, *http.Request, *auth.Access) error {
	return unprocessable(errUnsupported)
}

func (h *handler) unsupportedPublic(http.ResponseWriter, *http.Request) error {
	return unprocessable(errUnsupported)
}

// errRecordNotFound is Mastodon's 404 of a record that does not exist (a
// notification or poll, which hanok never has).
var errRecordNotFound = &hanok.Error{Code: hanok.NotFound, Message: "Record not found"}
