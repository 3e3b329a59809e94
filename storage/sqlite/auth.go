package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// AuthStore is the auth.Store of a DB.
type AuthStore struct{ db *DB }

var _ auth.Store = (*AuthStore)(nil)

// Auth returns the database's auth store.
func (db *DB) Auth() *AuthStore { return &AuthStore{db: db} }

// foldKey is auth.FoldKey, the key under which usernames and emails are
// unique and looked up.
func foldKey(s string) string { return auth.FoldKey(s) }

// conflict runs auth.CheckUnique for u inside the write transaction; old
// is the user as stored before an update, nil for a new one.
func conflict(ctx context.Context, tx *sql.Tx, u, old *auth.User) error {
	return auth.CheckUnique(u, old, func(key string) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id <> ? AND (username_key = ? OR email_key = ?)`, u.ID, key, key).Scan(&n)
		return n > 0, err
	})
}

// CreateUser implements auth.Store.
func (s *AuthStore) CreateUser(ctx context.Context, u *auth.User) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := conflict(ctx, tx, &auth.User{Username: u.Username, Email: u.Email}, nil); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO users (username, username_key, email, email_key, password_hash, superuser, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.PasswordHash, u.Superuser, u.Created.UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: insert user: %w", uniqueErr(err))
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		u.ID = hanok.UserID(id)
		return nil
	})
}

// UpdateUser implements auth.Store.
func (s *AuthStore) UpdateUser(ctx context.Context, u *auth.User) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		var old auth.User
		err := tx.QueryRowContext(ctx, `SELECT username, email FROM users WHERE id = ?`, u.ID).Scan(&old.Username, &old.Email)
		if errors.Is(err, sql.ErrNoRows) {
			return auth.ErrUserNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: update user: %w", err)
		}
		if err := conflict(ctx, tx, u, &old); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET username = ?, username_key = ?, email = ?, email_key = ?, password_hash = ?, superuser = ? WHERE id = ?`,
			u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.PasswordHash, u.Superuser, u.ID)
		if err != nil {
			return fmt.Errorf("sqlite: update user: %w", uniqueErr(err))
		}
		return nil
	})
}

// uniqueErr names the field of a unique index that fired although
// auth.CheckUnique passed (a name kept from data older than the rule,
// which a unique index still guards): auth's error, wrapping err.
func uniqueErr(err error) error {
	if !isUnique(err) {
		return err
	}
	if strings.Contains(err.Error(), "email_key") {
		return fmt.Errorf("%w (%v)", auth.ErrEmailTaken, err)
	}
	return fmt.Errorf("%w (%v)", auth.ErrUsernameTaken, err)
}

const userColumns = `id, username, email, password_hash, superuser, created`

// scanUser scans a row of userColumns.
func scanUser(sc scanner) (auth.User, error) {
	var u auth.User
	var created int64
	err := sc.Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Superuser, &created)
	u.Created = time.Unix(0, created).UTC()
	return u, err
}

func (s *AuthStore) userWhere(ctx context.Context, where string, arg any) (*auth.User, error) {
	u, err := scanUser(s.db.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select user: %w", err)
	}
	return &u, nil
}

// UserByID implements auth.Store.
func (s *AuthStore) UserByID(ctx context.Context, id hanok.UserID) (*auth.User, error) {
	return s.userWhere(ctx, `id = ?`, id)
}

// UserByUsername implements auth.Store.
func (s *AuthStore) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	return s.userWhere(ctx, `username_key = ?`, foldKey(username))
}

// UserByEmail implements auth.Store.
func (s *AuthStore) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	if email == "" {
		return nil, auth.ErrUserNotFound
	}
	return s.userWhere(ctx, `email_key = ?`, foldKey(email))
}

// Users implements auth.Store.
func (s *AuthStore) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	return collect("select users", rows, err, scanUser)
}

// RevokeToken implements auth.Store.
func (s *AuthStore) RevokeToken(ctx context.Context, jti string, expires time.Time) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO revoked_tokens (jti, expires) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`, jti, expires.UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: revoke token: %w", err)
		}
		return nil
	})
}

// IsRevoked implements auth.Store.
func (s *AuthStore) IsRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := s.db.reader.QueryRowContext(ctx, `SELECT 1 FROM revoked_tokens WHERE jti = ?`, jti).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: check revocation: %w", err)
	}
	return true, nil
}

// PruneRevocations implements auth.Store.
func (s *AuthStore) PruneRevocations(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM revoked_tokens WHERE expires < ?`, before.UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: prune revocations: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// Secret implements auth.Store.
func (s *AuthStore) Secret(ctx context.Context, name string, generated []byte) ([]byte, error) {
	var value []byte
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, generated); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&value)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: secret %q: %w", name, err)
	}
	return value, nil
}
