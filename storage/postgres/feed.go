package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// EventsByUID implements calendar.Store.
func (s *CalendarStore) EventsByUID(ctx context.Context, uid string) ([]calendar.Event, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.uid = $1 ORDER BY e.id`, uid)
	if err != nil {
		return nil, fmt.Errorf("postgres: select events by uid: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select events by uid: %w", err)
	}
	return out, nil
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
	rows, err := s.db.pool.Query(ctx, `SELECT `+eventColumns+` FROM calendar_events e LEFT JOIN calendar_groups g ON g.id = e.group_id WHERE e.resource = $1 OR (e.resource IS NULL AND e.uid = $2) ORDER BY e.id`, name, uid)
	if err != nil {
		return nil, fmt.Errorf("postgres: select events by resource: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calendar.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select events by resource: %w", err)
	}
	return out, nil
}

// SetFeed implements calendar.Store.
func (s *CalendarStore) SetFeed(ctx context.Context, f calendar.Feed) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, f.User); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO calendar_feeds (user_id, secret_hash, created, etag, modified) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id) DO UPDATE SET secret_hash = excluded.secret_hash, created = excluded.created, etag = excluded.etag, modified = excluded.modified`,
			f.User, f.SecretHash, f.Created, f.ETag, nullTime(f.Modified))
		if err != nil {
			return fmt.Errorf("postgres: upsert feed: %w", err)
		}
		return nil
	})
}

// FeedBySecret implements calendar.Store.
func (s *CalendarStore) FeedBySecret(ctx context.Context, hash []byte) (*calendar.Feed, error) {
	var f calendar.Feed
	var modified *time.Time
	err := s.db.pool.QueryRow(ctx, `SELECT user_id, secret_hash, created, etag, modified FROM calendar_feeds WHERE secret_hash = $1`, hash).
		Scan(&f.User, &f.SecretHash, &f.Created, &f.ETag, &modified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, calendar.ErrFeedNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select feed: %w", err)
	}
	f.Created, f.Modified = f.Created.UTC(), utc(modified)
	return &f, nil
}

// DeleteFeed implements calendar.Store.
func (s *CalendarStore) DeleteFeed(ctx context.Context, user auth.UserID) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM calendar_feeds WHERE user_id = $1`, user)
	if err != nil {
		return fmt.Errorf("postgres: delete feed: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return calendar.ErrNoFeed
	}
	return nil
}

// MarkFeed implements calendar.Store.
func (s *CalendarStore) MarkFeed(ctx context.Context, user auth.UserID, etag string, modified time.Time) error {
	if _, err := s.db.pool.Exec(ctx, `UPDATE calendar_feeds SET etag = $1, modified = $2 WHERE user_id = $3`, etag, nullTime(modified), user); err != nil {
		return fmt.Errorf("postgres: mark feed: %w", err)
	}
	return nil
}

// SaveSyncState implements calendar.Store.
func (s *CalendarStore) SaveSyncState(ctx context.Context, st calendar.SyncState) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, st.User); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO calendar_sync_states (user_id, collection, token, state, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id, collection, token) DO UPDATE SET state = excluded.state, created = excluded.created`,
			st.User, st.Collection, st.Token, st.State, st.Created); err != nil {
			return fmt.Errorf("postgres: upsert sync state: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM calendar_sync_states WHERE user_id = $1 AND collection = $2 AND token NOT IN (
			SELECT token FROM calendar_sync_states WHERE user_id = $1 AND collection = $2 ORDER BY created DESC LIMIT $3)`,
			st.User, st.Collection, calendar.SyncStatesKept); err != nil {
			return fmt.Errorf("postgres: prune sync states: %w", err)
		}
		return nil
	})
}

// SyncState implements calendar.Store.
func (s *CalendarStore) SyncState(ctx context.Context, user auth.UserID, collection, token string) (*calendar.SyncState, error) {
	st := calendar.SyncState{User: user, Collection: collection, Token: token}
	err := s.db.pool.QueryRow(ctx, `SELECT state, created FROM calendar_sync_states WHERE user_id = $1 AND collection = $2 AND token = $3`,
		user, collection, token).Scan(&st.State, &st.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, calendar.ErrSyncToken
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select sync state: %w", err)
	}
	st.Created = st.Created.UTC()
	return &st, nil
}

// ReplaceEvent implements calendar.Store: the update is made only where
// the row still has old's subject, times and updated.
func (s *CalendarStore) ReplaceEvent(ctx context.Context, old, e *calendar.Event) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE calendar_events SET subject = $1, subject_key = $2, start_at = $3, end_at = $4, updated = $5
			WHERE id = $6 AND subject = $7 AND start_at = $8 AND end_at = $9 AND updated IS NOT DISTINCT FROM $10`,
			e.Subject, subjectKey(e.Subject), e.Start, e.End, nullTime(e.Updated),
			old.ID, old.Subject, old.Start, old.End, nullTime(old.Updated))
		if err != nil {
			return fmt.Errorf("postgres: replace event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return eventGoneOrChanged(ctx, tx, old.ID)
		}
		return growSpan(ctx, tx, e)
	})
}

// DeleteEventIf implements calendar.Store.
func (s *CalendarStore) DeleteEventIf(ctx context.Context, old *calendar.Event) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM calendar_events WHERE id = $1 AND subject = $2 AND start_at = $3 AND end_at = $4 AND updated IS NOT DISTINCT FROM $5`,
			old.ID, old.Subject, old.Start, old.End, nullTime(old.Updated))
		if err != nil {
			return fmt.Errorf("postgres: delete event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return eventGoneOrChanged(ctx, tx, old.ID)
		}
		return nil
	})
}

// eventGoneOrChanged is the error of a conditional write that matched no
// row: EventNotFound if the event is gone, else ErrEventChanged.
func eventGoneOrChanged(ctx context.Context, tx pgx.Tx, id calendar.EventID) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calendar_events WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: look up event: %w", err)
	}
	if !exists {
		return calendar.EventNotFound(id)
	}
	return calendar.ErrEventChanged
}
