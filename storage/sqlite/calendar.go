package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
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

// The calendar's times are stored by the one time pair of every table,
// nanos and fromNanos (INTEGER unix nanoseconds, NULL for none). An int64
// of nanoseconds holds the instants of 1677-09-21 to 2262-04-11 only:
// that is why calendar.MinEventYear and MaxEventYear bound every event's
// times, so that nanos never meets a time it cannot hold. The bounds of a
// query are not bounded so (a month of the year 9999 may be asked for):
// boundNanos clamps them.

// minBound and maxBound are the first and the last instant whose unix
// nanoseconds fit an int64.
var (
	minBound = time.Unix(0, math.MinInt64)
	maxBound = time.Unix(0, math.MaxInt64)
)

// boundNanos is t in unix nanoseconds, clamped to what an int64 holds:
// the bound of a query, which may lie beyond every stored time. Clamping
// keeps the query's answer, since no stored time lies beyond the clamp.
func boundNanos(t time.Time) int64 {
	switch {
	case t.Before(minBound):
		return math.MinInt64
	case t.After(maxBound):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// subjectKey is the folded subject that Search matches: kept in the
// subject_key column, written with the subject, so that the search folds
// no row at query time; the Service folds the word by the same fold.
func subjectKey(s string) string { return hanok.Fold(s) }

const groupColumns = `id, name, creator_id, creator_email, created, updated`

func scanGroup(sc scanner) (calendar.Group, error) {
	var g calendar.Group
	var created, updated sql.NullInt64
	err := sc.Scan(&g.ID, &g.Name, &g.Creator, &g.CreatorEmail, &created, &updated)
	g.Created, g.Updated = fromNanos(created), fromNanos(updated)
	return g, err
}

// CreateGroup implements calendar.Store.
func (s *CalendarStore) CreateGroup(ctx context.Context, g *calendar.Group) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, g.Creator); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_groups (name, creator_id, creator_email, created, updated) VALUES (?, ?, ?, ?, ?)`,
			g.Name, g.Creator, g.CreatorEmail, nanos(g.Created), nanos(g.Updated))
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
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_groups SET name = ?, updated = ? WHERE id = ?`, g.Name, nanos(g.Updated), g.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calendar.GroupNotFound(g.ID)
		}
		return nil
	})
}

// DeleteGroup implements calendar.Store. The group's events and
// selections go with it (ON DELETE CASCADE).
func (s *CalendarStore) DeleteGroup(ctx context.Context, id calendar.GroupID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_groups WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete group: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calendar.GroupNotFound(id)
		}
		return nil
	})
}

