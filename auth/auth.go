// Package auth holds accounts and tokens: users with bcrypt password hashes,
// HS256 JSON Web Tokens with a revocable id, and login throttling.
//
// The Service holds the rules; persistence is behind the Store interface,
// implemented by storage/memory, storage/sqlite and storage/postgres and
// checked by the conformance suite in auth/authtest. The HTTP adapter is
// adapters/authhttp; every other service's adapter checks tokens through
// the Service.
package auth

import (
	"context"
	"time"

	"github.com/hanok-dev/hanok"
)

// UserID identifies a user: hanok.UserID, named here too because auth
// is where users are made.
type UserID = hanok.UserID

// User is an account.
type User struct {
	ID       UserID
	Username string
	// Email is optional; "" when not given. Unique when given.
	Email        string
	PasswordHash []byte
	Superuser    bool
	Created      time.Time
}

// Actor returns the actor of u, the shape every service takes.
func (u *User) Actor() hanok.Actor {
	return hanok.Actor{ID: u.ID, Username: u.Username, Email: u.Email, Superuser: u.Superuser}
}

// FoldKey returns the case-folded form of a username or email, under which
// they are unique: hanok.Fold, the one fold of the project.
func FoldKey(s string) string { return hanok.Fold(s) }

// ErrUserNotFound is the error a Store returns for an unknown user;
// ErrUsernameTaken and ErrEmailTaken the errors it returns (wrapped or
// not) when a user's username or email is already another user's. They
// are defined here so that the client reads the same words whatever the
// store.
var (
	ErrUserNotFound  = &hanok.Error{Code: hanok.NotFound, Message: "user not found"}
	ErrUsernameTaken = &hanok.Error{Code: hanok.Conflict, Message: "username is already taken", Fields: map[string]string{"username": "is already taken"}}
	ErrEmailTaken    = &hanok.Error{Code: hanok.Conflict, Message: "email is already registered", Fields: map[string]string{"email": "is already registered"}}
)

// Store is the persistence auth needs.
//
// Usernames and emails (when not empty) share one namespace, compared by
// FoldKey: no user's username or email may equal another user's username
// or email, so that one account can never be named by another's name. (A
// user's own username may equal its own email.) CreateUser and UpdateUser
// refuse a clash with ErrUsernameTaken when u.Username is the name already
// in use, else ErrEmailTaken. Unknown users are ErrUserNotFound.
type Store interface {
	// CreateUser stores u and sets u.ID.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces the stored user with the same ID.
	UpdateUser(ctx context.Context, u *User) error
	// UserByID returns the user with that id.
	UserByID(ctx context.Context, id UserID) (*User, error)
	// UserByUsername finds a user by username, case-insensitively.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// UserByEmail finds a user by email, case-insensitively.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// Users returns every user, by id.
	Users(ctx context.Context) ([]User, error)

	// RevokeToken records that the token id jti is revoked until expires.
	// Revoking the same id twice is not an error.
	RevokeToken(ctx context.Context, jti string, expires time.Time) error
	// IsRevoked reports whether jti was revoked.
	IsRevoked(ctx context.Context, jti string) (bool, error)
	// PruneRevocations deletes revocations that expired before t and
	// returns how many it deleted.
	PruneRevocations(ctx context.Context, before time.Time) (int, error)

	// Secret returns the secret stored under name; if there is none, it
	// stores generated and returns it. Concurrent callers get one value.
	Secret(ctx context.Context, name string, generated []byte) ([]byte, error)
}
