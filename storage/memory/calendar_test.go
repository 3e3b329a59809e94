package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestCalendarStore(t *testing.T) {
	calendartest.RunStoreTests(t, func(t *testing.T) calendar.Store { return memory.New().Calendar() })
}
