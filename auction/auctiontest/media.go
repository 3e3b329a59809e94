package auctiontest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/storetest"
)

// RunMediaStoreTests runs the conformance suite of auction.MediaStore
// against the stores mk makes, one fresh store per subtest. The suite
// needs no users: the harness's Users may be nil.
func RunMediaStoreTests(t *testing.T, mk storetest.Maker[auction.MediaStore]) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, m auction.MediaStore)
	}{
		{"PutOpenDelete", testMediaPut},
		{"TempCommit", testMediaTempCommit},
		{"TempDiscard", testMediaTempDiscard},
		{"TempLeftOver", testMediaTempLeftOver},
		{"ConcurrentUploads", testMediaConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, mk(t).Store) })
	}
}

func readMedia(t *testing.T, m auction.MediaStore, name string) string {
	t.Helper()
	f, err := m.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size() != int64(len(data)) {
		t.Fatalf("Open(%q): Size %d, read %d bytes", name, f.Size(), len(data))
	}
	return string(data)
}

// listMedia returns the store's files by name, checking what every
// listing must hold.
func listMedia(t *testing.T, m auction.MediaStore) map[string]auction.MediaInfo {
	t.Helper()
	infos, err := m.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]auction.MediaInfo{}
	for _, in := range infos {
		if _, dup := out[in.Name]; dup {
			t.Fatalf("List gave %q twice", in.Name)
		}
		if in.Modified.IsZero() {
			t.Fatalf("List: %q has no modification time", in.Name)
		}
		if _, err := auction.CleanMediaPath(in.Name); in.Temp && err == nil {
			t.Fatalf("temporary file %q has a name a media path can take", in.Name)
		}
		out[in.Name] = in
	}
	return out
}

func temps(files map[string]auction.MediaInfo) []string {
	var out []string
	for name, in := range files {
		if in.Temp {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func testMediaPut(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	const name = "cars/2019-04-10/a.png"
	if _, err := m.Open(ctx, name); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("Open of a missing file: %v, want NotFound", err)
	}
	if err := m.Put(ctx, name, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(ctx, name, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if got := readMedia(t, m, name); got != "second" {
		t.Fatalf("read %q after a replacing Put", got)
	}
	files := listMedia(t, m)
	if len(files) != 1 || files[name].Size != 6 || files[name].Temp {
		t.Fatalf("List after Put: %+v", files)
	}
	if err := m.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, name); err != nil {
		t.Fatalf("deleting a missing file: %v", err)
	}
	if _, err := m.Open(ctx, name); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("Open of a deleted file: %v, want NotFound", err)
	}
	if files := listMedia(t, m); len(files) != 0 {
		t.Fatalf("List after Delete: %+v", files)
	}
}

func testMediaTempCommit(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	tmp, err := m.CreateTemp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"hello, ", "world"} {
		if _, err := io.WriteString(tmp, part); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 5)
	if n, err := tmp.ReadAt(buf, 7); n != 5 || string(buf) != "world" {
		t.Fatalf("ReadAt: %d %q %v", n, buf, err)
	}
	if n, err := tmp.ReadAt(buf, 10); n != 2 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d, %v; want 2, io.EOF", n, err)
	}
	files := listMedia(t, m)
	if ts := temps(files); len(ts) != 1 || files[ts[0]].Size != 12 || len(files) != 1 {
		t.Fatalf("List while uploading: %+v", files)
	}
	const name = "cars/2019-04-10/b.png"
	if err := m.Put(ctx, name, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Commit(ctx, name); err != nil {
		t.Fatal(err)
	}
	if got := readMedia(t, m, name); got != "hello, world" {
		t.Fatalf("committed file reads %q", got)
	}
	files = listMedia(t, m)
	if len(files) != 1 || files[name].Size != 12 || files[name].Temp {
		t.Fatalf("List after Commit: %+v", files)
	}
	if err := tmp.Close(); err != nil {
		t.Fatalf("Close after Commit: %v", err)
	}
	if got := readMedia(t, m, name); got != "hello, world" {
		t.Fatalf("Close after Commit changed the file: %q", got)
	}
	if _, err := tmp.Write([]byte("x")); err == nil {
		t.Fatal("Write after Commit succeeded")
	}
	if err := tmp.Commit(ctx, "cars/2019-04-10/c.png"); err == nil {
		t.Fatal("a second Commit succeeded")
	}
}

func testMediaTempDiscard(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	tmp, err := m.CreateTemp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("abandoned")); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	if files := listMedia(t, m); len(files) != 0 {
		t.Fatalf("a discarded upload left %+v", files)
	}
	if err := tmp.Commit(ctx, "cars/2019-04-10/d.png"); err == nil {
		t.Fatal("Commit after Close succeeded")
	}
	if _, err := m.Open(ctx, "cars/2019-04-10/d.png"); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("Commit after Close stored a file: %v", err)
	}
}

// testMediaTempLeftOver: an upload that never finished (its process died)
// is listed as temporary and removed by Delete.
func testMediaTempLeftOver(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	tmp, err := m.CreateTemp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(ctx, "cars/2019-04-10/kept.png", []byte("kept")); err != nil {
		t.Fatal(err)
	}
	files := listMedia(t, m)
	ts := temps(files)
	if len(ts) != 1 || len(files) != 2 || files[ts[0]].Size != 7 || files[ts[0]].Modified.Before(before) {
		t.Fatalf("List with an unfinished upload: %+v", files)
	}
	if err := m.Delete(ctx, ts[0]); err != nil {
		t.Fatal(err)
	}
	files = listMedia(t, m)
	if len(temps(files)) != 0 || len(files) != 1 {
		t.Fatalf("List after deleting the temporary file: %+v", files)
	}
	if err := tmp.Close(); err != nil {
		t.Fatalf("Close of a temporary file already deleted: %v", err)
	}
}

func testMediaConcurrent(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			tmp, err := m.CreateTemp(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer tmp.Close()
			for range 100 {
				if _, err := fmt.Fprintf(tmp, "%d", i); err != nil {
					errs <- err
					return
				}
			}
			if i%2 == 0 {
				errs <- tmp.Commit(ctx, fmt.Sprintf("cars/2019-04-10/%d.png", i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	files := listMedia(t, m)
	if len(files) != n/2 || len(temps(files)) != 0 {
		t.Fatalf("after concurrent uploads: %+v", files)
	}
	for i := 0; i < n; i += 2 {
		name := fmt.Sprintf("cars/2019-04-10/%d.png", i)
		if got := readMedia(t, m, name); len(got) != 100 || got[:1] != fmt.Sprint(i) {
			t.Fatalf("%s reads %q", name, got)
		}
	}
}

// testImagePaths: Store.ImagePaths gives every image path of every car,
// each once.
func testImagePaths(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	assert.Empty(t, must[[]string](t)(f.s.ImagePaths(ctx)), "image paths of an empty store")
	a := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	b := newCar(f.bob, f.model(t, "현대/소나타/LF 소나타"), 5)
	b.Images[4].Path = a.Images[0].Path // shared, as generated cars share one
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{a, b}))
	var want []string
	for _, c := range []*auction.Car{a, b} {
		for _, im := range c.Images {
			if !slices.Contains(want, im.Path) {
				want = append(want, im.Path)
			}
		}
	}
	got := must[[]string](t)(f.s.ImagePaths(ctx))
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got, "image paths")
}
