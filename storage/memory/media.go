package memory

import (
	"bytes"
	"context"
	"sync"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

// MediaStore is an in-memory auction.MediaStore.
type MediaStore struct {
	mu    sync.Mutex
	files map[string][]byte
}

var _ auction.MediaStore = (*MediaStore)(nil)

// NewMediaStore returns an empty MediaStore.
func NewMediaStore() *MediaStore { return &MediaStore{files: map[string][]byte{}} }

// Media returns the database's media store.
func (db *DB) Media() *MediaStore {
	return db.store("media", func() any { return NewMediaStore() }).(*MediaStore)
}

// Put implements auction.MediaStore.
func (m *MediaStore) Put(_ context.Context, name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = bytes.Clone(data)
	return nil
}

// Delete implements auction.MediaStore.
func (m *MediaStore) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	return nil
}

// Open implements auction.MediaStore.
func (m *MediaStore) Open(_ context.Context, name string) (auction.MediaFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.files[name]
	if !ok {
		return nil, hanok.Errorf(hanok.NotFound, "media file not found")
	}
	return memFile{bytes.NewReader(data)}, nil
}

// Names returns the stored names, for tests that check for orphans.
func (m *MediaStore) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.files))
	for k := range m.files {
		out = append(out, k)
	}
	return out
}

type memFile struct{ *bytes.Reader }

// Close implements io.Closer; there is nothing to release.
func (memFile) Close() error { return nil }
