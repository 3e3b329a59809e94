package hanok

// UserID identifies an account. It is a positive integer, the seeds' "pk".
type UserID int64

// Actor is the signed-in user a service method acts for. Every domain takes
// this one type (second, after the context) and checks it with Check before
// anything else; adapters get it from the authenticated request.
type Actor struct {
	ID       UserID
	Username string
	// Email is "" for an account registered without one.
	Email     string
	Superuser bool
}

// ErrNotSignedIn is the error of a method called without a signed-in actor.
var ErrNotSignedIn = &Error{Code: Unauthenticated, Message: "not signed in"}

// Check returns ErrNotSignedIn unless a names a signed-in user.
func (a Actor) Check() error {
	if a.ID <= 0 {
		return ErrNotSignedIn
	}
	return nil
}

// Is reports whether a is the user id.
func (a Actor) Is(id UserID) bool { return a.ID > 0 && a.ID == id }
