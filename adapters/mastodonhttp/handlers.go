package mastodonhttp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// The page sizes of Mastodon: statuses 20 (at most 40), accounts 40 (at
// most 80).
const (
	statusLimit, maxStatusLimit   = 20, 40
	accountLimit, maxAccountLimit = 40, 80
)

// The server.

func (h *handler) instanceV1(w http.ResponseWriter, r *http.Request) error {
	base := baseURL(r)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"uri":               r.Host,
		"title":             h.title,
		"short_description": "A hanok server: a small microblog.",
		"description":       "A hanok server: a small microblog.",
		"email":             "",
		"version":           Version,
		"urls":              map[string]any{"streaming_api": nil},
		"stats":             map[string]int{"user_count": 0, "status_count": 0, "domain_count": 0},
		"thumbnail":         nil,
		"languages":         []string{"en"},
		"registrations":     false,
		"approval_required": false,
		"invites_enabled":   false,
		"configuration":     configuration(),
		"contact_account":   nil,
		"rules":             []any{},
		"source_url":        base,
	})
	return nil
}

// configuration is the part of the instance documents that tells a client
// the server's limits.
func configuration() map[string]any {
	return map[string]any{
		"accounts": map[string]int{"max_featured_tags": 0},
		"statuses": map[string]int{"max_characters": microblog.MaxContentLen, "max_media_attachments": 0, "characters_reserved_per_url": 23},
		"media_attachments": map[string]any{
			"supported_mime_types": []string{}, "image_size_limit": 0, "image_matrix_limit": 0,
			"video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0,
		},
		"polls":       map[string]int{"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
		"translation": map[string]bool{"enabled": false},
	}
}

func (h *handler) instanceV2(w http.ResponseWriter, r *http.Request) error {
	base := baseURL(r)
	cfg := configuration()
	cfg["urls"] = map[string]any{"streaming": nil}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"domain":        r.Host,
		"title":         h.title,
		"version":       Version,
		"source_url":    base,
		"description":   "A hanok server: a small microblog.",
		"usage":         map[string]any{"users": map[string]int{"active_month": 0}},
		"thumbnail":     map[string]any{"url": base + missingImage},
		"languages":     []string{"en"},
		"configuration": cfg,
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": "", "account": nil},
		"rules":         []any{},
	})
	return nil
}

const nodeinfoSchema = "http://nodeinfo.diaspora.software/ns/schema/2.0"

func (h *handler) nodeinfoLinks(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"links": []map[string]string{{"rel": nodeinfoSchema, "href": baseURL(r) + "/nodeinfo/2.0"}},
	})
	return nil
}

func (h *handler) nodeinfo(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", `application/json; profile="`+nodeinfoSchema+`#"`)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"version":           "2.0",
		"software":          map[string]string{"name": "hanok", "version": "1.0.0"},
		"protocols":         []string{},
		"services":          map[string][]string{"inbound": {}, "outbound": {}},
		"usage":             map[string]any{"users": map[string]any{}},
		"openRegistrations": false,
		"metadata":          map[string]any{"nodeName": h.title},
	})
	return nil
}

// Accounts.

// accountID reads the {id} of an account's route.
func accountID(r *http.Request) (hanok.UserID, error) {
	id, err := httpx.PathID(r, "id", "account")
	if err != nil {
		return 0, errRecordNotFound
	}
	return hanok.UserID(id), nil
}

// profile is the account of a user id, with its counts.
func (h *handler) profile(ctx context.Context, id hanok.UserID) (*microblog.Profile, microblog.ProfileStats, error) {
	p, st, err := h.svc.ProfileByID(ctx, id)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, st, errRecordNotFound
	}
	return p, st, err
}

func (h *handler) verifyCredentials(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	p, st, err := h.svc.MeWithStats(r.Context(), acc.User.Actor())
	if err != nil {
		return err
	}
	a := accountOf(baseURL(r), p, st)
	a.Source = &Source{Note: p.Bio, Fields: []Field{}, Privacy: "public", Language: ""}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *handler) getAccount(w http.ResponseWriter, r *http.Request, _ *auth.Access) error {
	id, err := accountID(r)
	if err != nil {
		return err
	}
	p, st, err := h.profile(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, accountOf(baseURL(r), p, st))
	return nil
}

