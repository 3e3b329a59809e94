package httpx

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/hanok-dev/hanok"
)

// unavailableRetry is the Retry-After of an answer given while the
// database is unreachable or full.
const unavailableRetry = 5 * time.Second

// Messages of the answers to a database outage.
const (
	msgUnreachable = "the database is unreachable; try again later"
	msgDiskFull    = "the database's disk is full; try again later"
)

// unavailable is the one classification of the errors that mean the
// database is down rather than the request or the program wrong: a
// connection refused, reset or lost (a network error, a PostgreSQL
// SQLSTATE of class 08 or a server shutting down, 57P01-57P03, an error
// of pgconn's that is safe to retry as nothing was sent), or a full
// disk (SQLite's SQLITE_FULL, PostgreSQL's 53100). It returns such an
// error as Unavailable, with a Retry-After and a message saying which,
// and any other error as it is. The drivers are recognised by their
// errors' methods, so that this package imports none of them.
func unavailable(err error) error {
	if err == nil || hanok.CodeOf(err) != hanok.Internal {
		return err
	}
	msg := ""
	switch {
	case diskFull(err):
		msg = msgDiskFull
	case unreachable(err):
		msg = msgUnreachable
	default:
		return err
	}
	return &hanok.Error{Code: hanok.Unavailable, Message: msg, RetryAfter: unavailableRetry, Err: err}
}

// sqlState is PostgreSQL's error (pgconn.PgError).
type sqlState interface{ SQLState() string }

// sqliteCode is SQLite's error (modernc.org/sqlite's *Error).
type sqliteCode interface{ Code() int }

func diskFull(err error) bool {
	var pg sqlState
	if errors.As(err, &pg) && pg.SQLState() == "53100" {
		return true
	}
	var lite sqliteCode
	const sqliteFull = 13 // SQLITE_FULL
	return errors.As(err, &lite) && lite.Code()&0xff == sqliteFull || errors.Is(err, syscall.ENOSPC)
}

func unreachable(err error) bool {
	var pg sqlState
	if errors.As(err, &pg) {
		s := pg.SQLState()
		return strings.HasPrefix(s, "08") || s == "57P01" || s == "57P02" || s == "57P03"
	}
	// pgconn's errors on a connection that could not be used (closed,
	// lost, not yet connected) say the request is safe to retry: nothing
	// reached the database.
	var retry interface{ SafeToRetry() bool }
	if errors.As(err, &retry) && retry.SafeToRetry() {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
