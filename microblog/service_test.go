package microblog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

var ctx = context.Background()

type fixture struct {
	mb    *microblog.Service
	authn *auth.Service
	clock *testkit.Clock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := memory.New()
	clock := testkit.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, Now: clock.Now, LoginAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{mb: microblog.New(db.Microblog(), authn, microblog.Config{Now: clock.Now}), authn: authn, clock: clock}
}

func (f fixture) signup(t *testing.T, handle string) hanok.Actor {
	t.Helper()
	p, err := f.mb.Signup(ctx, microblog.SignupInput{Handle: handle, Name: "Name " + handle, Password: "password " + handle, Bio: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	return hanok.Actor{ID: p.User, Username: p.Handle}
}

func (f fixture) post(t *testing.T, a hanok.Actor, text string, parent microblog.TweetID) microblog.TweetID {
	t.Helper()
	tw, err := f.mb.Post(ctx, a, microblog.PostInput{Content: text, InReplyTo: parent})
	if err != nil {
		t.Fatal(err)
	}
	return tw.ID
}

func wantField(t *testing.T, err error, code hanok.Code, field string) {
	t.Helper()
	storetest.WantCode(t, err, code)
	if _, ok := hanok.FieldsOf(err)[field]; !ok {
		t.Fatalf("error %v does not name %s", err, field)
	}
}

func TestSignup(t *testing.T) {
	f := newFixture(t)
	p, err := f.mb.Signup(ctx, microblog.SignupInput{Handle: " mirim ", Name: "미림", Password: "password1", Bio: "line one\nline two"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Handle != "mirim" || p.Name != "미림" || p.Bio != "line one\nline two" || !p.Created.Equal(f.clock.Now()) {
		t.Fatalf("profile %+v", p)
	}
	_, err = f.mb.Signup(ctx, microblog.SignupInput{Handle: "MIRIM", Name: "x", Password: "password1"})
	if !errors.Is(err, microblog.ErrHandleTaken) {
		t.Fatalf("taken handle: %v", err)
	}
	for _, c := range []struct {
		in    microblog.SignupInput
		field string
	}{
		{microblog.SignupInput{Name: "x", Password: "password1"}, "username"},
		{microblog.SignupInput{Handle: "a", Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: "x"}, "password"},
		{microblog.SignupInput{Handle: "a", Name: "x", Password: "short"}, "password"},
		{microblog.SignupInput{Handle: "a\u200b", Name: "x", Password: "password1"}, "username"},
		{microblog.SignupInput{Handle: "a", Name: "x\x00", Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: strings.Repeat("x", 51), Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: "x", Password: "password1", Bio: strings.Repeat("x", 161)}, "bio"},
	} {
		_, err := f.mb.Signup(ctx, c.in)
		wantField(t, err, hanok.Invalid, c.field)
	}
	if _, err := f.authn.Login(ctx, auth.LoginInput{Username: "a", Password: "password1"}); err == nil {
		t.Fatal("a refused signup registered a user")
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	f.signup(t, "mirim")
	sess, err := f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "password mirim"})
	if err != nil || sess.Token == "" || sess.User.Username != "mirim" {
		t.Fatalf("login: %v, %v", sess, err)
	}
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "nobody", Password: "password mirim"})
	if !errors.Is(err, microblog.ErrNoSuchUser) {
		t.Fatalf("unknown handle: %v", err)
	}
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "wrong password"})
	if !errors.Is(err, microblog.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	wantField(t, mustErr(f.mb.Login(ctx, microblog.LoginInput{Password: "x"})), hanok.Invalid, "username")
	wantField(t, mustErr(f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim"})), hanok.Invalid, "password")
	// auth's throttle (3 attempts here) holds even for the right password.
	for range 3 {
		_, _ = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "wrong password"})
	}
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "password mirim"})
	storetest.WantCode(t, err, hanok.RateLimited)
}

func mustErr[T any](_ T, err error) error { return err }

