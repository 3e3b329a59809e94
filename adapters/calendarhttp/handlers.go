package calendarhttp

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// seedTime is the seed's date form (RFC 1123), with the real offset of
// the calendar's zone instead of a false "GMT".
const seedTime = time.RFC1123Z

// Event is the JSON form of an event, with the seed's field names. Email
// is the owner's email for the owner only, "" for anyone else (a group
// event of another user); OwnerName, the owner's display name
// (calendar.DisplayName), is shown to all.
type Event struct {
	ID        calendar.EventID `json:"id"`
	Subject   string           `json:"subject"`
	Start     string           `json:"sdate"`
	End       string           `json:"edate"`
	Created   string           `json:"created"`
	Updated   *string          `json:"updated"`
	Email     string           `json:"email"`
	OwnerName string           `json:"owner_name"`
	Group     *string          `json:"group"`
	Birthday  *string          `json:"birthday"`
}

// Group is the JSON form of a group, with the seed's field names.
// CreatorEmail is the creator's email for the creator only, "" for
// anyone else; CreatorName, the creator's display name
// (calendar.DisplayName), is shown to all.
type Group struct {
	ID           calendar.GroupID `json:"id"`
	Name         string           `json:"name"`
	CreatorEmail string           `json:"creator_email"`
	CreatorName  string           `json:"creator_name"`
	Created      string           `json:"created"`
	Updated      *string          `json:"updated"`
}

// Token is the data of a successful sign-in.
type Token struct {
	Token string `json:"token"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(seedTime)
	return &s
}

func eventJSON(e calendar.Event) Event {
	out := Event{
		ID: e.ID, Subject: e.Subject, Email: e.OwnerEmail, OwnerName: e.OwnerName,
		Start: e.Start.Format(seedTime), End: e.End.Format(seedTime),
		Created: e.Created.Format(seedTime), Updated: optTime(e.Updated),
	}
	if e.Group != 0 {
		g := strconv.FormatInt(int64(e.Group), 10)
		out.Group = &g
	}
	if e.Birthday != nil {
		one := "1"
		out.Birthday = &one
	}
	return out
}

func eventsJSON(es []calendar.Event) []Event {
	out := make([]Event, len(es))
	for i, e := range es {
		out[i] = eventJSON(e)
	}
	return out
}

func groupJSON(g calendar.Group) Group {
	return Group{
		ID: g.ID, Name: g.Name, CreatorEmail: g.CreatorEmail, CreatorName: g.CreatorName,
		Created: g.Created.Format(seedTime), Updated: optTime(g.Updated),
	}
}

// signIn creates the user of an unknown email, or signs in the user of a
// known one when the password matches (auth.Service.SignInByEmail).
func (h *handler) signIn(w http.ResponseWriter, r *http.Request) error {
	in, err := httpx.DecodeJSON[struct {
		Email    string `json:"useremail"`
		Password string `json:"password"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	s, created, err := h.authn.SignInByEmail(r.Context(), auth.EmailSignIn{Email: in.Email, Password: in.Password, ClientAddr: httpx.ClientAddr(r)})
	switch {
	case hanok.IsCode(err, hanok.Unauthenticated):
		write(w, CodeUnauthorized, "UNAUTHORIZED REQUEST: wrong password", nil)
	case err != nil:
		return httpx.RenameField(err, "email", "useremail")
	case created:
		ok(w, Token{s.Token})
	default:
		write(w, CodeUserExists, "USER ID EXIST", Token{s.Token})
	}
	return nil
}

