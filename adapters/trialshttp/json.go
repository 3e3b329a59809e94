package trialshttp

import (
	"net/http"
	"strconv"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/trials"
)

// writeList answers a page of trials: listBody as httpx.WriteJSON writes
// it, without its reflection (FuzzTrialsJSON checks they agree).
func writeList(w http.ResponseWriter, l *trials.List) {
	httpx.WriteAppended(w, http.StatusOK, func() any { return newListBody(l) }, func(b []byte) ([]byte, bool) {
		b = append(b, `{"message":"SUCCESS","count":`...)
		b = strconv.AppendInt(b, int64(l.Total), 10)
		b, ok := httpx.AppendJSONArray(append(b, `,"task_list":`...), l.Trials, func(b []byte, t *trials.Trial) ([]byte, bool) {
			b, ok := appendItem(append(b, '{'), t)
			return append(b, '}'), ok
		})
		return append(b, "}\n"...), ok
	})
}

// writeInfo answers one trial with its history: what
// httpx.WriteJSON(w, http.StatusOK, infoBody(d)) writes.
func writeInfo(w http.ResponseWriter, d *trials.Detail) {
	httpx.WriteAppended(w, http.StatusOK, func() any { return infoBody(d) }, func(b []byte) ([]byte, bool) {
		b = append(b, `{"message":"SUCCESS","task_info":{`...)
		b, ok := appendItem(b, &d.Trial)
		b = append(b, `,"number_of_target_text":`...)
		b = httpx.AppendJSONString(b, d.TargetSizeText)
		b = append(b, `,"duration_months":`...)
		b = appendIntPtr(b, d.DurationMonths)
		var ok1, ok2, ok3 bool
		b = append(b, `,"first_seen":`...)
		b, ok1 = httpx.AppendJSONTime(b, d.FirstSeen)
		b = append(b, `,"last_changed":`...)
		b, ok2 = httpx.AppendJSONTime(b, d.LastChanged)
		b = append(b, `,"last_seen":`...)
		b, ok3 = httpx.AppendJSONTime(b, d.LastSeen)
		ok = ok && ok1 && ok2 && ok3
		b = append(b, `,"withdrawn":`...)
		b = strconv.AppendBool(b, d.Withdrawn)
		b = append(b, `,"history":[`...)
		for i := range d.History {
			c := &d.History[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"run":`...)
			b = strconv.AppendInt(b, int64(c.Run), 10)
			b = append(b, `,"field":`...)
			b = httpx.AppendJSONString(b, fieldName(c.Field))
			b = append(b, `,"old":`...)
			b = httpx.AppendJSONString(b, c.Old)
			b = append(b, `,"new":`...)
			b = httpx.AppendJSONString(b, c.New)
			b = append(b, `,"changed_at":`...)
			var good bool
			b, good = httpx.AppendJSONTime(b, c.At)
			ok = ok && good
			b = append(b, '}')
		}
		return append(b, "]}}\n"...), ok
	})
}

// appendItem appends the fields of toItem(t), without the braces.
func appendItem(b []byte, t *trials.Trial) ([]byte, bool) {
	b = append(b, `"id":`...)
	b = strconv.AppendInt(b, int64(t.ID), 10)
	b = append(b, `,"number":`...)
	b = httpx.AppendJSONString(b, t.Number)
	b = append(b, `,"title":`...)
	b = httpx.AppendJSONString(b, t.Title)
	b = append(b, `,"department":`...)
	b = httpx.AppendJSONString(b, t.Department)
	b = append(b, `,"institute":`...)
	b = httpx.AppendJSONString(b, t.Institute)
	b = append(b, `,"number_of_target":`...)
	b = appendIntPtr(b, t.TargetSize)
	b = append(b, `,"duration":`...)
	b = httpx.AppendJSONString(b, t.Duration)
	b = append(b, `,"type":`...)
	b = httpx.AppendJSONString(b, t.StudyType)
	b = append(b, `,"trial_stage":`...)
	b = httpx.AppendJSONString(b, t.Phase)
	b = append(b, `,"scope":`...)
	b = httpx.AppendJSONString(b, t.Scope)
	b = append(b, `,"updated_at":`...)
	return httpx.AppendJSONTime(b, t.LastChanged)
}

// appendIntPtr appends *p, or null.
func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}