// Group implements calendar.Store.
func (s *CalendarStore) Group(ctx context.Context, id calendar.GroupID) (*calendar.Group, error) {
	g, err := scanGroup(s.db.reader.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM calendar_groups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, calendar.GroupNotFound(id)
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
	return collect("select groups", rows, err, scanGroup)
}

// growSpan records the span of an event in calendar_span.
func growSpan(ctx context.Context, tx *sql.Tx, e *calendar.Event) error {
	span := e.End.UnixNano() - e.Start.UnixNano()
	if _, err := tx.ExecContext(ctx, `UPDATE calendar_span SET max_span = ? WHERE id = 1 AND max_span < ?`, span, span); err != nil {
		return fmt.Errorf("sqlite: record event span: %w", err)
	}
	return nil
}

// CreateEvent implements calendar.Store.
func (s *CalendarStore) CreateEvent(ctx context.Context, e *calendar.Event) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, e.Owner); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO calendar_events (uid, resource, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.UID, resourceColumn(e), e.Owner, e.OwnerEmail, nullID(e.Group), e.Subject, subjectKey(e.Subject), nanos(e.Start), nanos(e.End), nanos(e.Created), nanos(e.Updated))
		if isForeignKey(err) {
			return calendar.GroupNotFound(e.Group)
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
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_events SET subject = ?, subject_key = ?, start_at = ?, end_at = ?, updated = ? WHERE id = ?`,
			e.Subject, subjectKey(e.Subject), nanos(e.Start), nanos(e.End), nanos(e.Updated), e.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calendar.EventNotFound(e.ID)
		}
		return growSpan(ctx, tx, e)
	})
}

// DeleteEvent implements calendar.Store.
func (s *CalendarStore) DeleteEvent(ctx context.Context, id calendar.EventID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_events WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calendar.EventNotFound(id)
		}
		return nil
	})
}

// eventColumns are the columns scanEvent reads, from calendar_events as e
// joined to calendar_groups as g.
const eventColumns = `e.id, e.uid, e.resource, e.owner_id, e.owner_email, e.group_id, g.name, e.subject, e.start_at, e.end_at, e.created, e.updated`

func scanEvent(sc scanner) (calendar.Event, error) {
	var e calendar.Event
	var group sql.NullInt64
	var groupName sql.NullString
	var start, end, created, updated sql.NullInt64
	var resource sql.NullString
	err := sc.Scan(&e.ID, &e.UID, &resource, &e.Owner, &e.OwnerEmail, &group, &groupName, &e.Subject, &start, &end, &created, &updated)
	e.Group, e.GroupName = calendar.GroupID(group.Int64), groupName.String
	e.Resource = resourceOf(e.UID, resource.String)
	e.Start, e.End, e.Created, e.Updated = fromNanos(start), fromNanos(end), fromNanos(created), fromNanos(updated)
	return e, err
}

// Event implements calendar.Store.
func (s *CalendarStore) Event(ctx context.Context, id calendar.EventID) (*calendar.Event, error) {
	e, err := scanEvent(s.db.reader.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, calendar.EventNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select event: %w", err)
	}
	return &e, nil
}

// SelectGroups implements calendar.Store.
func (s *CalendarStore) SelectGroups(ctx context.Context, user auth.UserID, ids []calendar.GroupID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
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
				return calendar.GroupNotFound(id)
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
	return collect("select selection", rows, err, func(sc scanner) (calendar.GroupID, error) {
		var id calendar.GroupID
		return id, sc.Scan(&id)
	})
}

// eventsQuery selects the events of user ?1's calendar that overlap
// [?3, ?2) (an event of zero length when it starts in the range): its
// own events by (owner_id, start_at), and the events of its selected
// groups by (group_id, start_at), but its own, which the first part read
// (UNION ALL: no sort of whole rows to remove duplicates). ?4 is ?3 minus the longest
// event span, a lower bound of start_at that keeps both index scans to
// the events near the range.
const eventsQuery = `
SELECT ` + eventColumns + ` FROM (
	SELECT * FROM calendar_events
	WHERE owner_id = ?1 AND start_at < ?2 AND start_at >= ?4 AND (end_at > ?3 OR start_at >= ?3)
	UNION ALL
	SELECT ev.* FROM calendar_selections sel CROSS JOIN calendar_events ev
	WHERE sel.user_id = ?1 AND ev.group_id = sel.group_id AND ev.owner_id <> ?1 AND ev.start_at < ?2 AND ev.start_at >= ?4 AND (ev.end_at > ?3 OR ev.start_at >= ?3)
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at, e.id`

// spanQuery reads the longest event span ever stored.
const spanQuery = `SELECT max_span FROM calendar_span WHERE id = 1`

// Events implements calendar.Store. It is answered from the read cache
// (keyed by user and range) while no calendar write was committed to the
// file since it was read; else its two statements, prepared once per
// connection of the read pool, not compiled at every request.
func (s *CalendarStore) Events(ctx context.Context, user auth.UserID, from, to time.Time) ([]calendar.Event, error) {
	c := &s.db.calendar.events
	c.sync(ctx, s.db)
	key := eventsKey{user, boundNanos(from), boundNanos(to)}
	if events, ok := c.get(key); ok {
		return slices.Clone(events), nil
	}
	gen := c.generation()
	stmts, err := s.db.prepared(ctx, spanQuery, eventsQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare events: %w", err)
	}
	var out []calendar.Event
	err = s.db.read(ctx, func(tx *sql.Tx) error {
		q := stmtTx{tx, stmts}
		var span int64
		if err := q.QueryRowContext(ctx, spanQuery).Scan(&span); err != nil {
			return fmt.Errorf("sqlite: read event span: %w", err)
		}
		lo, hi := boundNanos(from), boundNanos(to)
		// lo - span, saturated: near the lower bound of the range the
		// difference may not fit an int64. span is never negative.
		earliest := int64(math.MinInt64)
		if lo >= math.MinInt64+span {
			earliest = lo - span
		}
		var err error
		out, err = queryEvents(ctx, q, eventsQuery, user, hi, lo, earliest)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.put(key, gen, slices.Clone(out))
	return out, nil
}

const searchQuery = `
SELECT ` + eventColumns + ` FROM (
	SELECT * FROM calendar_events
	WHERE owner_id = ?1 AND instr(subject_key, ?2) > 0
	UNION ALL
	SELECT ev.* FROM calendar_selections sel CROSS JOIN calendar_events ev
	WHERE sel.user_id = ?1 AND ev.group_id = sel.group_id AND ev.owner_id <> ?1 AND instr(ev.subject_key, ?2) > 0
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at DESC, e.id DESC
LIMIT ?3`

// Search implements calendar.Store. It is answered from the read cache
// (keyed by user, word and limit) while no calendar write was committed
// to the file since it was read; else by its statement, prepared once per
// connection of the read pool.
func (s *CalendarStore) Search(ctx context.Context, user auth.UserID, word string, limit int) ([]calendar.Event, error) {
	c := &s.db.calendar.searches
	c.sync(ctx, s.db)
	key := searchKey{user, word, limit}
	if events, ok := c.get(key); ok {
		return slices.Clone(events), nil
	}
	gen := c.generation()
	stmts, err := s.db.prepared(ctx, searchQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare search: %w", err)
	}
	// One statement reads one snapshot: no transaction around it.
	out, err := queryEvents(ctx, poolQuerier{s.db.reader, stmts}, searchQuery, user, word, limit)
	if err != nil {
		return nil, err
	}
	c.put(key, gen, slices.Clone(out))
	return out, nil
}

func queryEvents(ctx context.Context, q querier, query string, args ...any) ([]calendar.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	return collect("select events", rows, err, scanEvent)
}

// SetBirthday implements calendar.Store.
func (s *CalendarStore) SetBirthday(ctx context.Context, b calendar.Birthday) (bool, error) {
	var replaced bool
	err := s.write(ctx, func(tx *sql.Tx) error {
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
			b.User, b.Email, b.Date.String(), nanos(b.Created))
		if err != nil {
			return fmt.Errorf("sqlite: upsert birthday: %w", err)
		}
		return nil
	})
	return replaced, err
}

// birthdayQuery reads a user's birthday.
const birthdayQuery = `SELECT email, date, created FROM calendar_birthdays WHERE user_id = ?`

// Birthday implements calendar.Store; its statement is prepared once per
// connection of the read pool, as it is read with every month.
//
// It is answered from the read cache while no calendar write was
// committed to the file since it was read.
func (s *CalendarStore) Birthday(ctx context.Context, user auth.UserID) (*calendar.Birthday, error) {
	c := &s.db.calendar.birthdays
	c.sync(ctx, s.db)
	if cb, ok := c.get(user); ok {
		if !cb.ok {
			return nil, calendar.ErrNoBirthday
		}
		b := cb.b
		return &b, nil
	}
	gen := c.generation()
	b := calendar.Birthday{User: user}
	var date string
	var created sql.NullInt64
	stmts, err := s.db.prepared(ctx, birthdayQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare birthday: %w", err)
	}
	err = poolQuerier{s.db.reader, stmts}.QueryRowContext(ctx, birthdayQuery, user).Scan(&b.Email, &date, &created)
	if errors.Is(err, sql.ErrNoRows) {
		c.put(user, gen, cachedBirthday{})
		return nil, calendar.ErrNoBirthday
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select birthday: %w", err)
	}
	if b.Date, err = calendar.ParseDate(date); err != nil {
		return nil, fmt.Errorf("sqlite: birthday of user %d: stored date %q: %w", user, date, err)
	}
	b.Created = fromNanos(created)
	c.put(user, gen, cachedBirthday{b, true})
	return &b, nil
}
