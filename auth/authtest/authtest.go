// Package authtest is the conformance suite of auth.Store: every
// implementation runs RunStoreTests from its own tests, and BenchmarkLogin
// and BenchmarkAuthenticate from its benchmarks, each with a
// storetest.Maker whose Harness has the auth store (a LegacyStore) as
// Store. Users gives the other domains' suites their users.
package authtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

// RunStoreTests runs the conformance suite against the stores mk makes;
// each subtest gets a new, empty store, and they run in parallel.
func RunStoreTests(t *testing.T, mk storetest.Maker[auth.Store]) {
	newStore := func(t *testing.T) auth.Store { return mk(t).Store }
	ctx := context.Background()
	created := time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)

	newUser := func(name, email string) *auth.User {
		return &auth.User{Username: name, Email: email, PasswordHash: []byte("hash-" + name), Created: created}
	}
	create := func(t *testing.T, s auth.Store, us ...*auth.User) {
		t.Helper()
		for _, u := range us {
			require.NoError(t, s.CreateUser(ctx, u), "CreateUser(%q, %q)", u.Username, u.Email)
		}
	}

	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser("Alice", "alice@example.com")
		create(t, s, u)
		require.Positive(t, u.ID)
		for _, get := range []struct {
			name string
			fn   func() (*auth.User, error)
		}{
			{"ByID", func() (*auth.User, error) { return s.UserByID(ctx, u.ID) }},
			{"ByUsername", func() (*auth.User, error) { return s.UserByUsername(ctx, "alice") }},
			{"ByUsernameUpper", func() (*auth.User, error) { return s.UserByUsername(ctx, "ALICE") }},
			{"ByUsernameFullWidth", func() (*auth.User, error) { return s.UserByUsername(ctx, "ａｌｉｃｅ") }},
			{"ByEmail", func() (*auth.User, error) { return s.UserByEmail(ctx, "Alice@Example.com") }},
		} {
			got, err := get.fn()
			require.NoError(t, err, get.name)
			assert.Equal(t, u.ID, got.ID, get.name)
			assert.Equal(t, "Alice", got.Username, get.name)
			assert.Equal(t, "alice@example.com", got.Email, get.name)
			assert.Equal(t, "hash-Alice", string(got.PasswordHash), get.name)
			assert.False(t, got.Superuser, get.name)
			assert.True(t, got.Created.Equal(created), "%s: created %v, want %v", get.name, got.Created, created)
		}
	})

	t.Run("NonASCIICaseFolding", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		create(t, s, newUser("Ωμέγα", ""))
		_, err := s.UserByUsername(ctx, "ωΜΈΓΑ")
		require.NoError(t, err, "UserByUsername with other case of a non-ASCII name")
		require.ErrorIs(t, s.CreateUser(ctx, newUser("ωμέγα", "")), auth.ErrUsernameTaken)
		create(t, s, newUser("이미림", ""))
		// Letters whose lower case is not unique (the final sigma, the
		// long s), and a name in NFD: each pair is one name.
		for _, pair := range [][2]string{{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"}, {"ſam", "SAM"}, {"josé", "jose\u0301"}} {
			create(t, s, newUser(pair[0], ""))
			_, err := s.UserByUsername(ctx, pair[1])
			assert.NoError(t, err, "UserByUsername(%q) after creating %q", pair[1], pair[0])
			assert.ErrorIs(t, s.CreateUser(ctx, newUser(pair[1], "")), auth.ErrUsernameTaken, pair[1])
		}
	})

	t.Run("IDsAreDistinct", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := newUser("a", ""), newUser("b", "")
		create(t, s, a, b)
		assert.NotEqual(t, a.ID, b.ID)
	})

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, err := s.UserByID(ctx, 12345)
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
		_, err = s.UserByUsername(ctx, "nobody")
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
		_, err = s.UserByEmail(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
		err = s.UpdateUser(ctx, &auth.User{ID: 999, Username: "x", PasswordHash: []byte("h")})
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
	})

	t.Run("EmptyEmailIsNotAnEmail", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		create(t, s, newUser("a", ""), newUser("b", ""))
		_, err := s.UserByEmail(ctx, "")
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
	})

	t.Run("DuplicateUsernameCaseInsensitive", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		create(t, s, newUser("Bob", ""))
		err := s.CreateUser(ctx, newUser("bOB", "other@example.com"))
		require.ErrorIs(t, err, auth.ErrUsernameTaken)
		assert.NotEmpty(t, hanok.FieldsOf(err)["username"])
		// The refused user was not stored.
		_, err = s.UserByEmail(ctx, "other@example.com")
		assert.ErrorIs(t, err, auth.ErrUserNotFound)
	})

	t.Run("DuplicateEmailCaseInsensitive", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		create(t, s, newUser("a", "same@example.com"))
		err := s.CreateUser(ctx, newUser("b", "SAME@example.com"))
		require.ErrorIs(t, err, auth.ErrEmailTaken)
		assert.NotEmpty(t, hanok.FieldsOf(err)["email"])
	})

	t.Run("UsernamesAndEmailsShareOneNamespace", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		create(t, s, newUser("erin", "erin@example.com"))
		// Another account's username may not be her email, nor its email
		// her username, in any case; and both errors name the field of
		// the new account that clashed, in package auth's words.
		assert.ErrorIs(t, s.CreateUser(ctx, newUser("ERIN@example.com", "mallory@example.com")), auth.ErrUsernameTaken, "username = another's email")
		assert.ErrorIs(t, s.CreateUser(ctx, newUser("mallory", "Erin")), auth.ErrEmailTaken, "email = another's username")
		// One's own username may be one's own email (the calendar's users).
		create(t, s, newUser("kim@example.com", "KIM@example.com"))
		other := newUser("other", "")
		create(t, s, other)
		for _, c := range []struct {
			username, email string
			want            error
		}{
			{"kim@example.com", "", auth.ErrUsernameTaken},
			{"other", "kim@example.com", auth.ErrEmailTaken},
			{"ERIN@EXAMPLE.COM", "", auth.ErrUsernameTaken},
		} {
			u := *other
			u.Username, u.Email = c.username, c.email
			assert.ErrorIs(t, s.UpdateUser(ctx, &u), c.want, "UpdateUser(%q, %q)", c.username, c.email)
		}
		got, err := s.UserByID(ctx, other.ID)
		require.NoError(t, err)
		assert.Equal(t, "other", got.Username, "refused updates changed the user")
		assert.Empty(t, got.Email, "refused updates changed the user")
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser("carol", "")
		other := newUser("dave", "dave@example.com")
		create(t, s, u, other)
		u.Superuser = true
		u.PasswordHash = []byte("new")
		u.Email = "carol@example.com"
		require.NoError(t, s.UpdateUser(ctx, u))
		got, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.True(t, got.Superuser)
		assert.Equal(t, "new", string(got.PasswordHash))
		assert.Equal(t, "carol@example.com", got.Email)

		clash := *u
		clash.Email = "DAVE@example.com"
		require.ErrorIs(t, s.UpdateUser(ctx, &clash), auth.ErrEmailTaken)
		got, err = s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "carol@example.com", got.Email, "a refused update changed the email")
		clash = *u
		clash.Username = "DAVE"
		require.ErrorIs(t, s.UpdateUser(ctx, &clash), auth.ErrUsernameTaken)
		got, err = s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "carol", got.Username, "a refused update changed the username")
		// Keeping one's own username in another case is no clash.
		self := *u
		self.Username = "CAROL"
		require.NoError(t, s.UpdateUser(ctx, &self), "update to the same username in another case")
	})

	t.Run("NoAliasing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u := newUser("erin", "")
		create(t, s, u)
		u.PasswordHash[0] = 'X'
		u.Superuser = true
		got, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "hash-erin", string(got.PasswordHash), "changing the caller's copy changed the store")
		assert.False(t, got.Superuser, "changing the caller's copy changed the store")
		got.PasswordHash[0] = 'Y'
		again, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		assert.Equal(t, "hash-erin", string(again.PasswordHash), "changing a returned copy changed the store")
	})

	t.Run("Revocations", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		ok, err := s.IsRevoked(ctx, "a")
		require.NoError(t, err)
		require.False(t, ok, "revoked before RevokeToken")
		require.NoError(t, s.RevokeToken(ctx, "a", now.Add(-time.Minute)))
		require.NoError(t, s.RevokeToken(ctx, "a", now.Add(-time.Minute)), "revoking twice")
		require.NoError(t, s.RevokeToken(ctx, "b", now.Add(time.Hour)))
		for _, jti := range []string{"a", "b"} {
			ok, err := s.IsRevoked(ctx, jti)
			require.NoError(t, err)
			require.True(t, ok, jti)
		}
		n, err := s.PruneRevocations(ctx, now)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		ok, err = s.IsRevoked(ctx, "a")
		require.NoError(t, err)
		assert.False(t, ok, "an expired revocation survived pruning")
		ok, err = s.IsRevoked(ctx, "b")
		require.NoError(t, err)
		assert.True(t, ok, "a live revocation was pruned")
	})

	t.Run("Secret", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		first, err := s.Secret(ctx, "jwt", []byte("first-secret"))
		require.NoError(t, err)
		assert.Equal(t, "first-secret", string(first))
		second, err := s.Secret(ctx, "jwt", []byte("other"))
		require.NoError(t, err)
		assert.Equal(t, "first-secret", string(second), "the second Secret returns the stored one")
		other, err := s.Secret(ctx, "other", []byte("x"))
		require.NoError(t, err)
		assert.Equal(t, "x", string(other))
	})

	t.Run("ConcurrentSecret", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 20
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				got[i], errs[i] = s.Secret(ctx, "jwt", []byte(fmt.Sprintf("candidate-%d", i)))
			})
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			require.Equal(t, string(got[0]), string(got[i]), "concurrent callers got different secrets")
		}
	})

	t.Run("Users", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		us, err := s.Users(ctx)
		require.NoError(t, err)
		require.Empty(t, us)
		var ids []hanok.UserID
		names := []string{"carol", "alice", "bob"}
		for _, name := range names {
			u := newUser(name, "")
			create(t, s, u)
			ids = append(ids, u.ID)
		}
		us, err = s.Users(ctx)
		require.NoError(t, err)
		require.Len(t, us, 3)
		for i, u := range us {
			assert.Equal(t, ids[i], u.ID, "Users[%d] in creation order", i)
			assert.Equal(t, names[i], u.Username, "Users[%d]", i)
			assert.True(t, u.Created.Equal(created), "Users[%d] created %v", i, u.Created)
		}
		us[0].Username = "changed"
		again, err := s.Users(ctx)
		require.NoError(t, err)
		assert.Equal(t, "carol", again[0].Username, "Users returned stored state")
	})

	// The one uniqueness rule (auth.CheckUnique), the same on every
	// store: a database written before usernames and emails shared one
	// namespace may hold a username that is another account's email.
	// Both accounts can still be updated otherwise, and neither can move
	// further into the other's names.
	t.Run("LegacyNameClashStillUpdates", func(t *testing.T) {
		t.Parallel()
		s, ok := newStore(t).(LegacyStore)
		require.True(t, ok, "the harness's store must be an authtest.LegacyStore")
		erin := newUser("erin", "erin@example.com")
		require.NoError(t, s.CreateUser(ctx, erin))
		mal := newUser("erin@example.com", "mallory@example.com")
		require.NoError(t, s.InsertUnchecked(ctx, mal))
		require.NotZero(t, mal.ID)

		erin.Superuser = true
		require.NoError(t, s.UpdateUser(ctx, erin), "updating Erin beside a legacy clash")
		mal.PasswordHash = []byte("new")
		require.NoError(t, s.UpdateUser(ctx, mal), "updating the legacy account's password")
		got, err := s.UserByID(ctx, mal.ID)
		require.NoError(t, err)
		assert.Equal(t, "new", string(got.PasswordHash))

		moved := *mal
		moved.Email = "ERIN"
		require.ErrorIs(t, s.UpdateUser(ctx, &moved), auth.ErrEmailTaken, "moving the legacy account's email onto Erin's username")
		moved = *erin
		moved.Username = "mallory@example.com"
		require.ErrorIs(t, s.UpdateUser(ctx, &moved), auth.ErrUsernameTaken, "moving Erin's username onto the legacy account's email")
		got, err = s.UserByID(ctx, erin.ID)
		require.NoError(t, err)
		assert.Equal(t, "erin", got.Username, "a refused update changed nothing")
	})

	t.Run("ConcurrentCreate", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Go(func() {
				errs <- s.CreateUser(ctx, newUser(fmt.Sprintf("user%d", i), fmt.Sprintf("u%d@example.com", i)))
			})
			// Every name twice, in two cases: exactly one of each pair wins.
			wg.Go(func() {
				errs <- s.CreateUser(ctx, newUser(fmt.Sprintf("USER%d", i), ""))
			})
		}
		wg.Wait()
		close(errs)
		ok, conflicts := 0, 0
		for err := range errs {
			if err == nil {
				ok++
				continue
			}
			assert.ErrorIs(t, err, auth.ErrUsernameTaken, "concurrent CreateUser")
			conflicts++
		}
		assert.Equal(t, n, ok, "created")
		assert.Equal(t, n, conflicts, "refused")
	})
}

