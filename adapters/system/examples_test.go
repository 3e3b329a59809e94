package system_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// exampleStep is one operation of a document, sent with the document's
// own examples (the body and parameters Swagger UI prefills).
type exampleStep struct {
	op string // "METHOD /path" as the document names it
	// as is whose token signs the request: "" none, "user" the one the
	// examples signed in, "admin" a superuser's.
	as string
}

// exampleTour is the order in which one document's examples work on a
// fresh server, and the operations whose examples cannot (with why).
type exampleTour struct {
	prefix string
	// doc is the path of the document, when not prefix + "/openapi.json".
	doc string
	// header sends a token in the document's own scheme.
	header func(h http.Header, token string)
	steps  []exampleStep
	// setup makes the state an example refers to that no operation of
	// the document makes (another user, the mirrored trials).
	setup func(t *testing.T, s *exampleServer)
	// skip names the operations left out, with the reason.
	skip map[string]string
}

func bearer(h http.Header, token string) { h.Set("Authorization", "Bearer "+token) }

var exampleTours = map[string]exampleTour{
	"auth": {
		prefix: "/auth", header: bearer,
		steps: []exampleStep{
			{"POST /register", ""}, {"POST /login", ""}, {"GET /me", "user"},
			{"GET /openapi.json", ""}, {"POST /logout", "user"},
		},
	},
	"auction": {
		prefix: "/auction",
		header: func(h http.Header, token string) { h.Set("Authorization", "JWT "+token) },
		steps: []exampleStep{
			{"POST /users/registration/", ""}, {"POST /users/login/", ""},
			{"GET /cars/search/", "user"},
			{"POST /cars/test/", "admin"}, {"PUT /cars/{id}/approval/", "admin"},
			{"GET /cars/", "user"}, {"GET /cars/{id}", "user"},
			{"POST /cars/{id}/bids/", "user"}, {"GET /cars/{id}/bids/", "user"},
			{"GET /media/tests/{file}", ""}, {"GET /openapi.json", ""},
			{"POST /users/logout/", "user"},
		},
		skip: map[string]string{
			"POST /cars/new/":               "a multipart upload of five images",
			"POST /cars/{id}/accept/":       "needs an auction that has ended",
			"GET /media/cars/{date}/{file}": "needs an uploaded image",
		},
	},
	"calendar": {
		prefix: "/calendar",
		header: func(h http.Header, token string) { h.Set("X-calendar-access-token", token) },
		steps: []exampleStep{
			{"POST /api/v1/user/", ""},
			{"POST /api/v1/group/", "user"}, {"POST /api/v1/user/calendar/group", "user"},
			{"POST /api/v1/calendar/event", "user"}, {"PUT /api/v1/calendar/event", "user"},
			{"PUT /api/v1/calendar/birthday", "user"}, {"POST /api/v1/calendar/birthday", "user"},
			{"GET /api/v1/calendar/", "user"}, {"GET /api/v1/calendar/month", "user"},
			{"GET /api/v1/calendar/today", "user"}, {"GET /api/v1/calendar/date", "user"},
			{"GET /api/v1/calendar/search", "user"}, {"GET /api/v1/calendar.ics", "user"},
			{"PUT /api/v1/group/", "user"}, {"GET /api/v1/group/", "user"},
			{"GET /api/v1/group/list", "user"}, {"POST /api/v1/group/event", "user"},
			{"DELETE /api/v1/calendar/event", "user"}, {"DELETE /api/v1/group/", "user"},
			{"POST /api/v1/feed/", "user"}, {"DELETE /api/v1/feed/", "user"},
			{"POST /api/v1/app-passwords/", "user"}, {"GET /api/v1/app-passwords/", "user"},
			{"DELETE /api/v1/app-passwords/{id}", "user"},
			{"GET /openapi.json", ""},
		},
		skip: map[string]string{
			"GET /feeds/{file}": "its path holds a secret made by POST /api/v1/feed/, which no example can know",
		},
	},
	"microblog": {
		prefix: "/microblog", header: bearer,
		setup: func(t *testing.T, s *exampleServer) {
			// The user the follow examples name.
			testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/microblog/signup/",
				Body: map[string]string{"user_id": "mirim", "user_name": "Mirim", "user_password": "password123"}}).Want(t, http.StatusCreated)
		},
		steps: []exampleStep{
			{"POST /signup/", ""}, {"POST /login/", ""},
			{"GET /user_auth/", "user"}, {"POST /user_auth/", "user"},
			{"POST /tweet/", "user"}, {"POST /tweet/", "user"},
			{"GET /tweet/", ""}, {"GET /tweet/{id}/thread/", ""},
			{"POST /tweet/{id}/like/", "user"}, {"POST /tweet/{id}/unlike/", "user"},
			{"POST /follow/", "user"}, {"GET /timeline/", "user"},
			{"GET /users/{user_id}/", ""}, {"GET /users/{user_id}/tweets/", ""},
			{"GET /users/{user_id}/followers/", ""}, {"GET /users/{user_id}/following/", ""},
			{"POST /unfollow/", "user"}, {"POST /tweet_del/", "user"},
			{"GET /openapi.json", ""},
		},
	},
	"mastodon": {
		// Mastodon's paths are the server's own. The superuser (user 1)
		// acts with a token of auth's login, which has every scope.
		doc: "/api/v1/openapi.json", header: bearer,
		setup: func(t *testing.T, s *exampleServer) {
			// The user the lookup and search examples name.
			testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/microblog/signup/",
				Body: map[string]string{"user_id": "alice", "user_name": "Alice", "user_password": "password123"}}).Want(t, http.StatusCreated)
		},
		steps: []exampleStep{
			{"GET /api/v1/openapi.json", ""}, {"GET /api/v1/instance", ""}, {"GET /api/v2/instance", ""},
			{"GET /.well-known/nodeinfo", ""}, {"GET /nodeinfo/2.0", ""}, {"POST /api/v1/apps", ""},
			{"GET /api/v1/accounts/verify_credentials", "admin"}, {"POST /api/v1/statuses", "admin"},
			{"GET /api/v1/statuses/{id}", ""}, {"GET /api/v1/statuses/{id}/context", ""},
			{"POST /api/v1/statuses/{id}/favourite", "admin"}, {"POST /api/v1/statuses/{id}/unfavourite", "admin"},
			{"GET /api/v1/statuses/{id}/favourited_by", ""}, {"GET /api/v1/statuses/{id}/reblogged_by", ""},
			{"GET /api/v1/accounts/{id}", ""}, {"GET /api/v1/accounts/{id}/statuses", ""},
			{"GET /api/v1/accounts/{id}/followers", ""}, {"GET /api/v1/accounts/{id}/following", ""},
			{"GET /api/v1/accounts/lookup", ""}, {"GET /api/v1/accounts/search", ""},
			{"GET /api/v1/accounts/relationships", "admin"}, {"GET /api/v1/timelines/tag/{hashtag}", ""},
			{"GET /api/v1/timelines/home", "admin"}, {"GET /api/v1/timelines/public", ""}, {"GET /api/v2/search", ""},
			{"GET /api/v1/notifications", "admin"}, {"GET /api/v1/bookmarks", "admin"}, {"GET /api/v1/favourites", "admin"},
			{"GET /api/v1/lists", "admin"}, {"GET /api/v1/filters", "admin"}, {"GET /api/v2/filters", "admin"},
			{"GET /api/v1/blocks", "admin"}, {"GET /api/v1/mutes", "admin"}, {"GET /api/v1/domain_blocks", "admin"},
			{"GET /api/v1/follow_requests", "admin"}, {"GET /api/v1/conversations", "admin"},
			{"GET /api/v1/scheduled_statuses", "admin"}, {"GET /api/v1/followed_tags", "admin"},
			{"GET /api/v1/endorsements", "admin"}, {"GET /api/v1/featured_tags", "admin"},
			{"GET /api/v1/announcements", "admin"}, {"GET /api/v1/accounts/{id}/lists", "admin"},
			{"GET /api/v1/accounts/{id}/featured_tags", "admin"},
			{"GET /api/v1/custom_emojis", ""}, {"GET /api/v1/trends", ""}, {"GET /api/v1/trends/tags", ""},
			{"GET /api/v1/trends/statuses", ""}, {"GET /api/v1/trends/links", ""}, {"GET /api/v2/suggestions", ""},
			{"GET /api/v1/instance/peers", ""}, {"GET /api/v1/instance/rules", ""},
			{"GET /api/v1/instance/domain_blocks", ""}, {"GET /api/v1/directory", ""},
			{"GET /api/v1/markers", "admin"}, {"POST /api/v1/markers", "admin"}, {"GET /api/v1/preferences", "admin"},
			{"POST /api/v1/notifications/clear", "admin"}, {"DELETE /api/v1/statuses/{id}", "admin"},
		},
		skip: map[string]string{
			"GET /api/v1/apps/verify_credentials": "needs a token of a registered app",
			"GET /oauth/authorize":                "needs the client_id of a registered app",
			"POST /oauth/authorize":               "needs the client_id of a registered app and a browser's form",
			"POST /oauth/token":                   "needs the client_id and secret of a registered app",
			"POST /oauth/revoke":                  "needs the client_id and secret of a registered app",
			"POST /api/v1/accounts/{id}/follow":   "the example id is the signed-in user, who cannot follow itself",
			"POST /api/v1/accounts/{id}/unfollow": "the example id is the signed-in user, who cannot follow itself",
		},
	},
	"mailing": {
		prefix: "/mailing", header: bearer,
		steps: []exampleStep{
			{"POST /subscribe", ""}, {"GET /subscribe", "admin"}, {"GET /subscribe/{id}", "admin"},
			{"POST /subscribe/send-mail", "admin"}, {"GET /subscribe/send-mail/{campaign}", "admin"},
			{"POST /subscribe/send-mail/{campaign}/test", "admin"}, {"POST /subscribe/send-mail/{campaign}/pause", "admin"},
			{"POST /subscribe/send-mail/{campaign}/resume", "admin"}, {"POST /subscribe/send-mail/{campaign}/cancel", "admin"},
			{"PATCH /subscribe", ""}, {"POST /webhooks/bounce", "admin"},
			{"DELETE /subscribe/{id}", "admin"}, {"DELETE /subscribe", "admin"},
			{"GET /openapi.json", ""},
		},
		skip: map[string]string{
			"GET /unsubscribe/{token}":  "the token is in a sent message",
			"POST /unsubscribe/{token}": "the token is in a sent message",
			"HEAD /unsubscribe/{token}": "the token is in a sent message",
			"GET /confirm/{token}":      "the token is in a sent message (confirmed opt-in)",
			"HEAD /confirm/{token}":     "the token is in a sent message (confirmed opt-in)",
			"POST /confirm/{token}":     "the token is in a sent message (confirmed opt-in)",
		},
	},
	"trials": {
		prefix: "/trials", header: bearer,
		setup: func(t *testing.T, s *exampleServer) {
			_, err := s.trials.RunSync(context.Background(), trials.SyncOptions{})
			require.NoError(t, err, "filling the mirror")
		},
		steps: []exampleStep{
			{"GET /tasks", ""}, {"GET /tasks/search", ""}, {"GET /tasks/export.csv", ""},
			{"GET /tasks/export.xlsx", ""}, {"GET /tasks/{key}", ""},
			{"POST /sync", "admin"}, {"GET /sync/runs", "admin"}, {"GET /sync/runs/{id}", "admin"}, {"GET /openapi.json", ""},
		},
	},
}

