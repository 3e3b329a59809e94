//go:build unix

package sqlite

import (
	"os"
	"syscall"
)

// mapHeader maps the start of the -shm file f read-only and shared, so
// that reading the WAL-index header costs no system call; nil if it
// cannot.
func mapHeader(f *os.File) []byte {
	fi, err := f.Stat()
	if err != nil || fi.Size() < walHeaderSize {
		return nil
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return mem
}

// unmapHeader undoes mapHeader.
func unmapHeader(mem []byte) {
	if mem != nil {
		_ = syscall.Munmap(mem)
	}
}
