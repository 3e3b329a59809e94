package microbloghttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/microblog"
)

// ok writes a success body: the seed's message and, if not nil, data.
func ok(w http.ResponseWriter, status int, message string, data any) error {
	httpx.WriteJSON(w, status, envelope(message, data))
	return nil
}

// envelope is the body of a success: the seed's message and, if not nil,
// data.
func envelope(message string, data any) map[string]any {
	body := map[string]any{"message": message}
	if data != nil {
		body["data"] = data
	}
	return body
}

// threadOf is the data of a thread.
func threadOf(t *microblog.Tweet, replies []microblog.Tweet) map[string]any {
	return map[string]any{"tweet": tweetOf(t), "replies": tweetsOf(replies)}
}

type profileJSON struct {
	UserID      string `json:"user_id"`
	UserName    string `json:"user_name"`
	UserProfile string `json:"user_profile"`
}

func profileOf(p *microblog.Profile) profileJSON {
	return profileJSON{UserID: p.Handle, UserName: p.Name, UserProfile: p.Bio}
}

type tweetJSON struct {
	ContentID   string    `json:"content_id"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name"`
	UserContent string    `json:"user_content"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// InReplyTo is null for a tweet that answers none.
	InReplyTo *string `json:"in_reply_to"`
	// InReplyToDeleted says the tweet answered was deleted.
	InReplyToDeleted bool `json:"in_reply_to_deleted"`
	LikeCount        int  `json:"like_count"`
	Liked            bool `json:"liked"`
}

func idString(id microblog.TweetID) string { return strconv.FormatInt(int64(id), 10) }

func tweetOf(t *microblog.Tweet) tweetJSON {
	j := tweetJSON{
		ContentID: idString(t.ID), UserID: t.AuthorHandle, UserName: t.AuthorName, UserContent: t.Content,
		CreatedAt: t.Created, UpdatedAt: t.Updated, InReplyToDeleted: t.ParentDeleted, LikeCount: t.Likes, Liked: t.Liked,
	}
	if t.InReplyTo != 0 {
		s := idString(t.InReplyTo)
		j.InReplyTo = &s
	}
	return j
}

func tweetsOf(ts []microblog.Tweet) []tweetJSON {
	out := make([]tweetJSON, len(ts))
	for i := range ts {
		out[i] = tweetOf(&ts[i])
	}
	return out
}

// bodyID reads a tweet id from a JSON body, where a client may send it as
// a string or a number ("12" or 12), through httpx.ParseID, the one id
// parser: a value that is no positive integer names no tweet, so it is
// NotFound, with field named. A missing id (null) is a required field; a
// value of another JSON type is Invalid.
func bodyID(field string, v any) (microblog.TweetID, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = strings.TrimSpace(v)
	case json.Number:
		s = v.String()
	case nil:
		return 0, hanok.FieldError(field, "is required")
	default:
		return 0, hanok.FieldError(field, "must be a tweet id (a positive integer, as a string or a number)")
	}
	id, err := httpx.ParseID("tweet", s)
	if err != nil {
		return 0, &hanok.Error{Code: hanok.NotFound, Message: field + ": " + hanok.MessageOf(err), Fields: map[string]string{field: "names no tweet"}, Err: err}
	}
	return microblog.TweetID(id), nil
}

// pathID is the tweet id of the {id} path segment.
func pathID(r *http.Request) (microblog.TweetID, error) {
	id, err := httpx.PathID(r, "id", "tweet")
	return microblog.TweetID(id), err
}

// cursorOf reads max_id, since_id, min_id and limit from the query.
func cursorOf(r *http.Request) (microblog.Cursor, error) {
	q := r.URL.Query()
	var c microblog.Cursor
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"max_id", &c.MaxID}, {"since_id", &c.SinceID}, {"min_id", &c.MinID}} {
		if v := q.Get(p.name); v != "" {
			// A cursor that names no tweet is a bad request, not a
			// missing thing.
			n, err := httpx.ParseID("tweet", v)
			if err != nil {
				return c, hanok.FieldError(p.name, "must be a positive integer id")
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return c, hanok.FieldError("limit", fmt.Sprintf("must be an integer from 1 to %d", microblog.MaxLimit))
		}
		c.Limit = n
	}
	return c, nil
}

// setLinks writes the page's Link header: its links are the request's
// path (with its mount prefix) and query, with the page's cursors.
func setLinks[T any](w http.ResponseWriter, r *http.Request, p microblog.Page[T]) {
	path := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path = u.EscapedPath()
	}
	link := func(c *microblog.Cursor, rel string) string {
		q := r.URL.Query()
		for _, k := range []string{"max_id", "since_id", "min_id"} {
			q.Del(k)
		}
		for k, v := range map[string]int64{"max_id": c.MaxID, "since_id": c.SinceID, "min_id": c.MinID} {
			if v > 0 {
				q.Set(k, strconv.FormatInt(v, 10))
			}
		}
		return fmt.Sprintf("<%s?%s>; rel=%q", path, q.Encode(), rel)
	}
	var links []string
	if p.Next != nil {
		links = append(links, link(p.Next, "next"))
	}
	if p.Prev != nil {
		links = append(links, link(p.Prev, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// viewer is the user of the request's token, or 0 without one. A token
// that is sent but not valid is an error, not an anonymous reader.
func (h *handler) viewer(r *http.Request) (hanok.UserID, error) {
	tok := httpx.Token(r, "")
	if tok == "" {
		return 0, nil
	}
	u, err := h.authn.Authenticate(r.Context(), tok)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

type signupBody struct {
	UserName     string `json:"user_name"`
	UserID       string `json:"user_id"`
	UserPassword string `json:"user_password"`
	UserProfile  string `json:"user_profile"`
	// UserCSRF is the seed's CSRF token: accepted and ignored, since
	// requests carry a bearer token instead of a cookie.
	UserCSRF string `json:"user_csrf"`
}

func (h *handler) signup(w http.ResponseWriter, r *http.Request) error {
	in, err := httpx.DecodeJSON[signupBody](w, r, maxBody)
	if err != nil {
		return err
	}
	_, err = h.svc.Signup(r.Context(), microblog.SignupInput{
		Handle: in.UserID, Name: in.UserName, Password: in.UserPassword, Bio: in.UserProfile, ClientAddr: httpx.ClientAddr(r),
	})
	if errors.Is(err, microblog.ErrHandleTaken) {
		return withMessage("Id is Already Exist", err)
	}
	if err != nil {
		return err
	}
	return ok(w, http.StatusCreated, "Sign Up Success", nil)
}

type loginBody struct {
	UserID       string `json:"user_id"`
	UserPassword string `json:"user_password"`
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) error {
	in, err := httpx.DecodeJSON[loginBody](w, r, maxBody)
	if err != nil {
		return err
	}
	sess, err := h.svc.Login(r.Context(), microblog.LoginInput{Handle: in.UserID, Password: in.UserPassword, ClientAddr: httpx.ClientAddr(r)})
	switch {
	case errors.Is(err, microblog.ErrNoSuchUser):
		return withMessage("Check Id", err)
	case errors.Is(err, microblog.ErrWrongPassword):
		return withMessage("Wrong Password", err)
	case err != nil:
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"message": "Login Success", "token": sess.Token, "expires_at": sess.ExpiresAt})
	return nil
}

func (h *handler) userAuth(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	p, err := h.svc.Me(r.Context(), actor)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, "User Info Loading Success", profileOf(p))
}

func (h *handler) publicTimeline(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r)
	if err != nil {
		return err
	}
	c, err := cursorOf(r)
	if err != nil {
		return err
	}
	page, err := h.svc.PublicTimeline(r.Context(), viewer, c)
	if err != nil {
		return err
	}
	setLinks(w, r, page)
	return writeTweets(w, http.StatusOK, "Tweet Loading Success", page.Items)
}

type tweetBody struct {
	UserContent string `json:"user_content"`
	InReplyTo   any    `json:"in_reply_to"`
	// A user_id in the body is ignored: the author is the token's user.
}

func (h *handler) postTweet(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	t, err := h.decodeAndPost(w, r, actor)
	if err != nil {
		return withMessage("Tweet Failed", err)
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"content_id": idString(t.ID), "message": "Tweet Success", "data": tweetOf(t)})
	return nil
}

func (h *handler) decodeAndPost(w http.ResponseWriter, r *http.Request, actor hanok.Actor) (*microblog.Tweet, error) {
	in, err := httpx.DecodeJSON[tweetBody](w, r, maxBody)
	if err != nil {
		return nil, err
	}
	var parent microblog.TweetID
	if in.InReplyTo != nil && in.InReplyTo != "" {
		if parent, err = bodyID("in_reply_to", in.InReplyTo); err != nil {
			return nil, err
		}
	}
	return h.svc.Post(r.Context(), actor, microblog.PostInput{Content: in.UserContent, InReplyTo: parent})
}

type deleteBody struct {
	ContentID any `json:"content_id"`
	// A user_id in the body is ignored: only the token's user may
	// delete, and only its own tweets.
}

func (h *handler) deleteTweet(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	in, err := httpx.DecodeJSON[deleteBody](w, r, maxBody)
	if err != nil {
		return err
	}
	id, err := bodyID("content_id", in.ContentID)
	if hanok.CodeOf(err) == hanok.NotFound {
		// An id that names no tweet is the seed's "already deleted".
		return withMessage("No Authorization", err)
	}
	if err != nil {
		return err
	}
	if err := h.svc.Delete(r.Context(), actor, id); err != nil {
		if c := hanok.CodeOf(err); c == hanok.Forbidden || c == hanok.NotFound {
			return withMessage("No Authorization", err)
		}
		return err
	}
	return ok(w, http.StatusOK, "Delete Success", nil)
}

func (h *handler) thread(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := cursorOf(r)
	if err != nil {
		return err
	}
	t, replies, err := h.svc.Thread(r.Context(), viewer, id, c)
	if err != nil {
		return err
	}
	setLinks(w, r, replies)
	return writeThread(w, "Thread Loading Success", t, replies.Items)
}

func (h *handler) like(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := h.svc.Like(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, "Like Success", tweetOf(t))
}

func (h *handler) unlike(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := h.svc.Unlike(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, "Unlike Success", tweetOf(t))
}

type followBody struct {
	UserID string `json:"user_id"`
}

func (h *handler) follow(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	in, err := httpx.DecodeJSON[followBody](w, r, maxBody)
	if err != nil {
		return err
	}
	if err := h.svc.Follow(r.Context(), actor, in.UserID); err != nil {
		return err
	}
	return ok(w, http.StatusOK, "Follow Success", nil)
}

func (h *handler) unfollow(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	in, err := httpx.DecodeJSON[followBody](w, r, maxBody)
	if err != nil {
		return err
	}
	if err := h.svc.Unfollow(r.Context(), actor, in.UserID); err != nil {
		return err
	}
	return ok(w, http.StatusOK, "Unfollow Success", nil)
}

func (h *handler) homeTimeline(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	c, err := cursorOf(r)
	if err != nil {
		return err
	}
	page, err := h.svc.HomeTimeline(r.Context(), actor, c)
	if err != nil {
		return err
	}
	setLinks(w, r, page)
	return writeTweets(w, http.StatusOK, "Timeline Loading Success", page.Items)
}

type userJSON struct {
	profileJSON
	TweetCount     int       `json:"tweet_count"`
	FollowerCount  int       `json:"follower_count"`
	FollowingCount int       `json:"following_count"`
	JoinedAt       time.Time `json:"joined_at"`
}

func (h *handler) user(w http.ResponseWriter, r *http.Request) error {
	p, st, err := h.svc.User(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusOK, "User Loading Success", userJSON{
		profileJSON: profileOf(p), TweetCount: st.Tweets, FollowerCount: st.Followers, FollowingCount: st.Following, JoinedAt: p.Created,
	})
}

func (h *handler) userTweets(w http.ResponseWriter, r *http.Request) error {
	viewer, err := h.viewer(r)
	if err != nil {
		return err
	}
	c, err := cursorOf(r)
	if err != nil {
		return err
	}
	page, err := h.svc.UserTweets(r.Context(), viewer, r.PathValue("user_id"), c)
	if err != nil {
		return err
	}
	setLinks(w, r, page)
	return writeTweets(w, http.StatusOK, "Tweet Loading Success", page.Items)
}

type followJSON struct {
	profileJSON
	FollowedAt time.Time `json:"followed_at"`
}

func (h *handler) follows(w http.ResponseWriter, r *http.Request, list func(*http.Request, string, microblog.Cursor) (microblog.Page[microblog.Follow], error), message string) error {
	c, err := cursorOf(r)
	if err != nil {
		return err
	}
	page, err := list(r, r.PathValue("user_id"), c)
	if err != nil {
		return err
	}
	out := make([]followJSON, len(page.Items))
	for i, f := range page.Items {
		out[i] = followJSON{profileJSON: profileOf(&f.Profile), FollowedAt: f.Created}
	}
	setLinks(w, r, page)
	return ok(w, http.StatusOK, message, out)
}

func (h *handler) followers(w http.ResponseWriter, r *http.Request) error {
	return h.follows(w, r, func(r *http.Request, handle string, c microblog.Cursor) (microblog.Page[microblog.Follow], error) {
		return h.svc.Followers(r.Context(), handle, c)
	}, "Followers Loading Success")
}

func (h *handler) following(w http.ResponseWriter, r *http.Request) error {
	return h.follows(w, r, func(r *http.Request, handle string, c microblog.Cursor) (microblog.Page[microblog.Follow], error) {
		return h.svc.Following(r.Context(), handle, c)
	}, "Following Loading Success")
}
