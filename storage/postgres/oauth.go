package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	err := s.db.pool.QueryRow(ctx, `INSERT INTO oauth_apps (client_id, secret_hash, name, redirect_uris, scopes, website, created, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		a.ClientID, a.SecretHash, a.Name, oauthWords(a.RedirectURIs), oauthWords(a.Scopes), a.Website, a.Created, nullTime(a.Revoked)).Scan(&a.ID)
	if isUnique(err) {
		return auth.ErrClientIDTaken
	}
	if err != nil {
		return fmt.Errorf("postgres: insert app: %w", err)
	}
	return nil
}

// AppByClientID implements auth.OAuthStore.
func (s *OAuthStore) AppByClientID(ctx context.Context, clientID string) (*auth.App, error) {
	var a auth.App
	var uris, scopes string
	var revoked *time.Time
	err := s.db.pool.QueryRow(ctx, `SELECT id, client_id, secret_hash, name, redirect_uris, scopes, website, created, revoked FROM oauth_apps WHERE client_id = $1`, clientID).
		Scan(&a.ID, &a.ClientID, &a.SecretHash, &a.Name, &uris, &scopes, &a.Website, &a.Created, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrAppNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select app: %w", err)
	}
	a.RedirectURIs, a.Scopes = oauthFields(uris), oauthFields(scopes)
	a.Created, a.Revoked = a.Created.UTC(), utc(revoked)
	return &a, nil
}

// appID returns the id of the app with the client id.
func appID(ctx context.Context, q querier, clientID string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM oauth_apps WHERE client_id = $1`, clientID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, auth.ErrAppNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: look up app: %w", err)
	}
	return id, nil
}

func scanGrant(row pgx.Row) (*auth.Grant, error) {
	var g auth.Grant
	var scopes string
	var revoked *time.Time
	if err := row.Scan(&g.TokenID, &g.ClientID, &g.User, &scopes, &g.Created, &g.Expires, &revoked); err != nil {
		return nil, err
	}
	g.Scopes = oauthFields(scopes)
	g.Created, g.Expires, g.Revoked = g.Created.UTC(), g.Expires.UTC(), utc(revoked)
	return &g, nil
}

// RevokeApp implements auth.OAuthStore.
func (s *OAuthStore) RevokeApp(ctx context.Context, clientID string, at time.Time) ([]auth.Grant, error) {
	out := []auth.Grant{}
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		id, err := appID(ctx, tx, clientID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE oauth_apps SET revoked = $1 WHERE id = $2 AND revoked IS NULL`, at, id); err != nil {
			return fmt.Errorf("postgres: revoke app: %w", err)
		}
		rows, err := tx.Query(ctx, `UPDATE oauth_grants SET revoked = $1 WHERE app_id = $2 AND revoked IS NULL
			RETURNING token_id, $3::text, user_id, scopes, created, expires, revoked`, at, id, clientID)
		if err != nil {
			return fmt.Errorf("postgres: revoke app: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGrant(rows)
			if err != nil {
				return fmt.Errorf("postgres: revoke app: %w", err)
			}
			out = append(out, *g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b auth.Grant) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// CreateGrant implements auth.OAuthStore.
func (s *OAuthStore) CreateGrant(ctx context.Context, g *auth.Grant) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		id, err := appID(ctx, tx, g.ClientID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO oauth_grants (token_id, app_id, user_id, scopes, created, expires, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			g.TokenID, id, g.User, oauthWords(g.Scopes), g.Created, g.Expires, nullTime(g.Revoked))
		if isUnique(err) {
			return auth.ErrTokenIDTaken
		}
		if err != nil {
			return fmt.Errorf("postgres: insert grant: %w", err)
		}
		return nil
	})
}

// GrantByToken implements auth.OAuthStore.
func (s *OAuthStore) GrantByToken(ctx context.Context, tokenID string) (*auth.Grant, error) {
	g, err := scanGrant(s.db.pool.QueryRow(ctx, `SELECT g.token_id, a.client_id, g.user_id, g.scopes, g.created, g.expires, g.revoked
		FROM oauth_grants g JOIN oauth_apps a ON a.id = g.app_id WHERE g.token_id = $1`, tokenID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrGrantNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select grant: %w", err)
	}
	return g, nil
}

// RevokeGrant implements auth.OAuthStore.
func (s *OAuthStore) RevokeGrant(ctx context.Context, tokenID string, at time.Time) error {
	var found bool
	err := s.db.pool.QueryRow(ctx, `WITH u AS (UPDATE oauth_grants SET revoked = coalesce(revoked, $1) WHERE token_id = $2 RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM u)`, at, tokenID).Scan(&found)
	if err != nil {
		return fmt.Errorf("postgres: revoke grant: %w", err)
	}
	if !found {
		return auth.ErrGrantNotFound
	}
	return nil
}

// PruneGrants implements auth.OAuthStore.
func (s *OAuthStore) PruneGrants(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM oauth_grants WHERE expires < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune grants: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// CreateCode implements auth.OAuthStore.
func (s *OAuthStore) CreateCode(ctx context.Context, c *auth.AuthCode) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		id, err := appID(ctx, tx, c.ClientID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes, challenge, challenge_method, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.CodeHash, id, c.User, c.RedirectURI, oauthWords(c.Scopes), c.Challenge, c.ChallengeMethod, c.Expires)
		switch {
		case isUnique(err):
			return auth.ErrCodeTaken
		case isForeignKey(err):
			return auth.ErrUserNotFound
		case err != nil:
			return fmt.Errorf("postgres: insert code: %w", err)
		}
		return nil
	})
}

// TakeCode implements auth.OAuthStore.
func (s *OAuthStore) TakeCode(ctx context.Context, hash string) (*auth.AuthCode, error) {
	var c auth.AuthCode
	var scopes string
	err := s.db.pool.QueryRow(ctx, `DELETE FROM oauth_codes c USING oauth_apps a WHERE a.id = c.app_id AND c.code_hash = $1
		RETURNING c.code_hash, a.client_id, c.user_id, c.redirect_uri, c.scopes, c.challenge, c.challenge_method, c.expires`, hash).
		Scan(&c.CodeHash, &c.ClientID, &c.User, &c.RedirectURI, &scopes, &c.Challenge, &c.ChallengeMethod, &c.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auth.ErrCodeNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: take code: %w", err)
	}
	c.Scopes, c.Expires = oauthFields(scopes), c.Expires.UTC()
	return &c, nil
}

// PruneCodes implements auth.OAuthStore.
func (s *OAuthStore) PruneCodes(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM oauth_codes WHERE expires < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("postgres: prune codes: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
