// Package files keeps media files in a directory of the filesystem: the
// auction's uploaded car images under the media root.
//
// Every access goes through an os.Root, so no name can reach outside the
// directory, whatever it contains.
package files

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hanok-dev/hanok/auction"
)

// MediaStore is an auction.MediaStore over a directory. Its temporary
// area is the directory's ".tmp" subdirectory, which no media path
// reaches (auction.CleanMediaPath refuses names starting with a dot).
type MediaStore struct {
	root *os.Root
}

var _ auction.MediaStore = (*MediaStore)(nil)

// tempDir is the temporary area under the root.
const tempDir = ".tmp"

// Open returns a MediaStore over dir, creating the directory and its
// temporary area if needed.
func Open(dir string) (*MediaStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if err := root.MkdirAll(tempDir, 0o700); err != nil {
		root.Close()
		return nil, fmt.Errorf("files: %w", err)
	}
	return &MediaStore{root: root}, nil
}

// Close releases the directory.
func (m *MediaStore) Close() error { return m.root.Close() }

// Put implements auction.MediaStore. The file is written in the
// temporary area and renamed, so a reader never sees half a file.
func (m *MediaStore) Put(ctx context.Context, name string, data []byte) error {
	t, err := m.CreateTemp(ctx)
	if err != nil {
		return fmt.Errorf("files: put %s: %w", name, err)
	}
	if _, err := t.Write(data); err != nil {
		_ = t.Close()
		return fmt.Errorf("files: put %s: %w", name, err)
	}
	return t.Commit(ctx, name)
}

// CreateTemp implements auction.MediaStore: a file of the temporary area,
// readable by the server only.
func (m *MediaStore) CreateTemp(context.Context) (auction.MediaTemp, error) {
	name := path.Join(tempDir, uuid.NewString())
	f, err := m.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("files: create temporary file: %w", err)
	}
	return &tempFile{m: m, f: f, name: name}, nil
}

// tempFile is an auction.MediaTemp.
type tempFile struct {
	m    *MediaStore
	f    *os.File // nil once committed or closed
	name string
}

func (t *tempFile) Write(p []byte) (int, error) {
	if t.f == nil {
		return 0, os.ErrClosed
	}
	return t.f.Write(p)
}

func (t *tempFile) ReadAt(p []byte, off int64) (int, error) {
	if t.f == nil {
		return 0, os.ErrClosed
	}
	return t.f.ReadAt(p, off)
}

// Commit implements auction.MediaTemp. Stored files are readable by
// everyone, as a web server serving the directory expects.
func (t *tempFile) Commit(_ context.Context, name string) error {
	if t.f == nil {
		return fmt.Errorf("files: commit %s: %w", name, os.ErrClosed)
	}
	f := t.f
	t.f = nil
	err := errors.Join(f.Chmod(0o644), f.Close())
	if err == nil {
		if dir := path.Dir(name); dir != "." {
			err = t.m.root.MkdirAll(dir, 0o755)
		}
	}
	if err == nil {
		err = t.m.root.Rename(t.name, name)
	}
	if err != nil {
		_ = t.m.root.Remove(t.name)
		return fmt.Errorf("files: commit %s: %w", name, err)
	}
	return nil
}

// Close implements auction.MediaTemp.
func (t *tempFile) Close() error {
	if t.f == nil {
		return nil
	}
	f := t.f
	t.f = nil
	err := f.Close()
	if rerr := t.m.root.Remove(t.name); !errors.Is(rerr, fs.ErrNotExist) {
		// Already gone is fine: a cleanup may have removed it.
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("files: discard %s: %w", t.name, err)
	}
	return nil
}

// Delete implements auction.MediaStore.
func (m *MediaStore) Delete(_ context.Context, name string) error {
	if err := m.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: delete %s: %w", name, err)
	}
	return nil
}

// List implements auction.MediaStore. Temporary files are those of the
// temporary area, and the ".tmp-*" partial files that earlier versions
// wrote beside their targets. Symbolic links and other non-regular files
// are not listed.
func (m *MediaStore) List(ctx context.Context) ([]auction.MediaInfo, error) {
	var out []auction.MediaInfo
	err := fs.WalkDir(m.root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		temp := strings.HasPrefix(name, tempDir+"/") || strings.HasPrefix(path.Base(name), ".tmp-")
		out = append(out, auction.MediaInfo{Name: name, Size: info.Size(), Modified: info.ModTime(), Temp: temp})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("files: list: %w", err)
	}
	return out, nil
}

// Open implements auction.MediaStore. Directories are not files: opening
// one is hanok.NotFound.
func (m *MediaStore) Open(_ context.Context, name string) (auction.MediaFile, error) {
	f, err := m.root.Open(name)
	if err != nil {
		// Missing, escaping the root, or unreadable: not a servable file.
		return nil, fmt.Errorf("files: %w: %w", auction.ErrMediaNotFound, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: open %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, auction.ErrMediaNotFound
	}
	return file{f, st.Size(), st.ModTime()}, nil
}

type file struct {
	*os.File
	size int64
	mod  time.Time
}

// Size implements auction.MediaFile.
func (f file) Size() int64 { return f.size }

// ModTime is the time the file was last written, for Last-Modified.
func (f file) ModTime() time.Time { return f.mod }
