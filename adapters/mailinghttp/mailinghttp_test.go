package mailinghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/mailinghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

const adminToken = "test-admin-token-0123456789"

type env struct {
	t     *testing.T
	url   string
	svc   *mailing.Service
	authn *auth.Service
	clock *testkit.Clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := memory.New()
	return newEnvOn(t, db.Mailing(), db.Auth())
}

// stores are the stores the tests of new routes run on over HTTP:
// memory, SQLite and PostgreSQL (when HANOK_TEST_POSTGRES is set).
var stores = map[string]func(t *testing.T) (mailing.Store, auth.Store){
	"memory": func(t *testing.T) (mailing.Store, auth.Store) {
		db := memory.New()
		return db.Mailing(), db.Auth()
	},
	"sqlite": func(t *testing.T) (mailing.Store, auth.Store) {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db.Mailing(), db.Auth()
	},
	"postgres": func(t *testing.T) (mailing.Store, auth.Store) {
		db, err := postgres.Open(context.Background(), pgtest.DSN(t))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db.Mailing(), db.Auth()
	},
}

func newEnvOn(t *testing.T, ms mailing.Store, as auth.Store, opts ...func(*mailing.Config)) *env {
	t.Helper()
	clock := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	cfg := mailing.Config{Now: clock.Now, SoftBounceLimit: 2}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := mailing.New(ms, cfg)
	require.NoError(t, err)
	authn, err := auth.New(as, auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/mailing/", http.StripPrefix("/mailing", api.Wrap(t, mailinghttp.NewHandler(svc, authn, mailinghttp.WithAdminToken(adminToken)))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL + "/mailing", svc: svc, authn: authn, clock: clock}
}

// do calls the adapter; admin sends the admin token as the seed did
// (the bare token in Authorization).
func (e *env) do(method, path string, body any, admin bool) testkit.Response {
	e.t.Helper()
	h := http.Header{}
	if admin {
		h.Set("Authorization", adminToken)
	}
	return testkit.Do(e.t, nil, testkit.Request{Method: method, URL: e.url + path, Body: body, Header: h})
}

// wantError checks the status and that the adapter's error body's
// message contains contains.
func wantError(t *testing.T, r testkit.Response, status int, contains string) {
	t.Helper()
	r.Want(t, status)
	msg, _ := r.Map(t)["error"].(string)
	require.Contains(t, msg, contains, "body %s", r.Body)
}

func (e *env) count() int {
	e.t.Helper()
	subs, err := e.svc.Subscribers(context.Background(), mailing.Admin)
	require.NoError(e.t, err)
	return len(subs)
}

func TestSubscribe(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/subscribe", map[string]any{"email": " Mirim@Example.com ", "name": "Mirim"}, false).Want(t, 201)
	d := r.Map(t)["data"].(map[string]any)
	assert.Equal(t, map[string]any{"id": float64(1), "email": "Mirim@Example.com", "name": "Mirim", "subscribed": true, "status": "active", "soft_bounces": float64(0),
		"created_at": "2026-03-01T09:00:00Z", "updated_at": "2026-03-01T09:00:00Z"}, d, "never the unsubscribe token")
	for _, ok := range []string{"a.b@c.com", "a@b.co.kr"} {
		e.do("POST", "/subscribe", map[string]any{"email": ok, "name": "x"}, false).Want(t, 201)
	}
	wantError(t, e.do("POST", "/subscribe", map[string]any{"email": "mirim@EXAMPLE.com", "name": "again"}, false), 409, "already subscribed")

	before := e.count()
	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"name": "x"}, "email: is required"},
		{map[string]any{"email": "x@example.com"}, "name: is required"},
		{map[string]any{"email": "@.", "name": "x"}, "email: must be an email address"},
		{map[string]any{"email": "nodot@localhost", "name": "x"}, "domain contains a dot"},
		{map[string]any{"email": "Name <a@b.com>", "name": "x"}, "email: must be an email address"},
		{map[string]any{"email": strings.Repeat("a", 250) + "@b.com", "name": "x"}, "at most 254"},
		{map[string]any{"email": "x@example.com", "name": ""}, "name: is required"},
		{map[string]any{"email": "x@example.com", "name": "a\u202eb"}, "invisible format"},
		{map[string]any{"email": 5, "name": "x"}, "email: must be a string"},
		{`{"email": "x@example.com", "name": "x"`, "malformed JSON"},
		{"{\"email\": \"x@example.com\", \"name\": \"\xff\"}", "UTF-8"},
		{"", "empty"},
	} {
		wantError(t, e.do("POST", "/subscribe", tc.body, false), 400, tc.want)
	}
	assert.Equal(t, before, e.count(), "a refused request changed the list")
}

