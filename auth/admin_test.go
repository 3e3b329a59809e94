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
	require.NoError(t, err, "CreateUser = %+v, %v", u, err)
	require.True(t, u.Superuser, "CreateUser = %+v, %v", u, err)
	sess, err := svc.Register(ctx, auth.RegisterInput{Username: "alice", Password: "password123"})
	require.NoError(t, err)
	_, err = svc.CreateUser(ctx, auth.RegisterInput{Username: "ALICE", Password: "password123"}, false)
	require.Equal(t, hanok.Conflict, hanok.CodeOf(err), "duplicate: %v", err)
	got, err := svc.UserByName(ctx, " Alice ")
	require.NoError(t, err, "UserByName = %+v, %v", got, err)
	require.Equal(t, sess.User.ID, got.ID, "UserByName = %+v, %v", got, err)
	_, err = svc.UserByName(ctx, "nobody")
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "unknown: %v", err)
	us, err := svc.Users(ctx)
	require.NoError(t, err, "Users = %v, %v", us, err)
	require.Len(t, us, 2, "Users = %v, %v", us, err)
	require.Equal(t, "root", us[0].Username, "Users = %v, %v", us, err)
	require.Equal(t, "alice", us[1].Username, "Users = %v, %v", us, err)

	// A new password works, the old does not, and old tokens end.
	storetest.WantCode(t, svc.SetPassword(ctx, sess.User.ID, "short"), hanok.Invalid)
	storetest.WantCode(t, svc.SetPassword(ctx, 9999, "password456"), hanok.NotFound)
	require.NoError(t, svc.SetPassword(ctx, sess.User.ID, "password456"))
	_, err = svc.Authenticate(ctx, sess.Token)
	require.Error(t, err, "a token issued before the password change still works")
	_, err = svc.Login(ctx, auth.LoginInput{Username: "alice", Password: "password123"})
	require.Error(t, err, "old password still works")
	_, err = svc.Login(ctx, auth.LoginInput{Username: "alice", Password: "password456"})
	require.NoError(t, err, "new password: %v", err)
}
