package mailing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"a.b@c.com", "a@b.co.kr", " x@example.com ", "first.last+tag@sub.example.org"} {
		_, err := mailing.CheckEmail("email", ok)
		assert.NoError(t, err, "CheckEmail(%q)", ok)
	}
	for _, bad := range []string{"", "@.", "a@b", "a@.com", "a@com.", "a@b..com", "Name <a@b.com>", "a@b.com (c)", "a b@c.com", "a@[127.0.0.1]", "a\x00@b.com", strings.Repeat("a", 246) + "@b.com.kr"} {
		_, err := mailing.CheckEmail("email", bad)
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "CheckEmail(%q) = %v", bad, err)
	}
}

// FuzzCheckEmail: an accepted address is trimmed, valid UTF-8, at most
// 254 characters, a bare address to net/mail, with a dot in its domain,
// and accepted again as it is.
func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"a.b@c.com", "a@b.co.kr", "@.", "\"q u\"@x.io", "Name <a@b.com>", "a@b.c\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := mailing.CheckEmail("email", s)
		if err != nil {
			require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "CheckEmail(%q) = %v", s, err)
			return
		}
		require.Equal(t, strings.TrimSpace(got), got, "trimmed")
		require.True(t, utf8.ValidString(got), "valid UTF-8: %q", got)
		require.LessOrEqual(t, utf8.RuneCountInString(got), mailing.MaxEmail)
		addr, err := mail.ParseAddress(got)
		require.NoError(t, err, "net/mail reads %q", got)
		require.Equal(t, got, addr.Address)
		require.Empty(t, addr.Name)
		require.Contains(t, mailing.Domain(got), ".")
		again, err := mailing.CheckEmail("email", got)
		require.NoError(t, err)
		require.Equal(t, got, again, "accepted again as it is")
	})
}

func TestSubscribeRules(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	a, err := svc.Subscribe(ctx, " A@Example.com ", " Ann ")
	require.NoError(t, err)
	assert.Equal(t, "A@Example.com", a.Email)
	assert.Equal(t, "Ann", a.Name)
	assert.True(t, a.Subscribed)
	assert.NotEmpty(t, a.Token)
	_, err = svc.Subscribe(ctx, "a@example.COM", "again")
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = svc.Unsubscribe(ctx, "a@example.com")
	require.NoError(t, err)
	_, err = svc.Unsubscribe(ctx, "a@example.com")
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = svc.Unsubscribe(ctx, "nobody@example.com")
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	assert.Equal(t, "nobody@example.com is not on the list", hanok.MessageOf(err))
	back, err := svc.Subscribe(ctx, "a@example.com", "Ann B")
	require.NoError(t, err)
	assert.Equal(t, a.ID, back.ID)
	assert.True(t, back.Subscribed)
	assert.Equal(t, "Ann B", back.Name)
	assert.Equal(t, a.Token, back.Token)
	_, _, err = svc.CreateCampaign(ctx, mailing.Admin, "s", "t", "bad \x00 html")
	storetest.WantCode(t, err, hanok.Invalid)
	c, n, err := svc.CreateCampaign(ctx, mailing.Admin, "s", "t", "")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = svc.CancelCampaign(ctx, mailing.Admin, c.ID)
	require.NoError(t, err)
	_, err = svc.CancelCampaign(ctx, mailing.Admin, c.ID)
	assert.ErrorIs(t, err, mailing.ErrCampaignCancelled)
	assert.Equal(t, fmt.Sprintf("campaign %d is already cancelled", c.ID), hanok.MessageOf(err))
	_, err = svc.CancelCampaign(ctx, mailing.Admin, 99)
	assert.ErrorIs(t, err, mailing.ErrCampaignNotFound)
	assert.Equal(t, "campaign 99 not found", hanok.MessageOf(err))
	_, err = svc.Subscriber(ctx, mailing.Admin, 99)
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	assert.Equal(t, "subscriber 99 not found", hanok.MessageOf(err))
	assert.ErrorIs(t, svc.DeleteSubscriber(ctx, mailing.Admin, 99), mailing.ErrSubscriberNotFound)
}

