package mailing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storage/memory"
)

// clockTransport records the clock's time of every send, by domain.
type clockTransport struct {
	clock *testkit.Clock
	mu    sync.Mutex
	at    map[string][]time.Time
}

func (c *clockTransport) Send(ctx context.Context, m mailing.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := mailing.Domain(m.To)
	c.at[d] = append(c.at[d], c.clock.Now())
	return nil
}

// ratePerSecond is the rate of sends at times: the gaps between the first
// and the last, over the time between them.
func ratePerSecond(times []time.Time) float64 {
	span := times[len(times)-1].Sub(times[0])
	return float64(len(times)-1) / span.Seconds()
}

// runClocked sends campaign c with one worker whose waits move the clock
// instead of sleeping, so the measured rates are exact and the test takes
// no time.
func runClocked(t *testing.T, svc *mailing.Service, clock *testkit.Clock, cfg mailing.DispatcherConfig, c mailing.CampaignID) {
	t.Helper()
	cfg.Now = clock.Now
	cfg.Workers = 1
	cfg.Sleep = func(ctx context.Context, until time.Time) error {
		if until.After(clock.Now()) {
			clock.Set(until)
		}
		return nil
	}
	r := sendAll(t, svc, cfg, c)
	require.Zero(t, r.Pending)
	require.Zero(t, r.Failed)
}

func within10Percent(t *testing.T, what string, got, limit float64) {
	t.Helper()
	t.Logf("%s: %.3f messages/s (limit %.0f)", what, got, limit)
	assert.InDelta(t, limit, got, limit/10, "%s: messages/s", what)
}

// Per-domain limits: each domain is sent at its own rate, and an
// unlimited domain is not held back by them.
func TestDomainRateLimits(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc, err := mailing.New(memory.New().Mailing(), mailing.Config{Now: clock.Now})
	require.NoError(t, err)
	for i := range 100 {
		for _, e := range []string{"a%d-1@fast.example", "a%d-2@fast.example", "b%d@slow.example", "c%d@free.example"} {
			_, err := svc.Subscribe(context.Background(), fmt.Sprintf(e, i), "x")
			require.NoError(t, err)
		}
	}
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	tr := &clockTransport{clock: clock, at: map[string][]time.Time{}}
	runClocked(t, svc, clock, mailing.DispatcherConfig{
		Routing:     mailing.Routing{Default: tr},
		DomainRates: map[string]float64{"fast.example": 10, "slow.example": 5},
	}, c.ID)
	require.Len(t, tr.at["fast.example"], 200)
	require.Len(t, tr.at["slow.example"], 100)
	require.Len(t, tr.at["free.example"], 100)
	within10Percent(t, "fast.example", ratePerSecond(tr.at["fast.example"]), 10)
	within10Percent(t, "slow.example", ratePerSecond(tr.at["slow.example"]), 5)
	// Never faster than the limit over any window of ten messages.
	for d, limit := range map[string]float64{"fast.example": 10, "slow.example": 5} {
		at := tr.at[d]
		for i := 10; i < len(at); i++ {
			require.LessOrEqual(t, 10/at[i].Sub(at[i-10]).Seconds(), limit*1.0001, "%s: messages/s over messages %d..%d", d, i-10, i)
		}
	}
}

// The global limit holds over every domain together; a default per-domain
// limit applies to domains without their own.
func TestGlobalAndDefaultDomainRate(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc, _ := mailing.New(memory.New().Mailing(), mailing.Config{Now: clock.Now})
	for i := range 150 {
		_, err := svc.Subscribe(context.Background(), fmt.Sprintf("u%d@d%d.example", i, i%3), "x")
		require.NoError(t, err)
	}
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	tr := &clockTransport{clock: clock, at: map[string][]time.Time{}}
	runClocked(t, svc, clock, mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr}, Rate: 20, DomainRate: 4}, c.ID)
	var all []time.Time
	for d := 0; d < 3; d++ {
		at := tr.at[fmt.Sprintf("d%d.example", d)]
		within10Percent(t, fmt.Sprintf("d%d.example", d), ratePerSecond(at), 4)
		all = append(all, at...)
	}
	// Three domains at 4/s each stay under the global 20/s.
	require.Len(t, all, 150)

	// Without domain limits the global one is the rate.
	clock2 := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc2, _ := mailing.New(memory.New().Mailing(), mailing.Config{Now: clock2.Now})
	for i := range 150 {
		svc2.Subscribe(context.Background(), fmt.Sprintf("u%d@d%d.example", i, i%3), "x")
	}
	c2, _, _ := svc2.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	tr2 := &clockTransport{clock: clock2, at: map[string][]time.Time{}}
	runClocked(t, svc2, clock2, mailing.DispatcherConfig{Routing: mailing.Routing{Default: tr2}, Rate: 20}, c2.ID)
	var first, last time.Time
	n := 0
	for _, at := range tr2.at {
		for _, x := range at {
			if first.IsZero() || x.Before(first) {
				first = x
			}
			if x.After(last) {
				last = x
			}
			n++
		}
	}
	within10Percent(t, "all domains", float64(n-1)/last.Sub(first).Seconds(), 20)
}

// releaseCounter counts the claimed rows given back without an attempt.
type releaseCounter struct {
	mailing.Store
	mu       sync.Mutex
	released int
}

func (s *releaseCounter) FinishDelivery(ctx context.Context, d mailing.Delivery, o mailing.Outcome) error {
	if !o.Attempted {
		s.mu.Lock()
		s.released++
		s.mu.Unlock()
	}
	return s.Store.FinishDelivery(ctx, d, o)
}

// A send starts only while its claim has SendTimeout left: a slow batch
// gives its late rows back instead of sending them after the lease ran
// out (when another worker may have claimed them).
func TestSlowBatchReleasesRowsBeforeTheLeaseEnds(t *testing.T) {
	clock := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := &releaseCounter{Store: memory.New().Mailing()}
	svc, _ := mailing.New(store, mailing.Config{Now: clock.Now})
	subscribeAll(t, svc, 20, "example.com")
	c, _, _ := svc.CreateCampaign(context.Background(), mailing.Admin, "s", "t", "")
	var mu sync.Mutex
	got := map[string]int{}
	slow := transportFunc(func(ctx context.Context, m mailing.Message) error {
		clock.Add(40 * time.Second) // each send takes 40 s of the clock
		mu.Lock()
		got[m.To]++
		mu.Unlock()
		return nil
	})
	runClocked(t, svc, clock, mailing.DispatcherConfig{Routing: mailing.Routing{Default: slow}, Lease: 2 * time.Minute, SendTimeout: 30 * time.Second, Batch: 8}, c.ID)
	require.Len(t, got, 20, "recipients who got mail")
	for to, n := range got {
		assert.Equal(t, 1, n, "messages to %s", to)
	}
	require.NotZero(t, store.released, "no row was given back, though a batch of 8 sends of 40 s cannot fit a 2-minute lease")
	t.Logf("%d rows given back", store.released)
}

type transportFunc func(context.Context, mailing.Message) error

func (f transportFunc) Send(ctx context.Context, m mailing.Message) error { return f(ctx, m) }
