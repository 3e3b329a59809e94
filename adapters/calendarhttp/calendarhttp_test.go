package calendarhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

type env struct {
	t     *testing.T
	url   string
	authn *auth.Service
	clock *testkit.Clock
	cal   *calendar.Service
}

var seoul = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := testkit.NewClock(time.Date(2017, 6, 19, 19, 55, 4, 0, seoul))
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost, Now: clk.Now})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{Now: clk.Now})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/calendar/", http.StripPrefix("/calendar", api.Wrap(t, calendarhttp.NewHandler(cal, authn))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL + "/calendar", authn: authn, clock: clk, cal: cal}
}

// reply is a decoded response.
type reply struct {
	Status int
	Header http.Header
	Meta   calendarhttp.Meta
	Data   json.RawMessage
	Raw    []byte
}

// do sends a request with the token in the seed's header (if not empty)
// and body as JSON (if not empty).
func (e *env) do(method, path, token, body string) reply {
	e.t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set(calendarhttp.TokenHeader, token)
	}
	return e.send(method, path, body, h)
}

func (e *env) send(method, path, body string, header http.Header) reply {
	e.t.Helper()
	req := testkit.Request{Method: method, URL: e.url + path, Header: header}
	if body != "" {
		req.Body = body
	}
	r := testkit.Do(e.t, nil, req)
	raw := r.Body
	rep := reply{Status: r.Status, Header: r.Header, Raw: raw}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var env struct {
			Meta calendarhttp.Meta `json:"meta"`
			Data json.RawMessage   `json:"data"`
		}
		require.NoError(e.t, json.Unmarshal(raw, &env), "%s %s: body %q", method, path, raw)
		rep.Meta, rep.Data = env.Meta, env.Data
	}
	return rep
}

// want checks the status and meta code, and that the message contains
// each of msgs.
func (r reply) want(t *testing.T, code int, msgs ...string) reply {
	t.Helper()
	require.Equal(t, code/100, r.Status, "status; body %s", r.Raw)
	require.Equal(t, code, r.Meta.Code, "meta code; body %s", r.Raw)
	for _, m := range msgs {
		require.Contains(t, r.Meta.Message, m)
	}
	return r
}

func (r reply) into(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Data, v), "data %s", r.Data)
}

// user signs up email and returns its token.
func (e *env) user(email string) string {
	e.t.Helper()
	var tok calendarhttp.Token
	e.do("POST", "/api/v1/user/", "", fmt.Sprintf(`{"useremail": %q, "password": "password-1"}`, email)).want(e.t, 20000).into(e.t, &tok)
	require.NotEmpty(e.t, tok.Token)
	return tok.Token
}

func (e *env) events(path, token string) []calendarhttp.Event {
	e.t.Helper()
	var evs []calendarhttp.Event
	e.do("GET", path, token, "").want(e.t, 20000, "SUCCESS").into(e.t, &evs)
	return evs
}

func subjects(evs []calendarhttp.Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Subject)
	}
	return strings.Join(s, ",")
}

func (e *env) event(token, subject, start, end string) calendarhttp.Event {
	e.t.Helper()
	var ev calendarhttp.Event
	e.do("POST", "/api/v1/calendar/event", token, fmt.Sprintf(`{"sdate": %q, "edate": %q, "subject": %q}`, start, end, subject)).want(e.t, 20000).into(e.t, &ev)
	return ev
}

func (e *env) group(token, name string) calendarhttp.Group {
	e.t.Helper()
	var g calendarhttp.Group
	e.do("POST", "/api/v1/group/", token, fmt.Sprintf(`{"group_name": %q}`, name)).want(e.t, 20000).into(e.t, &g)
	return g
}

func (e *env) groupEvent(token string, group calendar.GroupID, subject, start, end string) calendarhttp.Event {
	e.t.Helper()
	var ev calendarhttp.Event
	e.do("POST", "/api/v1/group/event", token, fmt.Sprintf(`{"sdate": %q, "edate": %q, "subject": %q, "group_id": %d}`, start, end, subject, group)).want(e.t, 20000).into(e.t, &ev)
	return ev
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	var first, second calendarhttp.Token
	r := e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "password-1"}`).want(t, 20000, "SUCCESS")
	r.into(t, &first)
	_, err := e.authn.Authenticate(context.Background(), first.Token)
	require.NoError(t, err, "the new token authenticates")
	e.do("POST", "/api/v1/user/", "", `{"useremail": "PARK@jungi.me", "password": "password-1"}`).want(t, 20010, "USER ID EXIST").into(t, &second)
	u1, _ := e.authn.Authenticate(context.Background(), first.Token)
	u2, err := e.authn.Authenticate(context.Background(), second.Token)
	require.NoError(t, err)
	require.Equal(t, u1.ID, u2.ID, "the sign-in token is of the same user")
	r = e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "wrong-password"}`).want(t, 40103, "UNAUTHORIZED REQUEST")
	assert.Empty(t, r.Data, "a failed sign-in returns no data")
	// The seed issued a token for an email alone.
	e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me"}`).want(t, 40001, "password")
	e.do("POST", "/api/v1/user/", "", `{"usereamil": "park@jungi.me", "password": "password-1"}`).want(t, 40001, "useremail")
	e.do("POST", "/api/v1/user/", "", `{"useremail": "not-an-email", "password": "password-1"}`).want(t, 40001, "useremail")
	e.do("POST", "/api/v1/user/", "", `{"useremail": "new@jungi.me", "password": "short"}`).want(t, 40001, "password")
	e.do("POST", "/api/v1/user/", "", `{"useremail": 7, "password": "password-1"}`).want(t, 40001, "useremail")
	e.do("POST", "/api/v1/user/", "", `{"useremail": "new@jungi.me",`).want(t, 40001, "malformed JSON")
	e.do("POST", "/api/v1/user/", "", `{"useremail": "`+strings.Repeat("a", 70<<10)+`@x.io", "password": "password-1"}`).want(t, 40001, "larger than")
	_, err = e.authn.UserByEmail(context.Background(), "new@jungi.me")
	require.Error(t, err, "a refused sign-up created a user")
}

