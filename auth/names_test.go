package auth_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// TestNamesCannotImpersonate: a username with "@" must be the account's
// own email, and no username or email may be another account's.
func TestNamesCannotImpersonate(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	erin, err := svc.Register(ctx, auth.RegisterInput{Username: "erin", Email: "erin@example.com", Password: "erin-password"})
	require.NoError(t, err)
	for _, c := range []struct {
		in   auth.RegisterInput
		want error
	}{
		{auth.RegisterInput{Username: "erin@example.com", Email: "mallory@example.com"}, auth.ErrUsernameNotOwnEmail},
		{auth.RegisterInput{Username: "erin@example.com"}, auth.ErrUsernameNotOwnEmail},
		{auth.RegisterInput{Username: "a@b", Email: "mallory@example.com"}, auth.ErrUsernameNotOwnEmail},
		{auth.RegisterInput{Username: "Erin@Example.com", Email: "erin@example.com"}, auth.ErrUsernameTaken},
		{auth.RegisterInput{Username: "mallory", Email: "ERIN@example.com"}, auth.ErrEmailTaken},
		{auth.RegisterInput{Username: "ERIN", Email: "mallory@example.com"}, auth.ErrUsernameTaken},
		{auth.RegisterInput{Username: "ｅｒｉｎ", Email: "mallory@example.com"}, auth.ErrUsernameTaken},
		{auth.RegisterInput{Username: "\u0435rin", Email: "mallory@example.com"}, auth.ErrUsernameScripts},
		{auth.RegisterInput{Username: "mallory", Email: "not an email"}, auth.ErrEmailInvalid},
	} {
		c.in.Password = "mallory-password"
		_, err := svc.Register(ctx, c.in)
		assert.ErrorIs(t, err, c.want, "Register(%q, %q)", c.in.Username, c.in.Email)
	}
	// An invisible character in an email is refused as text.
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "mallory", Email: "erin@example.com\u200b", Password: "mallory-password"})
	assert.Equal(t, hanok.Invalid, hanok.CodeOf(err))
	assert.NotEmpty(t, hanok.FieldsOf(err)["email"])
	// Her own email as her username is allowed (a calendar account).
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "Kim@example.com", Email: "kim@example.com", Password: "kim-password"})
	require.NoError(t, err, "username = own email")
	for _, name := range []string{"erin", "ERIN@example.com", "ｅｒｉｎ"} {
		s, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: "erin-password"})
		require.NoError(t, err, "Login(%s)", name)
		assert.Equal(t, erin.User.ID, s.User.ID, "Login(%s)", name)
	}
}

// TestLoginByEmailNeverReachesAnotherUsername: a login name with "@" is
// an email. A username with "@" stored before the rule (written to the
// store directly here) signs in only when no account has that email and
// it has no other email of its own.
func TestLoginByEmailNeverReachesAnotherUsername(t *testing.T) {
	ctx := context.Background()
	svc, _, store := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "tmp", Password: "legacy-password"})
	require.NoError(t, err)
	hash := s.User.PasswordHash
	for _, u := range []*auth.User{
		{Username: "old@example.com", PasswordHash: hash},
		{Username: "other@example.com", Email: "mine@example.com", PasswordHash: hash},
	} {
		require.NoError(t, store.CreateUser(ctx, u))
	}
	_, err = svc.Login(ctx, auth.LoginInput{Username: "old@example.com", Password: "legacy-password"})
	require.NoError(t, err, "legacy username with @ and no email")
	_, err = svc.Login(ctx, auth.LoginInput{Username: "other@example.com", Password: "legacy-password"})
	require.ErrorIs(t, err, auth.ErrBadCredentials, "username with @ that is not its email")
	_, err = svc.Login(ctx, auth.LoginInput{Username: "mine@example.com", Password: "legacy-password"})
	require.NoError(t, err, "that account by its own email")
}

