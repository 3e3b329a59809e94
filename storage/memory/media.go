package memory

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/hanok-dev/hanok/auction"
)

// MediaStore is an in-memory auction.MediaStore. Its temporary files are
// named ".tmp/<n>", a name no media path takes.
type MediaStore struct {
	mu       sync.Mutex
	files    map[string]mediaEntry
	temps    map[string]*mediaEntry
	nextTemp int
}

type mediaEntry struct {
	data     []byte
	modified time.Time
}

var _ auction.MediaStore = (*MediaStore)(nil)

// NewMediaStore returns an empty MediaStore.
func NewMediaStore() *MediaStore {
	return &MediaStore{files: map[string]mediaEntry{}, temps: map[string]*mediaEntry{}}
}

// Media returns the database's media store.
func (db *DB) Media() *MediaStore {
	return db.store("media", func() any { return NewMediaStore() }).(*MediaStore)
}

// Put implements auction.MediaStore.
func (m *MediaStore) Put(_ context.Context, name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = mediaEntry{bytes.Clone(data), time.Now()}
	return nil
}

// CreateTemp implements auction.MediaStore.
func (m *MediaStore) CreateTemp(context.Context) (auction.MediaTemp, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextTemp++
	name := ".tmp/" + strconv.Itoa(m.nextTemp)
	m.temps[name] = &mediaEntry{modified: time.Now()}
	return &memTemp{m: m, name: name}, nil
}

// memTemp is an auction.MediaTemp.
type memTemp struct {
	m    *MediaStore
	name string
	done bool
}

var errTempClosed = errors.New("memory: temporary media file already committed or closed")

// entry returns the file's entry; the caller holds m.mu.
func (t *memTemp) entry() (*mediaEntry, error) {
	e, ok := t.m.temps[t.name]
	if t.done || !ok {
		return nil, errTempClosed
	}
	return e, nil
}

func (t *memTemp) Write(p []byte) (int, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	e, err := t.entry()
	if err != nil {
		return 0, err
	}
	e.data = append(e.data, p...)
	e.modified = time.Now()
	return len(p), nil
}

func (t *memTemp) ReadAt(p []byte, off int64) (int, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	e, err := t.entry()
	if err != nil {
		return 0, err
	}
	return bytes.NewReader(e.data).ReadAt(p, off)
}

// Commit implements auction.MediaTemp.
func (t *memTemp) Commit(_ context.Context, name string) error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	e, err := t.entry()
	if err != nil {
		return err
	}
	t.done = true
	delete(t.m.temps, t.name)
	t.m.files[name] = mediaEntry{e.data, time.Now()}
	return nil
}

// Close implements auction.MediaTemp.
func (t *memTemp) Close() error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if !t.done {
		t.done = true
		delete(t.m.temps, t.name)
	}
	return nil
}

// Delete implements auction.MediaStore.
func (m *MediaStore) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	delete(m.temps, name)
	return nil
}

// Open implements auction.MediaStore.
func (m *MediaStore) Open(_ context.Context, name string) (auction.MediaFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.files[name]
	if !ok {
		return nil, auction.ErrMediaNotFound
	}
	return memFile{bytes.NewReader(e.data)}, nil
}

// List implements auction.MediaStore.
func (m *MediaStore) List(context.Context) ([]auction.MediaInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]auction.MediaInfo, 0, len(m.files)+len(m.temps))
	for name, e := range m.files {
		out = append(out, auction.MediaInfo{Name: name, Size: int64(len(e.data)), Modified: e.modified})
	}
	for name, e := range m.temps {
		out = append(out, auction.MediaInfo{Name: name, Size: int64(len(e.data)), Modified: e.modified, Temp: true})
	}
	return out, nil
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

var _ io.ReadSeekCloser = memFile{}