func (h *handler) selectGroups(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	in, err := httpx.DecodeJSON[struct {
		Selected *string `json:"selected_group"`
	}](w, r, maxBody)
	if err == nil && in.Selected == nil {
		err = hanok.FieldError("selected_group", `is required ("0" clears the selection)`)
	}
	if err != nil {
		return err
	}
	ids, err := calendar.ParseSelection(*in.Selected)
	if err != nil {
		return hanok.FieldError("selected_group", err.Error())
	}
	if err := h.svc.SelectGroups(r.Context(), actor, ids); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// events answers with es, or returns err.
func events(w http.ResponseWriter, es []calendar.Event, err error) error {
	if err != nil {
		return err
	}
	writeEvents(w, es)
	return nil
}

func (h *handler) thisMonth(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	es, err := h.svc.ThisMonth(r.Context(), actor)
	return events(w, es, err)
}

// query returns the query parameter name, or an error naming it when it
// is missing.
func query(r *http.Request, name string) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return "", hanok.FieldError(name, "is required")
	}
	return v, nil
}

func (h *handler) month(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	v, err := query(r, "year_month")
	if err != nil {
		return err
	}
	y, m, err := calendar.ParseYearMonth(v)
	if err != nil {
		return hanok.FieldError("year_month", err.Error())
	}
	es, err := h.svc.Month(r.Context(), actor, y, m)
	return events(w, es, err)
}

func (h *handler) today(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	es, err := h.svc.Today(r.Context(), actor)
	return events(w, es, err)
}

// dateParam reads a date query parameter.
func dateParam(r *http.Request, name string) (calendar.Date, error) {
	v, err := query(r, name)
	if err != nil {
		return calendar.Date{}, err
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		return calendar.Date{}, hanok.FieldError(name, err.Error())
	}
	return d, nil
}

func (h *handler) date(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	d, err := dateParam(r, "date")
	if err != nil {
		return err
	}
	es, err := h.svc.Day(r.Context(), actor, d)
	return events(w, es, err)
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	word, err := query(r, "search_word")
	if err != nil {
		return err
	}
	es, err := h.svc.Search(r.Context(), actor, word)
	return events(w, es, err)
}

// eventBody is the body of the event routes.
type eventBody struct {
	Start   string `json:"sdate"`
	End     string `json:"edate"`
	Subject string `json:"subject"`
	EventID int64  `json:"event_id"`
	GroupID int64  `json:"group_id"`
}

// input converts the body's fields to an EventInput, with errors that
// name the field.
func (h *handler) input(b eventBody) (calendar.EventInput, error) {
	in := calendar.EventInput{Subject: b.Subject, Group: calendar.GroupID(b.GroupID)}
	for _, f := range []struct {
		name, value string
		to          *time.Time
	}{{"sdate", b.Start, &in.Start}, {"edate", b.End, &in.End}} {
		if strings.TrimSpace(f.value) == "" {
			return in, hanok.FieldError(f.name, "is required")
		}
		t, err := calendar.ParseLocalTime(f.value, h.svc.Location())
		if err != nil {
			return in, hanok.FieldError(f.name, err.Error())
		}
		*f.to = t
	}
	return in, nil
}

func (h *handler) decodeEvent(w http.ResponseWriter, r *http.Request) (eventBody, calendar.EventInput, error) {
	b, err := httpx.DecodeJSON[eventBody](w, r, maxBody)
	if err != nil {
		return b, calendar.EventInput{}, err
	}
	in, err := h.input(b)
	return b, in, err
}

func (h *handler) createEvent(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	_, in, err := h.decodeEvent(w, r)
	if err != nil {
		return err
	}
	in.Group = 0
	e, err := h.svc.CreateEvent(r.Context(), actor, in)
	if err != nil {
		return err
	}
	ok(w, eventJSON(*e))
	return nil
}

func (h *handler) createGroupEvent(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, in, err := h.decodeEvent(w, r)
	if err != nil {
		return err
	}
	e, err := h.svc.CreateGroupEvent(r.Context(), actor, calendar.GroupID(b.GroupID), in)
	if err != nil {
		return err
	}
	ok(w, eventJSON(*e))
	return nil
}

