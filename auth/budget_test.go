package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// SpendAttempt spends a key's budget on the terms of registrations: the
// burst, then one an interval; keys are independent; a refused attempt
// spends nothing.
func TestSpendAttempt(t *testing.T) {
	ctx := context.Background()
	clk := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	svc, err := auth.New(memory.New().Auth(), auth.Config{Secret: testSecret, Now: clk.Now, RegisterAttempts: 2, RegisterInterval: time.Minute})
	require.NoError(t, err)
	for range 2 {
		wait, err := svc.SpendAttempt(ctx, "subscribe:203.0.113.7")
		require.NoError(t, err)
		assert.Zero(t, wait)
	}
	wait, err := svc.SpendAttempt(ctx, "subscribe:203.0.113.7")
	require.NoError(t, err)
	assert.Positive(t, wait)
	assert.LessOrEqual(t, wait, time.Minute)
	wait, err = svc.SpendAttempt(ctx, "subscribe:198.51.100.9")
	require.NoError(t, err)
	assert.Zero(t, wait, "another key has its own budget")
	clk.Add(time.Minute)
	wait, err = svc.SpendAttempt(ctx, "subscribe:203.0.113.7")
	require.NoError(t, err)
	assert.Zero(t, wait, "one more after the interval")
}
