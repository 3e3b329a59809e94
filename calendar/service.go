package calendar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the default zone must load on machines without a zone database

	"github.com/google/uuid"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// Limits of the input the Service accepts.
const (
	// MaxSubjectLen is the longest event subject, in characters.
	MaxSubjectLen = 200
	// MaxGroupNameLen is the longest group name, in characters.
	MaxGroupNameLen = 100
	// MaxEventLength is the longest an event may last. A bound keeps the
	// overlap queries of the stores on an index.
	MaxEventLength = 366 * 24 * time.Hour
	// MaxRange is the longest range Range accepts.
	MaxRange = 3 * 366 * 24 * time.Hour
	// MaxSearchWordLen is the longest search word, in characters.
	MaxSearchWordLen = 100
	// SearchLimit is the most events Search returns.
	SearchLimit = 500
)

// DefaultZone is the zone of a Config without a Location.
const DefaultZone = "Asia/Seoul"

// Config configures a Service. The zero value is usable.
type Config struct {
	// Location is the calendar's zone: wall-clock input is read in it,
	// output is shown in it, and days and months are cut in it. Default
	// Asia/Seoul.
	Location *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// BirthdaySubject is the subject of birthday events. Default
	// "Birthday".
	BirthdaySubject string
	// Logger receives a line for every change. Default: discard.
	Logger *slog.Logger
}

// Service holds the calendar's rules.
type Service struct {
	store Store
	cfg   Config
}

