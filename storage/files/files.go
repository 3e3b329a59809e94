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
	"time"

	"github.com/google/uuid"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

// MediaStore is an auction.MediaStore over a directory.
type MediaStore struct {
	root *os.Root
}

var _ auction.MediaStore = (*MediaStore)(nil)

// Open returns a MediaStore over dir, creating the directory if needed.
func Open(dir string) (*MediaStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &MediaStore{root: root}, nil
}

// Close releases the directory.
func (m *MediaStore) Close() error { return m.root.Close() }

// Put implements auction.MediaStore. The file is written under a
// temporary name and renamed, so a reader never sees half a file.
func (m *MediaStore) Put(_ context.Context, name string, data []byte) error {
	if dir := path.Dir(name); dir != "." {
		if err := m.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("files: put %s: %w", name, err)
		}
	}
	tmp := path.Join(path.Dir(name), ".tmp-"+uuid.NewString())
	f, err := m.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("files: put %s: %w", name, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = m.root.Remove(tmp)
		return fmt.Errorf("files: put %s: %w", name, err)
	}
	if err := m.root.Rename(tmp, name); err != nil {
		_ = m.root.Remove(tmp)
		return fmt.Errorf("files: put %s: %w", name, err)
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

// Open implements auction.MediaStore. Directories are not files: opening
// one is hanok.NotFound.
func (m *MediaStore) Open(_ context.Context, name string) (auction.MediaFile, error) {
	f, err := m.root.Open(name)
	if err != nil {
		// Missing, escaping the root, or unreadable: not a servable file.
		return nil, hanok.Wrap(hanok.NotFound, err, "media file not found")
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: open %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, hanok.Errorf(hanok.NotFound, "media file not found")
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