// handleOf is the username of an acct ("name", "@name" or "name@host" of
// this server's host); ok is false for an account of another server.
func handleOf(r *http.Request, acct string) (string, bool) {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	name, host, found := strings.Cut(acct, "@")
	if found && !strings.EqualFold(host, r.Host) && !strings.EqualFold(host, hostOnly(r.Host)) {
		return "", false
	}
	return name, name != ""
}

func hostOnly(hostport string) string {
	if i := strings.LastIndexByte(hostport, ':'); i > 0 && !strings.Contains(hostport[i:], "]") {
		return hostport[:i]
	}
	return hostport
}

// byHandle is the account of a username, nil when there is none.
func (h *handler) byHandle(ctx context.Context, base, handle string) (*Account, error) {
	p, st, err := h.svc.User(ctx, handle)
	if hanok.CodeOf(err) == hanok.NotFound || hanok.CodeOf(err) == hanok.Invalid {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := accountOf(base, p, st)
	return &a, nil
}

func (h *handler) lookup(w http.ResponseWriter, r *http.Request, _ *auth.Access) error {
	handle, ok := handleOf(r, r.URL.Query().Get("acct"))
	if !ok {
		return errRecordNotFound
	}
	a, err := h.byHandle(r.Context(), baseURL(r), handle)
	if err != nil {
		return err
	}
	if a == nil {
		return errRecordNotFound
	}
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

// GET /api/v1/accounts/search: q as a username (see handleOf); a list
// of the one account it names, or none.
func (h *handler) searchAccounts(w http.ResponseWriter, r *http.Request, _ *auth.Access) error {
	out := []Account{}
	if handle, ok := handleOf(r, r.URL.Query().Get("q")); ok {
		a, err := h.byHandle(r.Context(), baseURL(r), handle)
		if err != nil {
			return err
		}
		if a != nil {
			out = append(out, *a)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// relationship is the relationship of the actor with the user id.
func (h *handler) relationship(ctx context.Context, actor, other hanok.UserID) (Relationship, error) {
	rel := Relationship{ID: idString(other), Languages: nil}
	if actor == other {
		return rel, nil
	}
	var err error
	if rel.Following, err = h.svc.IsFollowing(ctx, actor, other); err != nil {
		return rel, err
	}
	if rel.FollowedBy, err = h.svc.IsFollowing(ctx, other, actor); err != nil {
		return rel, err
	}
	rel.ShowingReblogs = rel.Following
	return rel, nil
}

// maxRelationships bounds the ids of one relationships request.
const maxRelationships = 80

func (h *handler) relationships(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	q := r.URL.Query()
	ids := append(q["id[]"], q["id"]...)
	if len(ids) > maxRelationships {
		return unprocessable(fmt.Sprintf("at most %d ids", maxRelationships))
	}
	out := []Relationship{}
	for _, raw := range ids {
		id, err := httpx.ParseID("account", raw)
		if err != nil {
			continue
		}
		rel, err := h.relationship(r.Context(), acc.User.ID, hanok.UserID(id))
		if err != nil {
			return err
		}
		out = append(out, rel)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *handler) followOrUnfollow(w http.ResponseWriter, r *http.Request, acc *auth.Access, follow bool) error {
	id, err := accountID(r)
	if err != nil {
		return err
	}
	p, _, err := h.profile(r.Context(), id)
	if err != nil {
		return err
	}
	op := h.svc.Unfollow
	if follow {
		op = h.svc.Follow
	}
	if err := op(r.Context(), acc.User.Actor(), p.Handle); err != nil {
		if hanok.CodeOf(err) == hanok.Invalid {
			return &apiError{status: http.StatusForbidden, err: err}
		}
		return err
	}
	rel, err := h.relationship(r.Context(), acc.User.ID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rel)
	return nil
}

func (h *handler) follow(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	return h.followOrUnfollow(w, r, acc, true)
}

func (h *handler) unfollow(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	return h.followOrUnfollow(w, r, acc, false)
}

func (h *handler) accountStatuses(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	id, err := accountID(r)
	if err != nil {
		return err
	}
	p, _, err := h.profile(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := cursorOf(r, statusLimit, maxStatusLimit)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("pinned") == "true" || q.Get("only_media") == "true" || q.Get("tagged") != "" {
		// hanok has no pins, media or tags.
		httpx.WriteJSON(w, http.StatusOK, []Status{})
		return nil
	}
	page, err := h.svc.UserTweets(r.Context(), viewerOf(acc), p.Handle, c)
	if err != nil {
		return err
	}
	return h.writeStatuses(w, r, page, viewerOf(acc))
}

func (h *handler) followList(w http.ResponseWriter, r *http.Request, followers bool) error {
	id, err := accountID(r)
	if err != nil {
		return err
	}
	p, _, err := h.profile(r.Context(), id)
	if err != nil {
		return err
	}
	c, err := cursorOf(r, accountLimit, maxAccountLimit)
	if err != nil {
		return err
	}
	list := h.svc.Following
	if followers {
		list = h.svc.Followers
	}
	page, err := list(r.Context(), p.Handle, c)
	if err != nil {
		return err
	}
	base := baseURL(r)
	out := make([]Account, 0, len(page.Items))
	for _, f := range page.Items {
		fp, st, err := h.svc.ProfileByID(r.Context(), f.Profile.User)
		if err != nil {
			return err
		}
		out = append(out, accountOf(base, fp, st))
	}
	setLinks(w, r, page.Next, page.Prev)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *handler) followers(w http.ResponseWriter, r *http.Request, _ *auth.Access) error {
	return h.followList(w, r, true)
}

func (h *handler) following(w http.ResponseWriter, r *http.Request, _ *auth.Access) error {
	return h.followList(w, r, false)
}

// Statuses.

// statusID reads the {id} of a status's route.
func statusID(r *http.Request) (microblog.TweetID, error) {
	id, err := httpx.PathID(r, "id", "status")
	if err != nil {
		return 0, errRecordNotFound
	}
	return microblog.TweetID(id), nil
}

// notFoundAsRecord gives a NotFound error Mastodon's words.
func notFoundAsRecord(err error) error {
	if hanok.CodeOf(err) == hanok.NotFound {
		return errRecordNotFound
	}
	return err
}

// statuses are the Statuses of tweets, each with its replies counted and
// its author's account with its counts.
func (h *handler) statuses(ctx context.Context, base string, tweets []microblog.Tweet, viewer hanok.UserID) ([]Status, error) {
	ids := make([]microblog.TweetID, len(tweets))
	for i, t := range tweets {
		ids[i] = t.ID
	}
	replies, err := h.svc.ReplyCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	accounts := map[hanok.UserID]Account{}
	parents := map[microblog.TweetID]*string{}
	out := make([]Status, 0, len(tweets))
	for i := range tweets {
		t := &tweets[i]
		s := h.statusOf(base, t, replies[t.ID], viewer)
		a, ok := accounts[t.Author]
		if !ok {
			p, st, err := h.svc.ProfileByID(ctx, t.Author)
			if err != nil {
				return nil, err
			}
			a = accountOf(base, p, st)
			accounts[t.Author] = a
		}
		s.Account = a
		if t.InReplyTo != 0 {
			author, ok := parents[t.InReplyTo]
			if !ok {
				pt, err := h.svc.Tweet(ctx, 0, t.InReplyTo)
				switch hanok.CodeOf(err) {
				case "":
					id := idString(pt.Author)
					author = &id
				case hanok.NotFound:
				default:
					return nil, err
				}
				parents[t.InReplyTo] = author
			}
			s.InReplyToAccountID = author
		}
		out = append(out, s)
	}
	return out, nil
}

func (h *handler) status(ctx context.Context, base string, t *microblog.Tweet, viewer hanok.UserID) (Status, error) {
	s, err := h.statuses(ctx, base, []microblog.Tweet{*t}, viewer)
	if err != nil {
		return Status{}, err
	}
	return s[0], nil
}

func (h *handler) writeStatuses(w http.ResponseWriter, r *http.Request, page microblog.Page[microblog.Tweet], viewer hanok.UserID) error {
	out, err := h.statuses(r.Context(), baseURL(r), page.Items, viewer)
	if err != nil {
		return err
	}
	setLinks(w, r, page.Next, page.Prev)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// POST /api/v1/statuses: status, in_reply_to_id. Media, polls and
// scheduling are refused; visibility, language, sensitive and spoiler
// text are ignored (every status is public).
func (h *handler) postStatus(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	p, err := params(w, r)
	if err != nil {
		return err
	}
	if len(p["media_ids"]) > 0 {
		return unprocessable("Validation failed: media attachments are not available on this server")
	}
	if len(p["poll[options]"]) > 0 || p.Get("poll") != "" {
		return unprocessable("Validation failed: polls are not available on this server")
	}
	if p.Get("scheduled_at") != "" {
		return unprocessable("Validation failed: scheduled statuses are not available on this server")
	}
	in := microblog.PostInput{Content: p.Get("status")}
	if raw := p.Get("in_reply_to_id"); raw != "" {
		id, err := httpx.ParseID("status", raw)
		if err != nil {
			return errRecordNotFound
		}
		in.InReplyTo = microblog.TweetID(id)
	}
	if strings.TrimSpace(in.Content) == "" {
		return unprocessable("Validation failed: Text can't be blank")
	}
	t, err := h.svc.Post(r.Context(), acc.User.Actor(), in)
	if err != nil {
		if hanok.CodeOf(err) == hanok.Invalid {
			return unprocessable("Validation failed: " + hanok.MessageOf(err))
		}
		return notFoundAsRecord(err)
	}
	s, err := h.status(r.Context(), baseURL(r), t, acc.User.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *handler) getStatus(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	id, err := statusID(r)
	if err != nil {
		return err
	}
	t, err := h.svc.Tweet(r.Context(), viewerOf(acc), id)
	if err != nil {
		return notFoundAsRecord(err)
	}
	s, err := h.status(r.Context(), baseURL(r), t, viewerOf(acc))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}

// DELETE /api/v1/statuses/{id}: the deleted status, with its text in
// "text" (Mastodon's "delete and redraft").
func (h *handler) deleteStatus(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	id, err := statusID(r)
	if err != nil {
		return err
	}
	t, err := h.svc.Tweet(r.Context(), acc.User.ID, id)
	if err != nil {
		return notFoundAsRecord(err)
	}
	s, err := h.status(r.Context(), baseURL(r), t, acc.User.ID)
	if err != nil {
		return err
	}
	if err := h.svc.Delete(r.Context(), acc.User.Actor(), id); err != nil {
		if hanok.CodeOf(err) == hanok.Forbidden {
			return &hanok.Error{Code: hanok.Forbidden, Message: "This action is not allowed", Err: err}
		}
		return notFoundAsRecord(err)
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		Status
		Text string `json:"text"`
	}{s, t.Content})
	return nil
}

func (h *handler) statusContext(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	id, err := statusID(r)
	if err != nil {
		return err
	}
	anc, desc, err := h.svc.Context(r.Context(), viewerOf(acc), id)
	if err != nil {
		return notFoundAsRecord(err)
	}
	base := baseURL(r)
	c := Context{}
	if c.Ancestors, err = h.statuses(r.Context(), base, anc, viewerOf(acc)); err != nil {
		return err
	}
	if c.Descendants, err = h.statuses(r.Context(), base, desc, viewerOf(acc)); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *handler) likeOrUnlike(w http.ResponseWriter, r *http.Request, acc *auth.Access, like bool) error {
	id, err := statusID(r)
	if err != nil {
		return err
	}
	op := h.svc.Unlike
	if like {
		op = h.svc.Like
	}
	t, err := op(r.Context(), acc.User.Actor(), id)
	if err != nil {
		return notFoundAsRecord(err)
	}
	s, err := h.status(r.Context(), baseURL(r), t, acc.User.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, s)
	return nil
}

func (h *handler) favourite(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	return h.likeOrUnlike(w, r, acc, true)
}

func (h *handler) unfavourite(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	return h.likeOrUnlike(w, r, acc, false)
}

// Timelines and search.

func (h *handler) homeTimeline(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	c, err := cursorOf(r, statusLimit, maxStatusLimit)
	if err != nil {
		return err
	}
	page, err := h.svc.HomeTimeline(r.Context(), acc.User.Actor(), c)
	if err != nil {
		return err
	}
	return h.writeStatuses(w, r, page, acc.User.ID)
}

// GET /api/v1/timelines/public: every status (hanok has one server, so
// local and remote change nothing; remote=true is empty, only_media
// too).
func (h *handler) publicTimeline(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	q := r.URL.Query()
	if q.Get("remote") == "true" || q.Get("only_media") == "true" {
		httpx.WriteJSON(w, http.StatusOK, []Status{})
		return nil
	}
	c, err := cursorOf(r, statusLimit, maxStatusLimit)
	if err != nil {
		return err
	}
	page, err := h.svc.PublicTimeline(r.Context(), viewerOf(acc), c)
	if err != nil {
		return err
	}
	return h.writeStatuses(w, r, page, viewerOf(acc))
}

// GET /api/v2/search: q, type. Accounts by username (exact, with or
// without a leading @ and this server's host); a status by its URL; no
// hashtags.
func (h *handler) search(w http.ResponseWriter, r *http.Request, acc *auth.Access) error {
	q := r.URL.Query()
	term := strings.TrimSpace(q.Get("q"))
	typ := q.Get("type")
	switch typ {
	case "", "accounts", "statuses", "hashtags":
	default:
		return unprocessable("type must be accounts, statuses or hashtags")
	}
	out := map[string]any{"accounts": []Account{}, "statuses": []Status{}, "hashtags": []any{}}
	base := baseURL(r)
	if term != "" && (typ == "" || typ == "accounts") {
		if handle, ok := handleOf(r, term); ok {
			a, err := h.byHandle(r.Context(), base, handle)
			if err != nil {
				return err
			}
			if a != nil {
				out["accounts"] = []Account{*a}
			}
		}
	}
	if term != "" && (typ == "" || typ == "statuses") {
		if id, ok := statusURL(base, term); ok {
			t, err := h.svc.Tweet(r.Context(), viewerOf(acc), id)
			switch hanok.CodeOf(err) {
			case "":
				s, err := h.status(r.Context(), base, t, viewerOf(acc))
				if err != nil {
					return err
				}
				out["statuses"] = []Status{s}
			case hanok.NotFound:
			default:
				return err
			}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// statusURL reads the id of a status from its URL on this server
// (base/@handle/id).
func statusURL(base, term string) (microblog.TweetID, bool) {
	rest, ok := strings.CutPrefix(term, base+"/@")
	if !ok {
		return 0, false
	}
	_, raw, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, false
	}
	id, err := httpx.ParseID("status", raw)
	return microblog.TweetID(id), err == nil
}

// cursorOf reads max_id, since_id, min_id and limit from the query, as
// Mastodon does: an id of 0 is no bound, a limit above max is max, and
// one that is not a positive number is def.
func cursorOf(r *http.Request, def, max int) (microblog.Cursor, error) {
	q := r.URL.Query()
	var c microblog.Cursor
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"max_id", &c.MaxID}, {"since_id", &c.SinceID}, {"min_id", &c.MinID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return c, unprocessable(p.name + " must be an integer id")
			}
			*p.dst = n
		}
	}
	c.Limit = def
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		c.Limit = min(n, max)
	}
	return c, nil
}

// setLinks writes a page's Link header, next (older) first, as Mastodon
// does: absolute URLs of the request's path with the page's cursors.
func setLinks(w http.ResponseWriter, r *http.Request, next, prev *microblog.Cursor) {
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
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf("<%s%s>; rel=%q", baseURL(r), u.String(), rel)
	}
	var links []string
	if next != nil {
		links = append(links, link(next, "next"))
	}
	if prev != nil {
		links = append(links, link(prev, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}