func TestUnsubscribeAndResubscribe(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/subscribe", map[string]any{"email": "a@example.com", "name": "A"}, false).Want(t, 201)
	r := e.do("PATCH", "/subscribe", map[string]any{"email": "A@example.com"}, false).Want(t, 201)
	assert.Equal(t, false, r.Map(t)["data"].(map[string]any)["subscribed"])
	wantError(t, e.do("PATCH", "/subscribe", map[string]any{"email": "a@example.com"}, false), 409, "already unsubscribed")
	wantError(t, e.do("PATCH", "/subscribe", map[string]any{"email": "b@example.com"}, false), 404, "not on the list")
	wantError(t, e.do("PATCH", "/subscribe", map[string]any{}, false), 400, "email: is required")
	wantError(t, e.do("PATCH", "/subscribe", map[string]any{"email": "bad"}, false), 400, "email: must be")
	// The row is kept, and a cancelled subscriber may come back.
	require.Equal(t, 1, e.count(), "unsubscribing deleted the row")
	r = e.do("POST", "/subscribe", map[string]any{"email": "a@example.com", "name": "A again"}, false).Want(t, 201)
	d := r.Map(t)["data"].(map[string]any)
	assert.Equal(t, true, d["subscribed"])
	assert.Equal(t, "A again", d["name"])
	assert.Equal(t, float64(1), d["id"])
}

// The admin routes: without a token, or with one nobody knows, 403
// (errAdmin, as the routes always answered); a plain user's token is
// authenticated but the domain refuses it (403); the admin token, bare
// or as Bearer, and a superuser's token pass.
func TestAdminRoutesNeedTheToken(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/subscribe", map[string]any{"email": "a@example.com", "name": "A"}, false).Want(t, 201)
	plain, err := e.authn.Register(context.Background(), auth.RegisterInput{Username: "plain", Password: "password123"})
	require.NoError(t, err)
	routes := []struct{ method, path string }{
		{"GET", "/subscribe"}, {"GET", "/subscribe/1"}, {"DELETE", "/subscribe"}, {"DELETE", "/subscribe/1"},
		{"POST", "/subscribe/send-mail"}, {"GET", "/subscribe/send-mail/1"},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			wantError(t, e.do(rt.method, rt.path, nil, false), 403, "admin token")
			wantError(t, testkit.Do(t, nil, testkit.Request{Method: rt.method, URL: e.url + rt.path, Header: http.Header{"Authorization": {"wrong"}}}), 403, "admin token")
			wantError(t, testkit.Do(t, nil, testkit.Request{Method: rt.method, URL: e.url + rt.path, Token: "wrong"}), 403, "admin token")
			wantError(t, testkit.Do(t, nil, testkit.Request{Method: rt.method, URL: e.url + rt.path, Token: plain.Token,
				Body: map[string]any{"subject": "s", "content": "c"}}), 403, "only the mailing list's administrator")
		})
	}
	_, err = e.authn.EnsureSuperuser(context.Background(), "root", "password123")
	require.NoError(t, err)
	root, err := e.authn.Login(context.Background(), auth.LoginInput{Username: "root", Password: "password123"})
	require.NoError(t, err)
	testkit.Do(t, nil, testkit.Request{URL: e.url + "/subscribe", Token: root.Token}).Want(t, 200)
	// "Bearer <admin token>" works like the bare token.
	testkit.Do(t, nil, testkit.Request{URL: e.url + "/subscribe", Token: adminToken}).Want(t, 200)
	assert.Equal(t, 1, e.count(), "a refused request changed the list")
	n, err := e.svc.OutboxDepth(context.Background())
	require.NoError(t, err)
	assert.Empty(t, n, "a refused send-mail queued a campaign")
}

func TestListGetDelete(t *testing.T) {
	e := newEnv(t)
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		e.do("POST", "/subscribe", map[string]any{"email": email, "name": fmt.Sprint(i)}, false).Want(t, 201)
	}
	e.do("PATCH", "/subscribe", map[string]any{"email": "b@example.com"}, false).Want(t, 201)

	r := e.do("GET", "/subscribe", nil, true).Want(t, 200)
	list := r.Map(t)["data"].([]any)
	require.Len(t, list, 3)
	assert.Equal(t, false, list[1].(map[string]any)["subscribed"])
	assert.Equal(t, "c@example.com", list[2].(map[string]any)["email"])
	r = e.do("GET", "/subscribe/2", nil, true).Want(t, 200)
	d := r.Map(t)["data"].(map[string]any)
	assert.Equal(t, "b@example.com", d["email"])
	assert.NotNil(t, d["updated_at"])
	wantError(t, e.do("GET", "/subscribe/99", nil, true), 404, "subscriber 99 not found")
	wantError(t, e.do("GET", "/subscribe/abc", nil, true), 404, `subscriber "abc" not found`)

	e.do("DELETE", "/subscribe/2", nil, true).Want(t, 204)
	wantError(t, e.do("DELETE", "/subscribe/2", nil, true), 404, "subscriber 2 not found")
	wantError(t, e.do("DELETE", "/subscribe/-1", nil, true), 404, "not found")
	require.Equal(t, 2, e.count())
	e.do("DELETE", "/subscribe", nil, true).Want(t, 204)
	require.Equal(t, 0, e.count(), "DELETE /subscribe left subscribers")
	r = e.do("GET", "/subscribe", nil, true).Want(t, 200)
	assert.Equal(t, "{\"data\":[]}\n", string(r.Body))
}