// exampleServer is every service on memory stores, served on loopback.
type exampleServer struct {
	url    string
	admin  string // a superuser's token
	trials *trials.Service
}

func newExampleServer(t *testing.T) *exampleServer {
	t.Helper()
	ctx := context.Background()
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	auc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	require.NoError(t, err)
	_, err = auc.ImportEntries(ctx, auction.BuiltInCatalog())
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	mail, err := mailing.New(db.Mailing(), mailing.Config{Tester: discardTests{}})
	require.NoError(t, err)
	mirror, err := trials.New(db.Trials(), trials.Config{Source: &trialstest.StaticSource{Records: trialstest.RealRecords(t)}})
	require.NoError(t, err)
	posts := microblog.New(db.Microblog(), authn, microblog.Config{})
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Auction: auc, Calendar: cal, Microblog: posts, Trials: mirror, Mailing: mail,
		OAuth: auth.NewOAuth(authn, db.OAuth(), auth.OAuthConfig{})}, system.Config{}))
	t.Cleanup(srv.Close)
	_, err = authn.EnsureSuperuser(ctx, "admin", "admin-password")
	require.NoError(t, err)
	s, err := authn.Login(ctx, auth.LoginInput{Username: "admin", Password: "admin-password"})
	require.NoError(t, err)
	return &exampleServer{url: srv.URL, admin: s.Token, trials: mirror}
}

