package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hanok-dev/hanok/auth"
)

// OAuthStore is the auth.OAuthStore of a DB.
type OAuthStore struct{ db *DB }

var _ auth.OAuthStore = (*OAuthStore)(nil)

// OAuth returns the database's store of OAuth apps and grants.
func (db *DB) OAuth() *OAuthStore { return &OAuthStore{db: db} }

// oauthWords is the space-separated form of a list of scopes or URIs,
// and oauthFields reads it back.
func oauthWords(s []string) string { return strings.Join(s, " ") }
func oauthFields(s string) []string {
	if f := strings.Fields(s); len(f) > 0 {
		return f
	}
	return []string{}
}

// CreateApp implements auth.OAuthStore.
func (s *OAuthStore) CreateApp(ctx context.Context, a *auth.App) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO oauth_apps (client_id, secret_hash, name, redirect_uris, scopes, website, created, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ClientID, a.SecretHash, a.Name, oauthWords(a.RedirectURIs), oauthWords(a.Scopes), a.Website, nanos(a.Created), nanos(a.Revoked))
		if isUnique(err) {
			return auth.ErrClientIDTaken
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert app: %w", err)
		}
		a.ID, err = res.LastInsertId()
		return err
	})
}

func scanApp(sc scanner) (*auth.App, error) {
	var a auth.App
	var uris, scopes string
	var created, revoked sql.NullInt64
	if err := sc.Scan(&a.ID, &a.ClientID, &a.SecretHash, &a.Name, &uris, &scopes, &a.Website, &created, &revoked); err != nil {
		return nil, err
	}
	a.RedirectURIs, a.Scopes = oauthFields(uris), oauthFields(scopes)
	a.Created, a.Revoked = fromNanos(created), fromNanos(revoked)
	return &a, nil
}

// AppByClientID implements auth.OAuthStore.
func (s *OAuthStore) AppByClientID(ctx context.Context, clientID string) (*auth.App, error) {
	a, err := scanApp(s.db.reader.QueryRowContext(ctx, `SELECT id, client_id, secret_hash, name, redirect_uris, scopes, website, created, revoked FROM oauth_apps WHERE client_id = ?`, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrAppNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select app: %w", err)
	}
	return a, nil
}

// RevokeApp implements auth.OAuthStore.
func (s *OAuthStore) RevokeApp(ctx context.Context, clientID string, at time.Time) ([]auth.Grant, error) {
	var out []auth.Grant
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM oauth_apps WHERE client_id = ?`, clientID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return auth.ErrAppNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: revoke app: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_apps SET revoked = ? WHERE id = ? AND revoked IS NULL`, nanos(at), id); err != nil {
			return fmt.Errorf("sqlite: revoke app: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `UPDATE oauth_grants SET revoked = ? WHERE app_id = ? AND revoked IS NULL
			RETURNING token_id, user_id, scopes, created, expires, revoked`, nanos(at), id)
		out, err = collect("revoke app", rows, err, func(sc scanner) (auth.Grant, error) {
			g, err := scanGrant(sc)
			if err != nil {
				return auth.Grant{}, err
			}
			g.ClientID = clientID
			return *g, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	sortGrants(out)
	return out, nil
}

// sortGrants puts grants in the order they were made.
func sortGrants(gs []auth.Grant) {
	slices.SortFunc(gs, func(a, b auth.Grant) int { return a.Created.Compare(b.Created) })
}

func scanGrant(sc scanner) (*auth.Grant, error) {
	var g auth.Grant
	var scopes string
	var created, expires, revoked sql.NullInt64
	if err := sc.Scan(&g.TokenID, &g.User, &scopes, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	g.Scopes = oauthFields(scopes)
	g.Created, g.Expires, g.Revoked = fromNanos(created), fromNanos(expires), fromNanos(revoked)
	return &g, nil
}

// appID returns the id of the app with the client id, in tx.
func appID(ctx context.Context, tx *sql.Tx, clientID string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM oauth_apps WHERE client_id = ?`, clientID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, auth.ErrAppNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: look up app: %w", err)
	}
	return id, nil
}

// CreateGrant implements auth.OAuthStore.
func (s *OAuthStore) CreateGrant(ctx context.Context, g *auth.Grant) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		id, err := appID(ctx, tx, g.ClientID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO oauth_grants (token_id, app_id, user_id, scopes, created, expires, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			g.TokenID, id, g.User, oauthWords(g.Scopes), nanos(g.Created), nanos(g.Expires), nanos(g.Revoked))
		if isUnique(err) {
			return auth.ErrTokenIDTaken
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert grant: %w", err)
		}
		return nil
	})
}

