package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// BenchmarkTrialsRecent: a page of the last 7 days with its total, at 145
// and 100,000 trials.
func BenchmarkTrialsRecent(b *testing.B) {
	trialstest.BenchmarkRecent(b, func(b *testing.B) (trials.Store, func()) { return memory.NewTrialsStore(), nil })
}
