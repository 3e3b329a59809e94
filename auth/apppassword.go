package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
)

// AppPasswordID identifies an app password.
type AppPasswordID int64

// AppPassword is a password generated for one device or app (a phone's
// calendar, say), accepted with the account's email over HTTP Basic by
// the protocols that cannot carry a token (CalDAV), and revocable one by
// one. Only its SHA-256 is stored: it is random and long, so there is no
// password to guess from the hash, and a request checks it without a
// bcrypt comparison.
type AppPassword struct {
	ID   AppPasswordID
	User UserID
	// Name names the device, as its owner typed it.
	Name string
	// Hash is the SHA-256 of the password (see HashAppPassword).
	Hash    []byte
	Created time.Time
	// LastUsed is when it last signed in (to within AppPasswordTouch);
	// zero if never.
	LastUsed time.Time
}

// AppPasswordStore is the persistence of app passwords. The auth Store of
// storage/memory, storage/sqlite and storage/postgres implements it; the
// Service's app password methods are hanok.Unavailable over a Store that
// does not.
type AppPasswordStore interface {
	// CreateAppPassword stores p and sets p.ID. An unknown user is
	// ErrUserNotFound.
	CreateAppPassword(ctx context.Context, p *AppPassword) error
	// AppPasswords returns the user's app passwords, by id.
	AppPasswords(ctx context.Context, user UserID) ([]AppPassword, error)
	// AppPasswordByHash returns the app password whose Hash is hash:
	// ErrAppPasswordNotFound if none.
	AppPasswordByHash(ctx context.Context, hash []byte) (*AppPassword, error)
	// DeleteAppPassword deletes the user's app password id:
	// ErrAppPasswordNotFound if the user has no such one.
	DeleteAppPassword(ctx context.Context, user UserID, id AppPasswordID) error
	// TouchAppPassword sets the LastUsed time of app password id. A
	// deleted one is not an error.
	TouchAppPassword(ctx context.Context, id AppPasswordID, at time.Time) error
}

// App password limits.
const (
	// MaxAppPasswords is the most app passwords a user may have.
	MaxAppPasswords = 50
	// MaxAppPasswordNameLen is the longest device name, in characters.
	MaxAppPasswordNameLen = 100
	// AppPasswordTouch is how stale LastUsed may get: a sign-in records
	// its time only when the last recorded is older.
	AppPasswordTouch = 5 * time.Minute
)

// App password errors.
var (
	// ErrAppPasswordNotFound is an app password id that names none of
	// the user's.
	ErrAppPasswordNotFound = &hanok.Error{Code: hanok.NotFound, Message: "app password not found"}
	// ErrTooManyAppPasswords is a new app password past MaxAppPasswords.
	ErrTooManyAppPasswords = &hanok.Error{Code: hanok.Conflict, Message: fmt.Sprintf("at most %d app passwords; revoke one first", MaxAppPasswords)}
	// ErrAppPasswordsUnsupported is an app password method over a Store
	// that does not keep them.
	ErrAppPasswordsUnsupported = &hanok.Error{Code: hanok.Unavailable, Message: "app passwords are not supported by this store"}
)

// appPasswordGroups and appPasswordGroupLen shape a generated password:
// 8 groups of 4 characters of base32 (a-z, 2-7), 160 random bits.
const (
	appPasswordGroups   = 8
	appPasswordGroupLen = 4
)

// NormalizeAppPassword is an app password as it is hashed: lower case,
// without the dashes and spaces that group it, so that it may be typed
// either way.
func NormalizeAppPassword(p string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, p)
}

// HashAppPassword is the SHA-256 of the normalized password, the form a
// store keeps.
func HashAppPassword(p string) []byte {
	h := sha256.Sum256([]byte(NormalizeAppPassword(p)))
	return h[:]
}

func (s *Service) appPasswords() (AppPasswordStore, error) {
	st, ok := s.store.(AppPasswordStore)
	if !ok {
		return nil, ErrAppPasswordsUnsupported
	}
	return st, nil
}

