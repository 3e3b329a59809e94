package microbloghttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/microblog"
)

// FuzzTweetsJSON checks that the appenders write, byte for byte, what ok
// writes through encoding/json: a timeline of two tweets and a thread,
// with any text, ids, counts and times (in any zone; times MarshalJSON
// refuses fall back to encoding/json, as ok would fail the same way).
func FuzzTweetsJSON(f *testing.F) {
	f.Add("hello", "alice", "Alice", "Tweet Loading Success", int64(1), int64(0), 0, int64(1764633600), 0, false, false)
	f.Add("<b>&\"\\\n\t\x00\u2028\u2029\xff 한국어 👨‍👩‍👧", "bob", "B\x7fob", "msg\x1f", int64(1<<62), int64(5), -3, int64(-62135596801), 3600, true, true)
	f.Add("", "", "", "", int64(-1), int64(-2), 1<<40, int64(253402300800), -86400, true, false)
	f.Add("z", "h", "n", "m", int64(7), int64(1), 1, int64(0), 59, false, true)
	f.Fuzz(func(t *testing.T, content, handle, name, message string, id, reply int64, likes int, secs int64, offset int, liked, deleted bool) {
		at := time.Unix(secs, int64(likes)%1e9).In(time.FixedZone("z", offset%(48*3600)))
		tw := microblog.Tweet{
			ID: microblog.TweetID(id), AuthorHandle: handle, AuthorName: name, Content: content,
			Created: at, Updated: at.Add(time.Duration(likes)), InReplyTo: microblog.TweetID(reply),
			ParentDeleted: deleted, Likes: likes, Liked: liked,
		}
		other := tw
		other.Content, other.ID = name+content, microblog.TweetID(id^1)
		ts := []microblog.Tweet{tw, other}
		for _, c := range []struct {
			name      string
			want, got func(w http.ResponseWriter)
		}{
			{"timeline",
				func(w http.ResponseWriter) { _ = ok(w, http.StatusOK, message, tweetsOf(ts)) },
				func(w http.ResponseWriter) { _ = writeTweets(w, http.StatusOK, message, ts) }},
			{"empty timeline",
				func(w http.ResponseWriter) { _ = ok(w, http.StatusOK, message, tweetsOf(nil)) },
				func(w http.ResponseWriter) { _ = writeTweets(w, http.StatusOK, message, nil) }},
			{"thread",
				func(w http.ResponseWriter) { _ = ok(w, http.StatusOK, message, threadOf(&tw, ts)) },
				func(w http.ResponseWriter) { _ = writeThread(w, message, &tw, ts) }},
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
