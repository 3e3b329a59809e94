package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func newService(t *testing.T) (*auth.Service, *testkit.Clock, auth.Store) {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := memory.New().Auth()
	svc, err := auth.New(store, auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost, Now: clk.Now})
	require.NoError(t, err)
	return svc, clk, store
}

func TestNewRejectsShortSecret(t *testing.T) {
	_, err := auth.New(memory.New().Auth(), auth.Config{Secret: []byte("short")})
	require.Error(t, err, "New accepted a 5-byte secret")
	_, err = auth.New(memory.New().Auth(), auth.Config{Secret: testSecret, BcryptCost: 99})
	require.Error(t, err, "New accepted bcrypt cost 99")
}

func TestRegisterLoginAuthenticateLogout(t *testing.T) {
	ctx := context.Background()
	svc, _, store := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "  mirim ", Password: "password123", Email: "mirim@example.com"})
	require.NoError(t, err)
	require.Equal(t, "mirim", s.User.Username, "Register = %+v", s)
	require.NotEqualValues(t, 0, s.User.ID, "Register = %+v", s)
	require.NotEmpty(t, s.Token, "Register = %+v", s)
	stored, _ := store.UserByID(ctx, s.User.ID)
	require.NoError(t, bcrypt.CompareHashAndPassword(stored.PasswordHash, []byte("password123")), "stored hash does not match the password")
	require.NotContains(t, string(stored.PasswordHash), "password123", "password stored in plain text")

	u, err := svc.Authenticate(ctx, s.Token)
	require.NoError(t, err, "Authenticate(register token) = %+v, %v", u, err)
	require.Equal(t, s.User.ID, u.ID, "Authenticate(register token) = %+v, %v", u, err)

	for _, name := range []string{"mirim", "MIRIM", "mirim@example.com"} {
		l, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: "password123"})
		require.NoError(t, err, "Login(%q) = %v", name, err)
		require.Equal(t, s.User.ID, l.User.ID, "Login(%q) = %v", name, err)
	}
	l, _ := svc.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	require.NoError(t, svc.Logout(ctx, l.Token))
	_, err = svc.Authenticate(ctx, l.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Authenticate(logged-out token) = %v, want Unauthenticated", err)
	err = svc.Logout(ctx, l.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "second Logout = %v, want Unauthenticated", err)
	// Other tokens of the same user are unaffected.
	_, err = svc.Authenticate(ctx, s.Token)
	require.NoError(t, err, "another token of the user after logout: %v", err)
}

func TestRegisterValidation(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	_, err := svc.Register(ctx, auth.RegisterInput{Username: "taken", Password: "password123", Email: "t@example.com"})
	require.NoError(t, err)
	cases := []struct {
		name  string
		in    auth.RegisterInput
		code  hanok.Code
		field string
	}{
		{"short password", auth.RegisterInput{Username: "a", Password: "1234567"}, hanok.Invalid, "password"},
		{"password over 72 bytes", auth.RegisterInput{Username: "a", Password: strings.Repeat("x", 73)}, hanok.Invalid, "password"},
		{"no username", auth.RegisterInput{Username: " ", Password: "password123"}, hanok.Invalid, "username"},
		{"control character", auth.RegisterInput{Username: "a\nb", Password: "password123"}, hanok.Invalid, "username"},
		{"C1 control character", auth.RegisterInput{Username: "a\u0085b", Password: "password123"}, hanok.Invalid, "username"},
		{"zero-width space", auth.RegisterInput{Username: "a\u200bb", Password: "password123"}, hanok.Invalid, "username"},
		{"bidi override", auth.RegisterInput{Username: "a\u202eb", Password: "password123"}, hanok.Invalid, "username"},
		{"invalid UTF-8", auth.RegisterInput{Username: "a\xffb", Password: "password123"}, hanok.Invalid, "username"},
		{"replaced invalid UTF-8", auth.RegisterInput{Username: "a\ufffdb", Password: "password123"}, hanok.Invalid, "username"},
		{"long username", auth.RegisterInput{Username: strings.Repeat("가", 151), Password: "password123"}, hanok.Invalid, "username"},
		{"bad email", auth.RegisterInput{Username: "a", Password: "password123", Email: "@."}, hanok.Invalid, "email"},
		{"taken username", auth.RegisterInput{Username: "TAKEN", Password: "password123"}, hanok.Conflict, "username"},
		{"taken email", auth.RegisterInput{Username: "b", Password: "password123", Email: "T@example.com"}, hanok.Conflict, "email"},
	}
	for _, c := range cases {
		_, err := svc.Register(ctx, c.in)
		assert.Equal(t, c.code, hanok.CodeOf(err), "%s: code of %v", c.name, err)
		assert.Contains(t, hanok.FieldsOf(err), c.field, "%s: fields of %v", c.name, err)
	}
	// Exactly 72 bytes and exactly 8 characters are accepted.
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "max", Password: strings.Repeat("x", 72)})
	assert.NoError(t, err, "72-byte password: %v", err)
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "min", Password: "12345678"})
	assert.NoError(t, err, "8-character password: %v", err)
}