// TestListPages: GET /subscribe without parameters lists every
// subscriber, as the seed did; min_id and limit page the list by id,
// with a Link to the next page while it goes on, and the same body for
// the same subscribers; a bad value is a 400 naming the parameter.
func TestListPages(t *testing.T) {
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			ms, as := mk(t)
			e := newEnvOn(t, ms, as)
			for i := range 5 {
				e.do("POST", "/subscribe", map[string]any{"email": fmt.Sprintf("s%d@example.com", i), "name": fmt.Sprint(i)}, false).Want(t, 201)
			}
			e.do("DELETE", "/subscribe/3", nil, true).Want(t, 204)
			e.do("PATCH", "/subscribe", map[string]any{"email": "s1@example.com"}, false).Want(t, 201)
			ids := func(r testkit.Response) []float64 {
				t.Helper()
				var out []float64
				for _, s := range r.Map(t)["data"].([]any) {
					out = append(out, s.(map[string]any)["id"].(float64))
				}
				return out
			}

			whole := e.do("GET", "/subscribe", nil, true).Want(t, 200)
			assert.Equal(t, []float64{1, 2, 4, 5}, ids(whole))
			assert.Empty(t, whole.Header.Get("Link"), "the whole list has no next page")

			// Page by page, following the Link header, gives the same
			// subscribers in the same bytes.
			var pages [][]byte
			next := "/subscribe?limit=2"
			for next != "" {
				r := e.do("GET", next, nil, true).Want(t, 200)
				pages = append(pages, r.Body)
				next = ""
				if link := r.Header.Get("Link"); link != "" {
					target, ok := strings.CutPrefix(link, "</mailing")
					require.True(t, ok, "Link %q is the mounted path", link)
					target, ok = strings.CutSuffix(target, `>; rel="next"`)
					require.True(t, ok, "Link %q", link)
					next = target
				}
				require.LessOrEqual(t, len(pages), 3, "the Link header goes on past the list")
			}
			require.Len(t, pages, 2)
			wholeList := strings.TrimSuffix(strings.TrimPrefix(string(whole.Body), `{"data":[`), "]}\n")
			first := strings.TrimSuffix(strings.TrimPrefix(string(pages[0]), `{"data":[`), "]}\n")
			second := strings.TrimSuffix(strings.TrimPrefix(string(pages[1]), `{"data":[`), "]}\n")
			assert.Equal(t, wholeList, first+","+second, "the pages are the whole list's subscribers, byte for byte")

			r := e.do("GET", "/subscribe?limit=2", nil, true).Want(t, 200)
			assert.Equal(t, []float64{1, 2}, ids(r))
			assert.Equal(t, `</mailing/subscribe?limit=2&min_id=2>; rel="next"`, r.Header.Get("Link"))
			r = e.do("GET", "/subscribe?min_id=2&limit=2", nil, true).Want(t, 200)
			assert.Equal(t, []float64{4, 5}, ids(r))
			assert.Empty(t, r.Header.Get("Link"), "the last page")
			r = e.do("GET", "/subscribe?min_id=3", nil, true).Want(t, 200)
			assert.Equal(t, []float64{4, 5}, ids(r), "after a deleted id, without a limit")
			r = e.do("GET", "/subscribe?min_id=5&limit=1000", nil, true).Want(t, 200)
			assert.Equal(t, "{\"data\":[]}\n", string(r.Body), "past the last")
			assert.Empty(t, r.Header.Get("Link"))

			for _, c := range []struct{ query, field, message string }{
				{"min_id=0", "min_id", "min_id must be a subscriber id (a positive integer)"},
				{"min_id=-1", "min_id", "min_id must be a subscriber id (a positive integer)"},
				{"min_id=abc", "min_id", "min_id must be a subscriber id (a positive integer)"},
				{"min_id=", "min_id", "min_id must be a subscriber id (a positive integer)"},
				{"min_id=99999999999999999999", "min_id", "min_id must be a subscriber id (a positive integer)"},
				{"limit=0", "limit", "limit must be an integer from 1 to 1000"},
				{"limit=1001", "limit", "limit must be an integer from 1 to 1000"},
				{"limit=2.5", "limit", "limit must be an integer from 1 to 1000"},
				{"min_id=1&limit=-3", "limit", "limit must be an integer from 1 to 1000"},
			} {
				r := e.do("GET", "/subscribe?"+c.query, nil, true)
				wantError(t, r, 400, c.message)
				assert.Contains(t, r.Map(t)["fields"], c.field, "?%s", c.query)
			}
			wantError(t, e.do("GET", "/subscribe?limit=2", nil, false), 403, "admin token")
		})
	}
}