func (h *handler) updateEvent(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, in, err := h.decodeEvent(w, r)
	if err != nil {
		return err
	}
	e, err := h.svc.UpdateEvent(r.Context(), actor, calendar.EventID(b.EventID), in)
	if err != nil {
		return err
	}
	ok(w, eventJSON(*e))
	return nil
}

func (h *handler) deleteEvent(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, err := httpx.DecodeJSON[struct {
		EventID int64 `json:"event_id"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteEvent(r.Context(), actor, calendar.EventID(b.EventID)); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

func (h *handler) birthday(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, err := httpx.DecodeJSON[struct {
		Birthday string `json:"birthday"`
		// Misspelt is the seed document's example spelling.
		Misspelt string `json:"brithday"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	v := b.Birthday
	if strings.TrimSpace(v) == "" {
		v = b.Misspelt
	}
	if strings.TrimSpace(v) == "" {
		return hanok.FieldError("birthday", "is required")
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		return hanok.FieldError("birthday", err.Error())
	}
	replaced, err := h.svc.SetBirthday(r.Context(), actor, d)
	if err != nil {
		return err
	}
	if replaced {
		write(w, CodeBirthdayExists, "USER BIRTHDAY EXIST", nil)
		return nil
	}
	ok(w, nil)
	return nil
}

// groupBody is the body of the group routes. Ids are checked by the
// Service (calendar.ErrGroupID, ErrEventID), not here.
type groupBody struct {
	ID   int64  `json:"group_id"`
	Name string `json:"group_name"`
}

func (h *handler) createGroup(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, err := httpx.DecodeJSON[groupBody](w, r, maxBody)
	if err != nil {
		return err
	}
	g, err := h.svc.CreateGroup(r.Context(), actor, b.Name)
	if err != nil {
		return err
	}
	ok(w, groupJSON(*g))
	return nil
}

func (h *handler) renameGroup(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, err := httpx.DecodeJSON[groupBody](w, r, maxBody)
	if err != nil {
		return err
	}
	g, err := h.svc.RenameGroup(r.Context(), actor, calendar.GroupID(b.ID), b.Name)
	if err != nil {
		return err
	}
	ok(w, groupJSON(*g))
	return nil
}

func (h *handler) deleteGroup(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	b, err := httpx.DecodeJSON[groupBody](w, r, maxBody)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteGroup(r.Context(), actor, calendar.GroupID(b.ID)); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// groups answers with gs, or returns err.
func groups(w http.ResponseWriter, gs []calendar.Group, err error) error {
	if err != nil {
		return err
	}
	out := make([]Group, len(gs))
	for i, g := range gs {
		out[i] = groupJSON(g)
	}
	ok(w, out)
	return nil
}

func (h *handler) myGroups(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	gs, err := h.svc.MyGroups(r.Context(), actor)
	return groups(w, gs, err)
}

func (h *handler) allGroups(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	gs, err := h.svc.AllGroups(r.Context(), actor)
	return groups(w, gs, err)
}

// optionalDate reads a date query parameter that may be left out: the
// zero Date when it is.
func optionalDate(r *http.Request, name string) (calendar.Date, error) {
	if strings.TrimSpace(r.URL.Query().Get(name)) == "" {
		return calendar.Date{}, nil
	}
	return dateParam(r, name)
}

// ics serves the actor's calendar over [from, to) (dates, to exclusive)
// as iCalendar; both are optional (calendar.Service.Days: this month by
// default).
func (h *handler) ics(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	from, err := optionalDate(r, "from")
	if err != nil {
		return err
	}
	to, err := optionalDate(r, "to")
	if err != nil {
		return err
	}
	from, to = h.svc.Days(from, to)
	loc := h.svc.Location()
	es, err := h.svc.Range(r.Context(), actor, from.In(loc), to.In(loc))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="calendar-%s.ics"`, from))
	if err := h.svc.WriteICS(w, es); err != nil {
		h.logger.ErrorContext(r.Context(), "writing ics", "err", err)
	}
	return nil
}
