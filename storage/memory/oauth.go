package memory

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok/auth"
)

// OAuthStore is an in-memory auth.OAuthStore.
type OAuthStore struct {
	mu     sync.Mutex
	nextID int64
	apps   map[string]auth.App
	grants map[string]auth.Grant
	codes  map[string]auth.AuthCode
}

var _ auth.OAuthStore = (*OAuthStore)(nil)

// NewOAuthStore returns an empty OAuthStore.
func NewOAuthStore() *OAuthStore {
	return &OAuthStore{apps: map[string]auth.App{}, grants: map[string]auth.Grant{}, codes: map[string]auth.AuthCode{}}
}

// OAuth returns the database's store of OAuth apps and grants.
func (db *DB) OAuth() *OAuthStore {
	return db.store("oauth", func() any { return NewOAuthStore() }).(*OAuthStore)
}

func copyApp(a auth.App) *auth.App {
	a.SecretHash = bytes.Clone(a.SecretHash)
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.Scopes = slices.Clone(a.Scopes)
	return &a
}

// CreateApp implements auth.OAuthStore.
func (s *OAuthStore) CreateApp(_ context.Context, a *auth.App) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[a.ClientID]; ok {
		return auth.ErrClientIDTaken
	}
	s.nextID++
	a.ID = s.nextID
	s.apps[a.ClientID] = *copyApp(*a)
	return nil
}

// AppByClientID implements auth.OAuthStore.
func (s *OAuthStore) AppByClientID(_ context.Context, clientID string) (*auth.App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[clientID]
	if !ok {
		return nil, auth.ErrAppNotFound
	}
	return copyApp(a), nil
}

// RevokeApp implements auth.OAuthStore.
func (s *OAuthStore) RevokeApp(_ context.Context, clientID string, at time.Time) ([]auth.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[clientID]
	if !ok {
		return nil, auth.ErrAppNotFound
	}
	if a.Revoked.IsZero() {
		a.Revoked = at
		s.apps[clientID] = a
	}
	out := []auth.Grant{}
	for id, g := range s.grants {
		if g.ClientID == clientID && g.Revoked.IsZero() {
			g.Revoked = at
			s.grants[id] = g
			g.Scopes = slices.Clone(g.Scopes)
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b auth.Grant) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// CreateGrant implements auth.OAuthStore.
func (s *OAuthStore) CreateGrant(_ context.Context, g *auth.Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[g.ClientID]; !ok {
		return auth.ErrAppNotFound
	}
	if _, ok := s.grants[g.TokenID]; ok {
		return auth.ErrTokenIDTaken
	}
	c := *g
	c.Scopes = slices.Clone(g.Scopes)
	s.grants[g.TokenID] = c
	return nil
}

// GrantByToken implements auth.OAuthStore.
func (s *OAuthStore) GrantByToken(_ context.Context, tokenID string) (*auth.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[tokenID]
	if !ok {
		return nil, auth.ErrGrantNotFound
	}
	g.Scopes = slices.Clone(g.Scopes)
	return &g, nil
}

// RevokeGrant implements auth.OAuthStore.
func (s *OAuthStore) RevokeGrant(_ context.Context, tokenID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[tokenID]
	if !ok {
		return auth.ErrGrantNotFound
	}
	if g.Revoked.IsZero() {
		g.Revoked = at
		s.grants[tokenID] = g
	}
	return nil
}

// PruneGrants implements auth.OAuthStore.
func (s *OAuthStore) PruneGrants(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, g := range s.grants {
		if g.Expires.Before(before) {
			delete(s.grants, id)
			n++
		}
	}
	return n, nil
}

// CreateCode implements auth.OAuthStore.
func (s *OAuthStore) CreateCode(_ context.Context, c *auth.AuthCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[c.ClientID]; !ok {
		return auth.ErrAppNotFound
	}
	if _, ok := s.codes[c.CodeHash]; ok {
		return auth.ErrCodeTaken
	}
	v := *c
	v.Scopes = slices.Clone(c.Scopes)
	s.codes[c.CodeHash] = v
	return nil
}

// TakeCode implements auth.OAuthStore.
func (s *OAuthStore) TakeCode(_ context.Context, hash string) (*auth.AuthCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[hash]
	if !ok {
		return nil, auth.ErrCodeNotFound
	}
	delete(s.codes, hash)
	return &c, nil
}

// PruneCodes implements auth.OAuthStore.
func (s *OAuthStore) PruneCodes(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for h, c := range s.codes {
		if c.Expires.Before(before) {
			delete(s.codes, h)
			n++
		}
	}
	return n, nil
}