func TestUpdateProfile(t *testing.T) {
	ctx := context.Background()
	svc, _, store := newService(t)
	erin, err := svc.Register(ctx, auth.RegisterInput{Username: "erin", Email: "erin@example.com", Password: "erin-password"})
	require.NoError(t, err)
	mal, err := svc.Register(ctx, auth.RegisterInput{Username: "mallory", Password: "mallory-password"})
	require.NoError(t, err)
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		in    auth.ProfileInput
		code  hanok.Code
		field string
	}{
		{auth.ProfileInput{Username: str("erin@example.com")}, hanok.Invalid, "username"},
		{auth.ProfileInput{Username: str("Erin")}, hanok.Conflict, "username"},
		{auth.ProfileInput{Username: str("ｅrin")}, hanok.Conflict, "username"},
		{auth.ProfileInput{Username: str("\u0435rin")}, hanok.Invalid, "username"},
		{auth.ProfileInput{Email: str("Erin@example.com")}, hanok.Conflict, "email"},
		{auth.ProfileInput{Username: str("erin@example.com"), Email: str("erin@example.com")}, hanok.Conflict, "username"},
		{auth.ProfileInput{Username: str("")}, hanok.Invalid, "username"},
		{auth.ProfileInput{Username: str("a\x00b")}, hanok.Invalid, "username"},
	} {
		_, err := svc.UpdateProfile(ctx, mal.User.Actor(), c.in)
		assert.Equal(t, c.code, hanok.CodeOf(err), "UpdateProfile(%+v): %v", c.in, err)
		assert.NotEmpty(t, hanok.FieldsOf(err)[c.field], "UpdateProfile(%+v) names %s", c.in, c.field)
	}
	u, err := svc.UpdateProfile(ctx, mal.User.Actor(), auth.ProfileInput{Username: str("mal@example.com"), Email: str("mal@example.com")})
	require.NoError(t, err, "UpdateProfile to own email")
	assert.Equal(t, "mal@example.com", u.Username)
	// A new username is stored in its PRECIS form.
	u, err = svc.UpdateProfile(ctx, mal.User.Actor(), auth.ProfileInput{Username: str("Ｍａｌ")})
	require.NoError(t, err)
	assert.Equal(t, "Mal", u.Username)
	_, err = svc.UpdateProfile(ctx, hanok.Actor{}, auth.ProfileInput{})
	require.ErrorIs(t, err, hanok.ErrNotSignedIn)
	s, err := svc.Login(ctx, auth.LoginInput{Username: "erin@example.com", Password: "erin-password"})
	require.NoError(t, err, "Erin after the attempts")
	assert.Equal(t, erin.User.ID, s.User.ID)

	// An account whose name predates the rules of names (mixed scripts,
	// written to the store directly) may still change its email.
	legacy := &auth.User{Username: "\u0430dmin", PasswordHash: mal.User.PasswordHash}
	require.NoError(t, store.CreateUser(ctx, legacy))
	u, err = svc.UpdateProfile(ctx, legacy.Actor(), auth.ProfileInput{Email: str("legacy@example.com")})
	require.NoError(t, err)
	assert.Equal(t, "\u0430dmin", u.Username)
	assert.Equal(t, "legacy@example.com", u.Email)
}

// TestSignInByEmail: the calendar's one-step sign-in creates the account
// of a new email, signs in to an existing one, refuses a wrong password,
// and two requests at once for a new email both succeed to one account.
func TestSignInByEmail(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, created, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: " Park@jungi.me ", Password: "password-1"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "Park@jungi.me", s.User.Username)
	assert.Equal(t, "Park@jungi.me", s.User.Email)
	again, created, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "park@JUNGI.me", Password: "password-1"})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, s.User.ID, again.User.ID)
	_, _, err = svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "park@jungi.me", Password: "wrong-password"})
	require.ErrorIs(t, err, auth.ErrBadCredentials)
	for _, c := range []struct {
		in    auth.EmailSignIn
		field string
	}{
		{auth.EmailSignIn{Password: "password-1"}, "email"},
		{auth.EmailSignIn{Email: "not-an-email", Password: "password-1"}, "email"},
		{auth.EmailSignIn{Email: "new@jungi.me"}, "password"},
		{auth.EmailSignIn{Email: "new@jungi.me", Password: "short"}, "password"},
	} {
		_, _, err := svc.SignInByEmail(ctx, c.in)
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "SignInByEmail(%+v): %v", c.in, err)
		assert.NotEmpty(t, hanok.FieldsOf(err)[c.field], "SignInByEmail(%+v) names %s", c.in, c.field)
	}
	// A double tap.
	var ids [2]hanok.UserID
	var errs [2]error
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			s, _, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "tap@jungi.me", Password: "password-1"})
			if errs[i] = err; err == nil {
				ids[i] = s.User.ID
			}
		})
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, ids[0], ids[1], "a double tap made two accounts")
}