// benchService returns a Service over a new store holding 1,000 users,
// and a token of one of them.
func benchService(b *testing.B, mk storetest.Maker[auth.Store]) (*auth.Service, string) {
	return benchServiceTTL(b, mk, 0)
}

// benchServiceTTL is benchService with Config.TokenCacheTTL ttl.
func benchServiceTTL(b *testing.B, mk storetest.Maker[auth.Store], ttl time.Duration) (*auth.Service, string) {
	ctx := context.Background()
	svc, err := auth.New(mk(b).Store, auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, TokenCacheTTL: ttl})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := svc.Register(ctx, auth.RegisterInput{Username: fmt.Sprintf("user%d", i), Password: "password123"}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := svc.Login(ctx, auth.LoginInput{Username: "user500", Password: "password123"})
	if err != nil {
		b.Fatal(err)
	}
	return svc, s.Token
}

// BenchmarkLogin measures Login (user lookup, bcrypt at its minimum cost,
// token signing) over a store made by mk holding 1,000 users.
func BenchmarkLogin(b *testing.B, mk storetest.Maker[auth.Store]) {
	svc, _ := benchService(b, mk)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Login(ctx, auth.LoginInput{Username: "user500", Password: "password123"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate measures Authenticate of one token over and over:
// "cache" with the token cache (an answer from memory, after asking a
// auth.ChangeCounter store for its count), "no-cache" without it (token
// verification, the revocation check and the user load every time).
func BenchmarkAuthenticate(b *testing.B, mk storetest.Maker[auth.Store]) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cache", 0}, {"no-cache", -1}} {
		b.Run(c.name, func(b *testing.B) {
			svc, tok := benchServiceTTL(b, mk, c.ttl)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, err := svc.Authenticate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
