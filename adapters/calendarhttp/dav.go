package calendarhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// CalDAV (RFC 4791) at /dav/, served by go-webdav's caldav package over
// the same Service as the API, so that an event added through either
// shows in the other at once. The layout under the mount prefix:
//
//	/dav/                                  root (current-user-principal)
//	/dav/<user id>/                        the user's principal
//	/dav/<user id>/calendars/              its calendar-home-set
//	/dav/<user id>/calendars/personal/     its own events and its birthday
//	/dav/<user id>/calendars/group-<id>/   each group it selected
//	.../<name>                             one event: <UID>.ics, or the name
//	                                       its client chose when it made it
//
// A user's own events in no group (or in a group it did not select) are
// in "personal"; the events of each selected group, whoever added them,
// are in that group's calendar, so that every event of the month view is
// in exactly one calendar. Anyone may add events to a group; only an
// event's owner may change or delete it (403 otherwise). The birthday is
// one yearly VEVENT in "personal", read-only (it is set through the API).
//
// Authentication is HTTP Basic with the account's email (or username)
// and an app password (auth.Service.CheckAppPassword), never the
// account's password.

// davPath is the path of the DAV tree under the mount prefix.
const davPath = "/dav"

// personal is the name of a user's own calendar.
const personal = "personal"

// davMaxBody is the largest CalDAV request body accepted (and the
// calendars' max-resource-size).
const davMaxBody = 1 << 20

// davRealm is the realm of the Basic challenge.
const davRealm = "hanok calendar"

type davKey struct{}

// davRequest is what the backend knows of the request it serves.
type davRequest struct {
	actor hanok.Actor
	// base is the DAV tree's path as the client sees it
	// ("/calendar/dav").
	base string
	// ifMatch is the request's If-Match, which go-webdav does not hand
	// to DeleteCalendarObject.
	ifMatch webdav.ConditionalMatch
}

func davFrom(ctx context.Context) *davRequest {
	d, _ := ctx.Value(davKey{}).(*davRequest)
	return d
}

// dav serves the CalDAV tree: it authenticates the request, then hands it
// to go-webdav with the path the client sees (the mount prefix put back),
// since go-webdav answers with hrefs made of request paths.
func (h *handler) dav(w http.ResponseWriter, r *http.Request) {
	email, password, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+davRealm+`", charset="UTF-8"`)
		http.Error(w, "authentication required: your email and an app password", http.StatusUnauthorized)
		return
	}
	u, err := h.authn.CheckAppPassword(r.Context(), auth.LoginInput{Username: email, Password: password, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		status, detail := httpx.Report(w, r, h.logger, err)
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+davRealm+`", charset="UTF-8"`)
		}
		http.Error(w, detail, status)
		return
	}
	if info := httpx.RequestInfoFrom(r.Context()); info != nil {
		info.UserID = u.ID
	}
	r.Body = http.MaxBytesReader(w, r.Body, davMaxBody)
	prefix := httpx.MountPrefix(r)
	base := prefix + davPath
	r2 := r.Clone(context.WithValue(r.Context(), davKey{}, &davRequest{
		actor: u.Actor(), base: base, ifMatch: webdav.ConditionalMatch(r.Header.Get("If-Match")),
	}))
	r2.URL.Path = prefix + r.URL.Path
	r2.URL.RawPath = ""
	backend := &davBackend{h: h}
	dw := &davWriter{ResponseWriter: w, r: r, h: h}
	if backend.serveSync(dw, r2) {
		return
	}
	(&caldav.Handler{Backend: backend, Prefix: base}).ServeHTTP(dw, r2)
}

// davWriter keeps the cause of a go-webdav 500 out of the response: its
// body would be the error's text.
type davWriter struct {
	http.ResponseWriter
	r           *http.Request
	h           *handler
	suppressing bool
}

func (d *davWriter) WriteHeader(status int) {
	if status == http.StatusInternalServerError && d.Header().Get("Content-Type") == "text/plain; charset=utf-8" {
		d.suppressing = true
		d.Header().Set("Content-Type", "text/plain; charset=utf-8")
		d.ResponseWriter.WriteHeader(status)
		fmt.Fprintf(d.ResponseWriter, "internal error (request id %s)\n", httpx.RequestIDFrom(d.r.Context()))
		return
	}
	d.ResponseWriter.WriteHeader(status)
}

