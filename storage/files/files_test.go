package files_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMediaStore(t *testing.T) {
	auctiontest.RunMediaStoreTests(t, func(t testing.TB) storetest.Harness[auction.MediaStore] {
		m, err := files.Open(filepath.Join(t.TempDir(), "media"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return storetest.Harness[auction.MediaStore]{Store: m}
	})
}

// TestMediaStoreFiles: what the suite cannot see from outside the
// directory.
func TestMediaStoreFiles(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "media")
	m, err := files.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Put(ctx, "cars/2019-04-10/a.png", []byte("first")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "cars", "2019-04-10"))
	if len(entries) != 1 {
		t.Fatalf("temporary files left beside the file: %v", entries)
	}
	if st, err := os.Stat(filepath.Join(dir, "cars", "2019-04-10", "a.png")); err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("stored file: %v %v", st, err)
	}

	// Uploads are written in the directory's own temporary area, by the
	// server only; partial files of earlier versions are temporary too.
	tmp, err := m.CreateTemp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	tmps, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
	if len(tmps) != 1 {
		t.Fatalf("temporary area holds %v", tmps)
	}
	if st, _ := tmps[0].Info(); st.Mode().Perm() != 0o600 {
		t.Fatalf("temporary file mode %v", st.Mode())
	}
	if err := os.WriteFile(filepath.Join(dir, "cars", "2019-04-10", ".tmp-0d5c"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	infos, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var temp []string
	for _, in := range infos {
		if in.Temp {
			temp = append(temp, in.Name)
		}
	}
	if len(infos) != 3 || len(temp) != 2 || !slices.Contains(temp, "cars/2019-04-10/.tmp-0d5c") {
		t.Fatalf("List: %+v", infos)
	}

	// Nothing outside the root is reachable, not even through a symlink.
	secret := filepath.Join(filepath.Dir(dir), "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../secret.txt", "link.txt", "cars", "cars/2019-04-10"} {
		if f, err := m.Open(ctx, name); hanok.CodeOf(err) != hanok.NotFound {
			if f != nil {
				f.Close()
			}
			t.Errorf("Open(%q): %v, want NotFound", name, err)
		}
	}
	if err := m.Put(ctx, "../escape.txt", []byte("x")); err == nil {
		t.Error("Put outside the root succeeded")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.txt")); err == nil {
		t.Error("a file was written outside the root")
	}
}