// staleLookup is an auth store whose email lookup misses once, as it does
// for the second of two sign-ups of one email that run at the same time.
type staleLookup struct {
	auth.Store
	mu    sync.Mutex
	stale bool
}

func (s *staleLookup) missNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stale = true
}

func (s *staleLookup) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	s.mu.Lock()
	stale := s.stale
	s.stale = false
	s.mu.Unlock()
	if stale {
		return nil, hanok.Errorf(hanok.NotFound, "user not found")
	}
	return s.Store.UserByEmail(ctx, email)
}

func TestSignInRacingSignUp(t *testing.T) {
	db := memory.New()
	store := &staleLookup{Store: db.Auth()}
	authn, err := auth.New(store, auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(calendarhttp.NewHandler(cal, authn))
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, authn: authn, cal: cal}
	first := e.user("park@jungi.me")
	u1, _ := authn.Authenticate(context.Background(), first)

	store.missNext()
	var tok calendarhttp.Token
	e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "password-1"}`).want(t, 20010, "USER ID EXIST").into(t, &tok)
	u2, err := authn.Authenticate(context.Background(), tok.Token)
	require.NoError(t, err)
	require.NotNil(t, u1)
	require.Equal(t, u1.ID, u2.ID, "the token is of the same user")
	store.missNext()
	e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "wrong-password"}`).want(t, 40103, "UNAUTHORIZED REQUEST")
}

func TestSignInThrottled(t *testing.T) {
	e := newEnv(t)
	e.user("kim@example.com")
	for i := 0; i < 5; i++ {
		e.do("POST", "/api/v1/user/", "", `{"useremail": "kim@example.com", "password": "wrong-password"}`).want(t, 40103)
	}
	r := e.do("POST", "/api/v1/user/", "", `{"useremail": "kim@example.com", "password": "password-1"}`).want(t, 42900, "TOO MANY REQUESTS")
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	e.clock.Set(e.clock.Now().Add(time.Minute))
	e.do("POST", "/api/v1/user/", "", `{"useremail": "kim@example.com", "password": "password-1"}`).want(t, 20010)
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	e.do("GET", "/api/v1/calendar/", "", "").want(t, 40101, "MISSING HEADER")
	e.do("GET", "/api/v1/calendar/", "not-a-token", "").want(t, 40102, "INVAILD TOKEN")
	e.do("GET", "/api/v1/calendar/", tok+"x", "").want(t, 40102, "INVAILD TOKEN")
	r := e.send("GET", "/api/v1/calendar/", "", http.Header{"Authorization": {"Bearer " + tok}})
	r.want(t, 20000)
	require.NoError(t, e.authn.Logout(context.Background(), tok))
	e.do("GET", "/api/v1/calendar/", tok, "").want(t, 40102, "INVAILD TOKEN")
	e.clock.Set(e.clock.Now().Add(48 * time.Hour))
	e.do("GET", "/api/v1/calendar/today", e.user("late@example.com"), "").want(t, 20000)
	// Every route but sign-in wants a token.
	for _, route := range []string{
		"POST /api/v1/user/calendar/group", "GET /api/v1/calendar/", "GET /api/v1/calendar/month", "GET /api/v1/calendar/today",
		"GET /api/v1/calendar/date", "GET /api/v1/calendar/search", "POST /api/v1/calendar/event", "PUT /api/v1/calendar/event",
		"DELETE /api/v1/calendar/event", "PUT /api/v1/calendar/birthday", "POST /api/v1/calendar/birthday", "POST /api/v1/group/",
		"PUT /api/v1/group/", "DELETE /api/v1/group/", "GET /api/v1/group/", "GET /api/v1/group/list", "POST /api/v1/group/event",
		"GET /api/v1/calendar.ics",
	} {
		method, path, _ := strings.Cut(route, " ")
		e.do(method, path, "", "").want(t, 40101)
		e.do(method, path, "forged.token.value", "").want(t, 40102)
	}
}