func (d *davWriter) Write(b []byte) (int, error) {
	if d.suppressing {
		d.h.logger.ErrorContext(d.r.Context(), "caldav", "err", strings.TrimSpace(string(b)))
		return len(b), nil
	}
	return d.ResponseWriter.Write(b)
}

// davError turns a hanok error into the HTTP error go-webdav serves: its
// status by the one code table, its client-safe words as the body. An
// internal error is logged and answered with the request's id only.
func (b *davBackend) davError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, calendar.ErrEventChanged) {
		return davStatus(http.StatusPreconditionFailed, "%s", hanok.MessageOf(err))
	}
	var he *hanok.Error
	if !errors.As(err, &he) || hanok.CodeOf(err) == hanok.Internal {
		b.h.logger.ErrorContext(ctx, "caldav", "err", err)
		return webdav.NewHTTPError(http.StatusInternalServerError, fmt.Errorf("internal error (request id %s)", httpx.RequestIDFrom(ctx)))
	}
	return webdav.NewHTTPError(httpx.Status(he.Code), errors.New(hanok.MessageOf(err)))
}

func davStatus(status int, format string, args ...any) error {
	return webdav.NewHTTPError(status, fmt.Errorf(format, args...))
}

// davBackend is the caldav.Backend over the calendar Service.
type davBackend struct{ h *handler }

var _ caldav.Backend = (*davBackend)(nil)

func (b *davBackend) req(ctx context.Context) (*davRequest, error) {
	d := davFrom(ctx)
	if d == nil {
		return nil, davStatus(http.StatusUnauthorized, "not signed in")
	}
	return d, nil
}

func (d *davRequest) principal() string {
	return d.base + "/" + strconv.FormatInt(int64(d.actor.ID), 10) + "/"
}

func (d *davRequest) home() string { return d.principal() + "calendars/" }

func (d *davRequest) calendarPath(name string) string { return d.home() + name + "/" }

func (d *davRequest) objectPath(calendarName, resource string) string {
	return d.calendarPath(calendarName) + url.PathEscape(resource)
}

// CurrentUserPrincipal implements webdav.UserPrincipalBackend.
func (b *davBackend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	d, err := b.req(ctx)
	if err != nil {
		return "", err
	}
	return d.principal(), nil
}

// CalendarHomeSetPath implements caldav.Backend.
func (b *davBackend) CalendarHomeSetPath(ctx context.Context) (string, error) {
	d, err := b.req(ctx)
	if err != nil {
		return "", err
	}
	return d.home(), nil
}

// CreateCalendar implements caldav.Backend: calendars are the user's own
// and its groups', made through the API.
func (b *davBackend) CreateCalendar(context.Context, *caldav.Calendar) error {
	return davStatus(http.StatusForbidden, "calendars are not made over CalDAV: create a group through the API and select it")
}

// collection is a calendar of the user: its own (group 0) or a group's.
type collection struct {
	name  string
	group calendar.GroupID
}

func groupCollection(id calendar.GroupID) collection {
	return collection{name: "group-" + strconv.FormatInt(int64(id), 10), group: id}
}

// parseCollection reads the calendar name of a path.
func parseCollection(name string) (collection, bool) {
	if name == personal {
		return collection{name: personal}, true
	}
	raw, ok := strings.CutPrefix(name, "group-")
	if !ok {
		return collection{}, false
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
		return collection{}, false
	}
	return groupCollection(calendar.GroupID(id)), true
}

// resolve splits a calendar or object path into its calendar and its
// resource name ("" for the calendar itself), checking that it is under the
// actor's home and that a group calendar is one the actor selected.
func (b *davBackend) resolve(ctx context.Context, p string) (*davRequest, collection, string, error) {
	d, err := b.req(ctx)
	if err != nil {
		return nil, collection{}, "", err
	}
	rest, ok := strings.CutPrefix(p, d.home())
	if !ok {
		return nil, collection{}, "", davStatus(http.StatusNotFound, "not found")
	}
	name, file, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	c, ok := parseCollection(name)
	if !ok || strings.Contains(file, "/") {
		return nil, collection{}, "", davStatus(http.StatusNotFound, "no calendar %q", name)
	}
	if c.group != 0 {
		sel, err := b.h.svc.Selection(ctx, d.actor)
		if err != nil {
			return nil, collection{}, "", b.davError(ctx, err)
		}
		if !slices.Contains(sel, c.group) {
			return nil, collection{}, "", davStatus(http.StatusNotFound, "no calendar %q: select the group to see it", name)
		}
	}
	if file == "" {
		return d, c, "", nil
	}
	if calendar.CheckResource(file) != nil {
		return nil, collection{}, "", davStatus(http.StatusNotFound, "not found")
	}
	return d, c, file, nil
}

