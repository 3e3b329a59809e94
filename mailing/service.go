package mailing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hanok-dev/hanok"
)

// Limits of the stored text.
const (
	MaxEmail   = 254
	MaxName    = 100
	MaxSubject = 200
	MaxBody    = 100_000
)

// Config configures a Service.
type Config struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the service's logs (default: discard).
	Logger *slog.Logger
	// OnCampaign, if set, is called after a campaign is stored (the
	// example server wakes its Dispatcher with it).
	OnCampaign func(Campaign)
	// Throttle, if set, limits the subscriptions of each client address
	// (SubscribeFrom). An *auth.Service is one: subscriptions are then
	// throttled as registrations are, on the same terms.
	Throttle Throttle
}

// Throttle is a budget of attempts per key.
type Throttle interface {
	// SpendAttempt spends one attempt of key's budget and returns 0,
	// or, when the budget is spent, how long to wait (spending
	// nothing).
	SpendAttempt(ctx context.Context, key string) (wait time.Duration, err error)
}

// Service holds the rules of the mailing list.
type Service struct {
	store      Store
	now        func() time.Time
	logger     *slog.Logger
	onCampaign func(Campaign)
	throttle   Throttle
}

// New returns a Service over store.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("mailing: nil store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, now: cfg.Now, logger: cfg.Logger, onCampaign: cfg.OnCampaign, throttle: cfg.Throttle}, nil
}

// Store returns the service's store (what a Dispatcher works on).
func (s *Service) Store() Store { return s.store }

// CheckEmail validates an address and returns it trimmed: net/mail must
// read it as a bare address (no display name, no comments), its domain
// must contain a dot, and it may be at most 254 characters. "a.b@c.com"
// and "a@b.co.kr" pass; "@." does not.
func CheckEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", hanok.FieldError(field, "is required")
	}
	if err := hanok.CheckText(field, email, hanok.TextRule{Max: MaxEmail}); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "", hanok.FieldError(field, "must be an email address such as name@example.com")
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.HasPrefix(domain, "[") {
		return "", hanok.FieldError(field, "must be an email address whose domain contains a dot, such as name@example.com")
	}
	return email, nil
}

// EmailKey is the form of an address that uniqueness compares.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Domain returns the lower-cased domain of an address.
func Domain(email string) string {
	return strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	return name, hanok.CheckText("name", name, hanok.TextRule{Min: 1, Max: MaxName})
}

// Subscribe adds email to the list, or re-subscribes a cancelled
// subscriber (with the new name). An active subscriber is Conflict. It is
// not throttled: see SubscribeFrom for the public route.
func (s *Service) Subscribe(ctx context.Context, email, name string) (Subscriber, error) {
	return s.SubscribeFrom(ctx, "", email, name)
}

// SubscribeFrom is Subscribe on behalf of the client at clientAddr:
// with Config.Throttle set, each address has a budget of subscriptions
// (input refused anyway costs none), past which the answer is
// ErrTooManySubscriptions with a RetryAfter. An empty clientAddr is not
// throttled.
func (s *Service) SubscribeFrom(ctx context.Context, clientAddr, email, name string) (Subscriber, error) {
	email, err := CheckEmail("email", email)
	if err != nil {
		return Subscriber{}, err
	}
	if name, err = checkName(name); err != nil {
		return Subscriber{}, err
	}
	if s.throttle != nil && clientAddr != "" {
		wait, err := s.throttle.SpendAttempt(ctx, "subscribe:"+clientAddr)
		if err != nil {
			return Subscriber{}, fmt.Errorf("mailing: subscribe: %w", err)
		}
		if wait > 0 {
			s.logger.WarnContext(ctx, "mailing: subscriptions throttled", "addr", clientAddr)
			return Subscriber{}, &hanok.Error{Code: hanok.RateLimited, Message: ErrTooManySubscriptions.Message, RetryAfter: wait, Err: ErrTooManySubscriptions}
		}
	}
	now := s.now().UTC()
	for range 3 {
		old, err := s.store.SubscriberByEmail(ctx, email)
		switch {
		case err == nil:
			return s.store.UpdateSubscriber(ctx, old.ID, func(sub *Subscriber) error {
				if sub.Subscribed {
					return hanok.Errorf(hanok.Conflict, "%s is already subscribed", sub.Email)
				}
				sub.Subscribed, sub.Name, sub.Updated = true, name, now
				return nil
			})
		case hanok.IsCode(err, hanok.NotFound):
			sub := Subscriber{Email: email, Name: name, Subscribed: true, Token: uuid.NewString(), Created: now, Updated: now}
			err := s.store.CreateSubscriber(ctx, &sub)
			if hanok.IsCode(err, hanok.Conflict) {
				continue // created at the same moment: look again
			}
			if err != nil {
				return Subscriber{}, fmt.Errorf("mailing: subscribe: %w", err)
			}
			return sub, nil
		default:
			return Subscriber{}, fmt.Errorf("mailing: subscribe: %w", err)
		}
	}
	return Subscriber{}, hanok.Errorf(hanok.Conflict, "%s is already subscribed", email)
}

