package auction

import (
	"container/list"
	"context"
	"sync"
)

// budget is a weighted semaphore of bytes: the memory that image decoding
// may take at once, over every upload. Waiters are served first come,
// first served, so a large reservation is not passed over for ever by
// small ones and no caller waits behind more than the reservations queued
// before its own.
type budget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters list.List // of *budgetWaiter, in arrival order
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed once n is reserved for the waiter
}

func newBudget(size int64) *budget { return &budget{size: size} }

// acquire reserves n bytes (0 < n <= size), waiting for them in turn. It
// returns ctx's error, reserving nothing, if ctx ends first.
func (b *budget) acquire(ctx context.Context, n int64) error {
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.size-b.used >= n {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	elem := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready:
		// Reserved as ctx ended: give it back.
		b.used -= n
	default:
		b.waiters.Remove(elem)
	}
	// Those behind may fit now.
	b.grant()
	return ctx.Err()
}

// release gives back n bytes that acquire reserved.
func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.grant()
}

// grant reserves for the waiters at the front of the line whatever fits,
// in order. Callers hold b.mu.
func (b *budget) grant() {
	for {
		front := b.waiters.Front()
		if front == nil {
			return
		}
		w := front.Value.(*budgetWaiter)
		if b.size-b.used < w.n {
			return
		}
		b.used += w.n
		b.waiters.Remove(front)
		close(w.ready)
	}
}
