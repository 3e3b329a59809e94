package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// TestLegacyNameClashStillUpdates: a database written before usernames
// and emails shared one namespace may hold a username that is another
// account's email. Both accounts can still be updated in other ways, and
// neither can move further into the other's names.
func TestLegacyNameClashStillUpdates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Auth()
	erin := &auth.User{Username: "erin", Email: "erin@example.com", PasswordHash: []byte("h"), Created: time.Now()}
	if err := s.CreateUser(ctx, erin); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	res, err := raw.ExecContext(ctx, `INSERT INTO users (username, username_key, email, email_key, password_hash, superuser, created) VALUES ('erin@example.com', 'erin@example.com', 'mallory@example.com', 'mallory@example.com', x'00', 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()

	erin.Superuser = true
	if err := s.UpdateUser(ctx, erin); err != nil {
		t.Fatalf("updating Erin beside a legacy clash: %v", err)
	}
	mal, err := s.UserByID(ctx, auth.UserID(id))
	if err != nil {
		t.Fatal(err)
	}
	mal.PasswordHash = []byte("new")
	if err := s.UpdateUser(ctx, mal); err != nil {
		t.Fatalf("updating the legacy account's password: %v", err)
	}
	mal.Email = "ERIN"
	if err := s.UpdateUser(ctx, mal); !errors.Is(err, auth.ErrEmailTaken) {
		t.Fatalf("moving the legacy account's email onto Erin's username = %v, want ErrEmailTaken", err)
	}
}