// Unsubscribe cancels the subscription of email and keeps its row. An
// unknown email is NotFound, an already cancelled one Conflict.
func (s *Service) Unsubscribe(ctx context.Context, email string) (Subscriber, error) {
	email, err := CheckEmail("email", email)
	if err != nil {
		return Subscriber{}, err
	}
	sub, err := s.store.SubscriberByEmail(ctx, email)
	if err != nil {
		if hanok.IsCode(err, hanok.NotFound) {
			return Subscriber{}, hanok.Errorf(hanok.NotFound, "%s is not on the list", email)
		}
		return Subscriber{}, fmt.Errorf("mailing: unsubscribe: %w", err)
	}
	return s.cancel(ctx, sub.ID)
}

// LinkSubscriber returns the subscriber whose unsubscribe link holds
// token, changing nothing: what the link's page shows before the one-click
// POST. An unknown token is ErrUnknownLink.
func (s *Service) LinkSubscriber(ctx context.Context, token string) (Subscriber, error) {
	if _, err := uuid.Parse(token); err != nil {
		return Subscriber{}, ErrUnknownLink
	}
	sub, err := s.store.SubscriberByToken(ctx, token)
	if errors.Is(err, ErrSubscriberNotFound) {
		return Subscriber{}, ErrUnknownLink
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("mailing: unsubscribe link: %w", err)
	}
	return sub, nil
}

// UnsubscribeToken cancels the subscription whose unsubscribe link holds
// token (the one-click link of every message). An unknown token is
// NotFound; an already cancelled subscription is left as it is, so a link
// followed twice still answers well.
func (s *Service) UnsubscribeToken(ctx context.Context, token string) (Subscriber, error) {
	sub, err := s.LinkSubscriber(ctx, token)
	if err != nil {
		return Subscriber{}, err
	}
	if !sub.Subscribed {
		return sub, nil
	}
	sub, err = s.cancel(ctx, sub.ID)
	if hanok.IsCode(err, hanok.Conflict) {
		return s.store.Subscriber(ctx, sub.ID)
	}
	return sub, err
}

// ErrUnsubscribed is the error recorded for a delivery whose subscriber
// unsubscribed before it was sent.
const ErrUnsubscribed = "not sent: the subscriber unsubscribed first"

// cancel unsubscribes the subscriber of id and fails the deliveries
// still pending for it: someone who has unsubscribed gets no more mail,
// not even of a campaign queued before.
func (s *Service) cancel(ctx context.Context, id SubscriberID) (Subscriber, error) {
	now := s.now().UTC()
	sub, err := s.store.UpdateSubscriber(ctx, id, func(sub *Subscriber) error {
		if !sub.Subscribed {
			return hanok.Errorf(hanok.Conflict, "%s has already unsubscribed", sub.Email)
		}
		sub.Subscribed, sub.Updated = false, now
		return nil
	})
	if err != nil {
		return Subscriber{}, err
	}
	if _, err := s.store.FailPending(ctx, id, now, ErrUnsubscribed); err != nil {
		return Subscriber{}, fmt.Errorf("mailing: unsubscribe: %w", err)
	}
	return sub, nil
}

// Subscriber returns one subscriber.
func (s *Service) Subscriber(ctx context.Context, id SubscriberID) (Subscriber, error) {
	sub, err := s.store.Subscriber(ctx, id)
	if hanok.IsCode(err, hanok.NotFound) {
		return Subscriber{}, hanok.Errorf(hanok.NotFound, "subscriber %d not found", id)
	}
	return sub, err
}

