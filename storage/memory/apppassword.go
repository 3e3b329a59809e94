package memory

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok/auth"
)

var _ auth.AppPasswordStore = (*AuthStore)(nil)

// appPasswords are the app passwords of an AuthStore, under a lock of
// their own (taken after AuthStore.mu is released, never with it).
type appPasswords struct {
	mu     sync.Mutex
	nextID auth.AppPasswordID
	byID   map[auth.AppPasswordID]auth.AppPassword
}

func copyAppPassword(p auth.AppPassword) auth.AppPassword {
	p.Hash = bytes.Clone(p.Hash)
	return p
}

// CreateAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) CreateAppPassword(_ context.Context, p *auth.AppPassword) error {
	if err := s.requireUser(p.User); err != nil {
		return err
	}
	a := &s.apps
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byID == nil {
		a.byID = map[auth.AppPasswordID]auth.AppPassword{}
	}
	a.nextID++
	p.ID = a.nextID
	p.Created, p.LastUsed = micros(p.Created), micros(p.LastUsed)
	a.byID[p.ID] = copyAppPassword(*p)
	return nil
}

// AppPasswords implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswords(_ context.Context, user auth.UserID) ([]auth.AppPassword, error) {
	a := &s.apps
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []auth.AppPassword
	for _, p := range a.byID {
		if p.User == user {
			out = append(out, copyAppPassword(p))
		}
	}
	slices.SortFunc(out, func(x, y auth.AppPassword) int { return int(x.ID - y.ID) })
	return out, nil
}

// AppPasswordByHash implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswordByHash(_ context.Context, hash []byte) (*auth.AppPassword, error) {
	a := &s.apps
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.byID {
		if bytes.Equal(p.Hash, hash) {
			c := copyAppPassword(p)
			return &c, nil
		}
	}
	return nil, auth.ErrAppPasswordNotFound
}

// DeleteAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) DeleteAppPassword(_ context.Context, user auth.UserID, id auth.AppPasswordID) error {
	a := &s.apps
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.byID[id]; !ok || p.User != user {
		return auth.ErrAppPasswordNotFound
	}
	delete(a.byID, id)
	return nil
}

// TouchAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) TouchAppPassword(_ context.Context, id auth.AppPasswordID, at time.Time) error {
	a := &s.apps
	a.mu.Lock()
	defer a.mu.Unlock()
	if p, ok := a.byID[id]; ok {
		p.LastUsed = micros(at)
		a.byID[id] = p
	}
	return nil
}
