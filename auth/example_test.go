package auth_test

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// Register a user, sign in, use the token, sign out.
func Example() {
	ctx := context.Background()
	svc, err := auth.New(memory.New().Auth(), auth.Config{
		Secret:     auth.GenerateSecret(),
		BcryptCost: bcrypt.MinCost,
	})
	if err != nil {
		panic(err)
	}
	if _, err := svc.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "correct horse"}); err != nil {
		panic(err)
	}
	s, err := svc.Login(ctx, auth.LoginInput{Username: "MIRIM", Password: "correct horse"})
	if err != nil {
		panic(err)
	}
	u, _ := svc.Authenticate(ctx, s.Token)
	fmt.Println("signed in as", u.Username)

	_ = svc.Logout(ctx, s.Token)
	_, err = svc.Authenticate(ctx, s.Token)
	fmt.Println("after logout:", hanok.CodeOf(err))
	// Output:
	// signed in as mirim
	// after logout: unauthenticated
}
