//go:build !unix

package sqlite

import "os"

// mapHeader maps nothing here: the header is read with ReadAt.
func mapHeader(*os.File) []byte { return nil }

// unmapHeader undoes mapHeader.
func unmapHeader([]byte) {}
