package calendar

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// Feed is a user's subscription link: a secret URL that serves the user's
// calendar as iCalendar without a token, for calendar apps that subscribe
// (webcal://). Only the secret's SHA-256 is stored.
type Feed struct {
	User auth.UserID
	// SecretHash is the SHA-256 of the secret.
	SecretHash []byte
	Created    time.Time
	// ETag is the tag of the document last served, "" before the first;
	// Modified is when the document first had that tag.
	ETag     string
	Modified time.Time
}

// Feed errors.
var (
	// ErrFeedNotFound is a feed secret that names no feed (never made,
	// rotated, or revoked).
	ErrFeedNotFound = &hanok.Error{Code: hanok.NotFound, Message: "feed not found"}
	// ErrNoFeed is the revocation of a subscription link by a user who
	// has none.
	ErrNoFeed = &hanok.Error{Code: hanok.NotFound, Message: "no subscription link to revoke"}
)

// The window a feed serves, around the current day in the calendar's
// zone.
const (
	FeedMonthsBack  = 3
	FeedMonthsAhead = 12
)

// FeedSecretBytes is the length of a feed secret before its base64url
// encoding (43 characters).
const FeedSecretBytes = 32

// HashFeedSecret is the SHA-256 of a feed secret, the form a Store keeps.
// The secret is random and long, so a plain hash is enough: there is no
// password to guess.
func HashFeedSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateFeed makes the actor a new subscription link secret, replacing
// (and so revoking) the one it had. The secret is returned once and never
// stored.
func (s *Service) CreateFeed(ctx context.Context, actor hanok.Actor) (string, error) {
	if err := actor.Check(); err != nil {
		return "", err
	}
	b := make([]byte, FeedSecretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	secret := base64.RawURLEncoding.EncodeToString(b)
	if err := s.store.SetFeed(ctx, Feed{User: actor.ID, SecretHash: HashFeedSecret(secret), Created: s.now()}); err != nil {
		return "", fmt.Errorf("calendar: set feed: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "feed created", "user_id", actor.ID)
	return secret, nil
}

// RevokeFeed revokes the actor's subscription link: ErrNoFeed if it has
// none.
func (s *Service) RevokeFeed(ctx context.Context, actor hanok.Actor) error {
	if err := actor.Check(); err != nil {
		return err
	}
	if err := s.store.DeleteFeed(ctx, actor.ID); err != nil {
		return fmt.Errorf("calendar: delete feed: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "feed revoked", "user_id", actor.ID)
	return nil
}

// FeedBySecret returns the feed of a secret: ErrFeedNotFound for an
// unknown one. A secret that cannot be one is refused without a lookup.
func (s *Service) FeedBySecret(ctx context.Context, secret string) (*Feed, error) {
	if len(secret) != base64.RawURLEncoding.EncodedLen(FeedSecretBytes) {
		return nil, ErrFeedNotFound
	}
	f, err := s.store.FeedBySecret(ctx, HashFeedSecret(secret))
	if err != nil {
		return nil, fmt.Errorf("calendar: feed: %w", err)
	}
	return f, nil
}

// FeedDocument is the iCalendar document a feed serves, with its
// validators.
type FeedDocument struct {
	Body []byte
	// ETag changes whenever the content does; Modified is when the
	// content last changed (first served with this ETag).
	ETag     string
	Modified time.Time
}

// FeedWindow is the range a feed serves: FeedMonthsBack months before the
// current day to FeedMonthsAhead months after it, in the calendar's zone.
func (s *Service) FeedWindow() (from, to time.Time) {
	y, m, d := s.now().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, s.cfg.Location)
	return today.AddDate(0, -FeedMonthsBack, 0), today.AddDate(0, FeedMonthsAhead, 0)
}

// Document renders the feed f of the actor (the feed's user): its
// calendar over FeedWindow. Its ETag is the hash of the content, so that
// a deletion changes it as an addition does; Modified is kept with the
// feed, moved to now when the ETag changes, and is the DTSTAMP of every
// event, so that the same content is the same bytes.
func (s *Service) Document(ctx context.Context, actor hanok.Actor, f *Feed) (*FeedDocument, error) {
	if !actor.Is(f.User) {
		return nil, ErrNotYourEvent
	}
	from, to := s.FeedWindow()
	events, err := s.Range(ctx, actor, from, to)
	if err != nil {
		return nil, err
	}
	var probe bytes.Buffer
	if err := s.writeICS(&probe, events, time.Unix(0, 0), true); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(probe.Bytes())
	etag := hex.EncodeToString(sum[:16])
	modified := f.Modified
	if etag != f.ETag || modified.IsZero() {
		// Last-Modified has whole seconds: a change in the second of the
		// last one still moves it, so that a poll by date sees it.
		modified = s.now()
		if next := f.Modified.Truncate(time.Second).Add(time.Second); !f.Modified.IsZero() && modified.Before(next) {
			modified = next
		}
		if err := s.store.MarkFeed(ctx, f.User, etag, modified); err != nil {
			return nil, fmt.Errorf("calendar: mark feed: %w", err)
		}
	}
	var body bytes.Buffer
	if err := s.writeICS(&body, events, modified, true); err != nil {
		return nil, err
	}
	return &FeedDocument{Body: body.Bytes(), ETag: etag, Modified: modified.UTC()}, nil
}
