// Package microbloghttp is the HTTP adapter of the microblog: the seed's
// URLs, bodies and message strings, with real authentication. The token
// that /login/ answers goes in "Authorization: Bearer <token>"; who acts
// is always the token's user, never a user_id sent in a body.
//
//	POST     /signup/                   {user_name, user_id, user_password, user_profile} -> 201 "Sign Up Success"
//	POST     /login/                    {user_id, user_password} -> "Login Success", token
//	GET|POST /user_auth/                (token) -> data {user_id, user_name, user_profile}
//	GET      /tweet/                    every tweet, paged
//	POST     /tweet/                    (token) {user_content, in_reply_to?} -> 201 {content_id}
//	POST     /tweet_del/                (token) {content_id}
//	GET      /tweet/{id}/thread/        the tweet and its replies, paged
//	POST     /tweet/{id}/like/          (token)
//	POST     /tweet/{id}/unlike/        (token)
//	POST     /follow/                   (token) {user_id}
//	POST     /unfollow/                 (token) {user_id}
//	GET      /timeline/                 (token) my tweets and those of whom I follow, paged
//	GET      /users/{user_id}/          a profile with its counts
//	GET      /users/{user_id}/tweets/   paged
//	GET      /users/{user_id}/followers/ paged
//	GET      /users/{user_id}/following/ paged
//	GET      /openapi.json              the OpenAPI document of these routes
//
// Every body is a JSON object with a "message"; a failure's message is the
// seed's string where it has one ("Id is Already Exist", "Check Id",
// "Wrong Password", "Need Signup", "Tweet Failed", "No Authorization"),
// with the reason in "detail", and otherwise the reason itself; "fields"
// names the offending input fields.
//
// Lists are pages in the Mastodon manner: newest first; max_id, since_id,
// min_id and limit (default 20, at most 100) in the query; a Link header
// with rel="next" (older, when there are more) and rel="prev" (newer: the
// link to poll) for a page that is not empty. Reading needs no token; with
// one, "liked" says whether its user likes each tweet.
package microbloghttp

import (
	_ "embed"
	"errors"
	"log/slog"
	"net/http"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// maxBody is the largest request body accepted: the seed's bodies are a
// few short fields.
const maxBody = 64 << 10

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// where the adapter is mounted (GET /openapi.json serves it).
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

type handler struct {
	svc    *microblog.Service
	authn  *auth.Service
	logger *slog.Logger
}

// NewHandler returns the adapter's handler, to be mounted under any prefix
// with http.StripPrefix (examples/server mounts it at /microblog).
func NewHandler(svc *microblog.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, authn: authn, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	rt := httpx.NewRouter(h.render, authn, "")
	rt.Public("POST /signup/{$}", h.signup)
	rt.Public("POST /login/{$}", h.login)
	rt.User("GET /user_auth/{$}", h.userAuth)
	rt.User("POST /user_auth/{$}", h.userAuth)
	rt.Public("GET /tweet/{$}", h.publicTimeline)
	rt.User("POST /tweet/{$}", h.postTweet)
	rt.User("POST /tweet_del/{$}", h.deleteTweet)
	rt.Public("GET /tweet/{id}/thread/{$}", h.thread)
	rt.User("POST /tweet/{id}/like/{$}", h.like)
	rt.User("POST /tweet/{id}/unlike/{$}", h.unlike)
	rt.User("POST /follow/{$}", h.follow)
	rt.User("POST /unfollow/{$}", h.unfollow)
	rt.User("GET /timeline/{$}", h.homeTimeline)
	rt.Public("GET /users/{user_id}/{$}", h.user)
	rt.Public("GET /users/{user_id}/tweets/{$}", h.userTweets)
	rt.Public("GET /users/{user_id}/followers/{$}", h.followers)
	rt.Public("GET /users/{user_id}/following/{$}", h.following)
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}

// seedError gives an error the seed's message for it; the error's own
// message goes in "detail".
type seedError struct {
	message string
	err     error
}

func (e *seedError) Error() string { return e.message + ": " + e.err.Error() }
func (e *seedError) Unwrap() error { return e.err }

// withMessage gives err the seed's message (nil stays nil).
func withMessage(message string, err error) error {
	if err == nil {
		return nil
	}
	return &seedError{message: message, err: err}
}

// needSignup is the seed's answer to a request without a valid token.
const needSignup = "Need Signup"

// seedFields are the seed's names of the service's input fields.
var seedFields = [][2]string{
	{"username", "user_id"},
	{"password", "user_password"},
	{"name", "user_name"},
	{"bio", "user_profile"},
	{"content", "user_content"},
}

// render is the adapter's one error renderer: {"message": ...} with the
// seed's string where there is one, the reason in "detail", and the
// offending fields under the seed's names.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	for _, f := range seedFields {
		err = httpx.RenameField(err, f[0], f[1])
	}
	status, msg := httpx.Report(w, r, h.logger, err)
	body := map[string]any{"message": msg}
	var se *seedError
	switch {
	case errors.As(err, &se):
		body["message"], body["detail"] = se.message, msg
	case status == http.StatusUnauthorized:
		body["message"], body["detail"] = needSignup, msg
	}
	if fields := hanok.FieldsOf(err); len(fields) > 0 {
		body["fields"] = fields
	}
	httpx.WriteJSON(w, status, body)
}