// Subscribers lists every subscriber, cancelled ones too.
func (s *Service) Subscribers(ctx context.Context) ([]Subscriber, error) {
	return s.store.Subscribers(ctx)
}

// DeleteSubscriber deletes one subscriber with its deliveries.
func (s *Service) DeleteSubscriber(ctx context.Context, id SubscriberID) error {
	err := s.store.DeleteSubscriber(ctx, id)
	if hanok.IsCode(err, hanok.NotFound) {
		return hanok.Errorf(hanok.NotFound, "subscriber %d not found", id)
	}
	return err
}

// DeleteAllSubscribers deletes every subscriber and returns how many.
func (s *Service) DeleteAllSubscribers(ctx context.Context) (int, error) {
	n, err := s.store.DeleteSubscribers(ctx)
	if err == nil {
		s.logger.InfoContext(ctx, "mailing: every subscriber deleted", "count", n)
	}
	return n, err
}

// CreateCampaign stores a campaign with one pending delivery for every
// active subscriber, all in one transaction, and returns it with the
// number of deliveries. A Dispatcher sends them.
func (s *Service) CreateCampaign(ctx context.Context, subject, text, html string) (Campaign, int, error) {
	subject = strings.TrimSpace(subject)
	if err := hanok.CheckText("subject", subject, hanok.TextRule{Min: 1, Max: MaxSubject}); err != nil {
		return Campaign{}, 0, err
	}
	if strings.TrimSpace(text) == "" {
		return Campaign{}, 0, hanok.FieldError("content", "is required")
	}
	if err := hanok.CheckText("content", text, hanok.TextRule{Min: 1, Max: MaxBody, Multiline: true}); err != nil {
		return Campaign{}, 0, err
	}
	if err := hanok.CheckText("html", html, hanok.TextRule{Max: MaxBody, Multiline: true}); err != nil {
		return Campaign{}, 0, err
	}
	now := s.now().UTC()
	c := Campaign{Subject: subject, Text: text, HTML: html, Status: CampaignQueued, Created: now, Updated: now}
	n, err := s.store.CreateCampaign(ctx, &c)
	if err != nil {
		return Campaign{}, 0, fmt.Errorf("mailing: create campaign: %w", err)
	}
	s.logger.InfoContext(ctx, "mailing: campaign queued", "campaign", c.ID, "deliveries", n)
	if s.onCampaign != nil {
		s.onCampaign(c)
	}
	return c, n, nil
}

// CancelCampaign cancels a campaign that is not done: its pending
// deliveries are no longer claimed. A done campaign is Conflict.
func (s *Service) CancelCampaign(ctx context.Context, id CampaignID) (Campaign, error) {
	now := s.now().UTC()
	c, err := s.store.UpdateCampaign(ctx, id, func(c *Campaign) error {
		switch c.Status {
		case CampaignDone:
			return hanok.Errorf(hanok.Conflict, "campaign %d is done", c.ID)
		case CampaignCancelled:
			return hanok.Errorf(hanok.Conflict, "campaign %d is already cancelled", c.ID)
		}
		c.Status, c.Updated = CampaignCancelled, now
		return nil
	})
	if hanok.IsCode(err, hanok.NotFound) {
		return Campaign{}, hanok.Errorf(hanok.NotFound, "campaign %d not found", id)
	}
	return c, err
}

// CampaignReport returns a campaign's counts of pending, sent and failed
// deliveries and the failures with every attempt's error.
func (s *Service) CampaignReport(ctx context.Context, id CampaignID) (Report, error) {
	r, err := s.store.CampaignReport(ctx, id)
	if hanok.IsCode(err, hanok.NotFound) {
		return Report{}, hanok.Errorf(hanok.NotFound, "campaign %d not found", id)
	}
	return r, err
}

// UnsubscribeURL is the one-click unsubscribe link of token under base
// (the public URL of the HTTP adapter, such as
// "https://example.com/mailing"): base + "/unsubscribe/" + token.
func UnsubscribeURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/unsubscribe/" + url.PathEscape(token)
}

// OutboxDepth counts every campaign's deliveries by status: pending ones
// are the outbox's depth, for monitoring.
func (s *Service) OutboxDepth(ctx context.Context) (map[DeliveryStatus]int, error) {
	counts, err := s.store.DeliveryCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("mailing: outbox depth: %w", err)
	}
	return counts, nil
}