// TestDocumentExamples sends each document's examples, as they are, to a
// fresh server, in an order in which each finds what it refers to, and
// expects a success the document declares. Every operation of every
// document is in its tour or skipped with a reason.
func TestDocumentExamples(t *testing.T) {
	for name, tour := range exampleTours {
		t.Run(name, func(t *testing.T) {
			s := newExampleServer(t)
			docPath := tour.prefix + "/openapi.json"
			if tour.doc != "" {
				docPath = tour.doc
			}
			r := testkit.Do(t, nil, testkit.Request{URL: s.url + docPath}).Want(t, http.StatusOK)
			doc, err := openapi3.NewLoader().LoadFromData(r.Body)
			require.NoError(t, err)

			var missing []string
			covered := map[string]bool{}
			for _, st := range tour.steps {
				covered[st.op] = true
			}
			for path, item := range doc.Paths.Map() {
				for method := range item.Operations() {
					if op := method + " " + path; !covered[op] && tour.skip[op] == "" {
						missing = append(missing, op)
					}
				}
			}
			sort.Strings(missing)
			require.Empty(t, missing, "operations neither in the %s tour nor skipped with a reason", name)

			if tour.setup != nil {
				tour.setup(t, s)
			}
			tokens := map[string]string{"admin": s.admin}
			for _, st := range tour.steps {
				method, path, _ := strings.Cut(st.op, " ")
				item := doc.Paths.Find(path)
				require.NotNil(t, item, "%s is not in the document", st.op)
				op := item.GetOperation(method)
				require.NotNil(t, op, "%s is not in the document", st.op)

				req := exampleRequest(t, s.url+tour.prefix, path, append(item.Parameters, op.Parameters...), op.RequestBody)
				req.Method = method
				if st.as != "" {
					token := tokens[st.as]
					require.NotEmpty(t, token, "%s: no %s token yet", st.op, st.as)
					tour.header(req.Header, token)
				}
				resp := testkit.Do(t, nil, req)
				ok := resp.Status >= 200 && resp.Status < 300 && op.Responses.Status(resp.Status) != nil
				require.True(t, ok, "%s %s answered %d, not a documented success: %s", method, req.URL, resp.Status, resp.Body)
				if token := findToken(resp.Body); token != "" && st.as == "" {
					tokens["user"] = token
				}
			}
		})
	}
}