// in reports whether e belongs to calendar c of a user who selected sel.
func (c collection) holds(e calendar.Event, actor hanok.Actor, sel []calendar.GroupID) bool {
	if c.group != 0 {
		return e.Group == c.group
	}
	return e.Owner == actor.ID && (e.Group == 0 || !slices.Contains(sel, e.Group))
}

// ListCalendars implements caldav.Backend: the user's own calendar and
// one per selected group.
func (b *davBackend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	d, err := b.req(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := b.h.svc.Selection(ctx, d.actor)
	if err != nil {
		return nil, b.davError(ctx, err)
	}
	out := []caldav.Calendar{b.calendarOf(d, collection{name: personal}, "")}
	if len(sel) == 0 {
		return out, nil
	}
	groups, err := b.h.svc.AllGroups(ctx, d.actor)
	if err != nil {
		return nil, b.davError(ctx, err)
	}
	for _, g := range groups {
		if slices.Contains(sel, g.ID) {
			out = append(out, b.calendarOf(d, groupCollection(g.ID), g.Name))
		}
	}
	return out, nil
}

func (b *davBackend) calendarOf(d *davRequest, c collection, groupName string) caldav.Calendar {
	cal := caldav.Calendar{
		Path:                  d.calendarPath(c.name),
		SupportedComponentSet: []string{ical.CompEvent},
		MaxResourceSize:       davMaxBody,
	}
	if c.group == 0 {
		cal.Name = "hanok"
		cal.Description = "My events and my birthday"
	} else {
		cal.Name = groupName
		cal.Description = "Events of the group " + groupName + " (anyone may add; only the author may change or delete)"
	}
	return cal
}

// GetCalendar implements caldav.Backend.
func (b *davBackend) GetCalendar(ctx context.Context, p string) (*caldav.Calendar, error) {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, davStatus(http.StatusNotFound, "not a calendar")
	}
	groupName := ""
	if c.group != 0 {
		g, err := b.h.svc.Group(ctx, d.actor, c.group)
		if err != nil {
			return nil, b.davError(ctx, err)
		}
		groupName = g.Name
	}
	cal := b.calendarOf(d, c, groupName)
	return &cal, nil
}

// object is the CalDAV resource of an event.
func (b *davBackend) object(ctx context.Context, d *davRequest, c collection, e calendar.Event) (caldav.CalendarObject, error) {
	var buf bytes.Buffer
	if err := b.h.svc.WriteObject(&buf, e); err != nil {
		return caldav.CalendarObject{}, b.davError(ctx, err)
	}
	size := int64(buf.Len())
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		return caldav.CalendarObject{}, b.davError(ctx, fmt.Errorf("calendarhttp: decode own object: %w", err))
	}
	mod := e.Updated
	if mod.IsZero() {
		mod = e.Created
	}
	return caldav.CalendarObject{
		Path: d.objectPath(c.name, e.Resource), ModTime: mod, ContentLength: size,
		ETag: calendar.ETag(e), Data: cal,
	}, nil
}

// events returns the events of calendar c overlapping [from, to) (zero:
// open), the birthday among them for the personal calendar.
func (b *davBackend) events(ctx context.Context, d *davRequest, c collection, from, to time.Time) ([]calendar.Event, error) {
	all, err := b.h.svc.Collection(ctx, d.actor, from, to)
	if err != nil {
		return nil, b.davError(ctx, err)
	}
	var sel []calendar.GroupID
	if c.group == 0 {
		if sel, err = b.h.svc.Selection(ctx, d.actor); err != nil {
			return nil, b.davError(ctx, err)
		}
	}
	var out []calendar.Event
	for _, e := range all {
		if c.holds(e, d.actor, sel) {
			out = append(out, e)
		}
	}
	if c.group == 0 {
		bd, err := b.h.svc.Birthday(ctx, d.actor)
		switch {
		case errors.Is(err, calendar.ErrNoBirthday):
		case err != nil:
			return nil, b.davError(ctx, err)
		case b.h.svc.BirthdayOverlaps(bd, from, to):
			out = append(out, *bd)
		}
	}
	return out, nil
}

