package auction_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// memoryWithUsers returns a new memory database holding n users with the
// ids 1 to n: cars and bids must belong to users of their database.
func memoryWithUsers(t testing.TB, n int) *memory.DB {
	t.Helper()
	db := memory.New()
	for i := 1; i <= n; i++ {
		u := &auth.User{Username: fmt.Sprintf("user%d", i), PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
		if err := db.Auth().CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		if u.ID != auth.UserID(i) {
			t.Fatalf("user %d got id %d", i, u.ID)
		}
	}
	return db
}

// registerUsers registers users of the given names, with the email
// name@example.com, through the auth service of db, as a program would.
func registerUsers(ctx context.Context, db *memory.DB, names ...string) {
	users, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		if _, err := users.Register(ctx, auth.RegisterInput{Username: name, Email: name + "@example.com", Password: "password123"}); err != nil {
			panic(err)
		}
	}
}
