//go:build linux || darwin || freebsd || netbsd || openbsd

package sqlite

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walHeaderSize is the size of one copy of the WAL-index header, at the
// start of the "-shm" file (https://www.sqlite.org/walformat.html).
const walHeaderSize = 48

// walIndexWatch reads the first copy of the WAL-index header from the
// database's "-shm" file, mapped read-only and shared, the memory every
// connection of every process on the file works through. A commit writes
// the header before it returns, with a larger mxFrame (the frames it
// appended) or, when the WAL starts over, new salts, and a new iChange
// (a counter of transactions) and checksum: any commit changes its 48
// bytes. It is what SQLite itself compares to decide that another
// connection changed the file (PRAGMA data_version is built on it), read
// here without starting a read transaction: a few loads instead of the
// file locks of a transaction's start.
//
// The "-shm" file lives as long as any connection of any process has the
// database open; the DB that owns the watch keeps its writer connection
// open all its life, so the mapping stays the file's.
type walIndexWatch struct {
	mem  []byte
	once sync.Once
}

func newWALIndexWatch(path string) (*walIndexWatch, error) {
	f, err := os.Open(path + "-shm")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < 2*walHeaderSize {
		return nil, errors.New("sqlite: the WAL index is not initialized")
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, 2*walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &walIndexWatch{mem: mem}, nil
}

func (w *walIndexWatch) version(context.Context) (fileVersion, error) {
	var out fileVersion
	// Word by word, atomically: another process writes this memory.
	for i := 0; i < walHeaderSize; i += 4 {
		v := atomic.LoadUint32((*uint32)(unsafe.Pointer(&w.mem[i])))
		out[i], out[i+1], out[i+2], out[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return out, nil
}

func (w *walIndexWatch) close() error {
	var err error
	w.once.Do(func() { err = syscall.Munmap(w.mem) })
	return err
}