func (b *davBackend) objects(ctx context.Context, d *davRequest, c collection, es []calendar.Event) ([]caldav.CalendarObject, error) {
	out := make([]caldav.CalendarObject, 0, len(es))
	for _, e := range es {
		o, err := b.object(ctx, d, c, e)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// birthdayResource is the resource name of the actor's birthday.
func birthdayResource(d *davRequest) string { return calendar.BirthdayUID(d.actor.ID) + ".ics" }

// find returns the event of calendar c whose resource is name, or nil.
func (b *davBackend) find(ctx context.Context, d *davRequest, c collection, name string) (*calendar.Event, error) {
	if c.group == 0 && name == birthdayResource(d) {
		bd, err := b.h.svc.Birthday(ctx, d.actor)
		if errors.Is(err, calendar.ErrNoBirthday) {
			return nil, nil
		}
		return bd, b.davError(ctx, err)
	}
	es, err := b.h.svc.ByResource(ctx, d.actor, name)
	if err != nil {
		return nil, b.davError(ctx, err)
	}
	var sel []calendar.GroupID
	if c.group == 0 {
		if sel, err = b.h.svc.Selection(ctx, d.actor); err != nil {
			return nil, b.davError(ctx, err)
		}
	}
	for _, e := range es {
		if c.holds(e, d.actor, sel) {
			return &e, nil
		}
	}
	return nil, nil
}

// GetCalendarObject implements caldav.Backend.
func (b *davBackend) GetCalendarObject(ctx context.Context, p string, _ *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, davStatus(http.StatusNotFound, "not an event")
	}
	e, err := b.find(ctx, d, c, name)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, davStatus(http.StatusNotFound, "no event %q", name)
	}
	o, err := b.object(ctx, d, c, *e)
	return &o, err
}

// ListCalendarObjects implements caldav.Backend.
func (b *davBackend) ListCalendarObjects(ctx context.Context, p string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, davStatus(http.StatusNotFound, "not a calendar")
	}
	es, err := b.events(ctx, d, c, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	return b.objects(ctx, d, c, es)
}

// QueryCalendarObjects implements caldav.Backend. The time range of a
// VEVENT filter is answered by the calendar's own overlap rule (the one
// of the month view: start < end of range and end > start of range, an
// event of zero length by its start), so that the REPORT and the month
// view agree; what else the filter asks (a text match on UID, say) is
// matched by go-webdav on those events.
func (b *davBackend) QueryCalendarObjects(ctx context.Context, p string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, davStatus(http.StatusNotFound, "not a calendar")
	}
	var from, to time.Time
	rest := q.CompFilter
	if rest.Name != "" && rest.Name != ical.CompCalendar {
		return nil, nil
	}
	rest.Comps = slices.Clone(rest.Comps)
	for i, f := range rest.Comps {
		if f.Name != ical.CompEvent {
			if !f.IsNotDefined {
				// Only events live here: a filter for to-dos matches none.
				return nil, nil
			}
			continue
		}
		if f.IsNotDefined {
			return nil, nil
		}
		from, to = f.Start, f.End
		rest.Comps[i].Start, rest.Comps[i].End = time.Time{}, time.Time{}
	}
	es, err := b.events(ctx, d, c, from, to)
	if err != nil {
		return nil, err
	}
	objs, err := b.objects(ctx, d, c, es)
	if err != nil {
		return nil, err
	}
	out, err := caldav.Filter(&caldav.CalendarQuery{CompFilter: rest}, objs)
	if err != nil {
		return nil, davStatus(http.StatusBadRequest, "filter: %v", err)
	}
	return out, nil
}

