package files_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/storage/files"
)

func TestMediaStore(t *testing.T) {
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
	if err := m.Put(ctx, "cars/2019-04-10/a.png", []byte("second")); err != nil {
		t.Fatal(err)
	}
	f, err := m.Open(ctx, "cars/2019-04-10/a.png")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if string(data) != "second" || f.Size() != 6 {
		t.Fatalf("read %q size %d", data, f.Size())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "cars", "2019-04-10"))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if err := m.Delete(ctx, "cars/2019-04-10/a.png"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, "cars/2019-04-10/a.png"); err != nil {
		t.Fatalf("deleting a missing file: %v", err)
	}
	if _, err := m.Open(ctx, "cars/2019-04-10/a.png"); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("deleted file: %v", err)
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