func TestSendMailAndReport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, email := range []string{"a@example.com", "b@naver.com", "c@example.com"} {
		e.do("POST", "/subscribe", map[string]any{"email": email, "name": "x"}, false).Want(t, 201)
	}
	e.do("PATCH", "/subscribe", map[string]any{"email": "c@example.com"}, false).Want(t, 201)
	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"content": "x"}, "subject: is required"},
		{map[string]any{"subject": "x"}, "content: is required"},
		{map[string]any{"subject": " ", "content": "x"}, "subject: is required"},
		{map[string]any{"subject": "x", "content": "  \n"}, "content: is required"},
		{map[string]any{"subject": "a\nb", "content": "x"}, "single line"},
		{map[string]any{"subject": []int{1}, "content": "x"}, "subject: must be a string"},
		{"[", "malformed JSON"},
	} {
		wantError(t, e.do("POST", "/subscribe/send-mail", tc.body, true), 400, tc.want)
	}
	r := e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "News", "content": "Hello\nthere"}, true).Want(t, 203)
	assert.Equal(t, map[string]any{"campaign_id": float64(1), "deliveries": float64(2), "status": "queued"}, r.Map(t))
	r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
	m := r.Map(t)
	assert.Equal(t, float64(2), m["pending"])
	assert.Equal(t, float64(0), m["sent"])
	assert.Equal(t, float64(0), m["failed"])
	assert.Equal(t, "News", m["subject"])
	assert.Empty(t, m["failures"])
	// The seed document's "subjectl" is read as the subject.
	r = e.do("POST", "/subscribe/send-mail", map[string]any{"subjectl": "Typo", "content": "x"}, true).Want(t, 203)
	assert.Equal(t, float64(2), r.Map(t)["campaign_id"])
	rep, err := e.svc.CampaignReport(ctx, mailing.Admin, 2)
	require.NoError(t, err)
	assert.Equal(t, "Typo", rep.Campaign.Subject)
	_, err = e.svc.CancelCampaign(ctx, mailing.Admin, 2)
	require.NoError(t, err)
	wantError(t, e.do("GET", "/subscribe/send-mail/3", nil, true), 404, "campaign 3 not found")
	wantError(t, e.do("GET", "/subscribe/send-mail/x", nil, true), 404, `campaign "x" not found`)

	// Sent through a dispatcher writing files: the report follows, and
	// a failure shows its errors. The dispatcher says when each outcome
	// is recorded.
	dir := t.TempDir()
	w, err := transport.NewDirWriter(dir)
	require.NoError(t, err)
	failing := transportFunc(func(context.Context, mailing.Message) error {
		return mailing.Permanent(fmt.Errorf("550 mailbox unavailable"))
	})
	recorded := make(chan mailing.Outcome, 2)
	d, err := mailing.NewDispatcher(e.svc.Store(), mailing.DispatcherConfig{Routing: mailing.SeedRouting(w, failing), Poll: time.Millisecond,
		OnOutcome: func(o mailing.Outcome) { recorded <- o }})
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- d.Run(runCtx) }()
	for range 2 {
		select {
		case <-recorded:
		case <-time.After(time.Minute):
			t.Fatal("the dispatcher recorded no outcome within a minute")
		}
	}
	cancel()
	require.NoError(t, <-done)
	r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
	m = r.Map(t)
	assert.Equal(t, float64(1), m["sent"])
	assert.Equal(t, float64(1), m["failed"])
	assert.Equal(t, "done", m["status"])
	fails := m["failures"].([]any)
	require.Len(t, fails, 1)
	f := fails[0].(map[string]any)
	assert.Equal(t, "b@naver.com", f["email"])
	assert.Equal(t, float64(1), f["attempts"])
	assert.Contains(t, f["last_error"], "550")
	assert.Len(t, f["errors"], 1)
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	require.Len(t, files, 1)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), "To: \"x\" <a@example.com>", "To carries the subscriber's name")
	assert.Contains(t, string(data), "List-Unsubscribe-Post: List-Unsubscribe=One-Click")
}

// A delivery whose server answered 451 shows in the report as retrying,
// with its last error and next attempt.
func TestReportRetrying(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/subscribe", map[string]any{"email": "a@example.com", "name": "A"}, false).Want(t, 201)
	e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "News", "content": "x"}, true).Want(t, 203)
	r := e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
	assert.Equal(t, []any{}, r.Map(t)["retrying"])
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	greylisting := transportFunc(func(context.Context, mailing.Message) error {
		return mailing.Temporary(fmt.Errorf("451 4.7.1 greylisted, try again later"))
	})
	recorded := make(chan mailing.Outcome, 1)
	d, err := mailing.NewDispatcher(e.svc.Store(), mailing.DispatcherConfig{Routing: mailing.Routing{Default: greylisting}, Poll: time.Millisecond,
		Backoff: time.Minute, Now: func() time.Time { return at }, OnOutcome: func(o mailing.Outcome) { recorded <- o }})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	select {
	case <-recorded:
	case <-time.After(time.Minute):
		t.Fatal("the dispatcher recorded no outcome within a minute")
	}
	cancel()
	require.NoError(t, <-done)
	r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
	m := r.Map(t)
	assert.Equal(t, float64(1), m["pending"])
	assert.Equal(t, []any{map[string]any{"email": "a@example.com", "attempts": float64(1),
		"last_error": "temporary: 451 4.7.1 greylisted, try again later", "next_attempt": "2026-03-01T09:01:00Z"}}, m["retrying"])
}

type transportFunc func(context.Context, mailing.Message) error

func (f transportFunc) Send(ctx context.Context, m mailing.Message) error { return f(ctx, m) }

