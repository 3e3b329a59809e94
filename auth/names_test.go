package auth_test

import (
	"context"
	"sync"
	"testing"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// TestNamesCannotImpersonate: a username with "@" must be the account's
// own email, and no username or email may be another account's.
func TestNamesCannotImpersonate(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	erin, err := svc.Register(ctx, auth.RegisterInput{Username: "erin", Email: "erin@example.com", Password: "erin-password"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in    auth.RegisterInput
		code  hanok.Code
		field string
	}{
		{auth.RegisterInput{Username: "erin@example.com", Email: "mallory@example.com"}, hanok.Invalid, "username"},
		{auth.RegisterInput{Username: "erin@example.com"}, hanok.Invalid, "username"},
		{auth.RegisterInput{Username: "a@b", Email: "mallory@example.com"}, hanok.Invalid, "username"},
		{auth.RegisterInput{Username: "Erin@Example.com", Email: "erin@example.com"}, hanok.Conflict, "username"},
		{auth.RegisterInput{Username: "mallory", Email: "ERIN@example.com"}, hanok.Conflict, "email"},
		{auth.RegisterInput{Username: "ERIN", Email: "mallory@example.com"}, hanok.Conflict, "username"},
		{auth.RegisterInput{Username: "mallory", Email: "erin@example.com\u200b"}, hanok.Invalid, "email"},
	}
	for _, c := range cases {
		c.in.Password = "mallory-password"
		_, err := svc.Register(ctx, c.in)
		if hanok.CodeOf(err) != c.code || hanok.FieldsOf(err)[c.field] == "" {
			t.Errorf("Register(%q, %q) = %v, want %s naming %s", c.in.Username, c.in.Email, err, c.code, c.field)
		}
	}
	// Her own email as her username is allowed (a calendar account).
	if _, err := svc.Register(ctx, auth.RegisterInput{Username: "Kim@example.com", Email: "kim@example.com", Password: "kim-password"}); err != nil {
		t.Fatalf("username = own email: %v", err)
	}
	for _, name := range []string{"erin", "ERIN@example.com"} {
		s, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: "erin-password"})
		if err != nil || s.User.ID != erin.User.ID {
			t.Fatalf("Login(%s) = %v, %v; want Erin", name, s, err)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	hash := s.User.PasswordHash
	for _, u := range []*auth.User{
		{Username: "old@example.com", PasswordHash: hash},
		{Username: "other@example.com", Email: "mine@example.com", PasswordHash: hash},
	} {
		if err := store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Login(ctx, auth.LoginInput{Username: "old@example.com", Password: "legacy-password"}); err != nil {
		t.Fatalf("legacy username with @ and no email: %v", err)
	}
	if _, err := svc.Login(ctx, auth.LoginInput{Username: "other@example.com", Password: "legacy-password"}); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("username with @ that is not its email = %v, want Unauthenticated", err)
	}
	if _, err := svc.Login(ctx, auth.LoginInput{Username: "mine@example.com", Password: "legacy-password"}); err != nil {
		t.Fatalf("that account by its own email: %v", err)
	}
}

func TestUpdateProfile(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	erin, _ := svc.Register(ctx, auth.RegisterInput{Username: "erin", Email: "erin@example.com", Password: "erin-password"})
	mal, _ := svc.Register(ctx, auth.RegisterInput{Username: "mallory", Password: "mallory-password"})
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		in    auth.ProfileInput
		code  hanok.Code
		field string
	}{
		{auth.ProfileInput{Username: str("erin@example.com")}, hanok.Invalid, "username"},
		{auth.ProfileInput{Username: str("Erin")}, hanok.Conflict, "username"},
		{auth.ProfileInput{Email: str("Erin@example.com")}, hanok.Conflict, "email"},
		{auth.ProfileInput{Username: str("erin@example.com"), Email: str("erin@example.com")}, hanok.Conflict, "username"},
		{auth.ProfileInput{Username: str("")}, hanok.Invalid, "username"},
		{auth.ProfileInput{Username: str("a\x00b")}, hanok.Invalid, "username"},
	} {
		_, err := svc.UpdateProfile(ctx, mal.User.Actor(), c.in)
		if hanok.CodeOf(err) != c.code || hanok.FieldsOf(err)[c.field] == "" {
			t.Errorf("UpdateProfile(%+v) = %v, want %s naming %s", c.in, err, c.code, c.field)
		}
	}
	u, err := svc.UpdateProfile(ctx, mal.User.Actor(), auth.ProfileInput{Username: str("mal@example.com"), Email: str("mal@example.com")})
	if err != nil || u.Username != "mal@example.com" {
		t.Fatalf("UpdateProfile to own email = %+v, %v", u, err)
	}
	if _, err := svc.UpdateProfile(ctx, hanok.Actor{}, auth.ProfileInput{}); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("UpdateProfile without actor = %v", err)
	}
	if s, err := svc.Login(ctx, auth.LoginInput{Username: "erin@example.com", Password: "erin-password"}); err != nil || s.User.ID != erin.User.ID {
		t.Fatalf("Erin after the attempts: %v", err)
	}
}

// TestSignInByEmail: the calendar's one-step sign-in creates the account
// of a new email, signs in to an existing one, refuses a wrong password,
// and two requests at once for a new email both succeed to one account.
func TestSignInByEmail(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, created, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: " Park@jungi.me ", Password: "password-1"})
	if err != nil || !created || s.User.Username != "Park@jungi.me" || s.User.Email != "Park@jungi.me" {
		t.Fatalf("first sign-in = %+v, %v, %v", s, created, err)
	}
	again, created, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "park@JUNGI.me", Password: "password-1"})
	if err != nil || created || again.User.ID != s.User.ID {
		t.Fatalf("second sign-in = %+v, %v, %v", again, created, err)
	}
	if _, _, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "park@jungi.me", Password: "wrong-password"}); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("wrong password = %v", err)
	}
	for _, c := range []struct {
		in    auth.EmailSignIn
		field string
	}{
		{auth.EmailSignIn{Password: "password-1"}, "email"},
		{auth.EmailSignIn{Email: "not-an-email", Password: "password-1"}, "email"},
		{auth.EmailSignIn{Email: "new@jungi.me"}, "password"},
		{auth.EmailSignIn{Email: "new@jungi.me", Password: "short"}, "password"},
	} {
		if _, _, err := svc.SignInByEmail(ctx, c.in); hanok.CodeOf(err) != hanok.Invalid || hanok.FieldsOf(err)[c.field] == "" {
			t.Errorf("SignInByEmail(%+v) = %v, want Invalid naming %s", c.in, err, c.field)
		}
	}
	// A double tap.
	var ids [2]auth.UserID
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _, err := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "tap@jungi.me", Password: "password-1"})
			if err != nil {
				t.Errorf("double tap %d: %v", i, err)
				return
			}
			ids[i] = s.User.ID
		}()
	}
	wg.Wait()
	if ids[0] != ids[1] {
		t.Fatalf("a double tap made two accounts: %v", ids)
	}
}
