package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits failed attempts per key (a username, a client address).
// Each failure spends one token of the key's limiter; a key with less than
// one token left is blocked until it refills.
//
// Some keys also count the attempts in progress: such a key is blocked
// while its tokens minus its attempts in progress are below one, so that
// concurrent guesses for one account cannot all pass the check before the
// first of them fails. Other keys (a client address, which many users
// behind one proxy share) are spent by failures only, so that any number
// of logins may run at once from one address until some of them fail.
type throttle struct {
	mu      sync.Mutex
	burst   int
	every   rate.Limit
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	lim *rate.Limiter
	// pending counts the attempts in progress.
	pending int
}

// maxIdleKeys bounds the map: past it, keys that have refilled completely
// and have no attempt in progress (and so carry no state worth keeping)
// are dropped.
const maxIdleKeys = 10000

func newThrottle(burst int, interval time.Duration) *throttle {
	return &throttle{burst: burst, every: rate.Every(interval), entries: map[string]*throttleEntry{}}
}

// idle reports whether e carries no state: no attempt in progress and a
// full bucket.
func (t *throttle) idle(e *throttleEntry, now time.Time) bool {
	return e.pending == 0 && e.lim.TokensAt(now) >= float64(t.burst)
}

// begin starts an attempt against the keys held, whose attempts in
// progress count against their budget, and the keys counted, which only
// failures spend. If one of them is blocked it returns how long the most
// restricted must wait, and the attempt must not be made. Otherwise it
// returns 0 and end, which the caller must call once with the attempt's
// outcome.
func (t *throttle) begin(now time.Time, held, counted []string) (wait time.Duration, end func(failed bool)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	check := func(k string, pending bool) {
		e, ok := t.entries[k]
		if !ok {
			return
		}
		tokens := e.lim.TokensAt(now)
		if pending {
			tokens -= float64(e.pending)
		}
		if tokens < 1 {
			d := time.Duration((1 - tokens) / float64(t.every) * float64(time.Second))
			if d < time.Second {
				d = time.Second
			}
			wait = max(wait, d)
		}
	}
	for _, k := range held {
		check(k, true)
	}
	for _, k := range counted {
		check(k, false)
	}
	if wait > 0 {
		return wait, nil
	}
	if len(t.entries) >= maxIdleKeys {
		for k, e := range t.entries {
			if t.idle(e, now) {
				delete(t.entries, k)
			}
		}
	}
	keys := append(append([]string(nil), held...), counted...)
	entries := make([]*throttleEntry, len(keys))
	for i, k := range keys {
		e, ok := t.entries[k]
		if !ok {
			e = &throttleEntry{lim: rate.NewLimiter(t.every, t.burst)}
			t.entries[k] = e
		}
		// Every attempt in progress is recorded, so that its entry is kept
		// until it ends; only held keys count it against the budget.
		e.pending++
		entries[i] = e
	}
	return 0, func(failed bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		for i, e := range entries {
			e.pending--
			if failed {
				e.lim.AllowN(now, 1)
			}
			if t.idle(e, now) && t.entries[keys[i]] == e {
				delete(t.entries, keys[i])
			}
		}
	}
}