// The unsubscribe link: HEAD (link checkers) and GET (mail scanners that
// prefetch links, a person who clicks) change nothing; GET shows a page in
// Korean and English whose button POSTs; the one-click POST of RFC 8058
// unsubscribes and answers JSON, or the page to a browser.
func TestUnsubscribeLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sub, err := e.svc.Subscribe(ctx, "a@example.com", "A")
	require.NoError(t, err)
	link := "/unsubscribe/" + sub.Token
	stillSubscribed := func(want bool) {
		t.Helper()
		got, err := e.svc.Subscriber(ctx, mailing.Admin, sub.ID)
		require.NoError(t, err)
		require.Equal(t, want, got.Subscribed, "subscribed")
	}

	r := e.do("HEAD", link, nil, false).Want(t, 200)
	assert.Empty(t, r.Body)
	assert.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
	stillSubscribed(true)

	r = e.do("GET", link, nil, false).Want(t, 200)
	assert.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
	page := string(r.Body)
	assert.Contains(t, page, "구독 취소")
	assert.Contains(t, page, "Unsubscribe")
	assert.Contains(t, page, "a@example.com")
	assert.Contains(t, page, `<form method="post">`)
	assert.Contains(t, page, `name="List-Unsubscribe" value="One-Click"`)
	assert.Contains(t, r.Header.Get("Content-Security-Policy"), "form-action 'self'")
	stillSubscribed(true)

	// The one-click POST, as a mail client sends it.
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + link, Body: "List-Unsubscribe=One-Click",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}).Want(t, 200)
	assert.Equal(t, map[string]any{"email": "a@example.com", "subscribed": false, "message": "a@example.com is unsubscribed"}, r.Map(t))
	stillSubscribed(false)

	// Followed again: still fine; GET now says it is done.
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + link, Body: "List-Unsubscribe=One-Click",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}).Want(t, 200)
	r = e.do("GET", link, nil, false).Want(t, 200)
	assert.Contains(t, string(r.Body), "구독이 취소되었습니다")
	assert.NotContains(t, string(r.Body), "<form")

	// The page's button, in a browser: the answer is the page.
	other, err := e.svc.Subscribe(ctx, "b@example.com", "B")
	require.NoError(t, err)
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + "/unsubscribe/" + other.Token, Body: "List-Unsubscribe=One-Click",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"text/html,application/xhtml+xml,*/*;q=0.8"}}}).Want(t, 200)
	assert.Contains(t, string(r.Body), "b@example.com")
	assert.Contains(t, string(r.Body), "Unsubscribed")
	got, err := e.svc.Subscriber(ctx, mailing.Admin, other.ID)
	require.NoError(t, err)
	assert.False(t, got.Subscribed)

	unknown := "/unsubscribe/00000000-0000-4000-8000-000000000000"
	r = e.do("GET", unknown, nil, false).Want(t, 404)
	assert.Contains(t, string(r.Body), "Unknown link")
	e.do("HEAD", unknown, nil, false).Want(t, 404)
	wantError(t, e.do("POST", unknown, nil, false), 404, "unknown unsubscribe link")
	wantError(t, e.do("POST", "/unsubscribe/not-a-token", nil, false), 404, "unknown unsubscribe link")
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.do("GET", "/nope", nil, false), 404, "no such route")
	r := e.do("PUT", "/subscribe", nil, false)
	wantError(t, r, 405, "method PUT not allowed")
	assert.Contains(t, r.Header.Get("Allow"), "POST")
	assert.Contains(t, r.Header.Get("Allow"), "PATCH")
	wantError(t, e.do("PUT", "/unsubscribe/x", nil, false), 405, "not allowed")
}

// api checks every exchange of this package's tests against the document.
var api = apitest.MustLoad(mailinghttp.OpenAPI())

func TestMain(m *testing.M) {
	// The unsubscribe link's page is HTML: checked as plain text.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	os.Exit(apitest.Main(m, api))
}

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := testkit.Do(t, nil, testkit.Request{URL: e.url + "/openapi.json"}).Want(t, 200)
	servers, _ := r.Map(t)["servers"].([]any)
	require.Len(t, servers, 1)
	assert.Equal(t, "/mailing", servers[0].(map[string]any)["url"], "the mount point")
}

// The public subscribe route is throttled per client address as
// registration is (the auth service's budget, here 3 an hour): past the
// budget it answers 429 with Retry-After in the adapter's error body and
// subscribes no one; refused input costs nothing; another address (from
// behind a trusted proxy) has its own budget.
func TestSubscribeIsThrottledPerClientAddress(t *testing.T) {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), RegisterAttempts: 3, RegisterInterval: time.Hour})
	require.NoError(t, err)
	svc, err := mailing.New(db.Mailing(), mailing.Config{Throttle: authn})
	require.NoError(t, err)
	trusted, err := httpx.ParseProxies("127.0.0.0/8")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/mailing/", http.StripPrefix("/mailing", api.Wrap(t, httpx.TrustProxies(trusted)(mailinghttp.NewHandler(svc, authn)))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	subscribe := func(from, email string) testkit.Response {
		return testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/mailing/subscribe",
			Body: map[string]any{"email": email, "name": "x"}, Header: http.Header{"X-Forwarded-For": {from}}})
	}
	for i := range 3 {
		subscribe("203.0.113.7", fmt.Sprintf("u%d@example.com", i)).Want(t, 201)
		wantError(t, subscribe("203.0.113.7", "not-an-address"), 400, "email")
	}
	r := subscribe("203.0.113.7", "u3@example.com")
	wantError(t, r, 429, "too many subscriptions from this address")
	assert.Equal(t, "rate_limited", r.Map(t)["code"])
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", r.Header.Get("Retry-After"))
	assert.Greater(t, retry, 0)
	_, err = svc.Store().SubscriberByEmail(context.Background(), "u3@example.com")
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound, "a throttled request subscribed")
	subscribe("198.51.100.9", "u3@example.com").Want(t, 201)
}

