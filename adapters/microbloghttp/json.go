package microbloghttp

import (
	"net/http"
	"strconv"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/microblog"
)

// The timelines and the thread, the routes read most, are encoded by the
// appenders below rather than by encoding/json's reflection (a fifth of
// a public timeline's CPU time). Their output is byte for byte what ok
// writes with the tweetJSON values of the same tweets, which
// FuzzTweetsJSON checks.

// writeTweets answers as ok(w, status, message, tweetsOf(ts)) does.
func writeTweets(w http.ResponseWriter, status int, message string, ts []microblog.Tweet) error {
	httpx.WriteAppended(w, status, func() any { return envelope(message, tweetsOf(ts)) }, func(b []byte) ([]byte, bool) {
		b = append(b, `{"data":`...)
		b, ok := appendTweets(b, ts)
		return appendMessage(b, message), ok
	})
	return nil
}

// writeThread answers as ok does with a thread's tweet and replies.
func writeThread(w http.ResponseWriter, message string, t *microblog.Tweet, replies []microblog.Tweet) error {
	httpx.WriteAppended(w, http.StatusOK, func() any { return envelope(message, threadOf(t, replies)) }, func(b []byte) ([]byte, bool) {
		b = append(b, `{"data":{"replies":`...)
		b, ok := appendTweets(b, replies)
		b = append(b, `,"tweet":`...)
		b, ok2 := appendTweet(b, t)
		b = append(b, '}')
		return appendMessage(b, message), ok && ok2
	})
	return nil
}

// appendMessage ends an envelope whose data b holds.
func appendMessage(b []byte, message string) []byte {
	b = append(b, `,"message":`...)
	b = httpx.AppendJSONString(b, message)
	return append(b, '}', '\n')
}

func appendTweets(b []byte, ts []microblog.Tweet) ([]byte, bool) {
	return httpx.AppendJSONArray(b, ts, appendTweet)
}

// appendTweet appends tweetOf(t) as encoding/json writes it.
func appendTweet(b []byte, t *microblog.Tweet) (_ []byte, ok bool) {
	b = append(b, `{"content_id":"`...)
	b = strconv.AppendInt(b, int64(t.ID), 10)
	b = append(b, `","user_id":`...)
	b = httpx.AppendJSONString(b, t.AuthorHandle)
	b = append(b, `,"user_name":`...)
	b = httpx.AppendJSONString(b, t.AuthorName)
	b = append(b, `,"user_content":`...)
	b = httpx.AppendJSONString(b, t.Content)
	b = append(b, `,"created_at":`...)
	b, ok1 := httpx.AppendJSONTime(b, t.Created)
	b = append(b, `,"updated_at":`...)
	b, ok2 := httpx.AppendJSONTime(b, t.Updated)
	b = append(b, `,"in_reply_to":`...)
	if t.InReplyTo != 0 {
		b = append(b, '"')
		b = strconv.AppendInt(b, int64(t.InReplyTo), 10)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"in_reply_to_deleted":`...)
	b = strconv.AppendBool(b, t.ParentDeleted)
	b = append(b, `,"like_count":`...)
	b = strconv.AppendInt(b, int64(t.Likes), 10)
	b = append(b, `,"liked":`...)
	b = strconv.AppendBool(b, t.Liked)
	return append(b, '}'), ok1 && ok2
}