func TestEventFields(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	ev := e.event(tok, "테스트 일정", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	raw := e.do("GET", "/api/v1/calendar/month?year_month=2017-06", tok, "").want(t, 20000).Data
	want := fmt.Sprintf(`[{"id":%d,"subject":"테스트 일정","sdate":"Tue, 20 Jun 2017 09:00:00 +0900","edate":"Tue, 20 Jun 2017 12:00:00 +0900",`+
		`"created":"Mon, 19 Jun 2017 19:55:04 +0900","updated":null,"email":"park@jungi.me","owner_name":"park","group":null,"birthday":null}]`, ev.ID)
	assert.Equal(t, want, strings.TrimSpace(string(raw)))
}

func TestEventCRUD(t *testing.T) {
	e := newEnv(t)
	park := e.user("park@jungi.me")
	kim := e.user("kim@jungi.me")
	ev := e.event(park, "친구들과 약속", "2017-06-19 20:00:00", "2017-06-19 23:00:00")
	assert.Positive(t, ev.ID)
	assert.Equal(t, "park@jungi.me", ev.Email)
	assert.Nil(t, ev.Updated)
	month := func() string { return subjects(e.events("/api/v1/calendar/month?year_month=2017-06", park)) }

	for _, c := range []struct{ body, field string }{
		{`{"sdate": "2017-06-19 20:00", "edate": "2017-06-19 19:00:00", "subject": "x"}`, "edate"},
		{`{"sdate": "2017/06/19 20:00:00", "edate": "2017-06-19 23:00:00", "subject": "x"}`, "sdate"},
		{`{"edate": "2017-06-19 23:00:00", "subject": "x"}`, "sdate"},
		{`{"sdate": "2017-06-19 20:00:00", "subject": "x"}`, "edate"},
		{`{"sdate": "2017-06-19 20:00:00", "edate": "2017-06-19 23:00:00"}`, "subject"},
		{`{"sdate": 20170619, "edate": "2017-06-19 23:00:00", "subject": "x"}`, "sdate"},
		{`["sdate"]`, "object"},
		{``, "empty"},
	} {
		e.do("POST", "/api/v1/calendar/event", park, c.body).want(t, 40001, c.field)
	}

	var up calendarhttp.Event
	e.clock.Set(e.clock.Now().Add(time.Hour))
	e.do("PUT", "/api/v1/calendar/event", park, fmt.Sprintf(`{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 23:30:00", "subject": "moved", "event_id": %d}`, ev.ID)).want(t, 20000).into(t, &up)
	assert.Equal(t, "moved", up.Subject)
	assert.Equal(t, "Mon, 19 Jun 2017 21:00:00 +0900", up.Start)
	require.NotNil(t, up.Updated)
	assert.Equal(t, "Mon, 19 Jun 2017 20:55:04 +0900", *up.Updated)
	e.do("PUT", "/api/v1/calendar/event", kim, fmt.Sprintf(`{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 23:30:00", "subject": "stolen", "event_id": %d}`, ev.ID)).want(t, 40300)
	e.do("PUT", "/api/v1/calendar/event", park, `{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 23:30:00", "subject": "x", "event_id": 999}`).want(t, 40400)
	e.do("PUT", "/api/v1/calendar/event", park, `{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 23:30:00", "subject": "x"}`).want(t, 40001, "event_id")
	e.do("PUT", "/api/v1/calendar/event", park, fmt.Sprintf(`{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 20:00:00", "subject": "x", "event_id": %d}`, ev.ID)).want(t, 40001, "edate")
	e.do("PUT", "/api/v1/calendar/event", park, `{"sdate": "2017-06-19 21:00:00", "edate": "2017-06-19 23:30:00", "subject": "x", "event_id": "1"}`).want(t, 40001, "event_id")
	e.do("DELETE", "/api/v1/calendar/event", kim, fmt.Sprintf(`{"event_id": %d}`, ev.ID)).want(t, 40300)
	e.do("DELETE", "/api/v1/calendar/event", park, `{"event_id": 999}`).want(t, 40400)
	e.do("DELETE", "/api/v1/calendar/event", park, `{}`).want(t, 40001, "event_id")
	e.do("DELETE", "/api/v1/calendar/event", park, `{"event_id": 1.5}`).want(t, 40001, "event_id")
	assert.Equal(t, "moved", month(), "after refused requests")
	assert.Empty(t, subjects(e.events("/api/v1/calendar/month?year_month=2017-06", kim)), "kim sees park's event")
	r := e.do("DELETE", "/api/v1/calendar/event", park, fmt.Sprintf(`{"event_id": %d}`, ev.ID)).want(t, 20000)
	assert.Empty(t, r.Data, "delete returns no data")
	assert.Empty(t, month(), "after delete")
	e.do("DELETE", "/api/v1/calendar/event", park, fmt.Sprintf(`{"event_id": %d}`, ev.ID)).want(t, 40400)
}

func TestQueries(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	e.event(tok, "june 2016", "2016-06-22 10:00:00", "2016-06-22 11:00:00")
	e.event(tok, "night", "2017-06-21 23:00:00", "2017-06-22 01:00:00")
	e.event(tok, "테스트 일정", "2017-06-22 09:00:00", "2017-06-22 12:00:00")
	e.event(tok, "July 테스트", "2017-07-01 09:00:00", "2017-07-01 12:00:00")

	// The seed's month query ignored the year.
	assert.Equal(t, "night,테스트 일정", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", tok)), "June 2017")
	assert.Equal(t, "june 2016", subjects(e.events("/api/v1/calendar/month?year_month=2016-06", tok)), "June 2016")
	assert.Equal(t, "night,테스트 일정", subjects(e.events("/api/v1/calendar/", tok)), "this month")
	// The seed's date query missed events that span the day.
	assert.Equal(t, "night", subjects(e.events("/api/v1/calendar/date?date=2017-06-21", tok)), "21 June")
	assert.Equal(t, "night,테스트 일정", subjects(e.events("/api/v1/calendar/date?date=2017-06-22", tok)), "22 June")
	e.clock.Set(time.Date(2017, 6, 22, 0, 30, 0, 0, seoul))
	var again calendarhttp.Token
	e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "password-1"}`).want(t, 20010).into(t, &again)
	tok = again.Token
	assert.Equal(t, "night,테스트 일정", subjects(e.events("/api/v1/calendar/today", tok)), "today")
	assert.Equal(t, "July 테스트,테스트 일정", subjects(e.events("/api/v1/calendar/search?search_word=%ED%85%8C%EC%8A%A4%ED%8A%B8", tok)), "search")
	assert.Equal(t, "July 테스트", subjects(e.events("/api/v1/calendar/search?search_word=JULY", tok)), "search JULY")
	assert.Equal(t, "", subjects(e.events("/api/v1/calendar/search?search_word=nothing", tok)), "search nothing")
	assert.JSONEq(t, "[]", string(e.do("GET", "/api/v1/calendar/search?search_word=nothing", tok, "").Data), "an empty result")

	e.do("GET", "/api/v1/calendar/month", tok, "").want(t, 40001, "year_month")
	e.do("GET", "/api/v1/calendar/month?year_month=2017-13", tok, "").want(t, 40001, "year_month")
	e.do("GET", "/api/v1/calendar/month?year_month=June", tok, "").want(t, 40001, "year_month")
	e.do("GET", "/api/v1/calendar/date", tok, "").want(t, 40001, "date")
	e.do("GET", "/api/v1/calendar/date?date=2017-02-30", tok, "").want(t, 40001, "date")
	e.do("GET", "/api/v1/calendar/search", tok, "").want(t, 40001, "search_word")
	e.do("GET", "/api/v1/calendar/search?search_word="+strings.Repeat("a", 101), tok, "").want(t, 40001, "search_word")
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	park := e.user("park@jungi.me")
	kim := e.user("kim@jungi.me")
	lee := e.user("lee@jungi.me")
	var gs []calendarhttp.Group
	for i := 1; i <= 13; i++ {
		gs = append(gs, e.group(kim, fmt.Sprint("그룹 ", i)))
	}
	assert.Equal(t, calendar.GroupID(12), gs[11].ID)
	assert.Equal(t, calendar.GroupID(13), gs[12].ID)
	assert.Equal(t, "kim@jungi.me", gs[0].CreatorEmail, "the creator reads its own email")
	assert.Equal(t, "kim", gs[0].CreatorName)
	assert.Nil(t, gs[0].Updated)
	assert.Equal(t, "Mon, 19 Jun 2017 19:55:04 +0900", gs[0].Created)
	g := e.group(park, "park's")
	e.do("POST", "/api/v1/group/", park, `{"group_name": " "}`).want(t, 40001, "group_name")
	e.do("POST", "/api/v1/group/", park, `{"group_name": 3}`).want(t, 40001, "group_name")

	// Anyone adds events to any group.
	e.groupEvent(park, 12, "in twelve", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	e.groupEvent(kim, 13, "in thirteen", "2017-06-20 13:00:00", "2017-06-20 14:00:00")
	e.groupEvent(kim, 1, "in one", "2017-06-20 15:00:00", "2017-06-20 16:00:00")
	e.do("POST", "/api/v1/group/event", park, `{"sdate": "2017-06-20 09:00:00", "edate": "2017-06-20 12:00:00", "subject": "x", "group_id": 999}`).want(t, 40400)
	e.do("POST", "/api/v1/group/event", park, `{"sdate": "2017-06-20 09:00:00", "edate": "2017-06-20 12:00:00", "subject": "x"}`).want(t, 40001, "group_id")
	e.do("POST", "/api/v1/group/event", park, `{"sdate": "2017-06-20", "edate": "2017-06-20 12:00:00", "subject": "x", "group_id": 1}`).want(t, 40001, "sdate")

	// The seed parsed only one-digit ids, and never showed group events.
	e.do("POST", "/api/v1/user/calendar/group", lee, `{"selected_group": "12,13"}`).want(t, 20000)
	evs := e.events("/api/v1/calendar/month?year_month=2017-06", lee)
	require.Equal(t, "in twelve,in thirteen", subjects(evs), "lee after selecting 12,13")
	require.NotNil(t, evs[0].Group)
	require.NotNil(t, evs[1].Group)
	assert.Equal(t, "12", *evs[0].Group)
	assert.Equal(t, "13", *evs[1].Group)
	assert.Equal(t, "", evs[0].Email, "lee reads park's email")
	assert.Equal(t, "park", evs[0].OwnerName)
	e.do("POST", "/api/v1/user/calendar/group", lee, `{"selected_group": "12,999"}`).want(t, 40400, "999")
	e.do("POST", "/api/v1/user/calendar/group", lee, `{"selected_group": "12,x"}`).want(t, 40001, "selected_group")
	e.do("POST", "/api/v1/user/calendar/group", lee, `{"selected_group": 12}`).want(t, 40001, "selected_group")
	e.do("POST", "/api/v1/user/calendar/group", lee, `{}`).want(t, 40001, "selected_group")
	assert.Equal(t, "in twelve,in thirteen", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", lee)), "after refused selections")

	// Only the creator renames or deletes; the seed let anyone delete.
	e.do("DELETE", "/api/v1/group/", park, `{"group_id": 12}`).want(t, 40300)
	e.do("PUT", "/api/v1/group/", park, `{"group_id": 12, "group_name": "mine"}`).want(t, 40300)
	assert.Equal(t, "in twelve,in thirteen", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", lee)), "after a refused delete")
	var renamed calendarhttp.Group
	e.do("PUT", "/api/v1/group/", kim, `{"group_id": 12, "group_name": "회식 및 저녁 약속 일정"}`).want(t, 20000).into(t, &renamed)
	assert.Equal(t, "회식 및 저녁 약속 일정", renamed.Name)
	assert.NotNil(t, renamed.Updated)
	e.do("PUT", "/api/v1/group/", kim, `{"group_id": 999, "group_name": "x"}`).want(t, 40400)
	e.do("PUT", "/api/v1/group/", kim, `{"group_name": "x"}`).want(t, 40001, "group_id")
	e.do("PUT", "/api/v1/group/", kim, `{"group_id": 12, "group_name": ""}`).want(t, 40001, "group_name")
	e.do("DELETE", "/api/v1/group/", kim, `{"group_id": 999}`).want(t, 40400)
	e.do("DELETE", "/api/v1/group/", kim, `{"group_id": "12"}`).want(t, 40001, "group_id")

	var mine, all []calendarhttp.Group
	e.do("GET", "/api/v1/group/", park, "").want(t, 20000).into(t, &mine)
	require.Len(t, mine, 1, "park's groups")
	assert.Equal(t, g.ID, mine[0].ID)
	assert.Equal(t, "park's", mine[0].Name)
	e.do("GET", "/api/v1/group/list", park, "").want(t, 20000).into(t, &all)
	require.Len(t, all, 14, "all groups")
	assert.Equal(t, "회식 및 저녁 약속 일정", all[11].Name)

	e.do("DELETE", "/api/v1/group/", kim, `{"group_id": 12}`).want(t, 20000)
	assert.Equal(t, "in thirteen", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", lee)), "after the delete")
	assert.Equal(t, "", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", park)), "the deleted group's event survives")
	e.do("GET", "/api/v1/group/list", park, "").want(t, 20000).into(t, &all)
	assert.Len(t, all, 13, "groups after the delete")
	e.do("POST", "/api/v1/user/calendar/group", lee, `{"selected_group": "0"}`).want(t, 20000)
	assert.Equal(t, "", subjects(e.events("/api/v1/calendar/month?year_month=2017-06", lee)), "after clearing")
}

// Another user's email is never shown: not in the groups any user lists
// (the seed listed every creator's email), not in the group events of a
// selected group (the seed showed their authors' emails), not in search
// results nor in the iCalendar export. Each shows the display name
// instead; owners still read their own email.
func TestOtherUsersEmailsAreNotShown(t *testing.T) {
	e := newEnv(t)
	kim := e.user("kim.minsu@jungi.me")
	park := e.user("park@jungi.me")
	g := e.group(kim, "회식")
	e.groupEvent(kim, g.ID, "team dinner", "2017-06-20 19:00:00", "2017-06-20 21:00:00")
	e.do("POST", "/api/v1/user/calendar/group", park, fmt.Sprintf(`{"selected_group": "%d"}`, g.ID)).want(t, 20000)
	for _, path := range []string{
		"/api/v1/group/list",
		"/api/v1/calendar/month?year_month=2017-06",
		"/api/v1/calendar/date?date=2017-06-20",
		"/api/v1/calendar/search?search_word=dinner",
		"/api/v1/calendar.ics?from=2017-06-01&to=2017-07-01",
	} {
		r := e.do("GET", path, park, "")
		require.Equal(t, http.StatusOK, r.Status, path)
		assert.NotContains(t, string(r.Raw), "kim.minsu@jungi.me", "park reads kim's email at %s", path)
		assert.NotContains(t, string(r.Raw), "@jungi.me", "park reads an email at %s", path)
	}
	var all []calendarhttp.Group
	e.do("GET", "/api/v1/group/list", park, "").want(t, 20000).into(t, &all)
	require.Len(t, all, 1)
	assert.Equal(t, "", all[0].CreatorEmail)
	assert.Equal(t, "kim.minsu", all[0].CreatorName)
	evs := e.events("/api/v1/calendar/month?year_month=2017-06", park)
	require.Len(t, evs, 1)
	assert.Equal(t, "", evs[0].Email)
	assert.Equal(t, "kim.minsu", evs[0].OwnerName)

	// The owner reads its own email, with the same display name.
	e.do("GET", "/api/v1/group/list", kim, "").want(t, 20000).into(t, &all)
	require.Len(t, all, 1)
	assert.Equal(t, "kim.minsu@jungi.me", all[0].CreatorEmail)
	assert.Equal(t, "kim.minsu", all[0].CreatorName)
	e.do("POST", "/api/v1/user/calendar/group", kim, fmt.Sprintf(`{"selected_group": "%d"}`, g.ID)).want(t, 20000)
	evs = e.events("/api/v1/calendar/month?year_month=2017-06", kim)
	require.Len(t, evs, 1)
	assert.Equal(t, "kim.minsu@jungi.me", evs[0].Email)
}

// brokenStore is a calendar store whose reads of events fail.
type brokenStore struct{ calendar.Store }

func (brokenStore) Events(context.Context, auth.UserID, time.Time, time.Time) ([]calendar.Event, error) {
	return nil, errors.New("disk on fire")
}

// A 5xx ends its message with the request's id, as in every service,
// and shows nothing of the cause.
func TestInternalErrorNamesTheRequestID(t *testing.T) {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	cal, err := calendar.New(brokenStore{db.Calendar()}, calendar.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(httpx.RequestIDs(api.Wrap(t, calendarhttp.NewHandler(cal, authn))))
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, authn: authn, cal: cal}
	tok := e.user("park@jungi.me")
	r := e.send("GET", "/api/v1/calendar/today", "", http.Header{calendarhttp.TokenHeader: {tok}, httpx.RequestIDHeader: {"quote-me-42"}})
	r.want(t, 50000)
	assert.Equal(t, "INTERNAL SERVER ERROR: internal error (request id quote-me-42)", r.Meta.Message)
	assert.NotContains(t, string(r.Raw), "disk on fire")
	assert.Empty(t, r.Data)
}

func TestBirthday(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{"birthday": "1990-06-19"}`).want(t, 20000, "SUCCESS")
	for _, ym := range []string{"2017-06", "2030-06"} {
		evs := e.events("/api/v1/calendar/month?year_month="+ym, tok)
		require.Len(t, evs, 1, ym)
		require.NotNil(t, evs[0].Birthday, ym)
		assert.Equal(t, "1", *evs[0].Birthday, ym)
		assert.Contains(t, evs[0].Start, " 19 Jun "+ym[:4]+" 00:00:00 +0900")
	}
	evs := e.events("/api/v1/calendar/date?date=2017-06-19", tok)
	require.Len(t, evs, 1, "19 June")
	assert.Equal(t, "Mon, 19 Jun 2017 00:00:00 +0900", evs[0].Start)
	assert.Equal(t, "Tue, 20 Jun 2017 00:00:00 +0900", evs[0].End)
	e.do("POST", "/api/v1/calendar/birthday", tok, `{"birthday": "1992-02-29 20:00:00"}`).want(t, 20011, "USER BIRTHDAY EXIST")
	evs = e.events("/api/v1/calendar/month?year_month=2017-02", tok)
	require.Len(t, evs, 1, "February 2017")
	assert.Equal(t, "Tue, 28 Feb 2017 00:00:00 +0900", evs[0].Start)
	assert.Empty(t, e.events("/api/v1/calendar/month?year_month=2017-06", tok), "the replaced birthday shows")
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{"brithday": "1992-03-01"}`).want(t, 20011)
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{"birthday": "1992-02-30"}`).want(t, 40001, "birthday")
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{}`).want(t, 40001, "birthday")
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{"birthday": 19920301}`).want(t, 40001, "birthday")
	assert.Len(t, e.events("/api/v1/calendar/date?date=2017-03-01", tok), 1, "after refused changes")
}