// The bounce webhook, over HTTP on every store: admin only; a hard
// bounce marks the subscriber bounced (in the list, the subscriber and
// the campaign's report) and a later campaign skips it; soft bounces
// count up to the limit (2 here); a complaint unsubscribes; bad input is
// a 4xx that changes nothing.
func TestBounceWebhook(t *testing.T) {
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			ms, as := mk(t)
			e := newEnvOn(t, ms, as)
			for _, email := range []string{"dead@example.com", "full@example.com", "angry@example.com", "fine@example.com"} {
				e.do("POST", "/subscribe", map[string]any{"email": email, "name": "x"}, false).Want(t, 201)
			}
			e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "News", "content": "x"}, true).Want(t, 203)

			hard := map[string]any{"email": "dead@example.com", "type": "hard", "status": "5.1.1", "diagnostic": "smtp; 550 5.1.1 user unknown", "campaign_id": 1}
			wantError(t, e.do("POST", "/webhooks/bounce", hard, false), 403, "admin token")
			for _, tc := range []struct {
				body   any
				status int
				want   string
			}{
				{map[string]any{"type": "hard"}, 400, "email: is required"},
				{map[string]any{"email": "dead@example.com"}, 400, "type: is required"},
				{map[string]any{"email": "dead@example.com", "type": "bounced"}, 400, "type must be hard, soft or complaint"},
				{map[string]any{"email": "dead@example.com", "type": "hard", "status": "4.2.2"}, 400, "4.2.2 is not a hard bounce"},
				{map[string]any{"email": "dead@example.com", "type": "hard", "status": "5.1"}, 400, "enhanced status code"},
				{map[string]any{"email": "not an address", "type": "hard"}, 400, "email"},
				{map[string]any{"email": "dead@example.com", "type": "hard", "campaign_id": -1}, 400, "campaign_id"},
				{map[string]any{"email": "nobody@example.com", "type": "hard"}, 404, "nobody@example.com is not on the list"},
				{map[string]any{"email": "dead@example.com", "type": "hard", "campaign_id": 9}, 404, "campaign 9 sent nothing to dead@example.com"},
				{"[", 400, "malformed JSON"},
			} {
				wantError(t, e.do("POST", "/webhooks/bounce", tc.body, true), tc.status, tc.want)
			}
			r := e.do("GET", "/subscribe", nil, true).Want(t, 200)
			for _, s := range r.Map(t)["data"].([]any) {
				sub := s.(map[string]any)
				assert.Equal(t, "active", sub["status"], "bad input changed %v", sub["email"])
				assert.NotContains(t, sub, "bounced_at")
			}

			r = e.do("POST", "/webhooks/bounce", hard, true).Want(t, 200)
			sub := r.Map(t)["data"].(map[string]any)
			assert.Equal(t, "dead@example.com", sub["email"])
			assert.Equal(t, "bounced", sub["status"])
			assert.Equal(t, false, sub["subscribed"])
			assert.Equal(t, "2026-03-01T09:00:00Z", sub["bounced_at"])
			// Again: nothing more happens.
			r = e.do("POST", "/webhooks/bounce", hard, true).Want(t, 200)
			assert.Equal(t, "bounced", r.Map(t)["data"].(map[string]any)["status"])

			soft := map[string]any{"email": "full@example.com", "type": "soft", "status": "4.2.2"}
			r = e.do("POST", "/webhooks/bounce", soft, true).Want(t, 200)
			sub = r.Map(t)["data"].(map[string]any)
			assert.Equal(t, "active", sub["status"])
			assert.Equal(t, float64(1), sub["soft_bounces"])
			r = e.do("POST", "/webhooks/bounce", soft, true).Want(t, 200)
			assert.Equal(t, "bounced", r.Map(t)["data"].(map[string]any)["status"])

			r = e.do("POST", "/webhooks/bounce", map[string]any{"email": "ANGRY@example.com", "type": "complaint", "campaign_id": 1}, true).Want(t, 200)
			sub = r.Map(t)["data"].(map[string]any)
			assert.Equal(t, "unsubscribed", sub["status"])
			assert.Equal(t, false, sub["subscribed"])

			r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
			m := r.Map(t)
			assert.Equal(t, float64(2), m["bounced"])
			assert.Equal(t, []any{
				map[string]any{"email": "dead@example.com", "type": "hard", "status": "5.1.1", "diagnostic": "smtp; 550 5.1.1 user unknown", "at": "2026-03-01T09:00:00Z"},
				map[string]any{"email": "angry@example.com", "type": "complaint", "status": "", "diagnostic": "", "at": "2026-03-01T09:00:00Z"},
			}, m["bounces"])
			assert.Equal(t, float64(1), m["pending"], "the dead addresses' deliveries are not sent")
			r = e.do("GET", "/subscribe/2", nil, true).Want(t, 200)
			assert.Equal(t, "bounced", r.Map(t)["data"].(map[string]any)["status"])
			r = e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "Later", "content": "x"}, true).Want(t, 203)
			assert.Equal(t, float64(1), r.Map(t)["deliveries"], "only the active subscriber gets the next campaign")
		})
	}
}

// confirmations is a Confirmer that keeps the confirmation links it is
// asked to send.
type confirmations struct {
	base  string
	links chan string
}

func (c *confirmations) SendConfirmation(_ context.Context, sub mailing.Subscriber) error {
	c.links <- mailing.ConfirmURL(c.base, sub.Token)
	return nil
}

