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

// UserID is hanok.UserID, the one user id of the project; auth itself
// and its stores write hanok.UserID. This alias only keeps the auction
// and calendar code that still says auth.UserID compiling until it says
// hanok.UserID too; it names no other type.
type UserID = hanok.UserID

// User is an account.
type User struct {
	ID       hanok.UserID
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

// The other errors of auth, declared once: every word a client reads
// about accounts and tokens is here or in names.go.
var (
	// ErrEmailInvalid is the error of an email that is not ValidEmail.
	ErrEmailInvalid = hanok.FieldError("email", "is not a valid email address")
	// ErrUsernameNotOwnEmail is the error of a username with "@" that is
	// not the account's own email.
	ErrUsernameNotOwnEmail = hanok.FieldError("username", `may contain "@" only when it is the account's own email`)
	// ErrBadCredentials is the one answer to a wrong username or
	// password, so that a caller cannot tell which of the two was wrong.
	ErrBadCredentials = &hanok.Error{Code: hanok.Unauthenticated, Message: "wrong username or password"}
	// ErrBadToken is the error of a token that is forged, malformed or
	// expired, or whose user no longer exists.
	ErrBadToken = &hanok.Error{Code: hanok.Unauthenticated, Message: "invalid or expired token"}
	// ErrTokenRevoked is the error of a token that was logged out.
	ErrTokenRevoked = &hanok.Error{Code: hanok.Unauthenticated, Message: "token has been revoked"}
	// ErrTokenBeforePassword is the error of a token issued under a
	// password that has changed since.
	ErrTokenBeforePassword = &hanok.Error{Code: hanok.Unauthenticated, Message: "token was issued before the password changed"}
	// ErrTooManyLogins and ErrTooManyRegistrations carry the words of a
	// throttled login or registration; the errors returned are copies
	// with a RetryAfter.
	ErrTooManyLogins        = &hanok.Error{Code: hanok.RateLimited, Message: "too many failed logins; try again later"}
	ErrTooManyRegistrations = &hanok.Error{Code: hanok.RateLimited, Message: "too many registrations from this address; try again later"}
)

// ChangeCounter is implemented by a Store that counts the writes that can
// change what a token stands for (a user updated or deleted, a token
// revoked) made by any process on the same database. Over such a store
// the token cache trusts an entry only while the count is the one it was
// verified under, so such a write by another process (the CLI beside a
// running server, another server) is seen at the next request. The count
// is asked for at every request, so it must cost much less than the two
// reads of a verification: the SQLite store answers from the WAL-index
// header while nothing was committed to the file, the PostgreSQL store
// with one small query. Over a store without it, another process's write
// is seen within Config.TokenCacheTTL.
type ChangeCounter interface {
	// AuthChanges returns the count; it only grows.
	AuthChanges(ctx context.Context) (int64, error)
}

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
	UserByID(ctx context.Context, id hanok.UserID) (*User, error)
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
