package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pgErr struct{ state string }

func (e pgErr) Error() string    { return "pg " + e.state }
func (e pgErr) SQLState() string { return e.state }

type connErr struct{}

func (connErr) Error() string     { return "conn closed" }
func (connErr) SafeToRetry() bool { return true }

type liteErr struct{ code int }

func (e liteErr) Error() string { return fmt.Sprintf("sqlite %d", e.code) }
func (e liteErr) Code() int     { return e.code }

// A database that is down or full is answered 503 with Retry-After and a
// message saying which, once, here, whatever the store and the driver.
func TestDatabaseOutageIs503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"connection refused", fmt.Errorf("postgres: user 3: %w", refused), 503, msgUnreachable},
		{"connection lost", fmt.Errorf("sqlite: x: %w", syscall.ECONNRESET), 503, msgUnreachable},
		{"admin shutdown", fmt.Errorf("postgres: %w", pgErr{"57P01"}), 503, msgUnreachable},
		{"connection failure", pgErr{"08006"}, 503, msgUnreachable},
		{"connection closed", fmt.Errorf("trials: search: %w", connErr{}), 503, msgUnreachable},
		{"postgres disk full", pgErr{"53100"}, 503, msgDiskFull},
		{"sqlite disk full", fmt.Errorf("sqlite: commit: %w", liteErr{13}), 503, msgDiskFull},
		{"unique violation", pgErr{"23505"}, 500, "internal error"},
		{"sqlite constraint", liteErr{19}, 500, "internal error"},
		{"plain", errors.New("boom"), 500, "internal error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteError(w, httptest.NewRequest("GET", "/x", nil), nil, c.err)
			assert.Equal(t, c.status, w.Code)
			var body ErrorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Contains(t, body.Error, c.msg)
			if c.status == 503 {
				assert.Equal(t, "5", w.Header().Get("Retry-After"))
				assert.Equal(t, "unavailable", string(body.Code))
			} else {
				assert.Empty(t, w.Header().Get("Retry-After"))
			}
		})
	}
}
