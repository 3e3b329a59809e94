package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// CalendarStore is the calendar.Store of a DB.
type CalendarStore struct{ db *DB }

var _ calendar.Store = (*CalendarStore)(nil)

// Calendar returns the database's calendar store.
func (db *DB) Calendar() *CalendarStore { return &CalendarStore{db: db} }

// subjectKey is the folded subject that Search matches: kept in the
// subject_key column, written with the subject, so that the search folds
// no row at query time; the Service folds the word by the same fold.
func subjectKey(s string) string { return hanok.Fold(s) }

const groupColumns = `id, name, creator_id, creator_email, created, updated`

func scanGroup(sc pgx.Row) (calendar.Group, error) {
	var g calendar.Group
	var updated *time.Time
	err := sc.Scan(&g.ID, &g.Name, &g.Creator, &g.CreatorEmail, &g.Created, &updated)
	g.Created, g.Updated = g.Created.UTC(), utc(updated)
	return g, err
}

// CreateGroup implements calendar.Store.
func (s *CalendarStore) CreateGroup(ctx context.Context, g *calendar.Group) error {
	var id calendar.GroupID
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, g.Creator); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO calendar_groups (name, creator_id, creator_email, created, updated) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			g.Name, g.Creator, g.CreatorEmail, g.Created, nullTime(g.Updated)).Scan(&id)
		if err != nil {
			return fmt.Errorf("postgres: insert group: %w", err)
		}
		return nil
	})
	if err == nil {
		g.ID = id
	}
	return err
}

// UpdateGroup implements calendar.Store.
func (s *CalendarStore) UpdateGroup(ctx context.Context, g *calendar.Group) error {
	tag, err := s.db.pool.Exec(ctx, `UPDATE calendar_groups SET name = $1, updated = $2 WHERE id = $3`, g.Name, nullTime(g.Updated), g.ID)
	if err != nil {
		return fmt.Errorf("postgres: update group: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return calendar.GroupNotFound(g.ID)
	}
	return nil
}

// DeleteGroup implements calendar.Store. The group's events and
// selections go with it (ON DELETE CASCADE).
func (s *CalendarStore) DeleteGroup(ctx context.Context, id calendar.GroupID) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM calendar_groups WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete group: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return calendar.GroupNotFound(id)
	}
	return nil
}

// Group implements calendar.Store.
func (s *CalendarStore) Group(ctx context.Context, id calendar.GroupID) (*calendar.Group, error) {
	g, err := scanGroup(s.db.pool.QueryRow(ctx, `SELECT `+groupColumns+` FROM calendar_groups WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, calendar.GroupNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select group: %w", err)
	}
	return &g, nil
}

// Groups implements calendar.Store.
func (s *CalendarStore) Groups(ctx context.Context, creator auth.UserID) ([]calendar.Group, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+groupColumns+` FROM calendar_groups WHERE $1::bigint = 0 OR creator_id = $1 ORDER BY id`, creator)
	if err != nil {
		return nil, fmt.Errorf("postgres: select groups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Group, error) { return scanGroup(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select groups: %w", err)
	}
	return out, nil
}

// growSpan records the span of an event in calendar_span.
func growSpan(ctx context.Context, tx pgx.Tx, e *calendar.Event) error {
	// Whole seconds, rounded up: the bound must not fall short of a
	// sub-second span.
	span := int64((e.End.Sub(e.Start) + time.Second - 1) / time.Second)
	if _, err := tx.Exec(ctx, `UPDATE calendar_span SET max_seconds = $1 WHERE id = 1 AND max_seconds < $1`, span); err != nil {
		return fmt.Errorf("postgres: record event span: %w", err)
	}
	return nil
}

// CreateEvent implements calendar.Store.
func (s *CalendarStore) CreateEvent(ctx context.Context, e *calendar.Event) error {
	var id calendar.EventID
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, e.Owner); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO calendar_events (uid, resource, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			e.UID, resourceColumn(e), e.Owner, e.OwnerEmail, nullID(e.Group), e.Subject, subjectKey(e.Subject), e.Start, e.End, e.Created, nullTime(e.Updated)).Scan(&id)
		if isForeignKey(err) {
			return calendar.GroupNotFound(e.Group)
		}
		if err != nil {
			return fmt.Errorf("postgres: insert event: %w", err)
		}
		return growSpan(ctx, tx, e)
	})
	if err == nil {
		e.ID = id
	}
	return err
}

// UpdateEvent implements calendar.Store.
func (s *CalendarStore) UpdateEvent(ctx context.Context, e *calendar.Event) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calendar_events SET subject = $1, subject_key = $2, start_at = $3, end_at = $4, updated = $5 WHERE id = $6`,
			e.Subject, subjectKey(e.Subject), e.Start, e.End, nullTime(e.Updated), e.ID)
		if err != nil {
			return fmt.Errorf("postgres: update event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return calendar.EventNotFound(e.ID)
		}
		return growSpan(ctx, tx, e)
	})
}

