package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/postgres"
)

// Open a database that several servers share, and build services over its
// stores. Auth's throttle budgets go to the database too, so that every
// server spends one budget.
func ExampleOpen() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, os.Getenv("HANOK_DB")) // postgres://user:password@127.0.0.1:5432/hanok
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	secret, err := db.Auth().Secret(ctx, "jwt", auth.GenerateSecret())
	if err != nil {
		log.Fatal(err)
	}
	authn, err := auth.New(db.Auth(), auth.Config{Secret: secret, Throttles: db.Auth()})
	if err != nil {
		log.Fatal(err)
	}
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	if err != nil {
		log.Fatal(err)
	}
	_, _ = authn, cal
}