func TestICS(t *testing.T) {
	e := newEnv(t)
	park := e.user("park@jungi.me")
	kim := e.user("kim@jungi.me")
	g := e.group(kim, "회식")
	e.groupEvent(kim, g.ID, "team dinner", "2017-06-20 19:00:00", "2017-06-20 21:00:00")
	e.event(park, "테스트 일정", "2017-06-22 09:00:00", "2017-06-22 12:00:00")
	e.event(park, "next month", "2017-07-02 09:00:00", "2017-07-02 12:00:00")
	e.do("POST", "/api/v1/user/calendar/group", park, fmt.Sprintf(`{"selected_group": "%d"}`, g.ID)).want(t, 20000)
	e.do("PUT", "/api/v1/calendar/birthday", park, `{"birthday": "1990-06-19"}`).want(t, 20000)

	want := e.events("/api/v1/calendar/month?year_month=2017-06", park)
	r := e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to=2017-07-01", park, "")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
	require.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar"), "Content-Type %q", r.Header.Get("Content-Type"))
	cal, err := ical.NewDecoder(bytes.NewReader(r.Raw)).Decode()
	require.NoError(t, err, "%s", r.Raw)
	got := cal.Events()
	require.Len(t, want, 3)
	require.Len(t, got, len(want), "VEVENTs: %s", r.Raw)
	for i, w := range want {
		summary, _ := got[i].Props.Text(ical.PropSummary)
		start, err := got[i].DateTimeStart(seoul)
		require.NoError(t, err)
		assert.Equal(t, w.Subject, summary, "event %d", i)
		if w.Birthday != nil {
			assert.Equal(t, "1990-06-19", start.Format("2006-01-02"), "the birthday's first day")
			assert.NotNil(t, got[i].Props.Get(ical.PropRecurrenceRule), "the birthday's rule")
			continue
		}
		assert.Equal(t, w.Start, start.Format(time.RFC1123Z), "event %d", i)
		cat := got[i].Props.Get(ical.PropCategories)
		if w.Group != nil {
			require.NotNil(t, cat, "CATEGORIES of group event %d", i)
			assert.Equal(t, "회식", cat.Value)
		} else {
			assert.Nil(t, cat, "CATEGORIES of event %d", i)
		}
	}
	e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to=2017-05-01", park, "").want(t, 40001, "to")
	e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to=2030-05-01", park, "").want(t, 40001, "to", "1098 days")
	e.do("GET", "/api/v1/calendar.ics?from=June&to=2017-07-01", park, "").want(t, 40001, "from")
	e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to=July", park, "").want(t, 40001, "to")
	// 1098 days is the longest range.
	ok := e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to="+time.Date(2017, 6, 1+1098, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), park, "")
	require.Equal(t, http.StatusOK, ok.Status, "%s", ok.Raw)
}

