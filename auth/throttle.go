package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits failed logins per key (a username or a client address).
// Each failure spends one token of the key's limiter; a key with less than
// one token left is blocked until it refills.
type throttle struct {
	mu       sync.Mutex
	burst    int
	every    rate.Limit
	limiters map[string]*rate.Limiter
}

// maxIdleKeys bounds the map: past it, limiters that have refilled
// completely (and so carry no state worth keeping) are dropped.
const maxIdleKeys = 10000

func newThrottle(burst int, interval time.Duration) *throttle {
	return &throttle{burst: burst, every: rate.Every(interval), limiters: map[string]*rate.Limiter{}}
}

// blocked returns how long the most restricted of keys must wait before
// another attempt, or 0 when none is blocked.
func (t *throttle) blocked(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		l, ok := t.limiters[k]
		if !ok {
			continue
		}
		if tokens := l.TokensAt(now); tokens < 1 {
			d := time.Duration((1 - tokens) / float64(t.every) * float64(time.Second))
			if d < time.Second {
				d = time.Second
			}
			wait = max(wait, d)
		}
	}
	return wait
}

// fail records a failed attempt against every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.limiters) >= maxIdleKeys {
		for k, l := range t.limiters {
			if l.TokensAt(now) >= float64(t.burst) {
				delete(t.limiters, k)
			}
		}
	}
	for _, k := range keys {
		l, ok := t.limiters[k]
		if !ok {
			l = rate.NewLimiter(t.every, t.burst)
			t.limiters[k] = l
		}
		l.AllowN(now, 1)
	}
}
