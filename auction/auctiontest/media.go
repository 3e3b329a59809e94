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
	require.NoError(t, err, "Open(%q)", name)
	defer f.Close()
	data, err := io.ReadAll(f)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), f.Size(), "Open(%q): Size against the bytes read", name)
	return string(data)
}

// listMedia returns the store's files by name, checking what every
// listing must hold.
func listMedia(t *testing.T, m auction.MediaStore) map[string]auction.MediaInfo {
	t.Helper()
	infos, err := m.List(context.Background())
	require.NoError(t, err)
	out := map[string]auction.MediaInfo{}
	for _, in := range infos {
		require.NotContains(t, out, in.Name, "List gave %q twice", in.Name)
		require.False(t, in.Modified.IsZero(), "List: %q has no modification time", in.Name)
		if _, err := auction.CleanMediaPath(in.Name); in.Temp {
			require.Error(t, err, "temporary file %q has a name a media path can take", in.Name)
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
	_, err := m.Open(ctx, name)
	require.ErrorIs(t, err, auction.ErrMediaNotFound, "Open of a missing file")
	require.NoError(t, m.Put(ctx, name, []byte("first")))
	require.NoError(t, m.Put(ctx, name, []byte("second")))
	require.Equal(t, "second", readMedia(t, m, name), "read after a replacing Put")
	files := listMedia(t, m)
	require.Len(t, files, 1, "List after Put")
	require.EqualValues(t, 6, files[name].Size, "List after Put: size")
	require.False(t, files[name].Temp, "List after Put: temp")
	require.NoError(t, m.Delete(ctx, name))
	require.NoError(t, m.Delete(ctx, name), "deleting a missing file")
	_, err = m.Open(ctx, name)
	require.ErrorIs(t, err, auction.ErrMediaNotFound, "Open of a deleted file")
	require.Empty(t, listMedia(t, m), "List after Delete")
}

func testMediaTempCommit(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	tmp, err := m.CreateTemp(ctx)
	require.NoError(t, err)
	for _, part := range []string{"hello, ", "world"} {
		_, err := io.WriteString(tmp, part)
		require.NoError(t, err)
	}
	buf := make([]byte, 5)
	n, err := tmp.ReadAt(buf, 7)
	require.Equal(t, 5, n, "ReadAt: count (%v)", err)
	require.Equal(t, "world", string(buf), "ReadAt")
	n, err = tmp.ReadAt(buf, 10)
	require.Equal(t, 2, n, "ReadAt past the end: count")
	require.Equal(t, io.EOF, err, "ReadAt past the end: error")
	files := listMedia(t, m)
	ts := temps(files)
	require.Len(t, ts, 1, "List while uploading: temporary files")
	require.EqualValues(t, 12, files[ts[0]].Size, "List while uploading: size")
	require.Len(t, files, 1, "List while uploading")
	const name = "cars/2019-04-10/b.png"
	require.NoError(t, m.Put(ctx, name, []byte("old")))
	require.NoError(t, tmp.Commit(ctx, name))
	require.Equal(t, "hello, world", readMedia(t, m, name), "committed file")
	files = listMedia(t, m)
	require.Len(t, files, 1, "List after Commit")
	require.EqualValues(t, 12, files[name].Size, "List after Commit: size")
	require.False(t, files[name].Temp, "List after Commit: temp")
	require.NoError(t, tmp.Close(), "Close after Commit")
	require.Equal(t, "hello, world", readMedia(t, m, name), "Close after Commit changed the file")
	_, err = tmp.Write([]byte("x"))
	require.Error(t, err, "Write after Commit succeeded")
	require.Error(t, tmp.Commit(ctx, "cars/2019-04-10/c.png"), "a second Commit succeeded")
}

func testMediaTempDiscard(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	tmp, err := m.CreateTemp(ctx)
	require.NoError(t, err)
	_, err = tmp.Write([]byte("abandoned"))
	require.NoError(t, err)
	require.NoError(t, tmp.Close())
	require.NoError(t, tmp.Close(), "a second Close")
	require.Empty(t, listMedia(t, m), "a discarded upload left files")
	require.Error(t, tmp.Commit(ctx, "cars/2019-04-10/d.png"), "Commit after Close succeeded")
	_, err = m.Open(ctx, "cars/2019-04-10/d.png")
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "Commit after Close stored a file: %v", err)
}

// testMediaTempLeftOver: an upload that never finished (its process died)
// is listed as temporary and removed by Delete.
func testMediaTempLeftOver(t *testing.T, m auction.MediaStore) {
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	tmp, err := m.CreateTemp(ctx)
	require.NoError(t, err)
	_, err = tmp.Write([]byte("partial"))
	require.NoError(t, err)
	require.NoError(t, m.Put(ctx, "cars/2019-04-10/kept.png", []byte("kept")))
	files := listMedia(t, m)
	ts := temps(files)
	require.Len(t, ts, 1, "List with an unfinished upload: temporary files")
	require.Len(t, files, 2, "List with an unfinished upload")
	require.EqualValues(t, 7, files[ts[0]].Size, "List with an unfinished upload: size")
	require.False(t, files[ts[0]].Modified.Before(before), "List with an unfinished upload: modified %v before %v", files[ts[0]].Modified, before)
	require.NoError(t, m.Delete(ctx, ts[0]))
	files = listMedia(t, m)
	require.Empty(t, temps(files), "List after deleting the temporary file: temporary files")
	require.Len(t, files, 1, "List after deleting the temporary file")
	require.NoError(t, tmp.Close(), "Close of a temporary file already deleted")
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
		require.NoError(t, err)
	}
	files := listMedia(t, m)
	require.Len(t, files, n/2, "after concurrent uploads")
	require.Empty(t, temps(files), "after concurrent uploads: temporary files")
	for i := 0; i < n; i += 2 {
		name := fmt.Sprintf("cars/2019-04-10/%d.png", i)
		got := readMedia(t, m, name)
		require.Len(t, got, 100, "%s", name)
		require.Equal(t, fmt.Sprint(i), got[:1], "%s", name)
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
