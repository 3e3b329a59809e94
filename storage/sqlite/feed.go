package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// EventsByUID implements calendar.Store.
func (s *CalendarStore) EventsByUID(ctx context.Context, uid string) ([]calendar.Event, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.uid = ? ORDER BY e.id`, uid)
	return collect("select events by uid", rows, err, scanEvent)
}

// resourceColumn is the resource column of e: NULL for the default name,
// "<UID>.ics", so that the rows written without it (before CalDAV, and by
// bulk loads) need none.
func resourceColumn(e *calendar.Event) any {
	if e.Resource == "" || e.Resource == e.UID+".ics" {
		return nil
	}
	return e.Resource
}

// resourceOf is the Resource of an event whose resource column holds
// stored ("" for NULL).
func resourceOf(uid, stored string) string {
	if stored == "" {
		return uid + ".ics"
	}
	return stored
}

// EventsByResource implements calendar.Store.
func (s *CalendarStore) EventsByResource(ctx context.Context, name string) ([]calendar.Event, error) {
	uid, _ := strings.CutSuffix(name, ".ics")
	if uid == name {
		uid = ""
	}
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.resource = ?1 OR (e.resource IS NULL AND e.uid = ?2) ORDER BY e.id`, name, uid)
	return collect("select events by resource", rows, err, scanEvent)
}

// SetFeed implements calendar.Store.
func (s *CalendarStore) SetFeed(ctx context.Context, f calendar.Feed) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, f.User); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, secret_hash, created, etag, modified) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created = excluded.created, etag = excluded.etag, modified = excluded.modified`,
			f.User, f.SecretHash, nanos(f.Created), f.ETag, nanos(f.Modified))
		if err != nil {
			return fmt.Errorf("sqlite: upsert feed: %w", err)
		}
		return nil
	})
}

// FeedBySecret implements calendar.Store.
func (s *CalendarStore) FeedBySecret(ctx context.Context, hash []byte) (*calendar.Feed, error) {
	var f calendar.Feed
	var created, modified sql.NullInt64
	err := s.db.reader.QueryRowContext(ctx, `SELECT user_id, secret_hash, created, etag, modified FROM calendar_feeds WHERE secret_hash = ?`, hash).
		Scan(&f.User, &f.SecretHash, &created, &f.ETag, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, calendar.ErrFeedNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select feed: %w", err)
	}
	f.Created, f.Modified = fromNanos(created), fromNanos(modified)
	return &f, nil
}

// DeleteFeed implements calendar.Store.
func (s *CalendarStore) DeleteFeed(ctx context.Context, user auth.UserID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE user_id = ?`, user)
		if err != nil {
			return fmt.Errorf("sqlite: delete feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return calendar.ErrNoFeed
		}
		return nil
	})
}

// MarkFeed implements calendar.Store.
func (s *CalendarStore) MarkFeed(ctx context.Context, user auth.UserID, etag string, modified time.Time) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_feeds SET etag = ?, modified = ? WHERE user_id = ?`, etag, nanos(modified), user); err != nil {
			return fmt.Errorf("sqlite: mark feed: %w", err)
		}
		return nil
	})
}

// SaveSyncState implements calendar.Store.
func (s *CalendarStore) SaveSyncState(ctx context.Context, st calendar.SyncState) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, st.User); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_sync_states (user_id, collection, token, state, created) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, collection, token) DO UPDATE SET state = excluded.state, created = excluded.created`,
			st.User, st.Collection, st.Token, st.State, nanos(st.Created)); err != nil {
			return fmt.Errorf("sqlite: upsert sync state: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_sync_states WHERE user_id = ?1 AND collection = ?2 AND token NOT IN (
			SELECT token FROM calendar_sync_states WHERE user_id = ?1 AND collection = ?2 ORDER BY created DESC LIMIT ?3)`,
			st.User, st.Collection, calendar.SyncStatesKept); err != nil {
			return fmt.Errorf("sqlite: prune sync states: %w", err)
		}
		return nil
	})
}

// SyncState implements calendar.Store.
func (s *CalendarStore) SyncState(ctx context.Context, user auth.UserID, collection, token string) (*calendar.SyncState, error) {
	st := calendar.SyncState{User: user, Collection: collection, Token: token}
	var created sql.NullInt64
	err := s.db.reader.QueryRowContext(ctx, `SELECT state, created FROM calendar_sync_states WHERE user_id = ? AND collection = ? AND token = ?`,
		user, collection, token).Scan(&st.State, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, calendar.ErrSyncToken
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select sync state: %w", err)
	}
	st.Created = fromNanos(created)
	return &st, nil
}

// ReplaceEvent implements calendar.Store: the update is made only where
// the row still has old's subject, times and updated.
func (s *CalendarStore) ReplaceEvent(ctx context.Context, old, e *calendar.Event) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE calendar_events SET subject = ?, subject_key = ?, start_at = ?, end_at = ?, updated = ?
			WHERE id = ? AND subject = ? AND start_at = ? AND end_at = ? AND updated IS ?`,
			e.Subject, subjectKey(e.Subject), nanos(e.Start), nanos(e.End), nanos(e.Updated),
			old.ID, old.Subject, nanos(old.Start), nanos(old.End), nanos(old.Updated))
		if err != nil {
			return fmt.Errorf("sqlite: replace event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return eventGoneOrChanged(ctx, tx, old.ID)
		}
		return growSpan(ctx, tx, e)
	})
}

// DeleteEventIf implements calendar.Store.
func (s *CalendarStore) DeleteEventIf(ctx context.Context, old *calendar.Event) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calendar_events WHERE id = ? AND subject = ? AND start_at = ? AND end_at = ? AND updated IS ?`,
			old.ID, old.Subject, nanos(old.Start), nanos(old.End), nanos(old.Updated))
		if err != nil {
			return fmt.Errorf("sqlite: delete event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return eventGoneOrChanged(ctx, tx, old.ID)
		}
		return nil
	})
}

// eventGoneOrChanged is the error of a conditional write that matched no
// row: EventNotFound if the event is gone, else ErrEventChanged.
func eventGoneOrChanged(ctx context.Context, tx *sql.Tx, id calendar.EventID) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM calendar_events WHERE id = ?)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: look up event: %w", err)
	}
	if !exists {
		return calendar.EventNotFound(id)
	}
	return calendar.ErrEventChanged
}