// from and to of the export are optional, as documented: this month in
// the calendar's zone by default (the seed's clock is 19 June 2017 in
// Seoul), from alone runs a month, to alone ends what starts this month.
func TestICSDefaultsToThisMonth(t *testing.T) {
	e := newEnv(t)
	park := e.user("park@jungi.me")
	e.event(park, "last of May", "2017-05-31 23:00:00", "2017-05-31 23:30:00")
	e.event(park, "first of June", "2017-06-01 00:00:00", "2017-06-01 01:00:00")
	e.event(park, "20 June", "2017-06-20 09:00:00", "2017-06-20 10:00:00")
	e.event(park, "last of June", "2017-06-30 23:00:00", "2017-06-30 23:30:00")
	e.event(park, "first of July", "2017-07-01 00:00:00", "2017-07-01 01:00:00")
	summaries := func(query string) []string {
		t.Helper()
		r := e.do("GET", "/api/v1/calendar.ics"+query, park, "")
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", query, r.Raw)
		cal, err := ical.NewDecoder(bytes.NewReader(r.Raw)).Decode()
		require.NoError(t, err)
		var out []string
		for _, ev := range cal.Events() {
			s, _ := ev.Props.Text(ical.PropSummary)
			out = append(out, s)
		}
		return out
	}
	june := []string{"first of June", "20 June", "last of June"}
	assert.Equal(t, june, summaries(""), "no from, no to")
	assert.Equal(t, june, summaries("?from=&to="), "empty from and to")
	assert.Equal(t, []string{"first of July"}, summaries("?from=2017-07-01"), "from alone")
	assert.Equal(t, []string{"first of June", "20 June"}, summaries("?to=2017-06-21"), "to alone")
	e.do("GET", "/api/v1/calendar.ics?to=2017-05-01", park, "").want(t, 40001, "to")

	// 30 June 20:00 UTC is already 1 July in Seoul: this month is July.
	e.clock.Set(time.Date(2017, 6, 30, 20, 0, 0, 0, time.UTC))
	var again calendarhttp.Token
	e.do("POST", "/api/v1/user/", "", `{"useremail": "park@jungi.me", "password": "password-1"}`).want(t, 20010).into(t, &again)
	park = again.Token
	assert.Equal(t, []string{"first of July"}, summaries(""), "this month in the calendar's zone")
}

