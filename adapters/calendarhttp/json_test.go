package calendarhttp

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/calendar"
)

// FuzzEventsJSON checks that writeEvents writes, byte for byte, what
// ok(w, eventsJSON(es)) writes through encoding/json, with any text, ids
// and times (in any zone), and for no events.
func FuzzEventsJSON(f *testing.F) {
	f.Add("standup", "me@example.com", "Me", int64(1), int64(0), int64(1764633600), 32400, false, false)
	f.Add("<b>&\"\\\n\t\x00\u2028\u2029\xff 한국어 👨‍👩‍👧", "", "B\x7fob", int64(1<<62), int64(5), int64(-62135596801), -3, true, true)
	f.Add("", "x", "", int64(-1), int64(-2), int64(253402300800), 59, true, false)
	f.Fuzz(func(t *testing.T, subject, email, owner string, id, group, secs int64, offset int, updated, birthday bool) {
		at := time.Unix(secs, id%1e9).In(time.FixedZone("z", offset%(48*3600)))
		e := calendar.Event{ID: calendar.EventID(id), Subject: subject, OwnerEmail: email, OwnerName: owner,
			Start: at, End: at.Add(time.Hour), Created: at.Add(-time.Minute), Group: calendar.GroupID(group)}
		if updated {
			e.Updated = at.Add(time.Second)
		}
		if birthday {
			e.Birthday = &calendar.Date{}
		}
		other := e
		other.Subject, other.ID = owner+subject, calendar.EventID(id^1)
		for _, es := range [][]calendar.Event{{e, other}, nil} {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			ok(want, eventsJSON(es))
			writeEvents(got, es)
			require.Equal(t, want.Body.String(), got.Body.String())
			require.Equal(t, want.Code, got.Code)
			require.Equal(t, want.Header().Get("Content-Type"), got.Header().Get("Content-Type"))
		}
	})
}
