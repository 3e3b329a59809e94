package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// TestTokenCacheSeesThisServicesWrites: a token answered from the cache
// is refused on the very next call after a logout, and a change of its
// user through the Service shows on the very next call.
func TestTokenCacheSeesThisServicesWrites(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second answer comes from the cache
		u, err := svc.Authenticate(ctx, s.Token)
		if err != nil || u.Superuser || u.Username != "mirim" {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
	}
	u, _ := svc.Authenticate(ctx, s.Token)
	u.Username = "changed by the caller"
	if u, _ := svc.Authenticate(ctx, s.Token); u.Username != "mirim" {
		t.Fatalf("a caller's change reached the cache: %q", u.Username)
	}

	if err := svc.SetSuperuser(ctx, s.User.ID, true); err != nil {
		t.Fatal(err)
	}
	if u, err := svc.Authenticate(ctx, s.Token); err != nil || !u.Superuser {
		t.Fatalf("after SetSuperuser: %+v, %v", u, err)
	}
	name := "mirim2"
	if _, err := svc.UpdateProfile(ctx, hanok.Actor{ID: s.User.ID, Username: "mirim"}, auth.ProfileInput{Username: &name}); err != nil {
		t.Fatal(err)
	}
	if u, err := svc.Authenticate(ctx, s.Token); err != nil || u.Username != "mirim2" {
		t.Fatalf("after UpdateProfile: %+v, %v", u, err)
	}

	if err := svc.Logout(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, s.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("a logged-out token: %v", err)
	}
	// The user's other token is still good.
	if _, err := svc.Authenticate(ctx, other.Token); err != nil {
		t.Fatalf("the other token after a logout: %v", err)
	}
	// A new password ends every token at once.
	if _, err := svc.EnsureSuperuser(ctx, "mirim2", "a new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, other.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("a token issued under the old password: %v", err)
	}
}

// TestTokenCacheBound: a logout through another Service on the same store
// (another server) is seen once TokenCacheTTL has passed; the token's own
// expiry is checked at every call.
func TestTokenCacheBound(t *testing.T) {
	ctx := context.Background()
	clk := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := memory.New().Auth()
	cfg := auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost, Now: clk.Now, TokenCacheTTL: 10 * time.Second, TokenLifetime: time.Minute}
	a, err := auth.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := auth.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	if err := b.Logout(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, s.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("the server that logged out: %v", err)
	}
	clk.Add(9 * time.Second)
	if _, err := a.Authenticate(ctx, s.Token); err != nil {
		t.Fatalf("within the bound the other server still answers from its cache: %v", err)
	}
	clk.Add(time.Second)
	if _, err := a.Authenticate(ctx, s.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("past the bound: %v", err)
	}

	// Expiry does not wait for the cache.
	s2, err := a.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, s2.Token); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, err := a.Authenticate(ctx, s2.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("an expired token from the cache: %v", err)
	}

	// A negative TTL turns the cache off: the other server's logout is
	// seen at once.
	cfg.TokenCacheTTL = -1
	c, err := auth.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s3, err := c.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, s3.Token); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, s3.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx, s3.Token); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("without a cache: %v", err)
	}
}

// TestTokenCacheConcurrent authenticates from several goroutines while
// tokens are logged out: once Logout returns, the token is refused. Run it
// with -race.
func TestTokenCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for range 20 {
		l, err := svc.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, l.Token)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = svc.Authenticate(ctx, tokens[i%len(tokens)])
				_, _ = svc.Authenticate(ctx, s.Token)
			}
		})
	}
	for _, tok := range tokens {
		if _, err := svc.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := svc.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, tok); hanok.CodeOf(err) != hanok.Unauthenticated {
			t.Fatalf("a token logged out a moment ago: %v", err)
		}
	}
	close(stop)
	wg.Wait()
}
