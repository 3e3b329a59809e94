package microblog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// The limits of user text, in characters.
const (
	MaxContentLen = 300
	MaxNameLen    = 50
	MaxBioLen     = 160
)

// The page sizes: DefaultLimit when a request names none, MaxLimit at most.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Errors a caller may tell apart (with errors.Is): the seed answers each
// with its own message. Field errors name the service's inputs (username,
// password, name, bio, content, in_reply_to), which an adapter may rename
// to its wire names.
var (
	// ErrNoSuchUser is a login for a handle nobody has.
	ErrNoSuchUser = &hanok.Error{Code: hanok.Unauthenticated, Message: "no user has that id"}
	// ErrWrongPassword is a login for a known handle with the wrong
	// password.
	ErrWrongPassword = &hanok.Error{Code: hanok.Unauthenticated, Message: "wrong password"}
	// ErrHandleTaken is a signup for a handle already in use.
	ErrHandleTaken = &hanok.Error{Code: hanok.Conflict, Message: "username: is already taken", Fields: map[string]string{"username": "is already taken"}}
)

// Config configures a Service.
type Config struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives one line per signup and deletion. Default: discard.
	Logger *slog.Logger
}

// Service is the microblog.
type Service struct {
	store Store
	authn *auth.Service
	cfg   Config
}

// New returns a Service keeping its data in store and its accounts in
// authn.
func New(store Store, authn *auth.Service, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, authn: authn, cfg: cfg}
}

// now is the clock's time in UTC, to the microsecond: what every store
// keeps (PostgreSQL's timestamptz holds microseconds), so that a time reads
// back as it was written whatever the store.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// SignupInput is what Signup needs. Its errors name the fields username
// (Handle), name, password and bio.
type SignupInput struct {
	// Handle is the login name, the auth username (the seed's user_id).
	Handle string
	// Name is the display name (user_name).
	Name     string
	Password string
	// Bio is the profile text (user_profile); may be empty.
	Bio string
	// ClientAddr is the client's address, for auth's registration
	// throttle; may be empty.
	ClientAddr string
}

