package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok/auth"
)

var _ auth.AppPasswordStore = (*AuthStore)(nil)

const appPasswordColumns = `id, user_id, name, hash, created, last_used`

func scanAppPassword(sc pgx.Row) (auth.AppPassword, error) {
	var p auth.AppPassword
	var used *time.Time
	err := sc.Scan(&p.ID, &p.User, &p.Name, &p.Hash, &p.Created, &used)
	p.Created, p.LastUsed = p.Created.UTC(), utc(used)
	return p, err
}

// CreateAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) CreateAppPassword(ctx context.Context, p *auth.AppPassword) error {
	var id auth.AppPasswordID
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := requireUser(ctx, tx, p.User); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO auth_app_passwords (user_id, name, hash, created, last_used) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.User, p.Name, p.Hash, p.Created, nullTime(p.LastUsed)).Scan(&id)
		if err != nil {
			return fmt.Errorf("postgres: insert app password: %w", err)
		}
		return nil
	})
	if err == nil {
		p.ID = id
	}
	return err
}

// AppPasswords implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswords(ctx context.Context, user auth.UserID) ([]auth.AppPassword, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+appPasswordColumns+` FROM auth_app_passwords WHERE user_id = $1 ORDER BY id`, user)
	if err != nil {
		return nil, fmt.Errorf("postgres: select app passwords: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.AppPassword, error) { return scanAppPassword(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select app passwords: %w", err)
	}
	return out, nil
}

// AppPasswordByHash implements auth.AppPasswordStore.
func (s *AuthStore) AppPasswordByHash(ctx context.Context, hash []byte) (*auth.AppPassword, error) {
	p, err := scanAppPassword(s.db.pool.QueryRow(ctx, `SELECT `+appPasswordColumns+` FROM auth_app_passwords WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrAppPasswordNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select app password: %w", err)
	}
	return &p, nil
}

// DeleteAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) DeleteAppPassword(ctx context.Context, user auth.UserID, id auth.AppPasswordID) error {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM auth_app_passwords WHERE id = $1 AND user_id = $2`, id, user)
	if err != nil {
		return fmt.Errorf("postgres: delete app password: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return auth.ErrAppPasswordNotFound
	}
	return nil
}

// TouchAppPassword implements auth.AppPasswordStore.
func (s *AuthStore) TouchAppPassword(ctx context.Context, id auth.AppPasswordID, at time.Time) error {
	if _, err := s.db.pool.Exec(ctx, `UPDATE auth_app_passwords SET last_used = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("postgres: touch app password: %w", err)
	}
	return nil
}
