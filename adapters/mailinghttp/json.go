package mailinghttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/mailing"
)

// The administrator's subscriber list, the route read most (the whole
// list, 220 KB for a thousand subscribers), is encoded by the appenders
// below rather than by encoding/json's reflection. Their output is byte
// for byte what httpx.WriteJSON writes with the adminSubscriberOut values
// of the same subscribers, which FuzzSubscribersJSON checks.

// writeSubscribers answers as httpx.WriteJSON(w, http.StatusOK,
// data{out}) does, out the adminSubscriberOut of every subscriber.
func writeSubscribers(w http.ResponseWriter, subs []mailing.Subscriber) {
	httpx.WriteAppended(w, http.StatusOK, func() any { return data{adminSubscribersOut(subs)} }, func(b []byte) ([]byte, bool) {
		b, ok := httpx.AppendJSONArray(append(b, `{"data":`...), subs, appendAdminSubscriber)
		return append(b, '}', '\n'), ok
	})
}

// adminSubscribersOut is the adminSubscriberOut of every subscriber.
func adminSubscribersOut(subs []mailing.Subscriber) []subscriberJSON {
	out := make([]subscriberJSON, len(subs))
	for i, s := range subs {
		out[i] = adminSubscriberOut(s)
	}
	return out
}

// appendAdminSubscriber appends adminSubscriberOut(*s) as encoding/json
// writes it.
func appendAdminSubscriber(b []byte, s *mailing.Subscriber) (_ []byte, ok bool) {
	ok = true
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	b = append(b, `,"email":`...)
	b = httpx.AppendJSONString(b, s.Email)
	b = append(b, `,"name":`...)
	b = httpx.AppendJSONString(b, s.Name)
	b = append(b, `,"subscribed":`...)
	b = strconv.AppendBool(b, s.Subscribed)
	b = append(b, `,"status":`...)
	b = httpx.AppendJSONString(b, string(s.Status()))
	b, ok = appendTimeField(b, 0, ok, `"bounced_at":`, s.Bounced)
	b = append(b, `,"soft_bounces":`...)
	b = strconv.AppendInt(b, int64(s.SoftBounces), 10)
	b = append(b, `,"created_at":`...)
	// A subscriber's creation, update and subscription are often the
	// same instant: the created_at bytes are copied for the others.
	created := len(b)
	b, good := httpx.AppendJSONTime(b, s.Created)
	ok = ok && good
	created2 := len(b)
	b = append(b, `,"updated_at":`...)
	if ok && sameTime(s.Updated, s.Created) {
		b = append(b, b[created:created2]...)
	} else {
		b, good = httpx.AppendJSONTime(b, s.Updated)
		ok = ok && good
	}
	c := &s.Consent
	// The consent's fields are each omitted when empty: the first one
	// written opens without a comma.
	b = append(b, `,"consent":{`...)
	n := len(b)
	if ok && !c.Subscribed.IsZero() && sameTime(c.Subscribed, s.Created) {
		b = append(appendKey(b, n, `"subscribed_at":`), b[created:created2]...)
	} else {
		b, ok = appendTimeField(b, n, ok, `"subscribed_at":`, c.Subscribed)
	}
	b = appendStringField(b, n, `"subscribed_from":`, c.SubscribedFrom)
	b, ok = appendTimeField(b, n, ok, `"confirmed_at":`, c.Confirmed)
	b = appendStringField(b, n, `"confirmed_from":`, c.ConfirmedFrom)
	b, ok = appendTimeField(b, n, ok, `"unsubscribed_at":`, c.Unsubscribed)
	b = appendStringField(b, n, `"unsubscribed_from":`, c.UnsubscribedFrom)
	return append(b, '}', '}'), ok
}

// sameTime reports whether t is the instant u is, in u's location: what
// encoding/json writes the same.
func sameTime(t, u time.Time) bool {
	return t.Equal(u) && t.Location() == u.Location()
}

// The optional fields below are omitted when empty (omitempty, and nil
// for the zero time); each is appended after a comma unless it is the
// first field of the object whose fields begin at n.

// appendTimeField appends key and t unless t is zero; ok is false once a
// time could not be appended as encoding/json would.
func appendTimeField(b []byte, n int, ok bool, key string, t time.Time) ([]byte, bool) {
	if t.IsZero() {
		return b, ok
	}
	b = appendKey(b, n, key)
	b, good := httpx.AppendJSONTime(b, t)
	return b, ok && good
}

// appendStringField appends key and s unless s is empty.
func appendStringField(b []byte, n int, key, s string) []byte {
	if s == "" {
		return b
	}
	return httpx.AppendJSONString(appendKey(b, n, key), s)
}

// appendKey appends key, after a comma if b holds a field past n.
func appendKey(b []byte, n int, key string) []byte {
	if len(b) > n {
		b = append(b, ',')
	}
	return append(b, key...)
}
