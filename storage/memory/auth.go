package memory

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// AuthStore is an in-memory auth.Store.
type AuthStore struct {
	mu      sync.Mutex
	nextID  hanok.UserID
	users   map[hanok.UserID]auth.User
	revoked map[string]time.Time
	secrets map[string][]byte
	// apps are the app passwords (apppassword.go).
	apps appPasswords
}

var _ auth.Store = (*AuthStore)(nil)

// NewAuthStore returns an empty AuthStore.
func NewAuthStore() *AuthStore {
	return &AuthStore{users: map[hanok.UserID]auth.User{}, revoked: map[string]time.Time{}, secrets: map[string][]byte{}}
}

// Auth returns the database's auth store.
func (db *DB) Auth() *AuthStore {
	return db.store("auth", func() any { return NewAuthStore() }).(*AuthStore)
}

// requireUser returns hanok.NotFound unless id is a stored user. The
// stores of other domains call it, holding their own lock (taken before
// this one, never after), to refuse rows of unknown users as SQLite's do.
func (s *AuthStore) requireUser(id hanok.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; !ok {
		return auth.ErrUserNotFound
	}
	return nil
}

func copyUser(u auth.User) *auth.User {
	u.PasswordHash = bytes.Clone(u.PasswordHash)
	return &u
}

// conflict runs auth.CheckUnique for u (a new user when its ID is not
// stored). Callers hold s.mu.
func (s *AuthStore) conflict(u *auth.User) error {
	var old *auth.User
	if o, ok := s.users[u.ID]; ok {
		old = &o
	}
	return auth.CheckUnique(u, old, func(key string) (bool, error) {
		for id, o := range s.users {
			if id != u.ID && (auth.FoldKey(o.Username) == key || (o.Email != "" && auth.FoldKey(o.Email) == key)) {
				return true, nil
			}
		}
		return false, nil
	})
}

// CreateUser implements auth.Store.
func (s *AuthStore) CreateUser(_ context.Context, u *auth.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *u
	c.ID = 0
	if err := s.conflict(&c); err != nil {
		return err
	}
	s.nextID++
	c.ID = s.nextID
	s.users[c.ID] = *copyUser(c)
	u.ID = c.ID
	return nil
}

// UpdateUser implements auth.Store.
func (s *AuthStore) UpdateUser(_ context.Context, u *auth.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		return auth.ErrUserNotFound
	}
	if err := s.conflict(u); err != nil {
		return err
	}
	s.users[u.ID] = *copyUser(*u)
	return nil
}

// UserByID implements auth.Store.
func (s *AuthStore) UserByID(_ context.Context, id hanok.UserID) (*auth.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	return copyUser(u), nil
}

func (s *AuthStore) find(match func(auth.User) bool) (*auth.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if match(u) {
			return copyUser(u), nil
		}
	}
	return nil, auth.ErrUserNotFound
}

// UserByUsername implements auth.Store.
func (s *AuthStore) UserByUsername(_ context.Context, username string) (*auth.User, error) {
	key := auth.FoldKey(username)
	return s.find(func(u auth.User) bool { return auth.FoldKey(u.Username) == key })
}

// UserByEmail implements auth.Store.
func (s *AuthStore) UserByEmail(_ context.Context, email string) (*auth.User, error) {
	key := auth.FoldKey(email)
	return s.find(func(u auth.User) bool { return email != "" && auth.FoldKey(u.Email) == key })
}

// Users implements auth.Store.
func (s *AuthStore) Users(_ context.Context) ([]auth.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]auth.User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, *copyUser(u))
	}
	slices.SortFunc(out, func(a, b auth.User) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// RevokeToken implements auth.Store.
func (s *AuthStore) RevokeToken(_ context.Context, jti string, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.revoked[jti]; !ok {
		s.revoked[jti] = expires
	}
	return nil
}

// IsRevoked implements auth.Store.
func (s *AuthStore) IsRevoked(_ context.Context, jti string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.revoked[jti]
	return ok, nil
}

// PruneRevocations implements auth.Store.
func (s *AuthStore) PruneRevocations(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for jti, exp := range s.revoked {
		if exp.Before(before) {
			delete(s.revoked, jti)
			n++
		}
	}
	return n, nil
}

// Secret implements auth.Store.
func (s *AuthStore) Secret(_ context.Context, name string, generated []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.secrets[name]
	if !ok {
		v = bytes.Clone(generated)
		s.secrets[name] = v
	}
	return bytes.Clone(v), nil
}
