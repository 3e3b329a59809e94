package auction_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

// stageAll stages every upload of in as the HTTP adapter does.
func stageAll(t *testing.T, svc *auction.Service, in *auction.NewCar) {
	t.Helper()
	for i, up := range in.Images {
		staged, err := svc.StageUpload(context.Background(), up.Name, bytes.NewReader(up.Data))
		if err != nil {
			t.Fatal(err)
		}
		in.Images[i] = staged
	}
}

func tempFiles(t *testing.T, m auction.MediaStore) []string {
	t.Helper()
	infos, err := m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range infos {
		if in.Temp {
			out = append(out, in.Name)
		}
	}
	return out
}

// TestStagedUploads: images streamed into the media store's temporary
// area are checked there and moved into place, or removed.
func TestStagedUploads(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	in := newCarInput(t, 5)
	stageAll(t, svc, &in)
	if n := len(tempFiles(t, db.Media())); n != 5 {
		t.Fatalf("%d temporary files for 5 staged uploads", n)
	}
	car, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
	if err != nil {
		t.Fatal(err)
	}
	if ts := tempFiles(t, db.Media()); len(ts) != 0 {
		t.Fatalf("temporary files left after the car was stored: %q", ts)
	}
	for _, im := range car.Images {
		f, err := svc.OpenMedia(ctx, im.Path)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	// Refused: a damaged image, and one past the size limit (which keeps
	// no file even while staged).
	for _, mut := range []func(*auction.NewCar){
		func(in *auction.NewCar) { in.Images[3].Data = append(in.Images[3].Data, "junk"...) },
		func(in *auction.NewCar) { in.Images[1].Data = make([]byte, svc.Config().MaxImageBytes+1) },
		func(in *auction.NewCar) { in.Fuel = "gas" },
	} {
		in := newCarInput(t, 5)
		mut(&in)
		stageAll(t, svc, &in)
		if _, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in); hanok.CodeOf(err) != hanok.Invalid {
			t.Fatalf("refused car: %v", err)
		}
		if ts := tempFiles(t, db.Media()); len(ts) != 0 {
			t.Fatalf("a refused car left temporary files %q", ts)
		}
	}
	if n := len(db.Media().Names()); n != 5 {
		t.Fatalf("%d media files, want the first car's 5", n)
	}

	// An upload that never reaches CreateCar is discarded by its caller.
	up, err := svc.StageUpload(ctx, "a.png", bytes.NewReader(testPNG(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Discard(); err != nil {
		t.Fatal(err)
	}
	if err := up.Discard(); err != nil {
		t.Fatal(err)
	}
	if ts := tempFiles(t, db.Media()); len(ts) != 0 {
		t.Fatalf("discarded upload left %q", ts)
	}
}

// TestCleanMedia: what a crash leaves (issue 8, point 6) is removed once
// older than the grace period; what a car refers to is kept.
func TestCleanMedia(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 1)
	clock := testkit.NewClock(time.Now())
	var log bytes.Buffer
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	car, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5))
	if err != nil {
		t.Fatal(err)
	}
	m := db.Media()
	// An image stored for a car that was never committed, an upload cut
	// off half way, and a file that is not the auction's.
	if err := m.Put(ctx, "cars/2019-04-10/orphan.png", testPNG(t)); err != nil {
		t.Fatal(err)
	}
	partial, err := m.CreateTemp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := partial.Write([]byte("\x89PNG half")); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(ctx, "other/notes.txt", []byte("not an image")); err != nil {
		t.Fatal(err)
	}

	rep, err := svc.CleanMedia(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans)+len(rep.Temporary) != 0 {
		t.Fatalf("removed files younger than the grace period: %+v", rep)
	}

	clock.Add(2 * time.Hour)
	rep, err = svc.CleanMedia(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Orphans, []string{"cars/2019-04-10/orphan.png"}) || len(rep.Temporary) != 1 {
		t.Fatalf("cleanup: %+v", rep)
	}
	names := m.Names()
	for _, im := range car.Images {
		if !slices.Contains(names, im.Path) {
			t.Fatalf("removed %s of car %d", im.Path, car.ID)
		}
	}
	if !slices.Contains(names, "other/notes.txt") || len(names) != 6 || len(tempFiles(t, m)) != 0 {
		t.Fatalf("left %q", names)
	}
	for _, want := range []string{"path=cars/2019-04-10/orphan.png kind=orphan", "path=" + rep.Temporary[0] + " kind=temporary"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if err := partial.Close(); err != nil {
		t.Fatalf("closing an upload the cleanup removed: %v", err)
	}
}

// TestWaitingCarIsItsOwners: another user's car that waits for approval
// reads as not found, also through the bids (issue 8, point 7); its owner
// and superusers read it, and anyone once its auction started.
func TestWaitingCarIsItsOwners(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	owner, other, admin := hanok.Actor{ID: 1}, hanok.Actor{ID: 2}, hanok.Actor{ID: 3, Superuser: true}
	car, err := svc.CreateCar(ctx, owner, newCarInput(t, 5))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []hanok.Actor{owner, admin} {
		if c, err := svc.Car(ctx, a, car.ID); err != nil || c.ID != car.ID {
			t.Fatalf("%+v reading the waiting car: %v", a, err)
		}
	}
	_, err = svc.Car(ctx, other, car.ID)
	if hanok.CodeOf(err) != hanok.NotFound || hanok.MessageOf(err) != "car 1 not found" {
		t.Fatalf("another user reading a waiting car: %v", err)
	}
	if _, err := svc.Bids(ctx, other, car.ID); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("another user reading the bids of a waiting car: %v", err)
	}
	if _, err := svc.PlaceBid(ctx, other, car.ID, 100); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("another user bidding on a waiting car: %v", err)
	}
	if _, err := svc.Approve(ctx, admin, car.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Car(ctx, other, car.ID); err != nil {
		t.Fatalf("another user reading an ongoing car: %v", err)
	}
}