// The admin actions check their actor in the domain, so a Go program has
// the same access control as the HTTP routes: the administrator
// (mailing.Admin) and superusers may; a signed-in user and nobody may not,
// and their refused calls change nothing.
func TestAdminActionsNeedTheAdministrator(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	sub, err := svc.Subscribe(ctx, "a@example.com", "A")
	require.NoError(t, err)
	c, _, err := svc.CreateCampaign(ctx, mailing.Admin, "s", "t", "")
	require.NoError(t, err)
	for name, actor := range map[string]hanok.Actor{"nobody": {}, "a user": {ID: 7, Username: "user"}} {
		t.Run(name, func(t *testing.T) {
			_, err := svc.Subscribers(ctx, actor)
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, err = svc.ListSubscribers(ctx, actor, mailing.SubscriberQuery{Limit: 1})
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, err = svc.Subscriber(ctx, actor, sub.ID)
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			assert.ErrorIs(t, svc.DeleteSubscriber(ctx, actor, sub.ID), mailing.ErrNotAdmin)
			_, err = svc.DeleteAllSubscribers(ctx, actor)
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, _, err = svc.CreateCampaign(ctx, actor, "s", "t", "")
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, err = svc.CancelCampaign(ctx, actor, c.ID)
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, err = svc.CampaignReport(ctx, actor, c.ID)
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
			_, err = svc.RecordBounce(ctx, actor, mailing.Bounce{Email: "a@example.com", Kind: mailing.BounceHard})
			assert.ErrorIs(t, err, mailing.ErrNotAdmin)
		})
	}
	r, err := svc.CampaignReport(ctx, hanok.Actor{ID: 1, Username: "root", Superuser: true}, c.ID)
	require.NoError(t, err)
	assert.Equal(t, mailing.CampaignQueued, r.Campaign.Status, "a refused cancel changed the campaign")
	got, err := svc.Subscriber(ctx, mailing.Admin, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, mailing.SubscriberActive, got.Status(), "a refused bounce changed the subscriber")
	subs, err := svc.Subscribers(ctx, mailing.Admin)
	require.NoError(t, err)
	assert.Len(t, subs, 1, "a refused delete changed the list")
}

// ListSubscribers pages the list by id: a page of Limit with Next while
// the list goes on, the zero query the whole list; a negative After or a
// Limit out of 1 to MaxListLimit is refused with the domain's error.
func TestListSubscribers(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	var ids []mailing.SubscriberID
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		sub, err := svc.Subscribe(ctx, e, "x")
		require.NoError(t, err)
		ids = append(ids, sub.ID)
	}
	page := func(q mailing.SubscriberQuery) ([]mailing.SubscriberID, *mailing.SubscriberQuery) {
		t.Helper()
		p, err := svc.ListSubscribers(ctx, mailing.Admin, q)
		require.NoError(t, err)
		var got []mailing.SubscriberID
		for _, s := range p.Subscribers {
			got = append(got, s.ID)
		}
		return got, p.Next
	}
	got, next := page(mailing.SubscriberQuery{})
	assert.Equal(t, ids, got)
	assert.Nil(t, next, "the whole list")
	got, next = page(mailing.SubscriberQuery{Limit: 2})
	assert.Equal(t, ids[:2], got)
	require.NotNil(t, next)
	assert.Equal(t, mailing.SubscriberQuery{After: ids[1], Limit: 2}, *next)
	got, next = page(*next)
	assert.Equal(t, ids[2:], got)
	assert.Nil(t, next, "the last page")
	got, next = page(mailing.SubscriberQuery{Limit: 3})
	assert.Equal(t, ids, got)
	assert.Nil(t, next, "a page that holds the rest")

	for _, c := range []struct {
		q    mailing.SubscriberQuery
		want error
	}{
		{mailing.SubscriberQuery{After: -1}, mailing.ErrBadListAfter},
		{mailing.SubscriberQuery{Limit: -1}, mailing.ErrBadListLimit},
		{mailing.SubscriberQuery{Limit: mailing.MaxListLimit + 1}, mailing.ErrBadListLimit},
	} {
		_, err := svc.ListSubscribers(ctx, mailing.Admin, c.q)
		assert.ErrorIs(t, err, c.want, "%+v", c.q)
	}
	_, err := svc.ListSubscribers(ctx, mailing.Admin, mailing.SubscriberQuery{Limit: mailing.MaxListLimit})
	assert.NoError(t, err, "the largest page")
}

