package calendarhttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/calendar"
)

// The lists of events (month, date, today, search), the routes read most,
// are encoded by the appenders below rather than by encoding/json's
// reflection. Their output is byte for byte what ok(w, eventsJSON(es))
// writes, which FuzzEventsJSON checks.

// writeEvents answers as ok(w, eventsJSON(es)) does.
func writeEvents(w http.ResponseWriter, es []calendar.Event) {
	httpx.WriteAppended(w, CodeSuccess/100, func() any {
		return Response{Meta: Meta{Code: CodeSuccess, Message: "SUCCESS"}, Data: eventsJSON(es)}
	}, func(b []byte) ([]byte, bool) {
		b = append(b, `{"meta":{"code":`...)
		b = strconv.AppendInt(b, CodeSuccess, 10)
		b = append(b, `,"message":"SUCCESS"},"data":[`...)
		for i := range es {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendEvent(b, &es[i])
		}
		return append(b, ']', '}', '\n'), true
	})
}

// appendEvent appends eventJSON(*e) as encoding/json writes it.
func appendEvent(b []byte, e *calendar.Event) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(e.ID), 10)
	b = append(b, `,"subject":`...)
	b = httpx.AppendJSONString(b, e.Subject)
	b = append(b, `,"sdate":`...)
	b = appendSeedTime(b, e.Start)
	b = append(b, `,"edate":`...)
	b = appendSeedTime(b, e.End)
	b = append(b, `,"created":`...)
	b = appendSeedTime(b, e.Created)
	b = append(b, `,"updated":`...)
	if e.Updated.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendSeedTime(b, e.Updated)
	}
	b = append(b, `,"email":`...)
	b = httpx.AppendJSONString(b, e.OwnerEmail)
	b = append(b, `,"owner_name":`...)
	b = httpx.AppendJSONString(b, e.OwnerName)
	b = append(b, `,"group":`...)
	if e.Group != 0 {
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(e.Group), 10)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"birthday":`...)
	if e.Birthday != nil {
		b = append(b, `"1"`...)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendSeedTime appends t in the seed's form, quoted. The form is ASCII
// letters, digits, spaces, commas, colons and signs: nothing to escape.
func appendSeedTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, seedTime)
	return append(b, '"')
}