func TestValidEmail(t *testing.T) {
	for _, ok := range []string{"a.b@c.com", "a@b.co.kr", "first.last+tag@sub.example.org"} {
		assert.True(t, auth.ValidEmail(ok), "ValidEmail(%q) = false", ok)
	}
	for _, bad := range []string{"", "@.", "a@", "@b.com", "a@b", "a@.com", "a@b..com", "a b@c.com", "a@b_c.com", "a\x00b@c.com", "a\x85b@c.com", "a\u0085b@c.com", "a@b\u200b.com", "a\ufffd@c.com"} {
		assert.False(t, auth.ValidEmail(bad), "ValidEmail(%q) = true", bad)
	}
}

func TestLoginWrongCredentials(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	svc.Register(ctx, auth.RegisterInput{Username: "kim", Password: "password123"})
	_, errWrongPW := svc.Login(ctx, auth.LoginInput{Username: "kim", Password: "wrong-password"})
	_, errNoUser := svc.Login(ctx, auth.LoginInput{Username: "lee", Password: "password123"})
	for _, err := range []error{errWrongPW, errNoUser} {
		require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "bad login = %v, want Unauthenticated", err)
	}
	require.Equal(t, hanok.MessageOf(errNoUser), hanok.MessageOf(errWrongPW), "wrong password and unknown user answer differently: %q vs %q", hanok.MessageOf(errWrongPW), hanok.MessageOf(errNoUser))
}

func TestLoginThrottling(t *testing.T) {
	ctx := context.Background()
	svc, clk, _ := newService(t)
	svc.Register(ctx, auth.RegisterInput{Username: "park", Password: "password123"})
	svc.Register(ctx, auth.RegisterInput{Username: "choi", Password: "password123"})

	// Five failures are allowed; the sixth attempt is throttled, even with
	// the right password.
	for i := range 5 {
		_, err := svc.Login(ctx, auth.LoginInput{Username: "park", Password: "wrong-password", ClientAddr: "10.0.0.1"})
		require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "failure %d = %v, want Unauthenticated", i+1, err)
	}
	_, err := svc.Login(ctx, auth.LoginInput{Username: "park", Password: "password123", ClientAddr: "10.0.0.2"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "throttled login with right password = %v, want RateLimited", err)
	d := hanok.RetryAfterOf(err)
	require.GreaterOrEqual(t, d, time.Second, "RetryAfter")
	require.LessOrEqual(t, d, 12*time.Second, "RetryAfter")
	// The same address is throttled for another username too.
	_, err = svc.Login(ctx, auth.LoginInput{Username: "choi", Password: "password123", ClientAddr: "10.0.0.1"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "login from a throttled address = %v, want RateLimited", err)
	// Another user from another address is not affected.
	_, err = svc.Login(ctx, auth.LoginInput{Username: "choi", Password: "password123", ClientAddr: "10.0.0.3"})
	require.NoError(t, err, "unrelated login: %v", err)
	// After the interval one more attempt is allowed.
	clk.Add(13 * time.Second)
	_, err = svc.Login(ctx, auth.LoginInput{Username: "park", Password: "password123", ClientAddr: "10.0.0.2"})
	require.NoError(t, err, "login after waiting: %v", err)
}

func TestTokenExpires(t *testing.T) {
	ctx := context.Background()
	svc, clk, _ := newService(t)
	s, _ := svc.Register(ctx, auth.RegisterInput{Username: "exp", Password: "password123"})
	require.True(t, s.ExpiresAt.Equal(clk.Now().Add(24*time.Hour)), "ExpiresAt = %v, want 24h from now", s.ExpiresAt)
	clk.Add(23 * time.Hour)
	_, err := svc.Authenticate(ctx, s.Token)
	require.NoError(t, err, "token after 23h: %v", err)
	clk.Add(2 * time.Hour)
	_, err = svc.Authenticate(ctx, s.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "token after 25h = %v, want Unauthenticated", err)
}

func TestLogoutPrunesExpiredRevocations(t *testing.T) {
	ctx := context.Background()
	svc, clk, store := newService(t)
	s1, _ := svc.Register(ctx, auth.RegisterInput{Username: "p1", Password: "password123"})
	require.NoError(t, svc.Logout(ctx, s1.Token))
	clk.Add(25 * time.Hour)
	s2, _ := svc.Register(ctx, auth.RegisterInput{Username: "p2", Password: "password123"})
	require.NoError(t, svc.Logout(ctx, s2.Token))
	// The first revocation expired before the second logout and is gone;
	// pruning again finds only nothing older than now.
	n, _ := store.PruneRevocations(ctx, clk.Now())
	require.EqualValues(t, 0, n, "%d expired revocations left after logout pruned", n)
}

// sign signs claims with method and key, for forged-token tests.
func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	require.NoError(t, err)
	return tok
}