// The campaign's life cycle is the domain's: queued, sending once a
// delivery is claimed, done when none is pending; cancel from queued or
// sending only.
func TestCampaignLifeCycle(t *testing.T) {
	q, sending, done, cancelled := mailing.CampaignQueued, mailing.CampaignSending, mailing.CampaignDone, mailing.CampaignCancelled
	assert.Equal(t, sending, q.Claimed())
	assert.Equal(t, sending, sending.Claimed())
	assert.Equal(t, cancelled, cancelled.Claimed())
	assert.Equal(t, done, q.Settled(0))
	assert.Equal(t, done, sending.Settled(0))
	assert.Equal(t, sending, sending.Settled(1))
	assert.Equal(t, q, q.Settled(3))
	assert.Equal(t, cancelled, cancelled.Settled(0))
	for _, st := range []mailing.CampaignStatus{q, sending} {
		got, err := st.Cancel()
		require.NoError(t, err)
		assert.Equal(t, cancelled, got)
	}
	_, err := done.Cancel()
	assert.ErrorIs(t, err, mailing.ErrCampaignDone)
	_, err = cancelled.Cancel()
	assert.ErrorIs(t, err, mailing.ErrCampaignCancelled)
}

func TestEmailKeyIsTheOneFold(t *testing.T) {
	for _, email := range []string{" Mirim@Example.COM ", "ſtraße@example.com", "ÅSA@example.se"} {
		assert.Equal(t, hanok.Fold(strings.TrimSpace(email)), mailing.EmailKey(email))
	}
}

// The seed's HTTP mail API: v1 posts a form, v2 JSON, both with the
// Authorization header; 5xx and 429 are temporary, other 4xx permanent.
func TestHTTPAPITransport(t *testing.T) {
	var got []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body := new(strings.Builder)
		r.ParseForm()
		if r.Header.Get("Content-Type") == "application/json" {
			buf := make([]byte, 1024)
			n, _ := r.Body.Read(buf)
			body.Write(buf[:n])
		} else {
			body.WriteString(url.Values(r.PostForm).Encode())
		}
		got = append(got, body.String())
		w.WriteHeader(status)
	}))
	defer srv.Close()
	m := mailing.Message{To: "a@naver.com", Subject: "s", Text: "t"}
	v1 := &transport.HTTPAPI{URL: srv.URL, Authorization: "key"}
	v2 := &transport.HTTPAPI{URL: srv.URL, Authorization: "key", JSON: true}
	require.NoError(t, v1.Send(context.Background(), m))
	require.NoError(t, v2.Send(context.Background(), m))
	assert.Equal(t, []string{"content=t&mailto=a%40naver.com&subject=s", `{"content":"t","mailto":"a@naver.com","subject":"s"}`}, got)
	for code, permanent := range map[int]bool{500: false, 503: false, 429: false, 400: true, 404: true} {
		status = code
		err := v2.Send(context.Background(), m)
		require.Error(t, err, "status %d", code)
		assert.Equal(t, permanent, mailing.IsPermanent(err), "status %d: %v", code, err)
	}
	assert.True(t, mailing.IsPermanent((&transport.HTTPAPI{URL: srv.URL}).Send(context.Background(), m)), "without the key")
}

// Someone who unsubscribes (by email or by link) while a campaign is
// queued does not get it: the delivery fails with ErrUnsubscribed.
func TestUnsubscribeFailsPendingDeliveries(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 3, "example.com")
	c, _, _ := svc.CreateCampaign(ctx, mailing.Admin, "s", "t", "")
	_, err := svc.Unsubscribe(ctx, "user0@example.com")
	require.NoError(t, err)
	sub, err := svc.Store().SubscriberByEmail(ctx, "user1@example.com")
	require.NoError(t, err)
	_, err = svc.UnsubscribeToken(ctx, sub.Token)
	require.NoError(t, err)
	srv := newSMTPServer(t, nil)
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}}, c.ID)
	assert.Equal(t, 1, r.Sent)
	assert.Equal(t, 2, r.Failed)
	assert.Equal(t, 1, srv.count())
	for _, f := range r.Failures {
		assert.Equal(t, mailing.ErrUnsubscribed, f.LastError)
		assert.Zero(t, f.Attempts)
	}
}
