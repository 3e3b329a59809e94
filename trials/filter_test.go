package trials_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hanok-dev/hanok/trials"
)

// A page tells the total unless it is full, or empty past the start.
func TestFilterPageTotal(t *testing.T) {
	for _, c := range []struct {
		name          string
		offset, limit int
		n             int
		total         int
		known         bool
	}{
		{"no limit", 5, 0, 3, 8, true},
		{"short page", 10, 10, 4, 14, true},
		{"full page", 10, 10, 10, 0, false},
		{"empty from the start", 0, 10, 0, 0, true},
		{"empty past the end", 20, 10, 0, 0, false},
	} {
		total, known := trials.Filter{Offset: c.offset, Limit: c.limit}.PageTotal(c.n)
		assert.Equal(t, c.known, known, "%s: known", c.name)
		assert.Equal(t, c.total, total, "%s: total", c.name)
	}
}

// Clone shares no pointer with the trial it copies.
func TestTrialClone(t *testing.T) {
	size, months := 40, 12
	orig := trials.Trial{Number: "C1", TargetSize: &size, DurationMonths: &months}
	c := orig.Clone()
	*c.TargetSize, *c.DurationMonths = 1, 2
	assert.Equal(t, 40, *orig.TargetSize, "TargetSize")
	assert.Equal(t, 12, *orig.DurationMonths, "DurationMonths")
	assert.Nil(t, trials.Trial{}.Clone().TargetSize, "a nil TargetSize stays nil")
}