func TestForgedTokensRefused(t *testing.T) {
	ctx := context.Background()
	svc, clk, _ := newService(t)
	s, _ := svc.Register(ctx, auth.RegisterInput{Username: "victim", Password: "password123"})
	now := clk.Now()
	// The password stamp is copied from a real token of the victim.
	var real jwt.MapClaims
	_, _, err := jwt.NewParser().ParseUnverified(s.Token, &real)
	require.NoError(t, err)
	good := func() jwt.MapClaims {
		return jwt.MapClaims{
			"sub": "1", "jti": uuid.NewString(), "iss": "hanok", "aud": "hanok",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "pst": real["pst"],
		}
	}
	// A correctly made token is accepted, so the refusals below are about
	// the one thing each case changes.
	_, err = svc.Authenticate(ctx, sign(t, jwt.SigningMethodHS256, testSecret, good()))
	require.NoError(t, err, "control token refused: %v", err)
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good())
	cases := map[string]string{
		"wrong key":         sign(t, jwt.SigningMethodHS256, []byte("another-key-another-key-another-k"), good()),
		"alg none":          none,
		"HS512 right key":   sign(t, jwt.SigningMethodHS512, testSecret, good()),
		"HS384 right key":   sign(t, jwt.SigningMethodHS384, testSecret, good()),
		"expired":           sign(t, jwt.SigningMethodHS256, testSecret, with("exp", now.Add(-time.Second).Unix())),
		"no exp":            sign(t, jwt.SigningMethodHS256, testSecret, without("exp")),
		"exp as string":     sign(t, jwt.SigningMethodHS256, testSecret, with("exp", fmt.Sprint(now.Add(time.Hour).Unix()))),
		"iat as string":     sign(t, jwt.SigningMethodHS256, testSecret, with("iat", fmt.Sprint(now.Unix()))),
		"nbf as string":     sign(t, jwt.SigningMethodHS256, testSecret, with("nbf", fmt.Sprint(now.Unix()))),
		"wrong aud":         sign(t, jwt.SigningMethodHS256, testSecret, with("aud", "other")),
		"no aud":            sign(t, jwt.SigningMethodHS256, testSecret, without("aud")),
		"wrong iss":         sign(t, jwt.SigningMethodHS256, testSecret, with("iss", "evil")),
		"issued in future":  sign(t, jwt.SigningMethodHS256, testSecret, with("iat", now.Add(time.Hour).Unix())),
		"no jti":            sign(t, jwt.SigningMethodHS256, testSecret, without("jti")),
		"no password stamp": sign(t, jwt.SigningMethodHS256, testSecret, without("pst")),
		"other stamp":       sign(t, jwt.SigningMethodHS256, testSecret, with("pst", "AAAAAAAAAAAAAAAAAAAAAA")),
		"unknown user":      sign(t, jwt.SigningMethodHS256, testSecret, with("sub", "999")),
		"non-numeric sub":   sign(t, jwt.SigningMethodHS256, testSecret, with("sub", "admin")),
		"garbage":           "not.a.token",
		"empty":             "",
		"tampered":          s.Token[:len(s.Token)-2] + "xx",
		"payload swapped":   swapPayload(s.Token, sign(t, jwt.SigningMethodHS256, []byte("another-key-another-key-another-k"), with("sub", "2"))),
		"alg none stripped": strings.TrimSuffix(none, ".") + ".",
	}
	for name, tok := range cases {
		_, err := svc.Authenticate(ctx, tok)
		assert.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "%s: Authenticate = %v, want Unauthenticated", name, err)
	}
}