// New returns a Service over store.
func New(store Store, cfg Config) (*Service, error) {
	if cfg.Location == nil {
		loc, err := time.LoadLocation(DefaultZone)
		if err != nil {
			return nil, fmt.Errorf("calendar: load %s: %w", DefaultZone, err)
		}
		cfg.Location = loc
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BirthdaySubject == "" {
		cfg.BirthdaySubject = "Birthday"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, cfg: cfg}, nil
}

// Location returns the calendar's zone.
func (s *Service) Location() *time.Location { return s.cfg.Location }

// now returns the current time, to the second, in the calendar's zone.
func (s *Service) now() time.Time {
	return s.cfg.Now().Truncate(time.Second).In(s.cfg.Location)
}

// shownEmail is the email recorded with what actor creates, so that
// listings show it without a lookup per row: the account's email, or its
// username for an account registered without one.
func shownEmail(a hanok.Actor) string {
	if a.Email != "" {
		return a.Email
	}
	return a.Username
}

// DisplayName is the name under which a user's events and groups are
// shown to the other users, made from the email (or username) recorded
// with them: a username as it is, and of an email only the part before
// the "@", so that no one reads another user's address. (Accounts made by
// the calendar's sign-in have their email as username.)
func DisplayName(recorded string) string {
	if at := strings.LastIndexByte(recorded, '@'); at >= 0 {
		return recorded[:at]
	}
	return recorded
}

// shown prepares e for the actor: its times in the calendar's zone, its
// owner's display name, and its owner's email only if the actor is the
// owner.
func (s *Service) shown(actor hanok.Actor, e *Event) {
	s.local(e)
	e.OwnerName = DisplayName(e.OwnerEmail)
	if !actor.Is(e.Owner) {
		e.OwnerEmail = ""
	}
}

// shownGroup prepares g for the actor, as shown does an event.
func (s *Service) shownGroup(actor hanok.Actor, g *Group) {
	s.localGroup(g)
	g.CreatorName = DisplayName(g.CreatorEmail)
	if !actor.Is(g.Creator) {
		g.CreatorEmail = ""
	}
}

// trimmedText trims s and checks it by the one text rule, as a required
// single line of at most maxLen characters.
func trimmedText(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	return s, hanok.CheckText(field, s, hanok.TextRule{Min: 1, Max: maxLen})
}

// EventInput is the content of an event.
type EventInput struct {
	Subject    string
	Start, End time.Time
	// Group is the group to add the event to; 0 for none. Ignored by
	// UpdateEvent: an event stays in its group.
	Group GroupID
	// UID is the iCalendar UID of a new event (CalDAV sends its own; see
	// CheckUID); "" makes a new one. Ignored by UpdateEvent.
	UID string
	// Resource is the name of a new event's CalDAV resource (see
	// CheckUID); "" is "<UID>.ics". Ignored by UpdateEvent.
	Resource string
}

// MinEventYear and MaxEventYear bound the years, in the calendar's zone,
// of an event's start and end. The bound is SQLite's: its stores keep
// every time as INTEGER unix nanoseconds, and an int64 of nanoseconds
// holds the instants of 1677-09-21 to 2262-04-11 only, so these are the
// whole years it can hold. (PostgreSQL's timestamptz and the memory store
// would hold more; the bound is the same on every store so that a
// calendar moves between them.)
const (
	MinEventYear = 1678
	MaxEventYear = 2261
)

func (s *Service) checkEvent(in *EventInput) error {
	subject, err := trimmedText("subject", in.Subject, MaxSubjectLen)
	if err != nil {
		return err
	}
	in.Subject = subject
	if in.Start.IsZero() {
		return hanok.FieldError("sdate", "is required")
	}
	if in.End.IsZero() {
		return hanok.FieldError("edate", "is required")
	}
	in.Start = in.Start.Truncate(time.Second)
	in.End = in.End.Truncate(time.Second)
	// SQLite's int64 unix nanoseconds hold the instants of 1677-09-21
	// to 2262-04-11 only: see MinEventYear.
	if y := in.Start.Year(); y < MinEventYear || y > MaxEventYear {
		return hanok.FieldError("sdate", fmt.Sprintf("must be in the years %d to %d", MinEventYear, MaxEventYear))
	}
	if y := in.End.Year(); y < MinEventYear || y > MaxEventYear {
		return hanok.FieldError("edate", fmt.Sprintf("must be in the years %d to %d", MinEventYear, MaxEventYear))
	}
	if in.End.Before(in.Start) {
		return hanok.FieldError("edate", "must not be before sdate")
	}
	if in.End.Sub(in.Start) > MaxEventLength {
		return hanok.FieldError("edate", fmt.Sprintf("must be at most %d days after sdate", MaxEventLength/(24*time.Hour)))
	}
	if in.Group < 0 {
		return ErrGroupID
	}
	if in.UID != "" {
		if err := CheckUID(in.UID); err != nil {
			return err
		}
	}
	if in.Resource != "" {
		return CheckResource(in.Resource)
	}
	return nil
}

// CreateEvent adds an event to the actor's calendar, or to a group when
// in.Group is set (anyone may add events to any existing group).
func (s *Service) CreateEvent(ctx context.Context, actor hanok.Actor, in EventInput) (*Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if err := s.checkEvent(&in); err != nil {
		return nil, err
	}
	uid := in.UID
	if uid == "" {
		uid = uuid.NewString() + "@hanok"
	}
	resource := in.Resource
	if resource == "" {
		resource = uid + ".ics"
	}
	e := &Event{
		UID:        uid,
		Resource:   resource,
		Owner:      actor.ID,
		OwnerEmail: shownEmail(actor),
		Subject:    in.Subject,
		Start:      in.Start,
		End:        in.End,
		Group:      in.Group,
		Created:    s.now(),
	}
	if err := s.store.CreateEvent(ctx, e); err != nil {
		return nil, fmt.Errorf("calendar: create event: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "event created", "event_id", e.ID, "user_id", actor.ID, "group_id", e.Group)
	return s.Event(ctx, actor, e.ID)
}

// CreateGroupEvent adds an event to the group group (anyone may add
// events to any existing group). A group id is required.
func (s *Service) CreateGroupEvent(ctx context.Context, actor hanok.Actor, group GroupID, in EventInput) (*Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if group <= 0 {
		return nil, ErrGroupID
	}
	in.Group = group
	return s.CreateEvent(ctx, actor, in)
}

// Event returns one of the actor's events, or an event of a group the
// actor selected.
func (s *Service) Event(ctx context.Context, actor hanok.Actor, id EventID) (*Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("calendar: event %d: %w", id, err)
	}
	if e.Owner != actor.ID {
		sel, err := s.store.Selection(ctx, actor.ID)
		if err != nil {
			return nil, fmt.Errorf("calendar: selection: %w", err)
		}
		if e.Group == 0 || !slices.Contains(sel, e.Group) {
			return nil, fmt.Errorf("calendar: event %d: %w", id, ErrNotYourEvent)
		}
	}
	s.shown(actor, e)
	return e, nil
}

// owned returns event id if the actor owns it.
func (s *Service) owned(ctx context.Context, actor hanok.Actor, id EventID) (*Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, ErrEventID
	}
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("calendar: event %d: %w", id, err)
	}
	if e.Owner != actor.ID {
		return nil, fmt.Errorf("calendar: event %d: %w", id, ErrNotYourEvent)
	}
	return e, nil
}

