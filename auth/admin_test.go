package auth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

func TestAdminAccounts(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	u, err := svc.CreateUser(ctx, auth.RegisterInput{Username: "root", Password: "password123"}, true)
	if err != nil || !u.Superuser {
		t.Fatalf("CreateUser = %+v, %v", u, err)
	}
	sess, err := svc.Register(ctx, auth.RegisterInput{Username: "alice", Password: "password123"})
	require.NoError(t, err)
	if _, err := svc.CreateUser(ctx, auth.RegisterInput{Username: "ALICE", Password: "password123"}, false); hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("duplicate: %v", err)
	}
	got, err := svc.UserByName(ctx, " Alice ")
	if err != nil || got.ID != sess.User.ID {
		t.Fatalf("UserByName = %+v, %v", got, err)
	}
	if _, err := svc.UserByName(ctx, "nobody"); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("unknown: %v", err)
	}
	us, err := svc.Users(ctx)
	if err != nil || len(us) != 2 || us[0].Username != "root" || us[1].Username != "alice" {
		t.Fatalf("Users = %v, %v", us, err)
	}

	// A new password works, the old does not, and old tokens end.
	storetest.WantCode(t, svc.SetPassword(ctx, sess.User.ID, "short"), hanok.Invalid)
	storetest.WantCode(t, svc.SetPassword(ctx, 9999, "password456"), hanok.NotFound)
	require.NoError(t, svc.SetPassword(ctx, sess.User.ID, "password456"))
	if _, err := svc.Authenticate(ctx, sess.Token); err == nil {
		t.Fatal("a token issued before the password change still works")
	}
	if _, err := svc.Login(ctx, auth.LoginInput{Username: "alice", Password: "password123"}); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := svc.Login(ctx, auth.LoginInput{Username: "alice", Password: "password456"}); err != nil {
		t.Fatalf("new password: %v", err)
	}
}