// Concurrent writers and readers through the adapter, for the race
// detector.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"sdate": "2017-06-%02d 09:00:00", "edate": "2017-06-%02d 10:00:00", "subject": "e%d"}`, i+1, i+1, i)
			req, _ := http.NewRequest("POST", e.url+"/api/v1/calendar/event", strings.NewReader(body))
			req.Header.Set(calendarhttp.TokenHeader, tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Sprint("create: ", resp.Status)
			}
		}()
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", e.url+"/api/v1/calendar/month?year_month=2017-06", nil)
			req.Header.Set(calendarhttp.TokenHeader, tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Sprint("month: ", resp.Status)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.Fail(t, err)
	}
	assert.Len(t, e.events("/api/v1/calendar/month?year_month=2017-06", tok), n)
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	e.do("GET", "/api/v1/calendar/nope", tok, "").want(t, 40400, "NOT FOUND")
	e.do("GET", "/api/v2/user/", "", "").want(t, 40400, "NOT FOUND")
	r := e.do("GET", "/api/v1/calendar/event", tok, "").want(t, 40500, "METHOD NOT ALLOWED")
	assert.Contains(t, r.Header.Get("Allow"), "POST")
	assert.Contains(t, r.Header.Get("Allow"), "DELETE")
	e.do("PATCH", "/api/v1/group/", tok, "").want(t, 40500)
}

