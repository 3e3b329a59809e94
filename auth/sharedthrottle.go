package auth

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// ThrottleStore keeps the budgets of login and registration attempts
// where several servers share them (Config.Throttles), so that N servers
// on one database do not give a guesser N budgets. Without one, a Service
// keeps its budgets in its own memory.
//
// The store only keeps buckets; the rules that fill, spend and check them
// are the Service's.
type ThrottleStore interface {
	// UpdateThrottle runs fn, in one transaction, over the buckets stored
	// under keys (buckets[i] is that of keys[i]; the zero Bucket for a key
	// with none), with those keys locked against every other
	// UpdateThrottle of any of them, in any process. If fn returns nil it
	// stores the buckets fn leaves, deleting the keys whose bucket is the
	// zero Bucket; if fn fails, nothing is stored and its error is
	// returned.
	UpdateThrottle(ctx context.Context, keys []string, fn func(buckets []Bucket) error) error
	// PruneThrottle deletes the buckets last changed before t in which no
	// attempt began since t: the Service calls it with a t by which such
	// buckets are full again and carry no state, so that keys nobody
	// tries again (a guesser's made-up usernames) do not pile up.
	PruneThrottle(ctx context.Context, before time.Time) error
}

// Bucket is the stored state of one throttled key: a token bucket that
// is Spent tokens short of full at the time At, and the attempts in
// progress. The zero Bucket is a full bucket with nothing in progress,
// which carries no state worth keeping.
type Bucket struct {
	Spent float64
	At    time.Time
	// Pending counts the attempts in progress, the latest of which began
	// at PendingAt. Attempts in progress for longer than pendingLifetime
	// (their server stopped before ending them) no longer count.
	Pending   int
	PendingAt time.Time
}

// pendingLifetime is how long an attempt in progress counts against a
// shared budget without ending: far longer than any login takes.
const pendingLifetime = time.Minute

// pruneEvery is how often a sharedThrottle prunes its store, at most.
const pruneEvery = time.Minute

// sharedThrottle is the throttle (see throttle) over a ThrottleStore.
type sharedThrottle struct {
	store ThrottleStore
	burst float64
	// perSecond is the rate at which a bucket refills.
	perSecond float64
	// idleAfter is how long after its last change any bucket in the store
	// (this throttle's or another's) is full and idle; lastPrune is when
	// this throttle last pruned, in unix nanoseconds.
	idleAfter time.Duration
	lastPrune atomic.Int64
}

func newSharedThrottle(store ThrottleStore, burst int, interval, idleAfter time.Duration) *sharedThrottle {
	return &sharedThrottle{store: store, burst: float64(burst), perSecond: float64(time.Second) / float64(interval), idleAfter: max(idleAfter, pendingLifetime)}
}

// refillTime is how long an empty bucket of burst takes to fill.
func refillTime(burst int, interval time.Duration) time.Duration {
	return time.Duration(burst) * interval
}

// prune deletes the idle buckets of the store, at most every pruneEvery.
// A failure is left for the next time.
func (t *sharedThrottle) prune(ctx context.Context, now time.Time) {
	last := t.lastPrune.Load()
	if now.UnixNano()-last < int64(pruneEvery) || !t.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	_ = t.store.PruneThrottle(ctx, now.Add(-t.idleAfter))
}

// tokens returns the tokens in b at now.
func (t *sharedThrottle) tokens(b Bucket, now time.Time) float64 {
	if b.Spent <= 0 {
		return t.burst
	}
	// A server whose clock is behind another's sees no time pass.
	elapsed := max(now.Sub(b.At), 0)
	return min(t.burst, t.burst-b.Spent+elapsed.Seconds()*t.perSecond)
}

// pending returns the attempts in progress of b at now.
func pending(b Bucket, now time.Time) int {
	if now.Sub(b.PendingAt) > pendingLifetime {
		return 0
	}
	return b.Pending
}

// settle returns b as of now, the zero Bucket if it carries no state.
func (t *sharedThrottle) settle(b Bucket, now time.Time) Bucket {
	tokens := t.tokens(b, now)
	p := pending(b, now)
	if tokens >= t.burst && p == 0 {
		return Bucket{}
	}
	out := Bucket{Spent: t.burst - tokens, At: now, Pending: p, PendingAt: b.PendingAt}
	if p == 0 {
		out.PendingAt = time.Time{}
	}
	return out
}

// begin is throttle.begin over the store: it checks and records the
// attempt in one UpdateThrottle, and end records its outcome in another.
func (t *sharedThrottle) begin(ctx context.Context, now time.Time, held, counted []string) (wait time.Duration, end func(failed bool), err error) {
	t.prune(ctx, now)
	keys := append(append([]string(nil), held...), counted...)
	err = t.store.UpdateThrottle(ctx, keys, func(bs []Bucket) error {
		wait = 0
		for i, b := range bs {
			tokens := t.tokens(b, now)
			if i < len(held) {
				tokens -= float64(pending(b, now))
			}
			if tokens < 1 {
				d := time.Duration((1 - tokens) / t.perSecond * float64(time.Second))
				wait = max(wait, d, time.Second)
			}
		}
		if wait > 0 {
			return nil
		}
		for i, b := range bs {
			b = t.settle(b, now)
			b.Pending = pending(b, now) + 1
			b.PendingAt = now
			if b.At.IsZero() {
				b.At = now
			}
			bs[i] = b
		}
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("auth: throttle: %w", err)
	}
	if wait > 0 {
		return wait, nil, nil
	}
	return 0, func(failed bool) {
		// The outcome is recorded even when the request's context has
		// ended; an error leaves the attempt counted until pendingLifetime.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = t.store.UpdateThrottle(ctx, keys, func(bs []Bucket) error {
			for i, b := range bs {
				if b.Pending > 0 {
					b.Pending--
				}
				b = t.settle(b, now)
				if failed {
					// As rate.Limiter.AllowN: a token is spent only if
					// there is one.
					if tokens := t.tokens(b, now); tokens >= 1 {
						b.Spent, b.At = t.burst-tokens+1, now
					}
				}
				bs[i] = b
			}
			return nil
		})
	}, nil
}

// beginLogin starts a login attempt on the login budgets: the shared ones
// of Config.Throttles, or the Service's own.
func (s *Service) beginLogin(ctx context.Context, now time.Time, held, counted []string) (time.Duration, func(failed bool), error) {
	if s.sharedLogins != nil {
		return s.sharedLogins.begin(ctx, now, held, counted)
	}
	wait, end := s.throttle.begin(now, held, counted)
	return wait, end, nil
}

// beginRegistration starts a registration on the registration budgets.
func (s *Service) beginRegistration(ctx context.Context, now time.Time, held []string) (time.Duration, func(failed bool), error) {
	if s.sharedRegistrations != nil {
		return s.sharedRegistrations.begin(ctx, now, held, nil)
	}
	wait, end := s.registrations.begin(now, held, nil)
	return wait, end, nil
}