// GrantByToken implements auth.OAuthStore.
func (s *OAuthStore) GrantByToken(ctx context.Context, tokenID string) (*auth.Grant, error) {
	var clientID string
	row := s.db.reader.QueryRowContext(ctx, `SELECT g.token_id, g.user_id, g.scopes, g.created, g.expires, g.revoked, a.client_id
		FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id WHERE g.token_id = ?`, tokenID)
	g, err := scanGrant(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &clientID)...) }))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrGrantNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select grant: %w", err)
	}
	g.ClientID = clientID
	return g, nil
}

// scanFunc is a scanner of a function.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// RevokeGrant implements auth.OAuthStore.
func (s *OAuthStore) RevokeGrant(ctx context.Context, tokenID string, at time.Time) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM oauth_grants WHERE token_id = ?)`, tokenID).Scan(&ok); err != nil {
			return fmt.Errorf("sqlite: revoke grant: %w", err)
		}
		if !ok {
			return auth.ErrGrantNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_grants SET revoked = ? WHERE token_id = ? AND revoked IS NULL`, nanos(at), tokenID); err != nil {
			return fmt.Errorf("sqlite: revoke grant: %w", err)
		}
		return nil
	})
}

// PruneGrants implements auth.OAuthStore.
func (s *OAuthStore) PruneGrants(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oauth_grants WHERE expires < ?`, nanos(before))
		if err != nil {
			return fmt.Errorf("sqlite: prune grants: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// CreateCode implements auth.OAuthStore.
func (s *OAuthStore) CreateCode(ctx context.Context, c *auth.AuthCode) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		id, err := appID(ctx, tx, c.ClientID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes, challenge, challenge_method, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.CodeHash, id, c.User, c.RedirectURI, oauthWords(c.Scopes), c.Challenge, c.ChallengeMethod, nanos(c.Expires))
		switch {
		case isUnique(err):
			return auth.ErrCodeTaken
		case isForeignKey(err):
			return auth.ErrUserNotFound
		case err != nil:
			return fmt.Errorf("sqlite: insert code: %w", err)
		}
		return nil
	})
}

// TakeCode implements auth.OAuthStore.
func (s *OAuthStore) TakeCode(ctx context.Context, hash string) (*auth.AuthCode, error) {
	var c auth.AuthCode
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		var scopes string
		var expires sql.NullInt64
		err := tx.QueryRowContext(ctx, `DELETE FROM oauth_codes WHERE code_hash = ?
			RETURNING code_hash, (SELECT client_id FROM oauth_apps WHERE id = app_id), user_id, redirect_uri, scopes, challenge, challenge_method, expires`, hash).
			Scan(&c.CodeHash, &c.ClientID, &c.User, &c.RedirectURI, &scopes, &c.Challenge, &c.ChallengeMethod, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return auth.ErrCodeNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: take code: %w", err)
		}
		c.Scopes, c.Expires = oauthFields(scopes), fromNanos(expires)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// PruneCodes implements auth.OAuthStore.
func (s *OAuthStore) PruneCodes(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oauth_codes WHERE expires < ?`, nanos(before))
		if err != nil {
			return fmt.Errorf("sqlite: prune codes: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
