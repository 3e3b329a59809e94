package mailinghttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/mailing"
)

// FuzzSubscribersJSON checks that the appenders write, byte for byte,
// what httpx.WriteJSON writes through encoding/json: a list of four
// subscribers (each consent field set or empty, in every combination the
// fuzzer picks) and an empty list, with any text, ids, counts and times
// (in any zone; times MarshalJSON refuses fall back to encoding/json, as
// WriteJSON would fail the same way).
func FuzzSubscribersJSON(f *testing.F) {
	f.Add("a@example.com", "Alice", "203.0.113.7", int64(1), 0, int64(1764633600), 0, uint8(0b111111), false, false)
	f.Add("<b>&\"\\\n\t\x00\u2028\u2029\xff 한국어 👨‍👩‍👧", "B\x7fob", "abuse report", int64(1<<62), -3, int64(-62135596801), 3600, uint8(0b101010), true, true)
	f.Add("", "", "", int64(-1), 1<<40, int64(253402300800), -86400, uint8(0), true, false)
	f.Add("z@z.z", "n", "::1", int64(7), 1, int64(0), 59, uint8(0b010101), false, true)
	f.Fuzz(func(t *testing.T, email, name, from string, id int64, soft int, secs int64, offset int, set uint8, subscribed, pending bool) {
		at := time.Unix(secs, int64(soft)%1e9).In(time.FixedZone("z", offset%(48*3600)))
		when := func(bit uint8, d time.Duration) time.Time {
			if set&bit == 0 {
				return time.Time{}
			}
			return at.Add(d)
		}
		text := func(bit uint8, s string) string {
			if set&bit == 0 {
				return ""
			}
			return s
		}
		s := mailing.Subscriber{
			ID: mailing.SubscriberID(id), Email: email, Name: name, Subscribed: subscribed, Token: "never shown",
			Created: at, Updated: at.Add(time.Duration(soft)), Bounced: when(64, time.Minute), SoftBounces: soft, Pending: pending,
			Consent: mailing.Consent{
				Subscribed: when(1, time.Second), SubscribedFrom: text(2, from),
				Confirmed: when(4, time.Hour), ConfirmedFrom: text(8, from+email),
				Unsubscribed: when(16, -time.Hour), UnsubscribedFrom: text(32, name),
			},
		}
		other := s
		other.ID, other.Email, other.Consent, other.Bounced = mailing.SubscriberID(id^1), name+email, mailing.Consent{}, time.Time{}
		third := s
		third.Consent.Subscribed, third.Consent.UnsubscribedFrom = time.Time{}, from
		// Created, updated and subscribed at one instant in UTC (the
		// stores' times), or not subscribed (bit 128).
		utc := s
		utc.ID, utc.Created, utc.Updated, utc.Consent.Subscribed = mailing.SubscriberID(id+1), at.UTC(), at.UTC(), at.UTC()
		if set&128 != 0 {
			utc.Consent.Subscribed = time.Time{}
		}
		for _, subs := range [][]mailing.Subscriber{{s, other, third, utc}, {}, nil} {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			httpx.WriteJSON(want, http.StatusOK, data{adminSubscribersOut(subs)})
			writeSubscribers(got, subs)
			require.Equal(t, want.Body.String(), got.Body.String(), "%d subscribers", len(subs))
			require.Equal(t, want.Code, got.Code)
			require.Equal(t, want.Header().Get("Content-Type"), got.Header().Get("Content-Type"))
		}
	})
}
