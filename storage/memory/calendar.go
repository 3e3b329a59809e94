package memory

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// CalendarStore is an in-memory calendar.Store.
type CalendarStore struct {
	mu        sync.Mutex
	nextEvent calendar.EventID
	nextGroup calendar.GroupID
	events    map[calendar.EventID]calendar.Event
	groups    map[calendar.GroupID]calendar.Group
	selected  map[auth.UserID][]calendar.GroupID
	birthdays map[auth.UserID]calendar.Birthday
	// feeds are the subscription links (feed.go), made on first use.
	feeds map[auth.UserID]calendar.Feed
	// syncStates are the CalDAV sync states (feed.go), oldest first.
	syncStates map[syncKey][]calendar.SyncState
	// users are the users rows may refer to.
	users *AuthStore
}

var _ calendar.Store = (*CalendarStore)(nil)

// NewCalendarStore returns an empty CalendarStore whose groups, events,
// selections and birthdays may refer to the users of users only.
func NewCalendarStore(users *AuthStore) *CalendarStore {
	return &CalendarStore{
		users:     users,
		events:    map[calendar.EventID]calendar.Event{},
		groups:    map[calendar.GroupID]calendar.Group{},
		selected:  map[auth.UserID][]calendar.GroupID{},
		birthdays: map[auth.UserID]calendar.Birthday{},
	}
}

// Calendar returns the database's calendar store.
func (db *DB) Calendar() *CalendarStore {
	users := db.Auth()
	return db.store("calendar", func() any { return NewCalendarStore(users) }).(*CalendarStore)
}

// micros returns t in UTC to the microsecond, the precision PostgreSQL's
// timestamptz keeps, so that the memory store returns what the others
// return.
func micros(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond).UTC()
}

// CreateGroup implements calendar.Store.
func (s *CalendarStore) CreateGroup(_ context.Context, g *calendar.Group) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(g.Creator); err != nil {
		return err
	}
	s.nextGroup++
	c := *g
	c.ID = s.nextGroup
	c.Created, c.Updated = micros(c.Created), micros(c.Updated)
	s.groups[c.ID] = c
	g.ID = c.ID
	return nil
}

// UpdateGroup implements calendar.Store.
func (s *CalendarStore) UpdateGroup(_ context.Context, g *calendar.Group) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.groups[g.ID]
	if !ok {
		return calendar.GroupNotFound(g.ID)
	}
	old.Name, old.Updated = g.Name, micros(g.Updated)
	s.groups[g.ID] = old
	return nil
}

// DeleteGroup implements calendar.Store.
func (s *CalendarStore) DeleteGroup(_ context.Context, id calendar.GroupID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[id]; !ok {
		return calendar.GroupNotFound(id)
	}
	delete(s.groups, id)
	for eid, e := range s.events {
		if e.Group == id {
			delete(s.events, eid)
		}
	}
	for u, sel := range s.selected {
		s.selected[u] = slices.DeleteFunc(sel, func(g calendar.GroupID) bool { return g == id })
	}
	return nil
}

// Group implements calendar.Store.
func (s *CalendarStore) Group(_ context.Context, id calendar.GroupID) (*calendar.Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	if !ok {
		return nil, calendar.GroupNotFound(id)
	}
	return &g, nil
}

// Groups implements calendar.Store.
func (s *CalendarStore) Groups(_ context.Context, creator auth.UserID) ([]calendar.Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []calendar.Group{}
	for _, g := range s.groups {
		if creator == 0 || g.Creator == creator {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b calendar.Group) int { return int(a.ID - b.ID) })
	return out, nil
}

// CreateEvent implements calendar.Store.
func (s *CalendarStore) CreateEvent(_ context.Context, e *calendar.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(e.Owner); err != nil {
		return err
	}
	if e.Group != 0 {
		if _, ok := s.groups[e.Group]; !ok {
			return calendar.GroupNotFound(e.Group)
		}
	}
	s.nextEvent++
	c := *e
	c.ID = s.nextEvent
	c.GroupName, c.Birthday = "", nil
	if c.Resource == "" {
		c.Resource = c.UID + ".ics"
	}
	c.Start, c.End, c.Created, c.Updated = micros(c.Start), micros(c.End), micros(c.Created), micros(c.Updated)
	s.events[c.ID] = c
	e.ID = c.ID
	return nil
}

