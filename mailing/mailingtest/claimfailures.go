package mailingtest

import (
	"context"
	"log/slog"
	"sync"
)

// ClaimFailures is a slog.Handler for a Dispatcher's logger in tests where
// the database goes away mid-campaign: it closes the channel given to
// NewClaimFailures once each of n workers has logged a failed claim ("mailing:
// claiming deliveries"), that is once every worker has left the batch it was
// sending when the database went away.
type ClaimFailures struct {
	mu      sync.Mutex
	workers map[int64]bool
	n       int
	done    chan struct{}
}

// NewClaimFailures returns a handler that closes done once n workers have
// each logged a failed claim.
func NewClaimFailures(n int, done chan struct{}) *ClaimFailures {
	return &ClaimFailures{workers: map[int64]bool{}, n: n, done: done}
}

// Enabled implements slog.Handler: every record is looked at.
func (h *ClaimFailures) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs implements slog.Handler.
func (h *ClaimFailures) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup implements slog.Handler.
func (h *ClaimFailures) WithGroup(string) slog.Handler { return h }

// Handle implements slog.Handler, counting the workers of failed claims.
func (h *ClaimFailures) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "mailing: claiming deliveries" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "worker" {
			h.mu.Lock()
			h.workers[a.Value.Int64()] = true
			if len(h.workers) == h.n && h.done != nil {
				close(h.done)
				h.done = nil
			}
			h.mu.Unlock()
		}
		return true
	})
	return nil
}
