package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/hanok-dev/hanok"
)

// This file holds what an operator's admin commands need: the accounts
// seen from outside any request.

// Users returns every user, by id.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	us, err := s.store.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	return us, nil
}

// UserByName returns the user with that username (case-insensitively), or
// hanok.NotFound.
func (s *Service) UserByName(ctx context.Context, username string) (*User, error) {
	u, err := s.store.UserByUsername(ctx, strings.TrimSpace(username))
	if err != nil {
		return nil, fmt.Errorf("auth: user %q: %w", username, err)
	}
	return u, nil
}

// CheckPassword returns the Invalid error of a password the service would
// refuse (too short or too long), else nil: a command line can check one
// before it creates anything.
func CheckPassword(password string) error { return checkPassword(password) }

// CreateUser creates a user, a superuser if superuser is set, without
// signing it in. The rules are Register's.
func (s *Service) CreateUser(ctx context.Context, in RegisterInput, superuser bool) (*User, error) {
	return s.createUser(ctx, in, superuser)
}

// SetPassword sets user id's password, under the rules of Register. Every
// token issued before stops working, as it carries a stamp of the old
// password.
func (s *Service) SetPassword(ctx context.Context, id hanok.UserID, password string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "password set", "user_id", u.ID)
	return nil
}
