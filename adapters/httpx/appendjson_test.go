package httpx

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzAppendJSONTime checks that AppendJSONTime writes, byte for byte,
// what encoding/json writes of any time in any zone, and refuses the
// times MarshalJSON refuses (and those of a zone offset of seconds, which
// it leaves to encoding/json).
func FuzzAppendJSONTime(f *testing.F) {
	f.Add(int64(1764633600), int64(0), 0)
	f.Add(int64(1764633600), int64(123456789), 32400)
	f.Add(int64(-62135596800), int64(100), -3600)
	f.Add(int64(-62167219200), int64(1), 0)
	f.Add(int64(253402300799), int64(999999999), 59*60)
	f.Add(int64(253402300800), int64(0), 0)
	f.Add(int64(0), int64(120000000), 86399*0+3601)
	f.Add(int64(0), int64(0), -86400)
	f.Fuzz(func(t *testing.T, secs, nanos int64, offset int) {
		at := time.Unix(secs, nanos).In(time.FixedZone("z", offset%(48*3600)))
		for _, tm := range []time.Time{at, at.UTC()} {
			want, err := json.Marshal(tm)
			got, ok := AppendJSONTime([]byte("x"), tm)
			if err != nil {
				require.False(t, ok, "%v: MarshalJSON refuses it (%v), AppendJSONTime wrote %s", tm, err, got)
				require.Equal(t, "x", string(got), "a refused time appends nothing")
				continue
			}
			if !ok {
				_, off := tm.Zone()
				require.NotZero(t, off%60, "%v: refused, MarshalJSON wrote %s", tm, want)
				continue
			}
			require.Equal(t, "x"+string(want), string(got), "%v", tm)
		}
	})
}

// BenchmarkAppendJSONTime compares AppendJSONTime with
// time.Time.AppendFormat, in UTC and in a fixed zone.
func BenchmarkAppendJSONTime(b *testing.B) {
	at := time.Date(2026, 3, 1, 9, 30, 5, 123456000, time.UTC)
	for _, tm := range []time.Time{at, at.In(time.FixedZone("KST", 9*3600))} {
		buf := make([]byte, 0, 64)
		b.Run("append/"+tm.Location().String(), func(b *testing.B) {
			for b.Loop() {
				buf, _ = AppendJSONTime(buf[:0], tm)
			}
		})
		b.Run("format/"+tm.Location().String(), func(b *testing.B) {
			for b.Loop() {
				buf = tm.AppendFormat(buf[:0], time.RFC3339Nano)
			}
		})
	}
}