func TestAuthUserWithoutProfile(t *testing.T) {
	f := newFixture(t)
	sess, err := f.authn.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.mb.Me(ctx, sess.User.Actor())
	if err != nil || p.Handle != "plain" || p.Name != "plain" {
		t.Fatalf("Me of an auth user = %+v, %v", p, err)
	}
	if _, err := f.mb.Login(ctx, microblog.LoginInput{Handle: "plain", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
}

func TestPostRules(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "alice")
	for _, text := range []string{"", "   ", strings.Repeat("가", 301)} {
		_, err := f.mb.Post(ctx, a, microblog.PostInput{Content: text})
		wantField(t, err, hanok.Invalid, "content")
		if !strings.Contains(hanok.MessageOf(err), "300") {
			t.Fatalf("message %q does not say the limit", hanok.MessageOf(err))
		}
	}
	_, err := f.mb.Post(ctx, a, microblog.PostInput{Content: "bad \u202e text"})
	wantField(t, err, hanok.Invalid, "content")
	tw, err := f.mb.Post(ctx, a, microblog.PostInput{Content: " " + strings.Repeat("가", 300) + "\n"})
	if err != nil || tw.Content != strings.Repeat("가", 300) || tw.AuthorName != "Name alice" {
		t.Fatalf("300 characters: %v", err)
	}
	_, err = f.mb.Post(ctx, hanok.Actor{}, microblog.PostInput{Content: "x"})
	storetest.WantCode(t, err, hanok.Unauthenticated)
	_, err = f.mb.Post(ctx, a, microblog.PostInput{Content: "x", InReplyTo: 999})
	wantCodeMsg(t, err, hanok.NotFound, "in_reply_to")
}

func wantCodeMsg(t *testing.T, err error, code hanok.Code, part string) {
	t.Helper()
	storetest.WantCode(t, err, code)
	if !strings.Contains(hanok.MessageOf(err), part) {
		t.Fatalf("message %q does not say %q", hanok.MessageOf(err), part)
	}
}

func TestDeleteRules(t *testing.T) {
	f := newFixture(t)
	a, b := f.signup(t, "alice"), f.signup(t, "bob")
	a1 := f.post(t, a, "mine", 0)
	reply := f.post(t, b, "answer", a1)
	storetest.WantCode(t, f.mb.Delete(ctx, b, a1), hanok.Forbidden)
	storetest.WantCode(t, f.mb.Delete(ctx, hanok.Actor{}, a1), hanok.Unauthenticated)
	if err := f.mb.Delete(ctx, a, a1); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, f.mb.Delete(ctx, a, a1), hanok.NotFound)
	_, err := f.mb.Post(ctx, b, microblog.PostInput{Content: "late", InReplyTo: a1})
	storetest.WantCode(t, err, hanok.NotFound)
	tw, err := f.mb.Tweet(ctx, 0, reply)
	if err != nil || !tw.ParentDeleted {
		t.Fatalf("reply after delete: %+v, %v", tw, err)
	}
	_, _, err = f.mb.Thread(ctx, 0, a1, microblog.Cursor{})
	storetest.WantCode(t, err, hanok.NotFound)
}