// swapPayload puts the payload of other into tok, keeping tok's signature.
func swapPayload(tok, other string) string {
	a := strings.Split(tok, ".")
	b := strings.Split(other, ".")
	return a[0] + "." + b[1] + "." + a[2]
}

func TestTokensFromAnotherSecretRefused(t *testing.T) {
	ctx := context.Background()
	store := memory.New().Auth()
	a, _ := auth.New(store, auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	b, _ := auth.New(store, auth.Config{Secret: []byte("ffffffffffffffffffffffffffffffff"), BcryptCost: bcrypt.MinCost})
	s, err := a.Register(ctx, auth.RegisterInput{Username: "x", Password: "password123"})
	require.NoError(t, err)
	_, err = b.Authenticate(ctx, s.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "token of another secret = %v", err)
}

func TestSuperuser(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	u, err := svc.EnsureSuperuser(ctx, "admin", "secret123")
	require.NoError(t, err, "EnsureSuperuser (create) = %+v, %v", u, err)
	require.True(t, u.Superuser, "EnsureSuperuser (create) = %+v, %v", u, err)
	// Again with a new password: same user, new password.
	u2, err := svc.EnsureSuperuser(ctx, "admin", "newsecret123")
	require.NoError(t, err, "EnsureSuperuser (update) = %+v, %v", u2, err)
	require.Equal(t, u.ID, u2.ID, "EnsureSuperuser (update) = %+v, %v", u2, err)
	_, err = svc.Login(ctx, auth.LoginInput{Username: "admin", Password: "newsecret123"})
	require.NoError(t, err, "login with the new password: %v", err)
	// An existing ordinary user becomes a superuser.
	s, _ := svc.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password123"})
	require.False(t, s.User.Superuser, "registered user is a superuser")
	_, err = svc.EnsureSuperuser(ctx, "plain", "password123")
	require.NoError(t, err)
	got, _ := svc.User(ctx, s.User.ID)
	require.True(t, got.Superuser, "EnsureSuperuser did not promote an existing user")
	require.NoError(t, svc.SetSuperuser(ctx, s.User.ID, false))
	// Authenticate loads the user fresh: the flag change shows at once.
	au, _ := svc.Authenticate(ctx, s.Token)
	require.False(t, au.Superuser, "Authenticate returned a stale superuser flag")
	err = svc.SetSuperuser(ctx, 999, true)
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "SetSuperuser(unknown) = %v", err)
	_, err = svc.EnsureSuperuser(ctx, "weak", "short")
	require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "EnsureSuperuser with a short password = %v", err)
}

func TestVerifyPassword(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, _ := svc.Register(ctx, auth.RegisterInput{Username: "v", Password: "password123"})
	ok, err := svc.VerifyPassword(ctx, s.User.ID, "password123")
	require.True(t, ok, "VerifyPassword(right) = %v, %v", ok, err)
	require.NoError(t, err, "VerifyPassword(right) = %v, %v", ok, err)
	ok, _ = svc.VerifyPassword(ctx, s.User.ID, "nope-nope")
	require.False(t, ok, "VerifyPassword(wrong) = true")
	// bcrypt reads 72 bytes only: a longer password that starts with the
	// right 72 is still wrong, as it is for Login.
	long := strings.Repeat("p", 72)
	l, err := svc.Register(ctx, auth.RegisterInput{Username: "long", Password: long})
	require.NoError(t, err)
	ok, _ = svc.VerifyPassword(ctx, l.User.ID, long+"extra")
	require.False(t, ok, "VerifyPassword(right 72 bytes + more) = true")
	_, err = svc.Login(ctx, auth.LoginInput{Username: "long", Password: long + "extra"})
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Login(right 72 bytes + more) = %v, want Unauthenticated", err)
}

