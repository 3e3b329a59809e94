package microblog_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hanok-dev/hanok/microblog"
)

// A Range's bounds are exclusive; MaxID 0 is no upper bound.
func TestRangeBounds(t *testing.T) {
	lo, hi, asc := microblog.Range{SinceID: 7, MaxID: 20, Limit: 5}.Bounds()
	assert.Equal(t, int64(7), lo, "lo")
	assert.Equal(t, int64(20), hi, "hi")
	assert.False(t, asc, "newest first by default")
	lo, hi, asc = microblog.Range{Oldest: true, Limit: 5}.Bounds()
	assert.Equal(t, int64(0), lo, "lo without SinceID")
	assert.Equal(t, int64(math.MaxInt64), hi, "hi without MaxID")
	assert.True(t, asc, "Oldest reads ascending")
}
