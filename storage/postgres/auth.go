package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// AuthStore is the auth.Store of a DB.
type AuthStore struct{ db *DB }

var _ auth.Store = (*AuthStore)(nil)

// Auth returns the database's auth store.
func (db *DB) Auth() *AuthStore { return &AuthStore{db: db} }

// usersLock is the key of the transaction-level advisory lock under which
// users are created and renamed: usernames and emails share one namespace
// spread over two columns, which no single unique index can guard, so
// writers check it one at a time, whatever server they run in.
const usersLock = 0x68616e6f0001

func foldKey(s string) string { return auth.FoldKey(s) }

// conflict runs auth.CheckUnique for u; old is the user as stored before
// an update, nil for a new one. The caller holds usersLock.
func conflict(ctx context.Context, tx pgx.Tx, u, old *auth.User) error {
	return auth.CheckUnique(u, old, func(key string) (bool, error) {
		var t bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id <> $1 AND (username_key = $2 OR email_key = $2))`, u.ID, key).Scan(&t)
		return t, err
	})
}

// lockUsers takes usersLock until the end of tx.
func lockUsers(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(usersLock)); err != nil {
		return fmt.Errorf("postgres: lock users: %w", err)
	}
	return nil
}

// uniqueErr names the field of a unique index that fired although
// auth.CheckUnique passed (a name kept from data older than the rule,
// which a unique index still guards): auth's error, wrapping err.
func uniqueErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return err
	}
	if strings.Contains(pe.ConstraintName, "email") {
		return fmt.Errorf("%w (%v)", auth.ErrEmailTaken, err)
	}
	return fmt.Errorf("%w (%v)", auth.ErrUsernameTaken, err)
}

// CreateUser implements auth.Store.
func (s *AuthStore) CreateUser(ctx context.Context, u *auth.User) error {
	var id hanok.UserID
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockUsers(ctx, tx); err != nil {
			return err
		}
		if err := conflict(ctx, tx, &auth.User{Username: u.Username, Email: u.Email}, nil); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO users (username, username_key, email, email_key, password_hash, superuser, created) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.PasswordHash, u.Superuser, u.Created).Scan(&id)
		if err != nil {
			return fmt.Errorf("postgres: insert user: %w", uniqueErr(err))
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// UpdateUser implements auth.Store.
func (s *AuthStore) UpdateUser(ctx context.Context, u *auth.User) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockUsers(ctx, tx); err != nil {
			return err
		}
		var old auth.User
		err := tx.QueryRow(ctx, `SELECT username, email FROM users WHERE id = $1`, u.ID).Scan(&old.Username, &old.Email)
		if errors.Is(err, pgx.ErrNoRows) {
			return auth.ErrUserNotFound
		}
		if err != nil {
			return fmt.Errorf("postgres: update user: %w", err)
		}
		if err := conflict(ctx, tx, u, &old); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET username = $1, username_key = $2, email = $3, email_key = $4, password_hash = $5, superuser = $6 WHERE id = $7`,
			u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.PasswordHash, u.Superuser, u.ID)
		if err != nil {
			return fmt.Errorf("postgres: update user: %w", uniqueErr(err))
		}
		return nil
	})
}

func (s *AuthStore) userWhere(ctx context.Context, where string, arg any) (*auth.User, error) {
	var u auth.User
	err := s.db.pool.QueryRow(ctx, `SELECT id, username, email, password_hash, superuser, created FROM users WHERE `+where, arg).
		Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Superuser, &u.Created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select user: %w", err)
	}
	u.Created = u.Created.UTC()
	return &u, nil
}

// UserByID implements auth.Store.
func (s *AuthStore) UserByID(ctx context.Context, id hanok.UserID) (*auth.User, error) {
	return s.userWhere(ctx, `id = $1`, id)
}

// UserByUsername implements auth.Store.
func (s *AuthStore) UserByUsername(ctx context.Context, username string) (*auth.User, error) {
	return s.userWhere(ctx, `username_key = $1`, foldKey(username))
}

// UserByEmail implements auth.Store.
func (s *AuthStore) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	if email == "" {
		return nil, auth.ErrUserNotFound
	}
	return s.userWhere(ctx, `email_key = $1`, foldKey(email))
}

// RevokeToken implements auth.Store. The revocation is committed before
// it returns, so every server refuses the token from then on.
func (s *AuthStore) RevokeToken(ctx context.Context, jti string, expires time.Time) error {
	if _, err := s.db.pool.Exec(ctx, `INSERT INTO revoked_tokens (jti, expires) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING`, jti, expires); err != nil {
		return fmt.Errorf("postgres: revoke token: %w", err)
	}
	return nil
}

// IsRevoked implements auth.Store.
func (s *AuthStore) IsRevoked(ctx context.Context, jti string) (bool, error) {
	var revoked bool
	if err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $1)`, jti).Scan(&revoked); err != nil {
		return false, fmt.Errorf("postgres: check revocation: %w", err)
	}
	return revoked, nil
}

// PruneRevocations implements auth.Store.
func (s *AuthStore) PruneRevocations(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM revoked_tokens WHERE expires < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune revocations: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Secret implements auth.Store. Of servers starting at once, the first
// insert wins and the others wait for it and read its value.
func (s *AuthStore) Secret(ctx context.Context, name string, generated []byte) ([]byte, error) {
	var value []byte
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, generated); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&value)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: secret %q: %w", name, err)
	}
	return value, nil
}

// Users implements auth.Store.
func (s *AuthStore) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT id, username, email, password_hash, superuser, created FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: select users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.User, error) {
		var u auth.User
		err := r.Scan(&u.ID, &u.Username, &u.Email, &u.PasswordHash, &u.Superuser, &u.Created)
		u.Created = u.Created.UTC()
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: select users: %w", err)
	}
	return out, nil
}

// AuthChanges implements auth.ChangeCounter: the count of the writes of
// any server to users and revoked_tokens, kept by the triggers of
// migration 0012.
func (s *AuthStore) AuthChanges(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.pool.QueryRow(ctx, `SELECT counter FROM auth_changes WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: auth changes: %w", err)
	}
	return n, nil
}