// Signup registers an auth user with the handle and password and gives it
// a profile.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*Profile, error) {
	handle := strings.TrimSpace(in.Handle)
	name := strings.TrimSpace(in.Name)
	bio := strings.TrimSpace(in.Bio)
	if handle == "" {
		return nil, hanok.FieldError("username", "is required")
	}
	if err := hanok.CheckText("name", name, hanok.TextRule{Min: 1, Max: MaxNameLen}); err != nil {
		return nil, err
	}
	if in.Password == "" {
		return nil, hanok.FieldError("password", "is required")
	}
	if err := hanok.CheckText("bio", bio, hanok.TextRule{Max: MaxBioLen, Multiline: true}); err != nil {
		return nil, err
	}
	sess, err := s.authn.Register(ctx, auth.RegisterInput{Username: handle, Password: in.Password, ClientAddr: in.ClientAddr})
	if hanok.CodeOf(err) == hanok.Conflict {
		return nil, ErrHandleTaken
	}
	if err != nil {
		return nil, fmt.Errorf("microblog: signup: %w", err)
	}
	p := &Profile{User: sess.User.ID, Handle: sess.User.Username, Name: name, Bio: bio, Created: s.now()}
	if err := s.store.CreateProfile(ctx, p); err != nil {
		return nil, fmt.Errorf("microblog: signup: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "microblog signup", "user_id", p.User, "handle", p.Handle)
	return p, nil
}

// LoginInput is what Login needs.
type LoginInput struct {
	Handle   string
	Password string
	// ClientAddr is the client's address, for auth's throttle.
	ClientAddr string
}

// Login signs a user in through auth (whose throttle counts every failed
// attempt) and returns its session. Unlike auth, it says whether the
// handle or the password was wrong (ErrNoSuchUser, ErrWrongPassword): the
// seed's clients show the two differently. A throttled attempt is
// hanok.RateLimited. A user who has an auth account but no profile yet
// gets one.
func (s *Service) Login(ctx context.Context, in LoginInput) (*auth.Session, error) {
	handle := strings.TrimSpace(in.Handle)
	if handle == "" {
		return nil, hanok.FieldError("username", "is required")
	}
	if in.Password == "" {
		return nil, hanok.FieldError("password", "is required")
	}
	sess, err := s.authn.Login(ctx, auth.LoginInput{Username: handle, Password: in.Password, ClientAddr: in.ClientAddr})
	if hanok.CodeOf(err) == hanok.Unauthenticated {
		_, perr := s.store.ProfileByHandle(ctx, handle)
		switch {
		case errors.Is(perr, ErrProfileNotFound):
			return nil, ErrNoSuchUser
		case perr == nil:
			return nil, ErrWrongPassword
		default:
			return nil, fmt.Errorf("microblog: login: %w", perr)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("microblog: login: %w", err)
	}
	if _, err := s.ensureProfile(ctx, sess.User.Actor()); err != nil {
		return nil, err
	}
	return sess, nil
}

// ensureProfile returns the actor's profile, making a default one (its
// username as display name) for an auth user who has none yet.
func (s *Service) ensureProfile(ctx context.Context, actor hanok.Actor) (*Profile, error) {
	p, err := s.store.Profile(ctx, actor.ID)
	if !errors.Is(err, ErrProfileNotFound) {
		return p, err
	}
	name := actor.Username
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = string([]rune(name)[:MaxNameLen])
	}
	p = &Profile{User: actor.ID, Handle: actor.Username, Name: name, Created: s.now()}
	err = s.store.CreateProfile(ctx, p)
	if errors.Is(err, ErrProfileExists) {
		// Made at the same time by another request.
		return s.store.Profile(ctx, actor.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("microblog: profile of user %d: %w", actor.ID, err)
	}
	return p, nil
}

// Me returns the signed-in user's profile.
func (s *Service) Me(ctx context.Context, actor hanok.Actor) (*Profile, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	return s.ensureProfile(ctx, actor)
}

// User returns the profile with the handle and its counts.
func (s *Service) User(ctx context.Context, handle string) (*Profile, ProfileStats, error) {
	p, err := s.profileByHandle(ctx, handle)
	if err != nil {
		return nil, ProfileStats{}, err
	}
	st, err := s.store.ProfileStats(ctx, p.User)
	if err != nil {
		return nil, ProfileStats{}, fmt.Errorf("microblog: counts of %s: %w", p.Handle, err)
	}
	return p, st, nil
}

func (s *Service) profileByHandle(ctx context.Context, handle string) (*Profile, error) {
	handle = strings.TrimSpace(handle)
	// No stored username is broken text, so broken text is bad input,
	// not an unknown user.
	if err := hanok.CheckText("username", handle, hanok.TextRule{Min: 1}); err != nil {
		return nil, err
	}
	p, err := s.store.ProfileByHandle(ctx, handle)
	if errors.Is(err, ErrProfileNotFound) {
		return nil, &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("no user %q", handle), Err: err}
	}
	return p, err
}

// CheckContent is the rule for a tweet's text (the field content): 1 to
// MaxContentLen characters once surrounding spaces are trimmed, counted as
// a reader sees them (grapheme clusters, by github.com/rivo/uniseg: a
// family emoji joined by ZWJs, a flag, a keycap, a letter with its
// combining accents are one character each), and text that hanok.CheckText
// accepts (line breaks allowed). It returns the trimmed text.
func CheckContent(content string) (string, error) {
	content = strings.TrimSpace(content)
	tooLong := hanok.FieldError("content", fmt.Sprintf("must be 1 to %d characters", MaxContentLen))
	if content == "" {
		return "", tooLong
	}
	// The one text rule, counting what a reader sees as one character
	// (grapheme clusters); its length error is worded as the tweet's.
	err := hanok.CheckText("content", content, hanok.TextRule{Min: 1, Max: MaxContentLen, Multiline: true, Graphemes: true})
	if err != nil && strings.Contains(hanok.MessageOf(err), "at most") {
		return "", tooLong
	}
	return content, err
}

// PostInput is a new tweet.
type PostInput struct {
	Content string
	// InReplyTo is the tweet answered, or 0.
	InReplyTo TweetID
}

// Post publishes a tweet by the actor. A reply to a deleted or unknown
// tweet is NotFound.
func (s *Service) Post(ctx context.Context, actor hanok.Actor, in PostInput) (*Tweet, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	content, err := CheckContent(in.Content)
	if err != nil {
		return nil, err
	}
	if in.InReplyTo < 0 {
		return nil, hanok.FieldError("in_reply_to", "must be a tweet id")
	}
	if _, err := s.ensureProfile(ctx, actor); err != nil {
		return nil, err
	}
	now := s.now()
	t := &Tweet{Author: actor.ID, Content: content, InReplyTo: in.InReplyTo, Created: now, Updated: now}
	if err := s.store.CreateTweet(ctx, t); err != nil {
		if errors.Is(err, ErrTweetNotFound) {
			return nil, &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("in_reply_to: tweet %d does not exist", in.InReplyTo), Err: err}
		}
		return nil, fmt.Errorf("microblog: post: %w", err)
	}
	return s.store.Tweet(ctx, t.ID, actor.ID)
}

// Tweet returns one tweet as viewer (0: anonymous) reads it.
func (s *Service) Tweet(ctx context.Context, viewer hanok.UserID, id TweetID) (*Tweet, error) {
	t, err := s.store.Tweet(ctx, id, viewer)
	if err != nil {
		return nil, tweetErr(id, err)
	}
	return t, nil
}