func TestLikesAndFollows(t *testing.T) {
	f := newFixture(t)
	a, b := f.signup(t, "alice"), f.signup(t, "bob")
	a1 := f.post(t, a, "like me", 0)
	for range 2 {
		tw, err := f.mb.Like(ctx, b, a1)
		if err != nil || tw.Likes != 1 || !tw.Liked {
			t.Fatalf("like: %+v, %v", tw, err)
		}
	}
	tw, err := f.mb.Unlike(ctx, b, a1)
	if err != nil || tw.Likes != 0 || tw.Liked {
		t.Fatalf("unlike: %+v, %v", tw, err)
	}
	_, err = f.mb.Like(ctx, b, 999)
	storetest.WantCode(t, err, hanok.NotFound)

	wantField(t, f.mb.Follow(ctx, a, "ALICE"), hanok.Invalid, "username")
	storetest.WantCode(t, f.mb.Follow(ctx, a, "nobody"), hanok.NotFound)
	storetest.WantCode(t, f.mb.Follow(ctx, hanok.Actor{}, "bob"), hanok.Unauthenticated)
	for range 2 {
		if err := f.mb.Follow(ctx, a, "bob"); err != nil {
			t.Fatal(err)
		}
	}
	p, st, err := f.mb.User(ctx, "Bob")
	if err != nil || p.Handle != "bob" || st.Followers != 1 || st.Following != 0 {
		t.Fatalf("User(bob) = %+v %+v %v", p, st, err)
	}
	page, err := f.mb.Following(ctx, "alice", microblog.Cursor{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Profile.Handle != "bob" || page.Next != nil || page.Prev == nil {
		t.Fatalf("Following(alice) = %+v, %v", page, err)
	}
	if err := f.mb.Unfollow(ctx, a, "bob"); err != nil {
		t.Fatal(err)
	}
	page, err = f.mb.Followers(ctx, "bob", microblog.Cursor{})
	if err != nil || len(page.Items) != 0 || page.Items == nil {
		t.Fatalf("Followers(bob) after unfollow = %+v, %v", page, err)
	}
	_, err = f.mb.Followers(ctx, "nobody", microblog.Cursor{})
	storetest.WantCode(t, err, hanok.NotFound)
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "alice")
	var ids []microblog.TweetID
	for range 5 {
		ids = append(ids, f.post(t, a, "x", 0))
	}
	for _, c := range []struct {
		cur   microblog.Cursor
		field string
	}{
		{microblog.Cursor{MaxID: -1}, "max_id"},
		{microblog.Cursor{SinceID: -1}, "since_id"},
		{microblog.Cursor{MinID: -1}, "min_id"},
		{microblog.Cursor{Limit: -1}, "limit"},
	} {
		_, err := f.mb.PublicTimeline(ctx, 0, c.cur)
		wantField(t, err, hanok.Invalid, c.field)
	}
	p, err := f.mb.PublicTimeline(ctx, 0, microblog.Cursor{Limit: 2})
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != ids[4] || p.Next == nil || p.Next.MaxID != int64(ids[3]) || p.Prev.MinID != int64(ids[4]) {
		t.Fatalf("first page %+v %+v %+v, %v", p.Items, p.Next, p.Prev, err)
	}
	p, _ = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MaxID: int64(ids[1]), Limit: 2})
	if len(p.Items) != 1 || p.Next != nil {
		t.Fatalf("last page %+v next %+v", p.Items, p.Next)
	}
	// min_id: the page just above, newest first, with a Prev to go on.
	p, _ = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MinID: int64(ids[0]), Limit: 2})
	if len(p.Items) != 2 || p.Items[0].ID != ids[2] || p.Items[1].ID != ids[1] || p.Prev.MinID != int64(ids[2]) {
		t.Fatalf("min_id page %+v", p.Items)
	}
	p, _ = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MinID: int64(ids[4])})
	if len(p.Items) != 0 || p.Next != nil || p.Prev != nil {
		t.Fatalf("empty page %+v", p)
	}
	p, _ = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{Limit: 1000})
	if len(p.Items) != 5 {
		t.Fatalf("limit over the max: %d items", len(p.Items))
	}
	_, err = f.mb.HomeTimeline(ctx, hanok.Actor{}, microblog.Cursor{})
	storetest.WantCode(t, err, hanok.Unauthenticated)
	_, err = f.mb.UserTweets(ctx, 0, "nobody", microblog.Cursor{})
	storetest.WantCode(t, err, hanok.NotFound)
}

// Concurrent first requests of an auth user without a profile all get the
// one profile made by whichever came first.
func TestEnsureProfileConcurrently(t *testing.T) {
	f := newFixture(t)
	sess, err := f.authn.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	actor := sess.User.Actor()
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			_, err := f.mb.Post(ctx, actor, microblog.PostInput{Content: "first"})
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	_, st, err := f.mb.User(ctx, "plain")
	if err != nil || st.Tweets != cap(errs) {
		t.Fatalf("User(plain) = %+v, %v", st, err)
	}
}
