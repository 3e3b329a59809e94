// Package calendar is a personal calendar shared through groups: events
// with a subject and a start and end, groups that anyone may add events to
// and anyone may select for display, one yearly birthday per user, and an
// iCalendar (RFC 5545) export.
//
// Times are instants; the Service shows them, and cuts days and months, in
// its Config.Location (Asia/Seoul by default). An event belongs to a range
// when it overlaps it: start < rangeEnd && end > rangeStart, so an event
// that spans midnight shows on both days. An event of zero length (start
// == end) belongs to the range that holds its start, so that one at
// midnight shows on its day rather than on none.
//
// "My calendar" is my own events, the events of the groups I selected, and
// my birthday. The Service holds the rules and every word a client reads
// (errors.go); persistence is behind the Store interface, implemented by
// storage/memory, storage/sqlite and storage/postgres and checked by the
// conformance suite in calendar/calendartest. The HTTP adapter, with the
// routes of the original calendar API, is adapters/calendarhttp.
package calendar

import (
	"context"
	"time"

	"github.com/hanok-dev/hanok/auth"
)

// EventID identifies an event.
type EventID int64

// GroupID identifies a group.
type GroupID int64

// Event is an entry of a calendar.
type Event struct {
	ID EventID
	// UID is the stable iCalendar identifier of the event.
	UID string
	// Resource is the name of the event's CalDAV resource: "<UID>.ics",
	// unless the CalDAV client that created the event chose another.
	Resource string
	Owner    auth.UserID
	// OwnerEmail is the email recorded with the event (the username of an
	// account without one). The Service shows it to the owner only: in
	// what it returns to anyone else it is "".
	OwnerEmail string
	// OwnerName is the owner's display name, which the Service sets on
	// what it returns: see DisplayName.
	OwnerName string
	Subject   string
	// Start and End are instants; End is not before Start.
	Start, End time.Time
	// Group is the event's group, 0 for none; GroupName is its name.
	Group     GroupID
	GroupName string
	Created   time.Time
	// Updated is the time of the last change; zero if never changed.
	Updated time.Time
	// Birthday is set on the yearly all-day occurrences of a user's
	// birthday: it is the registered date. Birthday occurrences are
	// computed for each query and have ID 0.
	Birthday *Date
}

// Group is a shared set of events. Anyone signed in may add events to a
// group; only its creator may rename or delete it.
type Group struct {
	ID      GroupID
	Name    string
	Creator auth.UserID
	// CreatorEmail is the email recorded with the group (the username of
	// an account without one). The Service shows it to the creator only:
	// in what it returns to anyone else it is "".
	CreatorEmail string
	// CreatorName is the creator's display name, which the Service sets
	// on what it returns: see DisplayName.
	CreatorName string
	Created     time.Time
	// Updated is the time of the last rename; zero if never renamed.
	Updated time.Time
}

// Birthday is a user's registered birthday.
type Birthday struct {
	User  auth.UserID
	Email string
	Date  Date
	// Created is when the birthday was last registered.
	Created time.Time
}