// TestConcurrentLogins runs logins, failures and authentications from many
// goroutines at once, for the race detector.
func TestConcurrentLogins(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, _ := svc.Register(ctx, auth.RegisterInput{Username: "busy", Password: "password123"})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr := "10.0.1." + string(rune('0'+i%10))
			svc.Login(ctx, auth.LoginInput{Username: "nobody", Password: "wrong-password", ClientAddr: addr})
			_, err := svc.Authenticate(ctx, s.Token)
			assert.NoError(t, err, "Authenticate: %v", err)
		}()
	}
	wg.Wait()
}

// gatedStore holds every user lookup until gate is closed, announcing each
// on entered, so a test can have many logins in progress at once.
type gatedStore struct {
	auth.Store
	entered chan<- struct{}
	gate    <-chan struct{}
}

func (s gatedStore) UserByUsername(ctx context.Context, name string) (*auth.User, error) {
	select {
	case s.entered <- struct{}{}:
	default: // after the gate opened, nobody counts
	}
	<-s.gate
	return s.Store.UserByUsername(ctx, name)
}

// TestConcurrentFailedLoginsThrottled starts many wrong-password logins
// for one username at once: only as many as the throttle allows may reach
// the password check, the others are RateLimited without it.
func TestConcurrentFailedLoginsThrottled(t *testing.T) {
	ctx := context.Background()
	const n = 20
	ins := make([]auth.LoginInput, n)
	for i := range ins {
		ins[i] = auth.LoginInput{Username: "target", Password: "wrong-password"}
	}
	svc, errs := gatedLogins(t, []string{"target"}, ins)
	checked, limited := 0, 0
	for _, err := range errs {
		switch hanok.CodeOf(err) {
		case hanok.Unauthenticated:
			checked++
		case hanok.RateLimited:
			limited++
		default:
			t.Errorf("login = %v", err)
		}
	}
	require.LessOrEqual(t, checked, 5, "concurrent attempts that checked the password")
	require.Equal(t, n, checked+limited, "concurrent attempts checked or throttled")
	// A successful login does not spend the budget: after the five
	// failures the right password is throttled too, as with sequential
	// failures.
	_, err := svc.Login(ctx, auth.LoginInput{Username: "target", Password: "password123"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "login after %d failures = %v, want RateLimited", checked, err)
}

// TestSuccessfulLoginsDoNotThrottle logs in many times in a row with the
// right password, sequentially and at once: none is throttled.
func TestSuccessfulLoginsDoNotThrottle(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	svc.Register(ctx, auth.RegisterInput{Username: "often", Password: "password123"})
	for i := range 20 {
		_, err := svc.Login(ctx, auth.LoginInput{Username: "often", Password: "password123", ClientAddr: "10.0.0.9"})
		require.NoError(t, err, "login %d: %v", i+1, err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Login(ctx, auth.LoginInput{Username: "often", Password: "password123", ClientAddr: "10.0.0.9"})
			assert.NoError(t, err, "concurrent login: %v", err)
		}()
	}
	wg.Wait()
}

// TestUnknownUserLoginTakesAsLong checks that a login naming no user costs
// a bcrypt comparison like a wrong password does, so the time of the
// answer does not tell which usernames exist.
func TestUnknownUserLoginTakesAsLong(t *testing.T) {
	ctx := context.Background()
	const cost = 8
	svc, err := auth.New(memory.New().Auth(), auth.Config{Secret: testSecret, BcryptCost: cost})
	require.NoError(t, err)
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "known", Password: "password123"})
	require.NoError(t, err)
	fastest := func(username string) time.Duration {
		best := time.Hour
		for i := range 3 {
			start := time.Now()
			_, err := svc.Login(ctx, auth.LoginInput{Username: username, Password: "wrong-password", ClientAddr: username + string(rune('a'+i))})
			require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Login(%s) = %v", username, err)
			best = min(best, time.Since(start))
		}
		return best
	}
	fastest("nobody") // the first unknown-user login prepares the comparison hash
	known, unknown := fastest("known"), fastest("nobody-else")
	require.GreaterOrEqual(t, unknown, known/4, "an unknown user's login against a wrong password's (%v): the time tells them apart", known)
}