// UpdateEvent implements calendar.Store.
func (s *CalendarStore) UpdateEvent(_ context.Context, e *calendar.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.events[e.ID]
	if !ok {
		return calendar.EventNotFound(e.ID)
	}
	old.Subject, old.Start, old.End, old.Updated = e.Subject, micros(e.Start), micros(e.End), micros(e.Updated)
	s.events[e.ID] = old
	return nil
}

// DeleteEvent implements calendar.Store.
func (s *CalendarStore) DeleteEvent(_ context.Context, id calendar.EventID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.events[id]; !ok {
		return calendar.EventNotFound(id)
	}
	delete(s.events, id)
	return nil
}

// withGroup returns a copy of e with its GroupName. Callers hold s.mu.
func (s *CalendarStore) withGroup(e calendar.Event) calendar.Event {
	if e.Group != 0 {
		e.GroupName = s.groups[e.Group].Name
	}
	return e
}

// Event implements calendar.Store.
func (s *CalendarStore) Event(_ context.Context, id calendar.EventID) (*calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[id]
	if !ok {
		return nil, calendar.EventNotFound(id)
	}
	e = s.withGroup(e)
	return &e, nil
}

// SelectGroups implements calendar.Store.
func (s *CalendarStore) SelectGroups(_ context.Context, user auth.UserID, ids []calendar.GroupID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(user); err != nil {
		return err
	}
	sel := make([]calendar.GroupID, 0, len(ids))
	for _, id := range ids {
		if _, ok := s.groups[id]; !ok {
			return calendar.GroupNotFound(id)
		}
		if !slices.Contains(sel, id) {
			sel = append(sel, id)
		}
	}
	slices.Sort(sel)
	s.selected[user] = sel
	return nil
}

// Selection implements calendar.Store.
func (s *CalendarStore) Selection(_ context.Context, user auth.UserID) ([]calendar.GroupID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]calendar.GroupID{}, s.selected[user]...), nil
}

// visible returns the events of user's calendar that match keep. Callers
// hold s.mu.
func (s *CalendarStore) visible(user auth.UserID, keep func(calendar.Event) bool) []calendar.Event {
	sel := s.selected[user]
	out := []calendar.Event{}
	for _, e := range s.events {
		if (e.Owner == user || e.Group != 0 && slices.Contains(sel, e.Group)) && keep(e) {
			out = append(out, s.withGroup(e))
		}
	}
	return out
}

// Events implements calendar.Store.
func (s *CalendarStore) Events(_ context.Context, user auth.UserID, from, to time.Time) ([]calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to = micros(from), micros(to)
	out := s.visible(user, func(e calendar.Event) bool {
		return e.Start.Before(to) && (e.End.After(from) || !e.Start.Before(from))
	})
	slices.SortFunc(out, func(a, b calendar.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

// Search implements calendar.Store.
func (s *CalendarStore) Search(_ context.Context, user auth.UserID, word string, limit int) ([]calendar.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// word is folded by the Service; the subject is folded here, at
	// query time, by the same one fold (the memory store keeps no index).
	out := s.visible(user, func(e calendar.Event) bool { return strings.Contains(hanok.Fold(e.Subject), word) })
	slices.SortFunc(out, func(a, b calendar.Event) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SetBirthday implements calendar.Store.
func (s *CalendarStore) SetBirthday(_ context.Context, b calendar.Birthday) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.users.requireUser(b.User); err != nil {
		return false, err
	}
	_, replaced := s.birthdays[b.User]
	b.Created = micros(b.Created)
	s.birthdays[b.User] = b
	return replaced, nil
}

// Birthday implements calendar.Store.
func (s *CalendarStore) Birthday(_ context.Context, user auth.UserID) (*calendar.Birthday, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.birthdays[user]
	if !ok {
		return nil, calendar.ErrNoBirthday
	}
	return &b, nil
}
