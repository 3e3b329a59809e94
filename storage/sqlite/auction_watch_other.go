//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package sqlite

import "errors"

// walHeaderSize is the size of a fileVersion.
const walHeaderSize = 48

// newWALIndexWatch is not available here: the watch reads PRAGMA
// data_version (pragmaWatch).
func newWALIndexWatch(string) (fileWatch, error) {
	return nil, errors.New("sqlite: the WAL index is not mapped on this system")
}