// The mux redirects a path without its trailing slash; the redirect stays
// under the prefix the handler is mounted at.
func TestRedirectKeepsMountPrefix(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	e.event(tok, "this month", "2017-06-20 09:00:00", "2017-06-20 10:00:00")
	req, err := http.NewRequest("GET", e.url+"/api/v1/calendar", nil)
	require.NoError(t, err)
	req.Header.Set(calendarhttp.TokenHeader, tok)
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 3, resp.StatusCode/100, "a redirect")
	assert.Equal(t, "/calendar/api/v1/calendar/", resp.Header.Get("Location"))
	assert.Equal(t, "this month", subjects(e.events("/api/v1/calendar", tok)), "after the redirect")
}

// The whole system serves the calendar under /calendar, .ics included.
func TestMountedBySystem(t *testing.T) {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Calendar: cal}, system.Config{}))
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL + "/calendar", authn: authn, cal: cal}
	tok := e.user("park@jungi.me")
	e.event(tok, "mounted", "2017-06-20 09:00:00", "2017-06-20 10:00:00")
	r := e.do("GET", "/api/v1/calendar.ics?from=2017-06-01&to=2017-07-01", tok, "")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
	assert.Contains(t, string(r.Raw), "SUMMARY:mounted\r\n")
}

// TestInvalidUTF8IsRefused sends every text field of every route in both
// forms of broken text, a raw invalid byte and a JSON lone surrogate: each
// is 40001 naming the field, and nothing is stored or changed.
func TestInvalidUTF8IsRefused(t *testing.T) {
	e := newEnv(t)
	tok := e.user("alice@example.com")
	ev := e.event(tok, "dinner", "2017-06-19 20:00:00", "2017-06-19 21:00:00")
	g := e.group(tok, "family")
	for _, bad := range []string{"x\xc3\x28y", `x\ud800y`} {
		// The JSON string's content, spliced in as is so that a raw byte
		// reaches the server unescaped.
		cases := []struct {
			method, path, field, body string
		}{
			{"POST", "/api/v1/calendar/event", "subject", `{"sdate": "2017-06-20 20:00:00", "edate": "2017-06-20 21:00:00", "subject": "` + bad + `"}`},
			{"PUT", "/api/v1/calendar/event", "subject", fmt.Sprintf(`{"event_id": %d, "sdate": "2017-06-19 20:00:00", "edate": "2017-06-19 21:00:00", "subject": "%s"}`, ev.ID, bad)},
			{"POST", "/api/v1/group/", "group_name", `{"group_name": "` + bad + `"}`},
			{"PUT", "/api/v1/group/", "group_name", fmt.Sprintf(`{"group_id": %d, "group_name": "%s"}`, g.ID, bad)},
			{"POST", "/api/v1/group/event", "subject", fmt.Sprintf(`{"sdate": "2017-06-20 20:00:00", "edate": "2017-06-20 21:00:00", "subject": "%s", "group_id": %d}`, bad, g.ID)},
		}
		for _, c := range cases {
			r := e.do(c.method, c.path, tok, c.body)
			r.want(t, 40001, c.field, "UTF-8")
		}
		// The search word is text too, though nothing stores it.
		e.do("GET", "/api/v1/calendar/search?search_word="+url.QueryEscape("x\xc3\x28y"), tok, "").want(t, 40001, "search_word", "UTF-8")
	}
	evs := e.events("/api/v1/calendar/month?year_month=2017-06", tok)
	require.Len(t, evs, 1, "events after refused writes")
	assert.Equal(t, "dinner", evs[0].Subject)
	var gs []calendarhttp.Group
	e.do("GET", "/api/v1/group/", tok, "").want(t, 20000).into(t, &gs)
	require.Len(t, gs, 1, "groups after refused writes")
	assert.Equal(t, "family", gs[0].Name)
}

// api checks every exchange of this package's tests against the document.
var api = apitest.MustLoad(calendarhttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/openapi.json", "", "")
	var doc struct {
		OpenAPI string              `json:"openapi"`
		Servers []map[string]string `json:"servers"`
	}
	require.Equal(t, http.StatusOK, r.Status)
	require.NoError(t, json.Unmarshal(r.Raw, &doc))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	require.Len(t, doc.Servers, 1)
	assert.Equal(t, "/calendar", doc.Servers[0]["url"])
}
