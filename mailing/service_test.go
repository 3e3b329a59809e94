package mailing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"a.b@c.com", "a@b.co.kr", " x@example.com ", "first.last+tag@sub.example.org"} {
		if _, err := mailing.CheckEmail("email", ok); err != nil {
			t.Errorf("CheckEmail(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "@.", "a@b", "a@.com", "a@com.", "a@b..com", "Name <a@b.com>", "a@b.com (c)", "a b@c.com", "a@[127.0.0.1]", "a\x00@b.com", strings.Repeat("a", 246) + "@b.com.kr"} {
		if _, err := mailing.CheckEmail("email", bad); hanok.CodeOf(err) != hanok.Invalid {
			t.Errorf("CheckEmail(%q) = %v, want Invalid", bad, err)
		}
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
			if hanok.CodeOf(err) != hanok.Invalid {
				t.Fatalf("CheckEmail(%q) = %v, want Invalid", s, err)
			}
			return
		}
		if got != strings.TrimSpace(got) || !utf8.ValidString(got) || utf8.RuneCountInString(got) > mailing.MaxEmail {
			t.Fatalf("CheckEmail(%q) accepted %q", s, got)
		}
		addr, err := mail.ParseAddress(got)
		if err != nil || addr.Address != got || addr.Name != "" || !strings.Contains(mailing.Domain(got), ".") {
			t.Fatalf("CheckEmail(%q) accepted %q: %v %v", s, got, addr, err)
		}
		if again, err := mailing.CheckEmail("email", got); err != nil || again != got {
			t.Fatalf("CheckEmail(%q) then (%q) = %q, %v", s, got, again, err)
		}
	})
}

func TestSubscribeRules(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	a, err := svc.Subscribe(ctx, " A@Example.com ", " Ann ")
	if err != nil || a.Email != "A@Example.com" || a.Name != "Ann" || !a.Subscribed || a.Token == "" {
		t.Fatalf("Subscribe = %+v, %v", a, err)
	}
	_, err = svc.Subscribe(ctx, "a@example.COM", "again")
	if hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("second Subscribe = %v, want Conflict", err)
	}
	if _, err := svc.Unsubscribe(ctx, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Unsubscribe(ctx, "a@example.com"); hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("second Unsubscribe = %v, want Conflict", err)
	}
	if _, err := svc.Unsubscribe(ctx, "nobody@example.com"); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("Unsubscribe(unknown) = %v, want NotFound", err)
	}
	back, err := svc.Subscribe(ctx, "a@example.com", "Ann B")
	if err != nil || back.ID != a.ID || !back.Subscribed || back.Name != "Ann B" || back.Token != a.Token {
		t.Fatalf("re-Subscribe = %+v, %v", back, err)
	}
	if _, _, err := svc.CreateCampaign(ctx, "s", "t", "bad \x00 html"); hanok.CodeOf(err) != hanok.Invalid {
		t.Fatalf("CreateCampaign with a control character = %v", err)
	}
	c, n, err := svc.CreateCampaign(ctx, "s", "t", "")
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if _, err := svc.CancelCampaign(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelCampaign(ctx, c.ID); hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("second cancel = %v", err)
	}
	if _, err := svc.CancelCampaign(ctx, 99); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("cancel unknown = %v", err)
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
	if err := v1.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := v2.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got[0] != "content=t&mailto=a%40naver.com&subject=s" || got[1] != `{"content":"t","mailto":"a@naver.com","subject":"s"}` {
		t.Fatalf("bodies %q", got)
	}
	for code, permanent := range map[int]bool{500: false, 503: false, 429: false, 400: true, 404: true} {
		status = code
		err := v2.Send(context.Background(), m)
		if err == nil || mailing.IsPermanent(err) != permanent {
			t.Errorf("status %d: %v, want permanent %v", code, err, permanent)
		}
	}
	if err := (&transport.HTTPAPI{URL: srv.URL}).Send(context.Background(), m); !mailing.IsPermanent(err) {
		t.Errorf("without the key: %v, want permanent", err)
	}
}

// Someone who unsubscribes (by email or by link) while a campaign is
// queued does not get it: the delivery fails with ErrUnsubscribed.
func TestUnsubscribeFailsPendingDeliveries(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, memory.New().Mailing())
	subscribeAll(t, svc, 3, "example.com")
	c, _, _ := svc.CreateCampaign(ctx, "s", "t", "")
	if _, err := svc.Unsubscribe(ctx, "user0@example.com"); err != nil {
		t.Fatal(err)
	}
	sub, _ := svc.Store().SubscriberByEmail(ctx, "user1@example.com")
	if _, err := svc.UnsubscribeToken(ctx, sub.Token); err != nil {
		t.Fatal(err)
	}
	srv := newSMTPServer(t, nil)
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}}, c.ID)
	if r.Sent != 1 || r.Failed != 2 || srv.count() != 1 {
		t.Fatalf("report %+v, %d received", r, srv.count())
	}
	for _, f := range r.Failures {
		if f.LastError != mailing.ErrUnsubscribed || f.Attempts != 0 {
			t.Errorf("failure %+v", f)
		}
	}
}