// Confirmed opt-in over HTTP on every store: POST /subscribe answers 201
// with a pending subscriber and sends one confirmation link; a pending
// subscriber gets no campaign; GET of the link shows a page and changes
// nothing, POST confirms (the consent record keeps when and from where);
// subscribing again while pending sends a new link; an expired one is
// refused and swept; an unknown one is 404; a pending subscription
// cancelled is not confirmed later.
func TestConfirmedOptIn(t *testing.T) {
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			ms, as := mk(t)
			conf := &confirmations{links: make(chan string, 4)}
			e := newEnvOn(t, ms, as, func(c *mailing.Config) { c.Confirmer = conf; c.ConfirmTTL = 48 * time.Hour })
			conf.base = e.url
			link := func() string {
				select {
				case l := <-conf.links:
					return strings.TrimPrefix(l, e.url)
				default:
					t.Fatal("no confirmation link sent")
					return ""
				}
			}
			r := e.do("POST", "/subscribe", map[string]any{"email": "mirim@example.com", "name": "Mirim"}, false).Want(t, 201)
			d := r.Map(t)["data"].(map[string]any)
			assert.Equal(t, "pending", d["status"])
			assert.Equal(t, false, d["subscribed"])
			first := link()
			assert.Regexp(t, `^/confirm/[0-9a-f-]{36}$`, first)
			r = e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "News", "content": "x"}, true).Want(t, 203)
			assert.Equal(t, float64(0), r.Map(t)["deliveries"], "a pending subscriber gets no campaign")

			// Subscribing again while pending: 201, and a new link.
			e.do("POST", "/subscribe", map[string]any{"email": "mirim@example.com", "name": "Mirim"}, false).Want(t, 201)
			assert.Equal(t, first, link())

			for _, method := range []string{"GET", "HEAD"} {
				page := e.do(method, first, nil, false).Want(t, 200)
				if method == "GET" {
					assert.Contains(t, string(page.Body), "mirim@example.com")
					assert.Contains(t, string(page.Body), `<form method="post">`)
				}
			}
			r = e.do("GET", "/subscribe/1", nil, true).Want(t, 200)
			assert.Equal(t, "pending", r.Map(t)["data"].(map[string]any)["status"], "GET changes nothing")

			r = e.do("POST", first, nil, false).Want(t, 200)
			assert.Equal(t, map[string]any{"email": "mirim@example.com", "subscribed": true, "message": "mirim@example.com is subscribed"}, r.Map(t))
			r = e.do("POST", first, nil, false).Want(t, 200) // twice: still fine
			assert.Equal(t, true, r.Map(t)["subscribed"])
			r = e.do("GET", "/subscribe/1", nil, true).Want(t, 200)
			sub := r.Map(t)["data"].(map[string]any)
			assert.Equal(t, "active", sub["status"])
			assert.Equal(t, map[string]any{"subscribed_at": "2026-03-01T09:00:00Z", "subscribed_from": "127.0.0.1",
				"confirmed_at": "2026-03-01T09:00:00Z", "confirmed_from": "127.0.0.1"}, sub["consent"])
			r = e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "News", "content": "x"}, true).Want(t, 203)
			assert.Equal(t, float64(1), r.Map(t)["deliveries"], "a confirmed subscriber gets the campaign")

			// Unsubscribing keeps when and from where.
			e.do("PATCH", "/subscribe", map[string]any{"email": "mirim@example.com"}, false).Want(t, 201)
			r = e.do("GET", "/subscribe", nil, true).Want(t, 200)
			consent := r.Map(t)["data"].([]any)[0].(map[string]any)["consent"].(map[string]any)
			assert.Equal(t, "127.0.0.1", consent["unsubscribed_from"])
			assert.Equal(t, "2026-03-01T09:00:00Z", consent["unsubscribed_at"])

			// A pending subscription cancelled cannot be confirmed later.
			e.do("POST", "/subscribe", map[string]any{"email": "late@example.com", "name": "Late"}, false).Want(t, 201)
			late := link()
			e.do("PATCH", "/subscribe", map[string]any{"email": "late@example.com"}, false).Want(t, 201)
			wantError(t, e.do("POST", late, nil, false), 409, "not awaiting confirmation")

			// Unknown and expired links.
			wantError(t, e.do("POST", "/confirm/00000000-0000-4000-8000-000000000000", nil, false), 404, "unknown")
			e.do("GET", "/confirm/nope", nil, false).Want(t, 404)
			e.do("POST", "/subscribe", map[string]any{"email": "slow@example.com", "name": "Slow"}, false).Want(t, 201)
			slow := link()
			e.clock.Add(48*time.Hour + time.Second)
			wantError(t, e.do("POST", slow, nil, false), 404, "expired")
			n, err := e.svc.ExpirePending(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			r = e.do("GET", "/subscribe", nil, true).Want(t, 200)
			assert.Len(t, r.Map(t)["data"], 2, "the expired subscription is gone, the others stay")
		})
	}
}

// tests is a Tester that keeps what it is asked to send.
type tests struct{ sent chan string }

func (ts *tests) SendTest(_ context.Context, c mailing.Campaign, to string) error {
	if to == "refused@example.com" {
		return mailing.Permanent(fmt.Errorf("550 5.1.1 no such user"))
	}
	ts.sent <- fmt.Sprintf("%d %s %s", c.ID, c.Subject, to)
	return nil
}