// exampleRequest builds the request the document's examples make: every
// parameter with its example, the body from the JSON example.
func exampleRequest(t *testing.T, base, path string, params openapi3.Parameters, body *openapi3.RequestBodyRef) testkit.Request {
	t.Helper()
	query := url.Values{}
	for _, p := range params {
		v := p.Value
		require.NotNil(t, v.Example, "parameter %s of %s has no example", v.Name, path)
		s := fmt.Sprint(v.Example)
		if f, ok := v.Example.(float64); ok {
			s = strconv.FormatFloat(f, 'f', -1, 64)
		}
		switch v.In {
		case openapi3.ParameterInPath:
			path = strings.ReplaceAll(path, "{"+v.Name+"}", url.PathEscape(s))
		case openapi3.ParameterInQuery:
			query.Set(v.Name, s)
		}
	}
	req := testkit.Request{URL: base + path, Header: http.Header{}}
	if len(query) > 0 {
		req.URL += "?" + query.Encode()
	}
	if body != nil {
		mt := body.Value.Content.Get("application/json")
		require.NotNil(t, mt, "the body of %s is not JSON", path)
		require.NotNil(t, mt.Example, "the body of %s has no example", path)
		data, err := json.Marshal(mt.Example)
		require.NoError(t, err)
		req.Body = data
	}
	return req
}

// findToken returns the "token" of a JSON body, at its top or under
// "data", or "".
func findToken(body []byte) string {
	var m struct {
		Token string `json:"token"`
		Data  struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	if m.Token != "" {
		return m.Token
	}
	return m.Data.Token
}

// discardTests is a mailing.Tester that sends nothing.
type discardTests struct{}

func (discardTests) SendTest(context.Context, mailing.Campaign, string) error { return nil }