// DeleteEvent implements calendar.Store.
func (s *CalendarStore) DeleteEvent(ctx context.Context, id calendar.EventID) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM calendar_events WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return calendar.EventNotFound(id)
	}
	return nil
}

// eventColumns are the columns scanEvent reads, from calendar_events as e
// joined to calendar_groups as g.
const eventColumns = `e.id, e.uid, e.resource, e.owner_id, e.owner_email, e.group_id, g.name, e.subject, e.start_at, e.end_at, e.created, e.updated`

func scanEvent(sc pgx.Row) (calendar.Event, error) {
	var e calendar.Event
	var group *int64
	var groupName *string
	var updated *time.Time
	var resource *string
	err := sc.Scan(&e.ID, &e.UID, &resource, &e.Owner, &e.OwnerEmail, &group, &groupName, &e.Subject, &e.Start, &e.End, &e.Created, &updated)
	if group != nil {
		e.Group = calendar.GroupID(*group)
	}
	if groupName != nil {
		e.GroupName = *groupName
	}
	if resource != nil {
		e.Resource = *resource
	}
	e.Resource = resourceOf(e.UID, e.Resource)
	e.Start, e.End, e.Created, e.Updated = e.Start.UTC(), e.End.UTC(), e.Created.UTC(), utc(updated)
	return e, err
}

// Event implements calendar.Store.
func (s *CalendarStore) Event(ctx context.Context, id calendar.EventID) (*calendar.Event, error) {
	e, err := scanEvent(s.db.pool.QueryRow(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, calendar.EventNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select event: %w", err)
	}
	return &e, nil
}

// SelectGroups implements calendar.Store. The selection is
// replaced in one transaction; a second call at once for the same user
// waits on the lock it takes on the user's row.
func (s *CalendarStore) SelectGroups(ctx context.Context, user auth.UserID, ids []calendar.GroupID) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, user).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: user %d: %w", user, auth.ErrUserNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgres: look up user %d: %w", user, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_selections WHERE user_id = $1`, user); err != nil {
			return fmt.Errorf("postgres: clear selection: %w", err)
		}
		for _, id := range ids {
			_, err := tx.Exec(ctx, `INSERT INTO calendar_selections (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, user, id)
			if isForeignKey(err) {
				return calendar.GroupNotFound(id)
			}
			if err != nil {
				return fmt.Errorf("postgres: insert selection: %w", err)
			}
		}
		return nil
	})
}