// UpdateEvent changes the subject and times of one of the actor's events.
func (s *Service) UpdateEvent(ctx context.Context, actor hanok.Actor, id EventID, in EventInput) (*Event, error) {
	e, err := s.owned(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	in.Group, in.UID, in.Resource = 0, "", ""
	if err := s.checkEvent(&in); err != nil {
		return nil, err
	}
	e.Subject, e.Start, e.End, e.Updated = in.Subject, in.Start, in.End, s.now()
	if err := s.store.UpdateEvent(ctx, e); err != nil {
		return nil, fmt.Errorf("calendar: update event %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "event updated", "event_id", id, "user_id", actor.ID)
	return s.Event(ctx, actor, id)
}

// DeleteEvent deletes one of the actor's events.
func (s *Service) DeleteEvent(ctx context.Context, actor hanok.Actor, id EventID) error {
	if _, err := s.owned(ctx, actor, id); err != nil {
		return err
	}
	if err := s.store.DeleteEvent(ctx, id); err != nil {
		return fmt.Errorf("calendar: delete event %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "event deleted", "event_id", id, "user_id", actor.ID)
	return nil
}

// Range returns the actor's calendar over [from, to): its events, those of
// its selected groups, and its birthday, each that overlaps the range,
// ordered by start. Times are in the calendar's zone.
func (s *Service) Range(ctx context.Context, actor hanok.Actor, from, to time.Time) ([]Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, hanok.FieldError("to", "must be after from")
	}
	if to.Sub(from) > MaxRange {
		return nil, hanok.FieldError("to", fmt.Sprintf("must be at most %d days after from", MaxRange/(24*time.Hour)))
	}
	events, err := s.store.Events(ctx, actor.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("calendar: events: %w", err)
	}
	b, err := s.store.Birthday(ctx, actor.ID)
	switch {
	case errors.Is(err, ErrNoBirthday):
	case err != nil:
		return nil, fmt.Errorf("calendar: birthday: %w", err)
	default:
		events = append(events, s.birthdays(b, from, to)...)
	}
	for i := range events {
		s.shown(actor, &events[i])
	}
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return events, nil
}

// Month returns the actor's calendar of one month of one year.
func (s *Service) Month(ctx context.Context, actor hanok.Actor, year int, month time.Month) ([]Event, error) {
	if year < 1 || year > 9999 || month < 1 || month > 12 {
		return nil, hanok.FieldError("year_month", "must be a month of the years 1 to 9999")
	}
	from := time.Date(year, month, 1, 0, 0, 0, 0, s.cfg.Location)
	return s.Range(ctx, actor, from, from.AddDate(0, 1, 0))
}

// ThisMonth returns the actor's calendar of the current month.
func (s *Service) ThisMonth(ctx context.Context, actor hanok.Actor) ([]Event, error) {
	y, m, _ := s.now().Date()
	return s.Month(ctx, actor, y, m)
}

// Day returns the actor's calendar of one day: [00:00, 24:00) in the
// calendar's zone.
func (s *Service) Day(ctx context.Context, actor hanok.Actor, d Date) ([]Event, error) {
	if !d.valid() {
		return nil, hanok.FieldError("date", "must be a real date of the years 1 to 9999")
	}
	from := d.In(s.cfg.Location)
	return s.Range(ctx, actor, from, from.AddDate(0, 0, 1))
}

// Days returns the days [from, to) (to exclusive) that an export asks
// for when from or to may be left out: a zero from is the first day of
// the current month, in the calendar's zone, and a zero to is one month
// after from. Range then bounds them (to after from, at most MaxRange
// later).
func (s *Service) Days(from, to Date) (Date, Date) {
	if from == (Date{}) {
		y, m, _ := s.now().Date()
		from = Date{y, m, 1}
	}
	if to == (Date{}) {
		to = DateOf(from.In(time.UTC).AddDate(0, 1, 0))
	}
	return from, to
}

// Today returns the actor's calendar of the current day.
func (s *Service) Today(ctx context.Context, actor hanok.Actor) ([]Event, error) {
	return s.Day(ctx, actor, DateOf(s.now()))
}

// Search returns the events of the actor's calendar whose subject contains
// word, ignoring case, newest first (at most SearchLimit).
func (s *Service) Search(ctx context.Context, actor hanok.Actor, word string) ([]Event, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	word, err := trimmedText("search_word", word, MaxSearchWordLen)
	if err != nil {
		return nil, err
	}
	// The word is folded here, once, by the one fold; the stores compare
	// it with the subject folded the same way (see Store.Search).
	events, err := s.store.Search(ctx, actor.ID, hanok.Fold(word), SearchLimit)
	if err != nil {
		return nil, fmt.Errorf("calendar: search: %w", err)
	}
	for i := range events {
		s.shown(actor, &events[i])
	}
	return events, nil
}

// SelectGroups replaces the groups shown in the actor's calendar. An
// empty ids clears the selection. Every group must exist.
func (s *Service) SelectGroups(ctx context.Context, actor hanok.Actor, ids []GroupID) error {
	if err := actor.Check(); err != nil {
		return err
	}
	if len(ids) > MaxSelection {
		return hanok.FieldError("selected_group", fmt.Sprintf("must name at most %d groups", MaxSelection))
	}
	clean := make([]GroupID, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return ErrSelectionID
		}
		if !slices.Contains(clean, id) {
			clean = append(clean, id)
		}
	}
	if err := s.store.SelectGroups(ctx, actor.ID, clean); err != nil {
		return fmt.Errorf("calendar: select groups: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "groups selected", "user_id", actor.ID, "groups", len(clean))
	return nil
}

// Selection returns the groups the actor selected.
func (s *Service) Selection(ctx context.Context, actor hanok.Actor) ([]GroupID, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	ids, err := s.store.Selection(ctx, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("calendar: selection: %w", err)
	}
	return ids, nil
}

// SetBirthday registers the actor's birthday, replacing the one it had,
// and reports whether it replaced one.
func (s *Service) SetBirthday(ctx context.Context, actor hanok.Actor, d Date) (replaced bool, err error) {
	if err := actor.Check(); err != nil {
		return false, err
	}
	if !d.valid() {
		return false, hanok.FieldError("birthday", "must be a real date of the years 1 to 9999")
	}
	replaced, err = s.store.SetBirthday(ctx, Birthday{User: actor.ID, Email: shownEmail(actor), Date: d, Created: s.now()})
	if err != nil {
		return false, fmt.Errorf("calendar: set birthday: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "birthday set", "user_id", actor.ID, "replaced", replaced)
	return replaced, nil
}

// CreateGroup creates a group of the actor.
func (s *Service) CreateGroup(ctx context.Context, actor hanok.Actor, name string) (*Group, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	name, err := trimmedText("group_name", name, MaxGroupNameLen)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: name, Creator: actor.ID, CreatorEmail: shownEmail(actor), Created: s.now()}
	if err := s.store.CreateGroup(ctx, g); err != nil {
		return nil, fmt.Errorf("calendar: create group: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "group created", "group_id", g.ID, "user_id", actor.ID)
	s.shownGroup(actor, g)
	return g, nil
}

// created returns group id if the actor created it.
func (s *Service) created(ctx context.Context, actor hanok.Actor, id GroupID) (*Group, error) {
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
	if g.Creator != actor.ID {
		return nil, fmt.Errorf("calendar: group %d: %w", id, ErrNotGroupCreator)
	}
	return g, nil
}

// RenameGroup renames one of the actor's groups.
func (s *Service) RenameGroup(ctx context.Context, actor hanok.Actor, id GroupID, name string) (*Group, error) {
	g, err := s.created(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if g.Name, err = trimmedText("group_name", name, MaxGroupNameLen); err != nil {
		return nil, err
	}
	g.Updated = s.now()
	if err := s.store.UpdateGroup(ctx, g); err != nil {
		return nil, fmt.Errorf("calendar: rename group %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "group renamed", "group_id", id, "user_id", actor.ID)
	s.shownGroup(actor, g)
	return g, nil
}

// DeleteGroup deletes one of the actor's groups with all its events; it
// drops out of every selection.
func (s *Service) DeleteGroup(ctx context.Context, actor hanok.Actor, id GroupID) error {
	if _, err := s.created(ctx, actor, id); err != nil {
		return err
	}
	if err := s.store.DeleteGroup(ctx, id); err != nil {
		return fmt.Errorf("calendar: delete group %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "group deleted", "group_id", id, "user_id", actor.ID)
	return nil
}

// MyGroups returns the groups the actor created.
func (s *Service) MyGroups(ctx context.Context, actor hanok.Actor) ([]Group, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	return s.groups(ctx, actor, actor.ID)
}

// AllGroups returns every group, whoever created it. The creators of the
// others' groups are shown by name, never by email.
func (s *Service) AllGroups(ctx context.Context, actor hanok.Actor) ([]Group, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	return s.groups(ctx, actor, 0)
}

func (s *Service) groups(ctx context.Context, actor hanok.Actor, creator auth.UserID) ([]Group, error) {
	gs, err := s.store.Groups(ctx, creator)
	if err != nil {
		return nil, fmt.Errorf("calendar: groups: %w", err)
	}
	for i := range gs {
		s.shownGroup(actor, &gs[i])
	}
	return gs, nil
}

// local puts e's times in the calendar's zone.
func (s *Service) local(e *Event) {
	loc := s.cfg.Location
	e.Start, e.End, e.Created = e.Start.In(loc), e.End.In(loc), e.Created.In(loc)
	if !e.Updated.IsZero() {
		e.Updated = e.Updated.In(loc)
	}
}

func (s *Service) localGroup(g *Group) {
	g.Created = g.Created.In(s.cfg.Location)
	if !g.Updated.IsZero() {
		g.Updated = g.Updated.In(s.cfg.Location)
	}
}
