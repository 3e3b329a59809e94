package trialshttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/trials"
)

// FuzzTrialsJSON: the appended list and trial bodies are byte for byte
// what httpx.WriteJSON writes of the structs, with its status and
// Content-Type.
func FuzzTrialsJSON(f *testing.F) {
	f.Add("C130010", "임상연구 코호트", "Cardiology", "병원 1", "관찰연구", "코호트", "국내다기관", "100명", "3년", trials.FieldTargetSize,
		int64(1), int64(7), 100, 36, int64(1764633600), 0, 540*60, true, true, false)
	f.Add("<b>&\"\\\n\t\x00\u2028\u2029\xff", "👨‍👩‍👧", "B\x7fob", "\x1f", "", "", "", "", "", "title",
		int64(1<<62), int64(-5), -3, 0, int64(-62135596801), 999999999, 3600, false, false, true)
	f.Add("", "", "", "", "", "", "", "", "", "", int64(-1), int64(0), 1<<40, -1, int64(253402300800), 1, -86400, true, false, true)
	f.Add("N", "T", "D", "I", "S", "P", "R", "x", "y", trials.FieldPhase, int64(0), int64(1), 0, 0, int64(0), 0, 59, false, true, false)
	f.Fuzz(func(t *testing.T, number, title, department, institute, studyType, phase, scope, sizeText, duration, field string,
		id, run int64, size, months int, secs int64, nsec, offset int, hasSize, hasMonths, withdrawn bool,
	) {
		at := time.Unix(secs, int64(nsec)%1e9).In(time.FixedZone("z", offset%(48*3600)))
		tr := trials.Trial{
			ID: trials.ID(id), Number: number, Title: title, Department: department, Institute: institute,
			TargetSizeText: sizeText, Duration: duration, StudyType: studyType, Phase: phase, Scope: scope,
			FirstSeen: at.Add(-time.Duration(size)), LastChanged: at, LastSeen: at.Add(time.Duration(months)), Withdrawn: withdrawn,
		}
		if hasSize {
			tr.TargetSize = &size
		}
		if hasMonths {
			tr.DurationMonths = &months
		}
		other := tr
		other.ID, other.Title, other.TargetSize = trials.ID(id^1), institute+title, nil
		history := []trials.Change{
			{Number: number, Run: trials.RunID(run), Field: field, Old: title, New: scope, At: at},
			{Number: number, Run: trials.RunID(run - 1), Field: trials.FieldStudyType, Old: "", New: sizeText, At: at.Add(-time.Hour)},
		}
		for _, c := range []struct {
			name      string
			want, got func(w http.ResponseWriter)
		}{
			{"list",
				func(w http.ResponseWriter) {
					httpx.WriteJSON(w, http.StatusOK, newListBody(&trials.List{Trials: []trials.Trial{tr, other}, Total: size}))
				},
				func(w http.ResponseWriter) {
					writeList(w, &trials.List{Trials: []trials.Trial{tr, other}, Total: size})
				}},
			{"empty list",
				func(w http.ResponseWriter) {
					httpx.WriteJSON(w, http.StatusOK, newListBody(&trials.List{Trials: []trials.Trial{}}))
				},
				func(w http.ResponseWriter) { writeList(w, &trials.List{Trials: []trials.Trial{}}) }},
			{"trial",
				func(w http.ResponseWriter) {
					httpx.WriteJSON(w, http.StatusOK, infoBody(&trials.Detail{Trial: tr, History: history}))
				},
				func(w http.ResponseWriter) { writeInfo(w, &trials.Detail{Trial: tr, History: history}) }},
			{"trial without history",
				func(w http.ResponseWriter) { httpx.WriteJSON(w, http.StatusOK, infoBody(&trials.Detail{Trial: other})) },
				func(w http.ResponseWriter) { writeInfo(w, &trials.Detail{Trial: other}) }},
		} {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			c.want(want)
			c.got(got)
			require.Equal(t, want.Body.String(), got.Body.String(), c.name)
			require.Equal(t, want.Code, got.Code, c.name)
			require.Equal(t, want.Header().Get("Content-Type"), got.Header().Get("Content-Type"), c.name)
		}
	})
}
