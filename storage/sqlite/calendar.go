package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// CalendarStore is the calendar.Store of a DB.
type CalendarStore struct{ db *DB }

var _ calendar.Store = (*CalendarStore)(nil)

// Calendar returns the database's calendar store.
func (db *DB) Calendar() *CalendarStore { return &CalendarStore{db: db} }

// maxSeconds is the last second whose unix nanoseconds fit an int64
// (2262-04-11); -maxSeconds is the first (1677-09-21).
const maxSeconds = math.MaxInt64 / int64(time.Second)

// secondNanos returns t, to the second, in unix nanoseconds: the calendar's
// times are whole seconds, stored in the one time convention of every
// table. A time outside the int64 range is clamped to it; the calendar
// refuses such event times, so only the bounds of a query are clamped.
func secondNanos(t time.Time) int64 {
	return min(max(t.Unix(), -maxSeconds), maxSeconds) * int64(time.Second)
}

// secondNanosOrNull is secondNanos(t), or NULL for the zero time.
func secondNanosOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return secondNanos(t)
}

func fromUnixNano(v int64) time.Time { return time.Unix(0, v).UTC() }

func fromNullUnixNano(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromUnixNano(v.Int64)
}

// subjectKey is the case-folded subject that Search matches.
func subjectKey(s string) string { return strings.ToLower(s) }

const groupColumns = `id, name, creator_id, creator_email, created, updated`

func scanGroup(sc scanner) (calendar.Group, error) {
	var g calendar.Group
	var created int64
	var updated sql.NullInt64
	err := sc.Scan(&g.ID, &g.Name, &g.Creator, &g.CreatorEmail, &created, &updated)
	g.Created, g.Updated = fromUnixNano(created), fromNullUnixNano(updated)
	return g, err
}

// CreateGroup implements calendar.Store.
func (s *CalendarStore) CreateGroup(ctx context.Context, g *calendar.Group) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, g.Creator); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_groups (name, creator_id, creator_email, created, updated) VALUES (?, ?, ?, ?, ?)`,
			g.Name, g.Creator, g.CreatorEmail, secondNanos(g.Created), secondNanosOrNull(g.Updated))
		if err != nil {
			return fmt.Errorf("sqlite: insert group: %w", err)
		}
		id, err := res.LastInsertId()
		g.ID = calendar.GroupID(id)
		return err
	})
}

// UpdateGroup implements calendar.Store.
func (s *CalendarStore) UpdateGroup(ctx context.Context, g *calendar.Group) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_groups SET name = ?, updated = ? WHERE id = ?`, g.Name, secondNanosOrNull(g.Updated), g.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return hanok.Errorf(hanok.NotFound, "group %d not found", g.ID)
		}
		return nil
	})
}

// DeleteGroup implements calendar.Store. The group's events and
// selections go with it (ON DELETE CASCADE).
func (s *CalendarStore) DeleteGroup(ctx context.Context, id calendar.GroupID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_groups WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return hanok.Errorf(hanok.NotFound, "group %d not found", id)
		}
		return nil
	})
}

// Group implements calendar.Store.
func (s *CalendarStore) Group(ctx context.Context, id calendar.GroupID) (*calendar.Group, error) {
	g, err := scanGroup(s.db.reader.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM calendar_groups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hanok.Errorf(hanok.NotFound, "group %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select group: %w", err)
	}
	return &g, nil
}

// Groups implements calendar.Store.
func (s *CalendarStore) Groups(ctx context.Context, creator auth.UserID) ([]calendar.Group, error) {
	q, args := `SELECT `+groupColumns+` FROM calendar_groups ORDER BY id`, []any{}
	if creator != 0 {
		q, args = `SELECT `+groupColumns+` FROM calendar_groups WHERE creator_id = ? ORDER BY id`, []any{creator}
	}
	rows, err := s.db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: select groups: %w", err)
	}
	defer rows.Close()
	out := []calendar.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan group: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: select groups: %w", err)
	}
	return out, nil
}

