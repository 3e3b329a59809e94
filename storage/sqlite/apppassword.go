package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hanok-dev/hanok/auth"
)

var _ auth.AppPasswordStore = (*AuthStore)(nil)

const appPasswordColumns = `id, user_id, name, hash, created, last_used`

func scanAppPassword(sc scanner) (auth.AppPassword, error) {
	var p auth.AppPassword
	var created, used sql.NullInt64
	err := sc.Scan(&p.ID, &p.User, &p.Name, &p.Hash, &created, &used)
	p.Created, p.LastUsed = fromNanos(created), fromNanos(used)
	return p, err
}

// CreateAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) CreateAppPassword(ctx context.Context, p *auth.AppPassword) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := requireUser(ctx, tx, p.User); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO auth_app_passwords (user_id, name, hash, created, last_used) VALUES (?, ?, ?, ?, ?)`,
			p.User, p.Name, p.Hash, nanos(p.Created), nanos(p.LastUsed))
		if err != nil {
			return fmt.Errorf("sqlite: insert app password: %w", err)
		}
		id, err := res.LastInsertId()
		p.ID = auth.AppPasswordID(id)
		return err
	})
}

// AppPasswords implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswords(ctx context.Context, user auth.UserID) ([]auth.AppPassword, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+appPasswordColumns+` FROM auth_app_passwords WHERE user_id = ? ORDER BY id`, user)
	return collect("select app passwords", rows, err, scanAppPassword)
}

// AppPasswordByHash implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswordByHash(ctx context.Context, hash []byte) (*auth.AppPassword, error) {
	p, err := scanAppPassword(s.db.reader.QueryRowContext(ctx, `SELECT `+appPasswordColumns+` FROM auth_app_passwords WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrAppPasswordNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select app password: %w", err)
	}
	return &p, nil
}

// DeleteAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) DeleteAppPassword(ctx context.Context, user auth.UserID, id auth.AppPasswordID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM auth_app_passwords WHERE id = ? AND user_id = ?`, id, user)
		if err != nil {
			return fmt.Errorf("sqlite: delete app password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return auth.ErrAppPasswordNotFound
		}
		return nil
	})
}

// TouchAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) TouchAppPassword(ctx context.Context, id auth.AppPasswordID, at time.Time) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE auth_app_passwords SET last_used = ? WHERE id = ?`, nanos(at), id); err != nil {
			return fmt.Errorf("sqlite: touch app password: %w", err)
		}
		return nil
	})
}
