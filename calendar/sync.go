package calendar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// SyncState is what one CalDAV calendar of a user held when a sync token
// (RFC 6578) was given out for it: the adapter's list of its resources
// and their ETags. A later sync-collection report with that token is
// answered with the difference between it and the calendar's current
// state, so that every change shows, however it was made (through the
// API, CalDAV, a group's deletion or a new selection).
type SyncState struct {
	User auth.UserID
	// Collection names the calendar ("personal", "group-3").
	Collection string
	Token      string
	State      []byte
	// Created is when the token was last given out.
	Created time.Time
}

// SyncStatesKept is how many tokens of one calendar are kept: a client
// that presents an older one is told to sync again from nothing.
const SyncStatesKept = 20

// ErrSyncToken is a sync token that names no state kept for the
// calendar (unknown, of another calendar, or older than the
// SyncStatesKept newest).
var ErrSyncToken = &hanok.Error{Code: hanok.Forbidden, Message: "unknown or expired sync token: sync again without one"}

// SyncTokenPrefix starts every sync token (a URI, as RFC 6578 wants).
const SyncTokenPrefix = "urn:hanok:sync:"

// SyncToken returns the token of the state of the actor's calendar
// collection, kept so that SyncState finds it: the same state has the
// same token.
func (s *Service) SyncToken(ctx context.Context, actor hanok.Actor, collection string, state []byte) (string, error) {
	if err := actor.Check(); err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(collection))
	h.Write([]byte{0})
	h.Write(state)
	token := SyncTokenPrefix + hex.EncodeToString(h.Sum(nil)[:16])
	err := s.store.SaveSyncState(ctx, SyncState{User: actor.ID, Collection: collection, Token: token, State: state, Created: s.cfg.Now()})
	if err != nil {
		return "", fmt.Errorf("calendar: save sync state: %w", err)
	}
	return token, nil
}

// SyncState returns the state of the actor's calendar collection when
// token was given out: ErrSyncToken if it is not kept.
func (s *Service) SyncState(ctx context.Context, actor hanok.Actor, collection, token string) ([]byte, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	st, err := s.store.SyncState(ctx, actor.ID, collection, token)
	if err != nil {
		return nil, fmt.Errorf("calendar: sync state: %w", err)
	}
	return st.State, nil
}