// growSpan records the span of an event in calendar_span.
func growSpan(ctx context.Context, tx *sql.Tx, e *calendar.Event) error {
	span := secondNanos(e.End) - secondNanos(e.Start)
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_span SET max_span = ? WHERE id = 1 AND max_span < ?`, span, span); err != nil {
		return fmt.Errorf("sqlite: record event span: %w", err)
	}
	return nil
}

// CreateEvent implements calendar.Store.
func (s *CalendarStore) CreateEvent(ctx context.Context, e *calendar.Event) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, e.Owner); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_events (uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.UID, e.Owner, e.OwnerEmail, nullID(e.Group), e.Subject, subjectKey(e.Subject), secondNanos(e.Start), secondNanos(e.End), secondNanos(e.Created), secondNanosOrNull(e.Updated))
		if isForeignKey(err) {
			return hanok.Errorf(hanok.NotFound, "group %d not found", e.Group)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert event: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		e.ID = calendar.EventID(id)
		return growSpan(ctx, tx, e)
	})
}

// UpdateEvent implements calendar.Store.
func (s *CalendarStore) UpdateEvent(ctx context.Context, e *calendar.Event) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_events SET subject = ?, subject_key = ?, start_at = ?, end_at = ?, updated = ? WHERE id = ?`,
			e.Subject, subjectKey(e.Subject), secondNanos(e.Start), secondNanos(e.End), secondNanosOrNull(e.Updated), e.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return hanok.Errorf(hanok.NotFound, "event %d not found", e.ID)
		}
		return growSpan(ctx, tx, e)
	})
}

// DeleteEvent implements calendar.Store.
func (s *CalendarStore) DeleteEvent(ctx context.Context, id calendar.EventID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_events WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return hanok.Errorf(hanok.NotFound, "event %d not found", id)
		}
		return nil
	})
}

// eventColumns are the columns scanEvent reads, from calendar_events as e
// joined to calendar_groups as g.
const eventColumns = `e.id, e.uid, e.owner_id, e.owner_email, e.group_id, g.name, e.subject, e.start_at, e.end_at, e.created, e.updated`

func scanEvent(sc scanner) (calendar.Event, error) {
	var e calendar.Event
	var group sql.NullInt64
	var groupName sql.NullString
	var start, end, created int64
	var updated sql.NullInt64
	err := sc.Scan(&e.ID, &e.UID, &e.Owner, &e.OwnerEmail, &group, &groupName, &e.Subject, &start, &end, &created, &updated)
	e.Group, e.GroupName = calendar.GroupID(group.Int64), groupName.String
	e.Start, e.End, e.Created, e.Updated = fromUnixNano(start), fromUnixNano(end), fromUnixNano(created), fromNullUnixNano(updated)
	return e, err
}

// Event implements calendar.Store.
func (s *CalendarStore) Event(ctx context.Context, id calendar.EventID) (*calendar.Event, error) {
	e, err := scanEvent(s.db.reader.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hanok.Errorf(hanok.NotFound, "event %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select event: %w", err)
	}
	return &e, nil
}

