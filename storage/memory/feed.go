package memory

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// EventsByUID implements calendar.Store.
func (s *CalendarStore) EventsByUID(_ context.Context, uid string) ([]calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []calendar.Event
	for _, e := range s.events {
		if e.UID == uid {
			out = append(out, s.withGroup(e))
		}
	}
	slices.SortFunc(out, func(a, b calendar.Event) int { return int(a.ID - b.ID) })
	return out, nil
}

// unchanged reports whether the stored event cur still has old's
// subject, start, end and Updated.
func unchanged(cur, old calendar.Event) bool {
	return cur.Subject == old.Subject && cur.Start.Equal(old.Start) && cur.End.Equal(old.End) && cur.Updated.Equal(old.Updated)
}

// ReplaceEvent implements calendar.Store.
func (s *CalendarStore) ReplaceEvent(_ context.Context, old, e *calendar.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.events[old.ID]
	if !ok {
		return calendar.EventNotFound(old.ID)
	}
	if !unchanged(cur, *old) {
		return calendar.ErrEventChanged
	}
	cur.Subject, cur.Start, cur.End, cur.Updated = e.Subject, micros(e.Start), micros(e.End), micros(e.Updated)
	s.events[old.ID] = cur
	return nil
}

// DeleteEventIf implements calendar.Store.
func (s *CalendarStore) DeleteEventIf(_ context.Context, old *calendar.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.events[old.ID]
	if !ok {
		return calendar.EventNotFound(old.ID)
	}
	if !unchanged(cur, *old) {
		return calendar.ErrEventChanged
	}
	delete(s.events, old.ID)
	return nil
}

// EventsByResource implements calendar.Store.
func (s *CalendarStore) EventsByResource(_ context.Context, name string) ([]calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []calendar.Event
	for _, e := range s.events {
		if e.Resource == name {
			out = append(out, s.withGroup(e))
		}
	}
	slices.SortFunc(out, func(a, b calendar.Event) int { return int(a.ID - b.ID) })
	return out, nil
}

// SetFeed implements calendar.Store.
func (s *CalendarStore) SetFeed(_ context.Context, f calendar.Feed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(f.User); err != nil {
		return err
	}
	if s.feeds == nil {
		s.feeds = map[auth.UserID]calendar.Feed{}
	}
	f.SecretHash = bytes.Clone(f.SecretHash)
	f.Created, f.Modified = micros(f.Created), micros(f.Modified)
	s.feeds[f.User] = f
	return nil
}

// FeedBySecret implements calendar.Store.
func (s *CalendarStore) FeedBySecret(_ context.Context, hash []byte) (*calendar.Feed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.feeds {
		if bytes.Equal(f.SecretHash, hash) {
			f.SecretHash = bytes.Clone(f.SecretHash)
			return &f, nil
		}
	}
	return nil, calendar.ErrFeedNotFound
}

// DeleteFeed implements calendar.Store.
func (s *CalendarStore) DeleteFeed(_ context.Context, user auth.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.feeds[user]; !ok {
		return calendar.ErrNoFeed
	}
	delete(s.feeds, user)
	return nil
}

// MarkFeed implements calendar.Store.
func (s *CalendarStore) MarkFeed(_ context.Context, user auth.UserID, etag string, modified time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.feeds[user]; ok {
		f.ETag, f.Modified = etag, micros(modified)
		s.feeds[user] = f
	}
	return nil
}

// syncKey names the sync states of one calendar of one user.
type syncKey struct {
	user       auth.UserID
	collection string
}

// SaveSyncState implements calendar.Store.
func (s *CalendarStore) SaveSyncState(_ context.Context, st calendar.SyncState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(st.User); err != nil {
		return err
	}
	if s.syncStates == nil {
		s.syncStates = map[syncKey][]calendar.SyncState{}
	}
	k := syncKey{st.User, st.Collection}
	st.State, st.Created = bytes.Clone(st.State), micros(st.Created)
	kept := slices.DeleteFunc(s.syncStates[k], func(o calendar.SyncState) bool { return o.Token == st.Token })
	kept = append(kept, st)
	if len(kept) > calendar.SyncStatesKept {
		kept = kept[len(kept)-calendar.SyncStatesKept:]
	}
	s.syncStates[k] = kept
	return nil
}

// SyncState implements calendar.Store.
func (s *CalendarStore) SyncState(_ context.Context, user auth.UserID, collection, token string) (*calendar.SyncState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.syncStates[syncKey{user, collection}] {
		if st.Token == token {
			st.State = bytes.Clone(st.State)
			return &st, nil
		}
	}
	return nil, calendar.ErrSyncToken
}