// Selection implements calendar.Store.
func (s *CalendarStore) Selection(ctx context.Context, user auth.UserID) ([]calendar.GroupID, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT group_id FROM calendar_selections WHERE user_id = $1 ORDER BY group_id`, user)
	if err != nil {
		return nil, fmt.Errorf("postgres: select selection: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[calendar.GroupID])
	if err != nil {
		return nil, fmt.Errorf("postgres: select selection: %w", err)
	}
	return out, nil
}

// eventsQuery selects the events of user $1's calendar that overlap
// [$3, $2) (an event of zero length when it starts in the range): its
// own events by (owner_id, start_at), and the events of its selected
// groups by (group_id, start_at). The lower bound of start_at, $3 minus
// the longest event span, keeps both index scans to the events near the
// range. The groups' branch takes the selected groups as an array, so that
// each is one range of that index (group_id = ANY with the start_at
// bounds as index conditions): as a join, even a LATERAL one (which the
// planner pulls up), it merged the index's whole range of start_at and
// read every group event before the range's end, 6,143 pages for one day
// of 10,000 events.
const eventsQuery = `
WITH span AS (SELECT $3::timestamptz - make_interval(secs => max_seconds) AS earliest FROM calendar_span WHERE id = 1)
SELECT ` + eventColumns + ` FROM (
	SELECT ev.* FROM calendar_events ev, span
	WHERE ev.owner_id = $1 AND ev.start_at < $2 AND ev.start_at >= span.earliest AND (ev.end_at > $3 OR ev.start_at >= $3)
	UNION
	SELECT ev.* FROM calendar_events ev, span
	WHERE ev.group_id = ANY (ARRAY(SELECT group_id FROM calendar_selections WHERE user_id = $1))
		AND ev.start_at < $2 AND ev.start_at >= span.earliest AND (ev.end_at > $3 OR ev.start_at >= $3)
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at, e.id`

// Events implements calendar.Store.
func (s *CalendarStore) Events(ctx context.Context, user auth.UserID, from, to time.Time) ([]calendar.Event, error) {
	return queryEvents(ctx, s.db.pool, eventsQuery, user, to, from)
}

const searchQuery = `
SELECT ` + eventColumns + ` FROM (
	SELECT * FROM calendar_events
	WHERE owner_id = $1 AND strpos(subject_key, $2) > 0
	UNION
	SELECT ev.* FROM calendar_selections sel JOIN calendar_events ev ON ev.group_id = sel.group_id
	WHERE sel.user_id = $1 AND strpos(ev.subject_key, $2) > 0
) e LEFT JOIN calendar_groups g ON g.id = e.group_id
ORDER BY e.start_at DESC, e.id DESC
LIMIT $3`

// Search implements calendar.Store.
func (s *CalendarStore) Search(ctx context.Context, user auth.UserID, word string, limit int) ([]calendar.Event, error) {
	return queryEvents(ctx, s.db.pool, searchQuery, user, word, limit)
}

func queryEvents(ctx context.Context, q querier, sql string, args ...any) ([]calendar.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: select events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select events: %w", err)
	}
	return out, nil
}

// SetBirthday implements calendar.Store. Whether it replaced a birthday
// is read from the upserted row itself (xmax is 0 for an insert).
func (s *CalendarStore) SetBirthday(ctx context.Context, b calendar.Birthday) (bool, error) {
	var replaced bool
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, b.User); err != nil {
			return err
		}
		date := time.Date(b.Date.Year, b.Date.Month, b.Date.Day, 0, 0, 0, 0, time.UTC)
		err := tx.QueryRow(ctx, `INSERT INTO calendar_birthdays (user_id, email, date, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, date = excluded.date, created = excluded.created
			RETURNING xmax <> 0`,
			b.User, b.Email, date, b.Created).Scan(&replaced)
		if err != nil {
			return fmt.Errorf("postgres: upsert birthday: %w", err)
		}
		return nil
	})
	return replaced, err
}

// Birthday implements calendar.Store.
func (s *CalendarStore) Birthday(ctx context.Context, user auth.UserID) (*calendar.Birthday, error) {
	b := calendar.Birthday{User: user}
	var date time.Time
	err := s.db.pool.QueryRow(ctx, `SELECT email, date, created FROM calendar_birthdays WHERE user_id = $1`, user).Scan(&b.Email, &date, &b.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, calendar.ErrNoBirthday
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select birthday: %w", err)
	}
	b.Date = calendar.Date{Year: date.Year(), Month: date.Month(), Day: date.Day()}
	b.Created = b.Created.UTC()
	return &b, nil
}
