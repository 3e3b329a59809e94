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

// The calendar's one-step sign-in: the first call registers the email,
// the next ones sign in to it; nobody else can take the email as a
// username.
func ExampleService_SignInByEmail() {
	ctx := context.Background()
	svc, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		panic(err)
	}
	_, created, _ := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "erin@example.com", Password: "correct horse"})
	fmt.Println("created:", created)
	s, created, _ := svc.SignInByEmail(ctx, auth.EmailSignIn{Email: "Erin@Example.com", Password: "correct horse"})
	fmt.Println("created:", created, "user:", s.User.Username)

	_, err = svc.Register(ctx, auth.RegisterInput{Username: "ERIN@example.com", Password: "battery staple"})
	fmt.Println(hanok.MessageOf(err))
	_, err = svc.Register(ctx, auth.RegisterInput{Username: "ERIN@example.com", Email: "ERIN@example.com", Password: "battery staple"})
	fmt.Println(hanok.MessageOf(err))
	// Output:
	// created: true
	// created: false user: erin@example.com
	// username: may contain "@" only when it is the account's own email
	// username is already taken
}