// SelectGroups implements calendar.Store.
func (s *CalendarStore) SelectGroups(ctx context.Context, user auth.UserID, ids []calendar.GroupID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, user); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_selections WHERE user_id = ?`, user); err != nil {
			return fmt.Errorf("sqlite: clear selection: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO calendar_selections (user_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlite: prepare selection: %w", err)
		}
		defer stmt.Close()
		for _, id := range ids {
			_, err := stmt.ExecContext(ctx, user, id)
			if isForeignKey(err) {
				return hanok.Errorf(hanok.NotFound, "group %d not found", id)
			}
			if err != nil {
				return fmt.Errorf("sqlite: insert selection: %w", err)
			}
		}
		return nil
	})
}

// Selection implements calendar.Store.
func (s *CalendarStore) Selection(ctx context.Context, user auth.UserID) ([]calendar.GroupID, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT group_id FROM calendar_selections WHERE user_id = ? ORDER BY group_id`, user)
	if err != nil {
		return nil, fmt.Errorf("sqlite: select selection: %w", err)
	}
	defer rows.Close()
	out := []calendar.GroupID{}
	for rows.Next() {
		var id calendar.GroupID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: scan selection: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// eventsQuery selects the events of user ?1's calendar that overlap
// [?3, ?2) (an event of zero length when it starts in the range): its
// own events by (owner_id, start_at), and the events of its selected
// groups by (group_id, start_at). ?4 is ?3 minus the longest
// event span, a lower bound of start_at that keeps both index scans to
// the events near the range.
const eventsQuery = `
SELECT ` + eventColumns + ` FROM (
	SELECT * FROM calendar_events
	WHERE owner_id = ?1 AND start_at < ?2 AND start_at >= ?4 AND (end_at > ?3 OR start_at >= ?3)
	UNION
	SELECT ev.* FROM calendar_selections sel CROSS JOIN calendar_events ev
	WHERE sel.user_id = ?1 AND ev.group_id = sel.group_id AND ev.start_at < ?2 AND ev.start_at >= ?4 AND (ev.end_at > ?3 OR ev.start_at >= ?3)
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at, e.id`

// Events implements calendar.Store.
func (s *CalendarStore) Events(ctx context.Context, user auth.UserID, from, to time.Time) ([]calendar.Event, error) {
	var out []calendar.Event
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		var span int64
		if err := tx.QueryRowContext(ctx, `SELECT max_span FROM calendar_span WHERE id = 1`).Scan(&span); err != nil {
			return fmt.Errorf("sqlite: read event span: %w", err)
		}
		lo, hi := secondNanos(from), secondNanos(to)
		// lo - span, saturated: near the lower bound of the range the
		// difference may not fit an int64. span is never negative.
		earliest := int64(math.MinInt64)
		if lo >= math.MinInt64+span {
			earliest = lo - span
		}
		var err error
		out, err = queryEvents(ctx, tx, eventsQuery, user, hi, lo, earliest)
		return err
	})
	return out, err
}

const searchQuery = `
SELECT ` + eventColumns + ` FROM (
	SELECT * FROM calendar_events
	WHERE owner_id = ?1 AND instr(subject_key, ?2) > 0
	UNION
	SELECT ev.* FROM calendar_selections sel CROSS JOIN calendar_events ev
	WHERE sel.user_id = ?1 AND ev.group_id = sel.group_id AND instr(ev.subject_key, ?2) > 0
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at DESC, e.id DESC
LIMIT ?3`

// Search implements calendar.Store.
func (s *CalendarStore) Search(ctx context.Context, user auth.UserID, word string, limit int) ([]calendar.Event, error) {
	var out []calendar.Event
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryEvents(ctx, tx, searchQuery, user, subjectKey(word), limit)
		return err
	})
	return out, err
}

func queryEvents(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]calendar.Event, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: select events: %w", err)
	}
	defer rows.Close()
	out := []calendar.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scan event: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: select events: %w", err)
	}
	return out, nil
}

// SetBirthday implements calendar.Store.
func (s *CalendarStore) SetBirthday(ctx context.Context, b calendar.Birthday) (bool, error) {
	var replaced bool
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, b.User); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM calendar_birthdays WHERE user_id = ?`, b.User).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: select birthday: %w", err)
		}
		replaced = n > 0
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_birthdays (user_id, email, date, created) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, date = excluded.date, created = excluded.created`,
			b.User, b.Email, b.Date.String(), secondNanos(b.Created))
		if err != nil {
			return fmt.Errorf("sqlite: upsert birthday: %w", err)
		}
		return nil
	})
	return replaced, err
}

// Birthday implements calendar.Store.
func (s *CalendarStore) Birthday(ctx context.Context, user auth.UserID) (*calendar.Birthday, error) {
	b := calendar.Birthday{User: user}
	var date string
	var created int64
	err := s.db.reader.QueryRowContext(ctx, `SELECT email, date, created FROM calendar_birthdays WHERE user_id = ?`, user).Scan(&b.Email, &date, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hanok.Errorf(hanok.NotFound, "no birthday registered")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select birthday: %w", err)
	}
	if b.Date, err = calendar.ParseDate(date); err != nil {
		return nil, fmt.Errorf("sqlite: birthday of user %d: stored date %q: %w", user, date, err)
	}
	b.Created = fromUnixNano(created)
	return &b, nil
}