// Scheduling and control over HTTP on every store: send_at schedules (in
// the future only); pause stops claims at once, resume lets them go on,
// cancel marks the undelivered rows cancelled; each answers 409 where
// the campaign's state forbids it; a test send reaches the one address.
func TestCampaignControl(t *testing.T) {
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			ms, as := mk(t)
			ts := &tests{sent: make(chan string, 2)}
			e := newEnvOn(t, ms, as, func(c *mailing.Config) { c.Tester = ts })
			ctx := context.Background()
			for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
				e.do("POST", "/subscribe", map[string]any{"email": email, "name": "x"}, false).Want(t, 201)
			}
			for _, tc := range []struct {
				sendAt any
				want   string
			}{
				{"2026-03-01T08:59:59Z", "send_at: must be in the future"},
				{"2026-03-01T18:00:00+09:00", "send_at: must be in the future"}, // 09:00 UTC: now
				{"2028-03-01T09:00:00Z", "send_at: must be within a year"},
				{"tomorrow", "send_at"},
				{17, "send_at"},
			} {
				wantError(t, e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "s", "content": "c", "send_at": tc.sendAt}, true), 400, tc.want)
			}
			r := e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "Later", "content": "c", "send_at": "2026-03-01T19:00:00+09:00"}, true).Want(t, 203)
			assert.Equal(t, map[string]any{"campaign_id": float64(1), "status": "queued", "deliveries": float64(3), "send_at": "2026-03-01T10:00:00Z"}, r.Map(t))
			r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
			assert.Equal(t, "2026-03-01T10:00:00Z", r.Map(t)["send_at"])
			claim := func(at time.Time) int {
				ds, err := e.svc.Store().ClaimDeliveries(ctx, at, at.Add(time.Minute), 10)
				require.NoError(t, err)
				return len(ds)
			}
			sendAt := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			assert.Zero(t, claim(sendAt.Add(-time.Second)), "nothing is due before send_at")

			wantError(t, e.do("POST", "/subscribe/send-mail/1/pause", nil, false), 403, "admin token")
			r = e.do("POST", "/subscribe/send-mail/1/pause", nil, true).Want(t, 200)
			assert.Equal(t, map[string]any{"campaign_id": float64(1), "status": "paused", "updated_at": "2026-03-01T09:00:00Z", "send_at": "2026-03-01T10:00:00Z"}, r.Map(t))
			assert.Zero(t, claim(sendAt), "a paused campaign's deliveries are not claimed")
			wantError(t, e.do("POST", "/subscribe/send-mail/1/pause", nil, true), 409, "campaign 1 is already paused")
			r = e.do("POST", "/subscribe/send-mail/1/resume", nil, true).Want(t, 200)
			assert.Equal(t, "queued", r.Map(t)["status"])
			wantError(t, e.do("POST", "/subscribe/send-mail/1/resume", nil, true), 409, "campaign 1 is not paused")
			assert.Equal(t, 3, claim(sendAt), "resumed: claimed again")

			r = e.do("POST", "/subscribe/send-mail/1/cancel", nil, true).Want(t, 200)
			assert.Equal(t, "cancelled", r.Map(t)["status"])
			r = e.do("GET", "/subscribe/send-mail/1", nil, true).Want(t, 200)
			m := r.Map(t)
			assert.Equal(t, float64(3), m["cancelled"], "the undelivered rows are cancelled, not lost")
			assert.Equal(t, float64(0), m["pending"])
			for _, action := range []string{"cancel", "pause"} {
				wantError(t, e.do("POST", "/subscribe/send-mail/1/"+action, nil, true), 409, "campaign 1 is already cancelled")
			}
			wantError(t, e.do("POST", "/subscribe/send-mail/1/resume", nil, true), 409, "campaign 1 is not paused")
			wantError(t, e.do("POST", "/subscribe/send-mail/9/pause", nil, true), 404, "campaign 9 not found")
			wantError(t, e.do("POST", "/subscribe/send-mail/x/cancel", nil, true), 404, `campaign "x" not found`)

			// A test send goes to the one address, and records nothing.
			r = e.do("POST", "/subscribe/send-mail/1/test", map[string]any{"email": " me@example.com "}, true).Want(t, 200)
			assert.Equal(t, map[string]any{"campaign_id": float64(1), "email": "me@example.com", "message": "test message sent"}, r.Map(t))
			assert.Equal(t, "1 Later me@example.com", <-ts.sent)
			wantError(t, e.do("POST", "/subscribe/send-mail/1/test", map[string]any{"email": "me@example.com"}, false), 403, "admin token")
			wantError(t, e.do("POST", "/subscribe/send-mail/1/test", map[string]any{}, true), 400, "email: is required")
			wantError(t, e.do("POST", "/subscribe/send-mail/1/test", map[string]any{"email": "nope"}, true), 400, "email")
			wantError(t, e.do("POST", "/subscribe/send-mail/9/test", map[string]any{"email": "me@example.com"}, true), 404, "campaign 9 not found")
			wantError(t, e.do("POST", "/subscribe/send-mail/1/test", map[string]any{"email": "refused@example.com"}, true), 503, "550 5.1.1 no such user")
			assert.Empty(t, ts.sent)
		})
	}
}

// Without a transport, a test send is 503.
func TestTestSendUnavailable(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/subscribe/send-mail", map[string]any{"subject": "s", "content": "c"}, true).Want(t, 203)
	wantError(t, e.do("POST", "/subscribe/send-mail/1/test", map[string]any{"email": "me@example.com"}, true), 503, "no mail transport")
}