func tweetErr(id TweetID, err error) error {
	if errors.Is(err, ErrTweetNotFound) {
		return &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("tweet %d does not exist", id), Err: err}
	}
	return fmt.Errorf("microblog: tweet %d: %w", id, err)
}

// CanDelete is the rule for deleting a tweet: only its author may.
func CanDelete(actor hanok.Actor, t *Tweet) error {
	if !actor.Is(t.Author) {
		return hanok.Errorf(hanok.Forbidden, "tweet %d is not yours", t.ID)
	}
	return nil
}

// Delete deletes the actor's tweet for good, with its likes; its replies
// stay and show that their parent is gone. Another user's tweet is
// Forbidden, a missing one (deleted already, say) NotFound.
func (s *Service) Delete(ctx context.Context, actor hanok.Actor, id TweetID) error {
	if err := actor.Check(); err != nil {
		return err
	}
	err := s.store.DeleteTweet(ctx, id, func(t *Tweet) error { return CanDelete(actor, t) })
	if err != nil {
		if hanok.CodeOf(err) == hanok.Forbidden {
			return err
		}
		return tweetErr(id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "tweet deleted", "tweet_id", id, "user_id", actor.ID)
	return nil
}

// Like records that the actor likes the tweet (again is fine) and returns
// the tweet as the actor now reads it.
func (s *Service) Like(ctx context.Context, actor hanok.Actor, id TweetID) (*Tweet, error) {
	return s.like(ctx, actor, id, s.store.Like)
}

// Unlike removes the actor's like (if any) and returns the tweet.
func (s *Service) Unlike(ctx context.Context, actor hanok.Actor, id TweetID) (*Tweet, error) {
	return s.like(ctx, actor, id, s.store.Unlike)
}

func (s *Service) like(ctx context.Context, actor hanok.Actor, id TweetID, op func(context.Context, hanok.UserID, TweetID) error) (*Tweet, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if _, err := s.ensureProfile(ctx, actor); err != nil {
		return nil, err
	}
	if err := op(ctx, actor.ID, id); err != nil {
		return nil, tweetErr(id, err)
	}
	return s.Tweet(ctx, actor.ID, id)
}

// Follow makes the actor follow the user with the handle (again is fine).
// Following oneself is Invalid.
func (s *Service) Follow(ctx context.Context, actor hanok.Actor, handle string) error {
	return s.follow(ctx, actor, handle, true)
}

// Unfollow stops the actor following the user with the handle (if it
// did).
func (s *Service) Unfollow(ctx context.Context, actor hanok.Actor, handle string) error {
	return s.follow(ctx, actor, handle, false)
}

func (s *Service) follow(ctx context.Context, actor hanok.Actor, handle string, follow bool) error {
	if err := actor.Check(); err != nil {
		return err
	}
	p, err := s.profileByHandle(ctx, handle)
	if err != nil {
		return err
	}
	if p.User == actor.ID {
		return hanok.FieldError("username", "you cannot follow yourself")
	}
	if _, err := s.ensureProfile(ctx, actor); err != nil {
		return err
	}
	if follow {
		err = s.store.Follow(ctx, actor.ID, p.User, s.now())
	} else {
		err = s.store.Unfollow(ctx, actor.ID, p.User)
	}
	if err != nil {
		return fmt.Errorf("microblog: follow %s: %w", p.Handle, err)
	}
	return nil
}

// Cursor is a page request as a client sends it, in Mastodon's terms:
// MaxID asks for items older than it, SinceID for the newest items newer
// than it, MinID for the items just newer than it (the next page up, as
// when catching up); Limit is the page size (0: DefaultLimit; more than
// MaxLimit is MaxLimit). Zero ids mean no bound. Pages are newest first.
type Cursor struct {
	MaxID   int64
	SinceID int64
	MinID   int64
	Limit   int
}

// Page is one page of a list, newest first. Next asks for the items older
// than the page (there are some), Prev for the items newer than it (the
// link to poll); each is nil when the page has no such neighbour.
type Page[T any] struct {
	Items []T
	Next  *Cursor
	Prev  *Cursor
}

// rangeOf checks c and returns the store range that fetches one item more
// than the page, to tell whether there are more.
func rangeOf(c Cursor) (Range, int, error) {
	switch {
	case c.MaxID < 0:
		return Range{}, 0, hanok.FieldError("max_id", "must be a positive id")
	case c.SinceID < 0:
		return Range{}, 0, hanok.FieldError("since_id", "must be a positive id")
	case c.MinID < 0:
		return Range{}, 0, hanok.FieldError("min_id", "must be a positive id")
	case c.Limit < 0:
		return Range{}, 0, hanok.FieldError("limit", fmt.Sprintf("must be 1 to %d", MaxLimit))
	}
	limit := c.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	r := Range{MaxID: c.MaxID, SinceID: max(c.SinceID, c.MinID), Oldest: c.MinID > 0, Limit: limit + 1}
	return r, limit, nil
}

// pageOf trims rows (newest first, up to limit+1 of them as fetched for
// r) to a page and sets its cursors.
func pageOf[T any](c Cursor, r Range, limit int, rows []T, id func(T) int64) Page[T] {
	more := len(rows) > limit
	if more {
		if r.Oldest {
			rows = rows[1:]
		} else {
			rows = rows[:limit]
		}
	}
	p := Page[T]{Items: rows}
	if len(rows) == 0 {
		p.Items = []T{}
		return p
	}
	newest, oldest := id(rows[0]), id(rows[len(rows)-1])
	// Newer items may come at any time, so a non-empty page always has a
	// Prev to poll with.
	p.Prev = &Cursor{MinID: newest, Limit: c.Limit}
	switch {
	case r.Oldest:
		p.Next = &Cursor{MaxID: oldest, Limit: c.Limit}
	case more:
		p.Next = &Cursor{MaxID: oldest, SinceID: c.SinceID, Limit: c.Limit}
	}
	return p
}

func tweetID(t Tweet) int64 { return int64(t.ID) }

func (s *Service) tweets(ctx context.Context, q TweetQuery, c Cursor) (Page[Tweet], error) {
	r, limit, err := rangeOf(c)
	if err != nil {
		return Page[Tweet]{}, err
	}
	q.Range = r
	rows, err := s.store.Tweets(ctx, q)
	if err != nil {
		return Page[Tweet]{}, fmt.Errorf("microblog: timeline: %w", err)
	}
	return pageOf(c, r, limit, rows, tweetID), nil
}

// PublicTimeline returns a page of every tweet, as viewer (0: anonymous)
// reads them.
func (s *Service) PublicTimeline(ctx context.Context, viewer hanok.UserID, c Cursor) (Page[Tweet], error) {
	return s.tweets(ctx, TweetQuery{Timeline: Public, Viewer: viewer}, c)
}

// HomeTimeline returns a page of the actor's tweets and those of the users
// it follows.
func (s *Service) HomeTimeline(ctx context.Context, actor hanok.Actor, c Cursor) (Page[Tweet], error) {
	if err := actor.Check(); err != nil {
		return Page[Tweet]{}, err
	}
	return s.tweets(ctx, TweetQuery{Timeline: Home, User: actor.ID, Viewer: actor.ID}, c)
}

// UserTweets returns a page of the tweets of the user with the handle.
func (s *Service) UserTweets(ctx context.Context, viewer hanok.UserID, handle string, c Cursor) (Page[Tweet], error) {
	p, err := s.profileByHandle(ctx, handle)
	if err != nil {
		return Page[Tweet]{}, err
	}
	return s.tweets(ctx, TweetQuery{Timeline: Author, User: p.User, Viewer: viewer}, c)
}

// Thread returns a tweet and a page of its replies.
func (s *Service) Thread(ctx context.Context, viewer hanok.UserID, id TweetID, c Cursor) (*Tweet, Page[Tweet], error) {
	t, err := s.Tweet(ctx, viewer, id)
	if err != nil {
		return nil, Page[Tweet]{}, err
	}
	replies, err := s.tweets(ctx, TweetQuery{Timeline: Replies, Parent: id, Viewer: viewer}, c)
	if err != nil {
		return nil, Page[Tweet]{}, err
	}
	return t, replies, nil
}

// Followers returns a page of the users who follow the user with the
// handle, newest follow first.
func (s *Service) Followers(ctx context.Context, handle string, c Cursor) (Page[Follow], error) {
	return s.follows(ctx, handle, true, c)
}

// Following returns a page of the users whom the user with the handle
// follows, newest follow first.
func (s *Service) Following(ctx context.Context, handle string, c Cursor) (Page[Follow], error) {
	return s.follows(ctx, handle, false, c)
}

func (s *Service) follows(ctx context.Context, handle string, followers bool, c Cursor) (Page[Follow], error) {
	p, err := s.profileByHandle(ctx, handle)
	if err != nil {
		return Page[Follow]{}, err
	}
	r, limit, err := rangeOf(c)
	if err != nil {
		return Page[Follow]{}, err
	}
	rows, err := s.store.Follows(ctx, FollowQuery{User: p.User, Followers: followers, Range: r})
	if err != nil {
		return Page[Follow]{}, fmt.Errorf("microblog: follows of %s: %w", p.Handle, err)
	}
	return pageOf(c, r, limit, rows, func(f Follow) int64 { return f.ID }), nil
}
