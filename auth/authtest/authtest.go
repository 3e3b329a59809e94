// Package authtest is the conformance suite of auth.Store: every
// implementation runs RunStoreTests from its own tests, and BenchmarkLogin
// and BenchmarkAuthenticate from its benchmarks, each with a
// storetest.Maker whose Harness has the auth store (a LegacyStore) as
// Store. Users gives the other domains' suites their users.
package authtest

import (
	"context"
	"errors"
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
// each subtest gets a new, empty store.
func RunStoreTests(t *testing.T, mk storetest.Maker[auth.Store]) {
	newStore := func(t *testing.T) auth.Store { return mk(t).Store }
	ctx := context.Background()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	newUser := func(name, email string) *auth.User {
		return &auth.User{Username: name, Email: email, PasswordHash: []byte("hash-" + name), Created: created}
	}

	t.Run("CreateAndGet", func(t *testing.T) {
		s := newStore(t)
		u := newUser("Alice", "alice@example.com")
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID <= 0 {
			t.Fatalf("CreateUser set ID %d, want > 0", u.ID)
		}
		for _, get := range []struct {
			name string
			fn   func() (*auth.User, error)
		}{
			{"ByID", func() (*auth.User, error) { return s.UserByID(ctx, u.ID) }},
			{"ByUsername", func() (*auth.User, error) { return s.UserByUsername(ctx, "alice") }},
			{"ByUsernameUpper", func() (*auth.User, error) { return s.UserByUsername(ctx, "ALICE") }},
			{"ByEmail", func() (*auth.User, error) { return s.UserByEmail(ctx, "Alice@Example.com") }},
		} {
			got, err := get.fn()
			if err != nil {
				t.Fatalf("%s: %v", get.name, err)
			}
			if got.ID != u.ID || got.Username != "Alice" || got.Email != "alice@example.com" ||
				string(got.PasswordHash) != "hash-Alice" || got.Superuser || !got.Created.Equal(created) {
				t.Fatalf("%s = %+v, want %+v", get.name, got, u)
			}
		}
	})

	t.Run("NonASCIICaseFolding", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreateUser(ctx, newUser("Ωmega", "")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByUsername(ctx, "ωMEGA"); err != nil {
			t.Fatalf("UserByUsername with other case of a non-ASCII name: %v", err)
		}
		err := s.CreateUser(ctx, newUser("ωmega", ""))
		storetest.WantCode(t, err, hanok.Conflict)
		if err := s.CreateUser(ctx, newUser("이미림", "")); err != nil {
			t.Fatalf("Korean username: %v", err)
		}
		// Letters whose lower case is not unique: the final sigma, the
		// long s. Each pair is one name in two cases.
		for _, pair := range [][2]string{{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"}, {"ſam", "SAM"}} {
			if err := s.CreateUser(ctx, newUser(pair[0], "")); err != nil {
				t.Fatalf("CreateUser(%q): %v", pair[0], err)
			}
			if _, err := s.UserByUsername(ctx, pair[1]); err != nil {
				t.Errorf("UserByUsername(%q) after creating %q: %v", pair[1], pair[0], err)
			}
			err := s.CreateUser(ctx, newUser(pair[1], ""))
			storetest.WantCode(t, err, hanok.Conflict)
		}
	})

	t.Run("IDsAreDistinct", func(t *testing.T) {
		s := newStore(t)
		a, b := newUser("a", ""), newUser("b", "")
		if err := s.CreateUser(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, b); err != nil {
			t.Fatal(err)
		}
		if a.ID == b.ID {
			t.Fatalf("two users got the same id %d", a.ID)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.UserByID(ctx, 12345); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("UserByID(unknown) = %v, want auth.ErrUserNotFound", err)
		}
		if _, err := s.UserByUsername(ctx, "nobody"); hanok.CodeOf(err) != hanok.NotFound {
			t.Errorf("UserByUsername(unknown) = %v, want NotFound", err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); hanok.CodeOf(err) != hanok.NotFound {
			t.Errorf("UserByEmail(unknown) = %v, want NotFound", err)
		}
		if err := s.UpdateUser(ctx, &auth.User{ID: 999, Username: "x", PasswordHash: []byte("h")}); hanok.CodeOf(err) != hanok.NotFound {
			t.Errorf("UpdateUser(unknown) = %v, want NotFound", err)
		}
	})

	t.Run("EmptyEmailIsNotAnEmail", func(t *testing.T) {
		s := newStore(t)
		for _, name := range []string{"a", "b"} {
			if err := s.CreateUser(ctx, newUser(name, "")); err != nil {
				t.Fatalf("two users without email must both be allowed: %v", err)
			}
		}
		_, err := s.UserByEmail(ctx, "")
		storetest.WantCode(t, err, hanok.NotFound)
	})

	t.Run("DuplicateUsernameCaseInsensitive", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreateUser(ctx, newUser("Bob", "")); err != nil {
			t.Fatal(err)
		}
		err := s.CreateUser(ctx, newUser("bOB", "other@example.com"))
		if hanok.CodeOf(err) != hanok.Conflict || hanok.FieldsOf(err)["username"] == "" {
			t.Fatalf("duplicate username: %v, want Conflict naming username", err)
		}
		// The refused user was not stored.
		_, err = s.UserByEmail(ctx, "other@example.com")
		storetest.WantCode(t, err, hanok.NotFound)
	})

	t.Run("DuplicateEmailCaseInsensitive", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreateUser(ctx, newUser("a", "same@example.com")); err != nil {
			t.Fatal(err)
		}
		err := s.CreateUser(ctx, newUser("b", "SAME@example.com"))
		if hanok.CodeOf(err) != hanok.Conflict || hanok.FieldsOf(err)["email"] == "" {
			t.Fatalf("duplicate email: %v, want Conflict naming email", err)
		}
	})

	t.Run("UsernamesAndEmailsShareOneNamespace", func(t *testing.T) {
		s := newStore(t)
		erin := newUser("erin", "erin@example.com")
		if err := s.CreateUser(ctx, erin); err != nil {
			t.Fatal(err)
		}
		// Another account's username may not be her email, nor its email
		// her username, in any case; and both errors name the field of
		// the new account that clashed, in package auth's words.
		err := s.CreateUser(ctx, newUser("ERIN@example.com", "mallory@example.com"))
		if !errors.Is(err, auth.ErrUsernameTaken) {
			t.Fatalf("username = another's email: %v, want ErrUsernameTaken", err)
		}
		if err := s.CreateUser(ctx, newUser("mallory", "Erin")); !errors.Is(err, auth.ErrEmailTaken) {
			t.Fatalf("email = another's username: %v, want ErrEmailTaken", err)
		}
		// One's own username may be one's own email (the calendar's users).
		kim := newUser("kim@example.com", "KIM@example.com")
		if err := s.CreateUser(ctx, kim); err != nil {
			t.Fatalf("username = own email: %v", err)
		}
		other := newUser("other", "")
		if err := s.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
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
			if err := s.UpdateUser(ctx, &u); !errors.Is(err, c.want) {
				t.Errorf("UpdateUser(%q, %q) = %v, want %v", c.username, c.email, err, c.want)
			}
		}
		if got, _ := s.UserByID(ctx, other.ID); got.Username != "other" || got.Email != "" {
			t.Fatalf("refused updates changed the user: %+v", got)
		}
	})

	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		u := newUser("carol", "")
		other := newUser("dave", "dave@example.com")
		for _, x := range []*auth.User{u, other} {
			if err := s.CreateUser(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		u.Superuser = true
		u.PasswordHash = []byte("new")
		u.Email = "carol@example.com"
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Superuser || string(got.PasswordHash) != "new" || got.Email != "carol@example.com" {
			t.Fatalf("after update: %+v", got)
		}
		clash := *u
		clash.Email = "DAVE@example.com"
		err = s.UpdateUser(ctx, &clash)
		storetest.WantCode(t, err, hanok.Conflict)
		got, _ = s.UserByID(ctx, u.ID)
		if got.Email != "carol@example.com" {
			t.Fatalf("refused update changed the email to %q", got.Email)
		}
		clash = *u
		clash.Username = "DAVE"
		if err := s.UpdateUser(ctx, &clash); hanok.CodeOf(err) != hanok.Conflict || hanok.FieldsOf(err)["username"] == "" {
			t.Fatalf("update to a taken username = %v, want Conflict naming username", err)
		}
		if got, _ = s.UserByID(ctx, u.ID); got.Username != "carol" {
			t.Fatalf("refused update changed the username to %q", got.Username)
		}
		// Keeping one's own username in another case is no clash.
		self := *u
		self.Username = "CAROL"
		if err := s.UpdateUser(ctx, &self); err != nil {
			t.Fatalf("update to the same username in another case: %v", err)
		}
	})

	t.Run("NoAliasing", func(t *testing.T) {
		s := newStore(t)
		u := newUser("erin", "")
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		u.PasswordHash[0] = 'X'
		u.Superuser = true
		got, _ := s.UserByID(ctx, u.ID)
		if string(got.PasswordHash) != "hash-erin" || got.Superuser {
			t.Fatalf("changing the caller's copy changed the store: %+v", got)
		}
		got.PasswordHash[0] = 'Y'
		again, _ := s.UserByID(ctx, u.ID)
		if string(again.PasswordHash) != "hash-erin" {
			t.Fatalf("changing a returned copy changed the store: %q", again.PasswordHash)
		}
	})

	t.Run("Revocations", func(t *testing.T) {
		s := newStore(t)
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		if ok, err := s.IsRevoked(ctx, "a"); err != nil || ok {
			t.Fatalf("IsRevoked before revoke = %v, %v", ok, err)
		}
		if err := s.RevokeToken(ctx, "a", now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, "a", now.Add(-time.Minute)); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if err := s.RevokeToken(ctx, "b", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, jti := range []string{"a", "b"} {
			if ok, err := s.IsRevoked(ctx, jti); err != nil || !ok {
				t.Fatalf("IsRevoked(%s) = %v, %v, want true", jti, ok, err)
			}
		}
		n, err := s.PruneRevocations(ctx, now)
		if err != nil || n != 1 {
			t.Fatalf("PruneRevocations = %d, %v, want 1", n, err)
		}
		if ok, _ := s.IsRevoked(ctx, "a"); ok {
			t.Fatal("expired revocation survived pruning")
		}
		if ok, _ := s.IsRevoked(ctx, "b"); !ok {
			t.Fatal("live revocation was pruned")
		}
	})

	t.Run("Secret", func(t *testing.T) {
		s := newStore(t)
		first, err := s.Secret(ctx, "jwt", []byte("first-secret"))
		if err != nil || string(first) != "first-secret" {
			t.Fatalf("Secret = %q, %v", first, err)
		}
		second, err := s.Secret(ctx, "jwt", []byte("other"))
		if err != nil || string(second) != "first-secret" {
			t.Fatalf("second Secret = %q, %v, want the stored one", second, err)
		}
		other, _ := s.Secret(ctx, "other", []byte("x"))
		if string(other) != "x" {
			t.Fatalf("Secret of another name = %q", other)
		}
	})

	t.Run("ConcurrentSecret", func(t *testing.T) {
		s := newStore(t)
		const n = 20
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.Secret(ctx, "jwt", []byte(fmt.Sprintf("candidate-%d", i)))
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("Secret: %v", errs[i])
			}
			if string(got[i]) != string(got[0]) {
				t.Fatalf("concurrent callers got different secrets: %q and %q", got[0], got[i])
			}
		}
	})

	t.Run("Users", func(t *testing.T) {
		s := newStore(t)
		if us, err := s.Users(ctx); err != nil || len(us) != 0 {
			t.Fatalf("Users of an empty store = %v, %v", us, err)
		}
		var ids []hanok.UserID
		for _, name := range []string{"carol", "alice", "bob"} {
			u := newUser(name, "")
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		us, err := s.Users(ctx)
		if err != nil || len(us) != 3 {
			t.Fatalf("Users = %v, %v", us, err)
		}
		for i, u := range us {
			if u.ID != ids[i] || u.Username != []string{"carol", "alice", "bob"}[i] || !u.Created.Equal(created) {
				t.Fatalf("Users[%d] = %+v, want id %d in creation order", i, u, ids[i])
			}
		}
		us[0].Username = "changed"
		if again, _ := s.Users(ctx); again[0].Username != "carol" {
			t.Fatal("Users returned stored state")
		}
	})

	// The one uniqueness rule (auth.CheckUnique), the same on every
	// store: a database written before usernames and emails shared one
	// namespace may hold a username that is another account's email.
	// Both accounts can still be updated otherwise, and neither can move
	// further into the other's names.
	t.Run("LegacyNameClashStillUpdates", func(t *testing.T) {
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
		s := newStore(t)
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				errs <- s.CreateUser(ctx, newUser(fmt.Sprintf("user%d", i), fmt.Sprintf("u%d@example.com", i)))
			}()
			// Every name twice, in two cases: exactly one of each pair wins.
			go func() {
				defer wg.Done()
				errs <- s.CreateUser(ctx, newUser(fmt.Sprintf("USER%d", i), ""))
			}()
		}
		wg.Wait()
		close(errs)
		ok, conflicts := 0, 0
		for err := range errs {
			switch hanok.CodeOf(err) {
			case "":
				ok++
			case hanok.Conflict:
				conflicts++
			default:
				t.Errorf("concurrent CreateUser: %v", err)
			}
		}
		if ok != n || conflicts != n {
			t.Fatalf("%d created, %d conflicts; want %d and %d", ok, conflicts, n, n)
		}
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