// TestLoginThrottleSharedByEmail: failures by username and by email count
// against one budget, so naming a user two ways does not double it.
func TestLoginThrottleSharedByEmail(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	_, err := svc.Register(ctx, auth.RegisterInput{Username: "jung", Password: "password123", Email: "jung@example.com"})
	require.NoError(t, err)
	names := []string{"jung", "jung@example.com", "JUNG", "Jung@Example.com", "jung"}
	for i, name := range names {
		_, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: "wrong-password", ClientAddr: fmt.Sprintf("10.0.2.%d", i)})
		require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "failure %d (%s) = %v, want Unauthenticated", i+1, name, err)
	}
	for _, name := range []string{"jung@example.com", "jung"} {
		_, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: "password123", ClientAddr: "10.0.2.99"})
		require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "login as %s after 5 failures = %v, want RateLimited", name, err)
	}
}

// TestEnsureSuperuserEndsTheOldPasswordsTokens: when the superuser setting
// names an account someone registered earlier, the new password ends that
// someone's tokens, which would otherwise have become superuser tokens.
// The same password again (a restart) keeps every token.
func TestEnsureSuperuserEndsTheOldPasswordsTokens(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	squatter, err := svc.Register(ctx, auth.RegisterInput{Username: "admin", Password: "squatter-pass"})
	require.NoError(t, err)
	_, err = svc.EnsureSuperuser(ctx, "admin", "operator-pass")
	require.NoError(t, err)
	u, err := svc.Authenticate(ctx, squatter.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "token from before the superuser's password = %+v, %v, want Unauthenticated", u, err)
	err = svc.Logout(ctx, squatter.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Logout(old token) = %v, want Unauthenticated", err)
	op, err := svc.Login(ctx, auth.LoginInput{Username: "admin", Password: "operator-pass"})
	require.NoError(t, err, "operator login = %+v, %v", op, err)
	require.True(t, op.User.Superuser, "operator login = %+v, %v", op, err)
	// A restart with the same setting.
	_, err = svc.EnsureSuperuser(ctx, "admin", "operator-pass")
	require.NoError(t, err)
	_, err = svc.Authenticate(ctx, op.Token)
	require.NoError(t, err, "superuser token after EnsureSuperuser with the same password: %v", err)
}

// TestConcurrentCorrectLoginsFromOneAddress: 20 users behind one address
// (a proxy, a NAT) sign in at the same moment, every one of them held in
// the store until all have started: all succeed, since only failures
// spend an address's budget.
func TestConcurrentCorrectLoginsFromOneAddress(t *testing.T) {
	ctx := context.Background()
	const n = 20
	users := make([]string, n)
	ins := make([]auth.LoginInput, n)
	for i := range ins {
		users[i] = fmt.Sprintf("user%d", i)
		ins[i] = auth.LoginInput{Username: users[i], Password: "password123", ClientAddr: "203.0.113.7"}
	}
	svc, errs := gatedLogins(t, users, ins)
	for _, err := range errs {
		assert.NoError(t, err, "concurrent correct login from one address: %v", err)
	}
	// Failures from that address still spend its budget.
	for i := range 5 {
		_, err := svc.Login(ctx, auth.LoginInput{Username: fmt.Sprintf("user%d", i), Password: "wrong-password", ClientAddr: "203.0.113.7"})
		require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "failure %d = %v", i+1, err)
	}
	_, err := svc.Login(ctx, auth.LoginInput{Username: "user9", Password: "password123", ClientAddr: "203.0.113.7"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "login after 5 failures from the address = %v, want RateLimited", err)
}

// gatedLogins registers users (password "password123") and runs every
// login of ins at once on a service whose user lookups wait until all of
// them have started (reached the store, or returned without it). It
// returns the service, whose lookups no longer wait, and the errors of
// the logins in order.
func gatedLogins(t *testing.T, users []string, ins []auth.LoginInput) (*auth.Service, []error) {
	t.Helper()
	ctx := context.Background()
	events := make(chan struct{}, 2*len(ins))
	gate := make(chan struct{})
	svc, err := auth.New(gatedStore{Store: memory.New().Auth(), entered: events, gate: gate}, auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	for _, u := range users {
		_, err := svc.Register(ctx, auth.RegisterInput{Username: u, Password: "password123"})
		require.NoError(t, err)
	}
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Login(ctx, in)
			events <- struct{}{}
		}()
	}
	for range ins {
		<-events
	}
	close(gate)
	wg.Wait()
	return svc, errs
}