// PutCalendarObject implements caldav.Backend: it creates or replaces
// the event named by the path's UID, honouring If-Match (a stale ETag is
// 412 and changes nothing) and If-None-Match: *.
func (b *davBackend) PutCalendarObject(ctx context.Context, p string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, davStatus(http.StatusMethodNotAllowed, "PUT an event into a calendar, as <UID>.ics")
	}
	if c.group == 0 && name == birthdayResource(d) {
		return nil, davStatus(http.StatusForbidden, "the birthday is read-only here: set it through the API")
	}
	in, dropped, err := b.h.eventFromICS(cal)
	if err != nil {
		return nil, err
	}
	// One PUT of a user at a time on this server, so that two creations
	// of one resource (both If-None-Match: *) do not both find it absent.
	// Changes of an existing event are safe without it (UpdateEventIf).
	unlock := b.h.davWrites.lock(d.actor.ID)
	defer unlock()
	old, err := b.find(ctx, d, c, name)
	if err != nil {
		return nil, err
	}
	if err := precondition(opts.IfMatch, opts.IfNoneMatch, old); err != nil {
		return nil, err
	}
	var e *calendar.Event
	if old != nil {
		if old.Owner != d.actor.ID {
			return nil, b.davError(ctx, calendar.ErrNotYourEvent)
		}
		if old.UID != in.UID {
			return nil, caldav.NewPreconditionError(caldav.PreconditionNoUIDConflict)
		}
		// Only if it is still the event the preconditions were checked
		// against: a change that came between is never overwritten.
		e, err = b.h.svc.UpdateEventIf(ctx, d.actor, old, in)
	} else {
		// The same UID in another resource of the user would be two
		// resources of one event.
		same, lookErr := b.h.svc.ByUID(ctx, d.actor, in.UID)
		if lookErr != nil {
			return nil, b.davError(ctx, lookErr)
		}
		if slices.ContainsFunc(same, func(e calendar.Event) bool { return e.Owner == d.actor.ID }) {
			return nil, caldav.NewPreconditionError(caldav.PreconditionNoUIDConflict)
		}
		in.Resource = name
		if c.group != 0 {
			e, err = b.h.svc.CreateGroupEvent(ctx, d.actor, c.group, in)
		} else {
			e, err = b.h.svc.CreateEvent(ctx, d.actor, in)
		}
	}
	if err != nil {
		return nil, b.davError(ctx, err)
	}
	o, err := b.object(ctx, d, c, *e)
	if err != nil {
		return nil, err
	}
	if len(dropped) > 0 {
		b.h.logger.InfoContext(ctx, "caldav: stored the event without what hanok cannot hold",
			"event_id", e.ID, "user_id", d.actor.ID, "dropped", strings.Join(dropped, ","))
		// RFC 4791 5.3.4: no ETag when what is stored is not what was
		// sent, so that the client fetches it.
		o.ETag = ""
	}
	return &o, nil
}

// precondition checks If-Match and If-None-Match against the current
// event (nil: none).
func precondition(ifMatch, ifNoneMatch webdav.ConditionalMatch, cur *calendar.Event) error {
	if ifNoneMatch.IsSet() {
		if ifNoneMatch.IsWildcard() && cur != nil {
			return davStatus(http.StatusPreconditionFailed, "the event exists (If-None-Match: *)")
		}
		if !ifNoneMatch.IsWildcard() && cur != nil {
			if tag, err := ifNoneMatch.ETag(); err == nil && tag == calendar.ETag(*cur) {
				return davStatus(http.StatusPreconditionFailed, "the event has that ETag (If-None-Match)")
			}
		}
	}
	if ifMatch.IsSet() {
		if cur == nil {
			return davStatus(http.StatusPreconditionFailed, "no such event (If-Match)")
		}
		if ifMatch.IsWildcard() {
			return nil
		}
		tag, err := ifMatch.ETag()
		if err != nil {
			return davStatus(http.StatusBadRequest, "malformed If-Match")
		}
		if tag != calendar.ETag(*cur) {
			return davStatus(http.StatusPreconditionFailed, "the event changed since that ETag: fetch it again")
		}
	}
	return nil
}

// DeleteCalendarObject implements caldav.Backend, honouring If-Match.
func (b *davBackend) DeleteCalendarObject(ctx context.Context, p string) error {
	d, c, name, err := b.resolve(ctx, p)
	if err != nil {
		return err
	}
	if name == "" {
		return davStatus(http.StatusForbidden, "calendars are not deleted over CalDAV")
	}
	if c.group == 0 && name == birthdayResource(d) {
		return davStatus(http.StatusForbidden, "the birthday is read-only here: set it through the API")
	}
	e, err := b.find(ctx, d, c, name)
	if err != nil {
		return err
	}
	if e == nil {
		return davStatus(http.StatusNotFound, "no event %q", name)
	}
	if err := precondition(d.ifMatch, "", e); err != nil {
		return err
	}
	return b.davError(ctx, b.h.svc.DeleteEventIf(ctx, d.actor, e))
}

// userLocks is one mutex per user, made on first use.
type userLocks struct{ m sync.Map }

// lock locks user's mutex and returns its unlock.
func (l *userLocks) lock(user hanok.UserID) func() {
	v, _ := l.m.LoadOrStore(user, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
