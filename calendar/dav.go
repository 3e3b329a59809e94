package calendar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hanok-dev/hanok"
)

// MaxUIDLen is the longest event UID accepted, in bytes.
const MaxUIDLen = 255

// ErrUID is a UID that cannot name a CalDAV resource: empty, too long,
// or holding a control character, a slash or a backslash.
var ErrUID = hanok.FieldError("uid", fmt.Sprintf("must be 1 to %d bytes of printable characters other than / and \\", MaxUIDLen))

// CheckUID returns ErrUID unless uid may be an event's UID (and so, with
// ".ics", the name of its CalDAV resource).
func CheckUID(uid string) error {
	if uid == "" || len(uid) > MaxUIDLen || strings.ContainsAny(uid, `/\`) {
		return ErrUID
	}
	for _, r := range uid {
		if !unicode.IsPrint(r) || r == unicode.ReplacementChar {
			return ErrUID
		}
	}
	return nil
}

// ErrEventChanged is a conditional change of an event (a CalDAV If-Match)
// that another change overtook: the event is not what the writer read.
var ErrEventChanged = &hanok.Error{Code: hanok.Conflict, Message: "the event changed since it was read: read it again"}

// UpdateEventIf is UpdateEvent of the event as the actor read it (old,
// from Event, ByResource or Collection), done only if it is still so:
// ErrEventChanged if another change came first, and nothing is written.
func (s *Service) UpdateEventIf(ctx context.Context, actor hanok.Actor, old *Event, in EventInput) (*Event, error) {
	e, err := s.owned(ctx, actor, old.ID)
	if err != nil {
		return nil, err
	}
	in.Group, in.UID, in.Resource = 0, "", ""
	if err := s.checkEvent(&in); err != nil {
		return nil, err
	}
	e.Subject, e.Start, e.End, e.Updated = in.Subject, in.Start, in.End, s.now()
	if err := s.store.ReplaceEvent(ctx, old, e); err != nil {
		return nil, fmt.Errorf("calendar: update event %d: %w", old.ID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "event updated", "event_id", old.ID, "user_id", actor.ID)
	return s.Event(ctx, actor, old.ID)
}

// DeleteEventIf is DeleteEvent of the event as the actor read it (old),
// done only if it is still so: ErrEventChanged if not.
func (s *Service) DeleteEventIf(ctx context.Context, actor hanok.Actor, old *Event) error {
	if _, err := s.owned(ctx, actor, old.ID); err != nil {
		return err
	}
	if err := s.store.DeleteEventIf(ctx, old); err != nil {
		return fmt.Errorf("calendar: delete event %d: %w", old.ID, err)
	}
	s.cfg.Logger.InfoContext(ctx, "event deleted", "event_id", old.ID, "user_id", actor.ID)
	return nil
}

// ErrResource is a CalDAV resource name that hanok cannot keep.
var ErrResource = hanok.FieldError("resource", fmt.Sprintf("must be 1 to %d bytes of printable characters other than / and \\", MaxUIDLen))

// CheckResource returns ErrResource unless name may name an event's
// CalDAV resource.
func CheckResource(name string) error {
	if CheckUID(name) != nil {
		return ErrResource
	}
	return nil
}

// ByResource returns the events of the actor's calendar whose CalDAV
// resource is name (several only if different users chose the same).
func (s *Service) ByResource(ctx context.Context, actor hanok.Actor, name string) ([]Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if CheckResource(name) != nil {
		return nil, nil
	}
	all, err := s.store.EventsByResource(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("calendar: events by resource: %w", err)
	}
	return s.visibleOnes(ctx, actor, all)
}

// visibleOnes keeps the events of all that the actor sees: its own and
// those of the groups it selected.
func (s *Service) visibleOnes(ctx context.Context, actor hanok.Actor, all []Event) ([]Event, error) {
	var sel []GroupID
	var err error
	if slices.ContainsFunc(all, func(e Event) bool { return e.Owner != actor.ID }) {
		if sel, err = s.store.Selection(ctx, actor.ID); err != nil {
			return nil, fmt.Errorf("calendar: selection: %w", err)
		}
	}
	var out []Event
	for _, e := range all {
		if e.Owner == actor.ID || e.Group != 0 && slices.Contains(sel, e.Group) {
			s.shown(actor, &e)
			out = append(out, e)
		}
	}
	return out, nil
}

// ETag is the entity tag of an event's CalDAV resource: a hash of all
// that its iCalendar form shows, so that any change of the event, made
// through CalDAV or the API, changes it.
func ETag(e Event) string {
	h := sha256.New()
	parts := []string{
		strconv.FormatInt(int64(e.ID), 10), e.UID, e.Resource, e.Subject,
		strconv.FormatInt(e.Start.UnixNano(), 10), strconv.FormatInt(e.End.UnixNano(), 10),
		strconv.FormatInt(int64(e.Group), 10), e.GroupName,
		strconv.FormatInt(e.Created.UnixNano(), 10), strconv.FormatInt(e.Updated.UnixNano(), 10),
	}
	if e.Birthday != nil {
		parts = append(parts, e.Birthday.String())
	}
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Collection returns the events of the actor's calendar (its own events
// and those of its selected groups, without the birthday) that overlap
// [from, to), with no bound on the range: a zero from or to is open. It
// is what CalDAV lists.
func (s *Service) Collection(ctx context.Context, actor hanok.Actor, from, to time.Time) ([]Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if from.IsZero() {
		from = time.Date(MinEventYear-1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if to.IsZero() {
		to = time.Date(MaxEventYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	events, err := s.store.Events(ctx, actor.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("calendar: events: %w", err)
	}
	for i := range events {
		s.shown(actor, &events[i])
	}
	return events, nil
}

// ByUID returns the events of the actor's calendar whose UID is uid
// (several only if different users chose the same UID).
func (s *Service) ByUID(ctx context.Context, actor hanok.Actor, uid string) ([]Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if CheckUID(uid) != nil {
		return nil, nil
	}
	all, err := s.store.EventsByUID(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("calendar: events by uid: %w", err)
	}
	return s.visibleOnes(ctx, actor, all)
}

// Birthday returns the actor's birthday as one event: the first
// occurrence, on the registered date, whose iCalendar form repeats
// yearly. ErrNoBirthday if the actor registered none.
func (s *Service) Birthday(ctx context.Context, actor hanok.Actor) (*Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	b, err := s.store.Birthday(ctx, actor.ID)
	if err != nil {
		if errors.Is(err, ErrNoBirthday) {
			return nil, ErrNoBirthday
		}
		return nil, fmt.Errorf("calendar: birthday: %w", err)
	}
	start := b.Date.In(s.cfg.Location)
	date := b.Date
	e := &Event{
		UID:        BirthdayUID(actor.ID),
		Resource:   BirthdayUID(actor.ID) + ".ics",
		Owner:      actor.ID,
		OwnerEmail: b.Email,
		Subject:    s.cfg.BirthdaySubject,
		Start:      start,
		End:        start.AddDate(0, 0, 1),
		Created:    b.Created,
		Birthday:   &date,
	}
	s.shown(actor, e)
	return e, nil
}

// BirthdayUID is the UID of a user's birthday event.
func BirthdayUID(user hanok.UserID) string { return fmt.Sprintf("birthday-%d@hanok", user) }

// BirthdayOverlaps reports whether the birthday event b (see Birthday)
// has an occurrence that overlaps [from, to); a zero from or to is open.
func (s *Service) BirthdayOverlaps(b *Event, from, to time.Time) bool {
	if b.Birthday == nil {
		return false
	}
	if from.IsZero() || to.IsZero() {
		return to.IsZero() || b.Start.Before(to)
	}
	return len(s.birthdays(&Birthday{User: b.Owner, Date: *b.Birthday}, from, to)) > 0
}

// Group returns one group, whoever created it (anyone may see and select
// any group).
func (s *Service) Group(ctx context.Context, actor hanok.Actor, id GroupID) (*Group, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, ErrGroupID
	}
	g, err := s.store.Group(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("calendar: group %d: %w", id, err)
	}
	s.shownGroup(actor, g)
	return g, nil
}