// CreateAppPassword generates an app password named name for the actor.
// The password is returned once, grouped by dashes, and never stored.
func (s *Service) CreateAppPassword(ctx context.Context, actor hanok.Actor, name string) (*AppPassword, string, error) {
	if err := actor.Check(); err != nil {
		return nil, "", err
	}
	st, err := s.appPasswords()
	if err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if err := hanok.CheckText("name", name, hanok.TextRule{Min: 1, Max: MaxAppPasswordNameLen}); err != nil {
		return nil, "", err
	}
	have, err := st.AppPasswords(ctx, actor.ID)
	if err != nil {
		return nil, "", fmt.Errorf("auth: app passwords: %w", err)
	}
	if len(have) >= MaxAppPasswords {
		return nil, "", ErrTooManyAppPasswords
	}
	raw := make([]byte, appPasswordGroups*appPasswordGroupLen*5/8)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails
	flat := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	groups := make([]string, 0, appPasswordGroups)
	for i := 0; i < len(flat); i += appPasswordGroupLen {
		groups = append(groups, flat[i:i+appPasswordGroupLen])
	}
	password := strings.Join(groups, "-")
	p := &AppPassword{User: actor.ID, Name: name, Hash: HashAppPassword(password), Created: s.cfg.Now().Truncate(time.Second)}
	if err := st.CreateAppPassword(ctx, p); err != nil {
		return nil, "", fmt.Errorf("auth: create app password: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "app password created", "user_id", actor.ID, "app_password_id", p.ID)
	return p, password, nil
}

// AppPasswords returns the actor's app passwords (their hashes too; an
// adapter shows the id, name and times only).
func (s *Service) AppPasswords(ctx context.Context, actor hanok.Actor) ([]AppPassword, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	st, err := s.appPasswords()
	if err != nil {
		return nil, err
	}
	ps, err := st.AppPasswords(ctx, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: app passwords: %w", err)
	}
	return ps, nil
}

// RevokeAppPassword deletes one of the actor's app passwords: the next
// request that presents it fails.
func (s *Service) RevokeAppPassword(ctx context.Context, actor hanok.Actor, id AppPasswordID) error {
	if err := actor.Check(); err != nil {
		return err
	}
	st, err := s.appPasswords()
	if err != nil {
		return err
	}
	if err := st.DeleteAppPassword(ctx, actor.ID, id); err != nil {
		return fmt.Errorf("auth: revoke app password %d: %w", id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "app password revoked", "user_id", actor.ID, "app_password_id", id)
	return nil
}

// CheckAppPassword signs in with a username or email and one of the
// account's app passwords, as HTTP Basic does: the account's own
// password is not accepted. Failures spend the budgets of Login (per
// account and per client address) and get its answers: the one
// "wrong username or password", and hanok.RateLimited once throttled.
func (s *Service) CheckAppPassword(ctx context.Context, in LoginInput) (*User, error) {
	st, err := s.appPasswords()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Username)
	if name == "" || len(name) > maxLoginNameBytes {
		return nil, ErrBadCredentials
	}
	// Failures spend the account's and the address's budgets, those of
	// Login. Unlike Login, attempts in flight hold none of the account's:
	// an app password is 160 random bits, not guessed by running many
	// at once, and a calendar app sends several requests at once.
	counted := []string{"u:" + FoldKey(name)}
	if in.ClientAddr != "" {
		counted = append(counted, "a:"+in.ClientAddr)
	}
	now := s.cfg.Now()
	wait, end, err := s.beginLogin(ctx, now, nil, counted)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, s.throttled(ctx, name, in.ClientAddr, wait)
	}
	failed := true
	defer func() { end(failed) }()
	u, err := s.lookup(ctx, name)
	if err != nil && hanok.CodeOf(err) != hanok.NotFound {
		return nil, fmt.Errorf("auth: app password: %w", err)
	}
	var p *AppPassword
	if u != nil && len(in.Password) <= 4*appPasswordGroups*appPasswordGroupLen {
		p, err = st.AppPasswordByHash(ctx, HashAppPassword(in.Password))
		if err != nil && hanok.CodeOf(err) != hanok.NotFound {
			return nil, fmt.Errorf("auth: app password: %w", err)
		}
	}
	if u == nil || p == nil || p.User != u.ID {
		s.cfg.Logger.InfoContext(ctx, "app password sign-in failed", "username", name, "addr", in.ClientAddr)
		return nil, ErrBadCredentials
	}
	failed = false
	if now.Sub(p.LastUsed) > AppPasswordTouch {
		if err := st.TouchAppPassword(ctx, p.ID, now.Truncate(time.Second)); err != nil {
			s.cfg.Logger.WarnContext(ctx, "recording app password use", "err", err)
		}
	}
	return u, nil
}
