package auction_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		require.NoError(t, err)
		in.Images[i] = staged
	}
}

func tempFiles(t *testing.T, m auction.MediaStore) []string {
	t.Helper()
	infos, err := m.List(context.Background())
	require.NoError(t, err)
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
	_, err := svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	in := newCarInput(t, 5)
	stageAll(t, svc, &in)
	require.Len(t, tempFiles(t, db.Media()), 5, "temporary files for 5 staged uploads")
	car, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
	require.NoError(t, err)
	require.Empty(t, tempFiles(t, db.Media()), "temporary files left after the car was stored")
	for _, im := range car.Images {
		f, err := svc.OpenMedia(ctx, im.Path)
		require.NoError(t, err)
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
		_, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
		require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "refused car: %v", err)
		require.Empty(t, tempFiles(t, db.Media()), "a refused car left temporary files")
	}
	require.Len(t, db.Media().Names(), 5, "media files, want the first car's 5")

	// An upload that never reaches CreateCar is discarded by its caller.
	up, err := svc.StageUpload(ctx, "a.png", bytes.NewReader(testPNG(t)))
	require.NoError(t, err)
	require.NoError(t, up.Discard())
	require.NoError(t, up.Discard())
	require.Empty(t, tempFiles(t, db.Media()), "discarded upload left temporary files")
}

// TestCleanMedia: what a crash leaves (issue 8, point 6) is removed once
// older than the grace period; what a car refers to is kept.
func TestCleanMedia(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 1)
	clock := testkit.NewClock(time.Now())
	var log bytes.Buffer
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	car, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5))
	require.NoError(t, err)
	m := db.Media()
	// An image stored for a car that was never committed, an upload cut
	// off half way, and a file that is not the auction's.
	require.NoError(t, m.Put(ctx, "cars/2019-04-10/orphan.png", testPNG(t)))
	partial, err := m.CreateTemp(ctx)
	require.NoError(t, err)
	_, err = partial.Write([]byte("\x89PNG half"))
	require.NoError(t, err)
	require.NoError(t, m.Put(ctx, "other/notes.txt", []byte("not an image")))

	rep, err := svc.CleanMedia(ctx, time.Hour)
	require.NoError(t, err)
	require.Empty(t, rep.Orphans, "removed orphans younger than the grace period")
	require.Empty(t, rep.Temporary, "removed temporary files younger than the grace period")

	clock.Add(2 * time.Hour)
	rep, err = svc.CleanMedia(ctx, time.Hour)
	require.NoError(t, err)
	require.Equal(t, []string{"cars/2019-04-10/orphan.png"}, rep.Orphans, "cleanup: orphans")
	require.Len(t, rep.Temporary, 1, "cleanup: temporary files")
	names := m.Names()
	for _, im := range car.Images {
		require.Contains(t, names, im.Path, "removed %s of car %d", im.Path, car.ID)
	}
	require.Contains(t, names, "other/notes.txt", "left")
	require.Len(t, names, 6, "left")
	require.Empty(t, tempFiles(t, m), "left temporary files")
	for _, want := range []string{"path=cars/2019-04-10/orphan.png kind=orphan", "path=" + rep.Temporary[0] + " kind=temporary"} {
		assert.Contains(t, log.String(), want, "log")
	}
	require.NoError(t, partial.Close(), "closing an upload the cleanup removed")
}

// TestWaitingCarIsItsOwners: another user's car that waits for approval
// reads as not found, also through the bids (issue 8, point 7); its owner
// and superusers read it, and anyone once its auction started.
func TestWaitingCarIsItsOwners(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	_, err := svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	owner, other, admin := hanok.Actor{ID: 1}, hanok.Actor{ID: 2}, hanok.Actor{ID: 3, Superuser: true}
	car, err := svc.CreateCar(ctx, owner, newCarInput(t, 5))
	require.NoError(t, err)
	for _, a := range []hanok.Actor{owner, admin} {
		c, err := svc.Car(ctx, a, car.ID)
		require.NoError(t, err, "%+v reading the waiting car", a)
		require.Equal(t, car.ID, c.ID, "%+v reading the waiting car", a)
	}
	_, err = svc.Car(ctx, other, car.ID)
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "another user reading a waiting car: %v", err)
	require.Equal(t, "car 1 not found", hanok.MessageOf(err), "another user reading a waiting car")
	_, err = svc.Bids(ctx, other, car.ID)
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "another user reading the bids of a waiting car: %v", err)
	_, err = svc.PlaceBid(ctx, other, car.ID, 100)
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "another user bidding on a waiting car: %v", err)
	_, err = svc.Approve(ctx, admin, car.ID)
	require.NoError(t, err)
	_, err = svc.Car(ctx, other, car.ID)
	require.NoError(t, err, "another user reading an ongoing car")
}