// Store is the persistence the calendar needs. Times keep at least
// microsecond precision (the Service itself keeps whole seconds). An
// unknown event is EventNotFound, an unknown group GroupNotFound, a
// missing birthday ErrNoBirthday (wrapped or not), and an unknown user
// hanok.NotFound: groups, events, selections and birthdays belong to users
// of the same database's auth.Store. Returned values are copies.
type Store interface {
	// CreateGroup stores g and sets g.ID.
	CreateGroup(ctx context.Context, g *Group) error
	// UpdateGroup replaces the name and Updated time of the group g.ID.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup deletes a group, its events, and every selection of it.
	DeleteGroup(ctx context.Context, id GroupID) error
	// Group returns one group.
	Group(ctx context.Context, id GroupID) (*Group, error)
	// Groups returns the groups created by creator, or every group if
	// creator is 0, in id order.
	Groups(ctx context.Context, creator auth.UserID) ([]Group, error)

	// CreateEvent stores e and sets e.ID. A group that does not exist is
	// GroupNotFound. GroupName is ignored.
	CreateEvent(ctx context.Context, e *Event) error
	// UpdateEvent replaces subject, start, end and Updated of event e.ID.
	UpdateEvent(ctx context.Context, e *Event) error
	// DeleteEvent deletes one event.
	DeleteEvent(ctx context.Context, id EventID) error
	// Event returns one event, with its GroupName.
	Event(ctx context.Context, id EventID) (*Event, error)

	// SelectGroups replaces the groups user shows in its calendar. A
	// group that does not exist is GroupNotFound and changes nothing.
	SelectGroups(ctx context.Context, user auth.UserID, ids []GroupID) error
	// Selection returns the groups user selected, in id order.
	Selection(ctx context.Context, user auth.UserID) ([]GroupID, error)

	// Events returns the events of user's calendar (its own events and
	// those of its selected groups, each once) that overlap [from, to):
	// Start < to && End > from, or, for an event of zero length, from <=
	// Start < to. They are ordered by Start, then ID.
	Events(ctx context.Context, user auth.UserID, from, to time.Time) ([]Event, error)
	// Search returns the events of user's calendar whose subject, folded
	// by hanok.Fold, contains word, newest Start first (then highest ID),
	// at most limit of them. word is already folded (the Service folds
	// it); a store compares it with a folded subject that it keeps beside
	// the subject, written with it.
	Search(ctx context.Context, user auth.UserID, word string, limit int) ([]Event, error)

	// SetBirthday stores b, replacing the user's birthday if there was
	// one, and reports whether it replaced one.
	SetBirthday(ctx context.Context, b Birthday) (replaced bool, err error)
	// Birthday returns the user's birthday.
	Birthday(ctx context.Context, user auth.UserID) (*Birthday, error)

	// ReplaceEvent is UpdateEvent done only if the stored event still
	// has the subject, start, end and Updated of old (as read before):
	// ErrEventChanged if it changed since, so that two writers never
	// overwrite each other unseen.
	ReplaceEvent(ctx context.Context, old, e *Event) error
	// DeleteEventIf is DeleteEvent done only if the stored event still
	// has the subject, start, end and Updated of old: ErrEventChanged if
	// not.
	DeleteEventIf(ctx context.Context, old *Event) error

	// EventsByUID returns every event whose UID is uid, whoever owns
	// it, by id.
	EventsByUID(ctx context.Context, uid string) ([]Event, error)
	// EventsByResource returns every event whose Resource is name,
	// whoever owns it, by id (CalDAV names an event by it). A store
	// keeps the Resource of CreateEvent; an empty one is "<UID>.ics".
	EventsByResource(ctx context.Context, name string) ([]Event, error)

	// SetFeed stores f, replacing the user's feed if it had one.
	SetFeed(ctx context.Context, f Feed) error
	// FeedBySecret returns the feed whose SecretHash is hash:
	// ErrFeedNotFound if none.
	FeedBySecret(ctx context.Context, hash []byte) (*Feed, error)
	// DeleteFeed deletes the user's feed: ErrNoFeed if it has none.
	DeleteFeed(ctx context.Context, user auth.UserID) error
	// MarkFeed records the ETag of the document last served by the
	// user's feed and when it first had it. A feed deleted meanwhile is
	// not an error.
	MarkFeed(ctx context.Context, user auth.UserID, etag string, modified time.Time) error

	// SaveSyncState stores st (of the same token: sets its Created and
	// State), keeping the SyncStatesKept newest of its user and
	// collection.
	SaveSyncState(ctx context.Context, st SyncState) error
	// SyncState returns the state kept for token of the user's
	// collection: ErrSyncToken if none.
	SyncState(ctx context.Context, user auth.UserID, collection, token string) (*SyncState, error)
}
