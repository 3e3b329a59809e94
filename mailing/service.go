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
	// SoftBounceLimit soft bounces within SoftBounceWindow make an
	// address bounced (defaults 3 and 7 days).
	SoftBounceLimit  int
	SoftBounceWindow time.Duration
	// Confirmer, if set, turns on confirmed opt-in: a subscription is
	// pending until the link of the confirmation mail Confirmer sends is
	// followed, within ConfirmTTL (default 48 hours).
	Confirmer  Confirmer
	ConfirmTTL time.Duration
	// Tester, if set, sends test messages of a campaign (TestSend).
	Tester Tester
}

// Tester sends one campaign's message to one address now, outside the
// outbox: the test send before sending to all (a Dispatcher is one).
type Tester interface {
	SendTest(ctx context.Context, c Campaign, to string) error
}

// MaxSchedule is how far ahead a campaign may be scheduled.
const MaxSchedule = 366 * 24 * time.Hour

// Confirmer sends the confirmation mail of a pending subscriber (a
// Dispatcher is one).
type Confirmer interface {
	SendConfirmation(ctx context.Context, s Subscriber) error
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
	softLimit  int
	softWindow time.Duration
	confirmer  Confirmer
	confirmTTL time.Duration
	tester     Tester
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
	if cfg.SoftBounceLimit <= 0 {
		cfg.SoftBounceLimit = 3
	}
	if cfg.SoftBounceWindow <= 0 {
		cfg.SoftBounceWindow = 7 * 24 * time.Hour
	}
	if cfg.ConfirmTTL <= 0 {
		cfg.ConfirmTTL = 48 * time.Hour
	}
	return &Service{store: store, now: cfg.Now, logger: cfg.Logger, onCampaign: cfg.OnCampaign, throttle: cfg.Throttle,
		softLimit: cfg.SoftBounceLimit, softWindow: cfg.SoftBounceWindow, confirmer: cfg.Confirmer, confirmTTL: cfg.ConfirmTTL, tester: cfg.Tester}, nil
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

// EmailKey is the form of an address that uniqueness compares: trimmed
// and case-folded with hanok.Fold, the project's one fold.
func EmailKey(email string) string { return hanok.Fold(strings.TrimSpace(email)) }

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
	confirm := s.confirmer != nil
	for range 3 {
		old, err := s.store.SubscriberByEmail(ctx, email)
		switch {
		case err == nil:
			sub, err := s.store.UpdateSubscriber(ctx, old.ID, func(sub *Subscriber) error {
				if sub.Subscribed {
					return hanok.Errorf(hanok.Conflict, "%s is already subscribed", sub.Email)
				}
				// A pending subscriber subscribing again gets a new
				// confirmation mail, and a new time to confirm.
				sub.Resubscribe(name, now, clientAddr, confirm)
				return nil
			})
			if err != nil {
				return Subscriber{}, err
			}
			return s.sendConfirmation(ctx, sub), nil
		case errors.Is(err, ErrSubscriberNotFound):
			sub := Subscriber{Email: email, Token: uuid.NewString(), Created: now}
			sub.Resubscribe(name, now, clientAddr, confirm)
			err := s.store.CreateSubscriber(ctx, &sub)
			if errors.Is(err, ErrEmailTaken) || errors.Is(err, ErrTokenTaken) {
				continue // created at the same moment: look again
			}
			if err != nil {
				return Subscriber{}, fmt.Errorf("mailing: subscribe: %w", err)
			}
			return s.sendConfirmation(ctx, sub), nil
		default:
			return Subscriber{}, fmt.Errorf("mailing: subscribe: %w", err)
		}
	}
	return Subscriber{}, hanok.Errorf(hanok.Conflict, "%s is already subscribed", email)
}

// sendConfirmation sends a pending subscriber its confirmation mail. A
// failure is logged, not returned: the subscription is stored, and
// subscribing again sends the mail again.
func (s *Service) sendConfirmation(ctx context.Context, sub Subscriber) Subscriber {
	if !sub.Pending || s.confirmer == nil {
		return sub
	}
	if err := s.confirmer.SendConfirmation(ctx, sub); err != nil {
		s.logger.WarnContext(ctx, "mailing: confirmation mail not sent", "subscriber", sub.ID, "err", err)
	}
	return sub
}

// ConfirmToken confirms the pending subscription whose confirmation
// link holds token, from the client at clientAddr (the POST of the
// link's page). An unknown token is ErrUnknownLink; an expired
// subscription ErrConfirmExpired; one not pending any more
// ErrNothingToConfirm, unless it is already active (a link followed
// twice answers well).
func (s *Service) ConfirmToken(ctx context.Context, clientAddr, token string) (Subscriber, error) {
	sub, err := s.LinkSubscriber(ctx, token)
	if err != nil {
		return Subscriber{}, err
	}
	now := s.now().UTC()
	return s.store.UpdateSubscriber(ctx, sub.ID, func(sub *Subscriber) error {
		switch {
		case sub.Subscribed:
			return nil
		case !sub.Pending:
			return ErrNothingToConfirm
		case sub.Expired(now, s.confirmTTL):
			return ErrConfirmExpired
		}
		sub.Confirm(now, clientAddr)
		return nil
	})
}

// ConfirmURL is the confirmation link of token under base (the public
// URL of the HTTP adapter): base + "/confirm/" + token.
func ConfirmURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/confirm/" + url.PathEscape(token)
}

// ConfirmationMessage is the confirmation mail of a pending subscriber
// (Korean and English), whose link is link: what a Confirmer sends.
func ConfirmationMessage(sub Subscriber, link string) (subject, text string) {
	return "구독 확인 · Please confirm your subscription",
		"안녕하세요, " + sub.Name + "님.\n\n" +
			"메일링 리스트 구독을 확인하려면 아래 링크를 열고 '구독 확인' 단추를 눌러 주세요.\n" +
			"구독을 신청하지 않으셨다면 이 메일을 무시하시면 됩니다.\n\n" +
			link + "\n\n" +
			"To confirm your subscription to the mailing list, open the link above and press the button.\n" +
			"If you did not subscribe, ignore this mail: nothing more will be sent.\n"
}

// ExpirePending deletes the subscriptions left unconfirmed longer than
// ConfirmTTL and returns how many (a program runs it now and then).
func (s *Service) ExpirePending(ctx context.Context) (int, error) {
	n, err := s.store.DeletePending(ctx, s.now().UTC().Add(-s.confirmTTL))
	if err != nil {
		return 0, fmt.Errorf("mailing: expire pending: %w", err)
	}
	if n > 0 {
		s.logger.InfoContext(ctx, "mailing: unconfirmed subscriptions expired", "count", n)
	}
	return n, nil
}

// Unsubscribe cancels the subscription of email and keeps its row. An
// unknown email is NotFound, an already cancelled one Conflict.
func (s *Service) Unsubscribe(ctx context.Context, email string) (Subscriber, error) {
	return s.UnsubscribeFrom(ctx, "", email)
}

// UnsubscribeFrom is Unsubscribe asked by the client at clientAddr, which
// the consent record keeps.
func (s *Service) UnsubscribeFrom(ctx context.Context, clientAddr, email string) (Subscriber, error) {
	email, err := CheckEmail("email", email)
	if err != nil {
		return Subscriber{}, err
	}
	sub, err := s.store.SubscriberByEmail(ctx, email)
	if err != nil {
		if errors.Is(err, ErrSubscriberNotFound) {
			return Subscriber{}, hanok.Wrap(hanok.NotFound, err, email+" is not on the list")
		}
		return Subscriber{}, fmt.Errorf("mailing: unsubscribe: %w", err)
	}
	return s.cancel(ctx, sub.ID, clientAddr)
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
	return s.UnsubscribeTokenFrom(ctx, "", token)
}

// UnsubscribeTokenFrom is UnsubscribeToken asked by the client at
// clientAddr, which the consent record keeps.
func (s *Service) UnsubscribeTokenFrom(ctx context.Context, clientAddr, token string) (Subscriber, error) {
	sub, err := s.LinkSubscriber(ctx, token)
	if err != nil {
		return Subscriber{}, err
	}
	if !sub.Subscribed && !sub.Pending {
		return sub, nil
	}
	cancelled, err := s.cancel(ctx, sub.ID, clientAddr)
	if errors.Is(err, errAlreadyCancelled) {
		return s.store.Subscriber(ctx, sub.ID)
	}
	return cancelled, err
}

// ErrUnsubscribed is the error recorded for a delivery whose subscriber
// unsubscribed before it was sent.
const ErrUnsubscribed = "not sent: the subscriber unsubscribed first"

// cancel unsubscribes the subscriber of id and fails the deliveries
// still pending for it: someone who has unsubscribed gets no more mail,
// not even of a campaign queued before.
func (s *Service) cancel(ctx context.Context, id SubscriberID, from string) (Subscriber, error) {
	now := s.now().UTC()
	sub, err := s.store.UpdateSubscriber(ctx, id, func(sub *Subscriber) error {
		if !sub.Subscribed && !sub.Pending {
			return hanok.Wrap(hanok.Conflict, errAlreadyCancelled, sub.Email+" has already unsubscribed")
		}
		sub.Unsubscribe(now, from)
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

// errAlreadyCancelled marks the Conflict of cancelling a cancelled
// subscription.
var errAlreadyCancelled = errors.New("already unsubscribed")

// Admin is the mailing list's administrator as an actor: what the HTTP
// adapter makes of the admin token, and what a program acting as the
// list's operator passes. Any superuser is an administrator too.
var Admin = hanok.Actor{Username: "mailing admin", Superuser: true}

// checkAdmin lets the list's administrator through: a superuser (Admin
// is one).
func checkAdmin(a hanok.Actor) error {
	if !a.Superuser {
		return ErrNotAdmin
	}
	return nil
}

// subscriberMiss words a missing subscriber of id for the client.
func subscriberMiss(err error, id SubscriberID) error {
	if errors.Is(err, ErrSubscriberNotFound) {
		return hanok.Wrap(hanok.NotFound, err, fmt.Sprintf("subscriber %d not found", id))
	}
	return err
}

// campaignMiss words a missing campaign of id for the client.
func campaignMiss(err error, id CampaignID) error {
	if errors.Is(err, ErrCampaignNotFound) {
		return hanok.Wrap(hanok.NotFound, err, fmt.Sprintf("campaign %d not found", id))
	}
	return err
}

// Subscriber returns one subscriber, to the administrator.
func (s *Service) Subscriber(ctx context.Context, actor hanok.Actor, id SubscriberID) (Subscriber, error) {
	if err := checkAdmin(actor); err != nil {
		return Subscriber{}, err
	}
	sub, err := s.store.Subscriber(ctx, id)
	return sub, subscriberMiss(err, id)
}

// Subscribers lists every subscriber, cancelled ones too, to the
// administrator.
func (s *Service) Subscribers(ctx context.Context, actor hanok.Actor) ([]Subscriber, error) {
	if err := checkAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.Subscribers(ctx, SubscriberQuery{})
}

// MaxListLimit is the largest page of the subscriber list a
// SubscriberQuery may ask for.
const MaxListLimit = 1000

// SubscriberPage is a part of the subscriber list, by id. Next, when
// the list goes on past the page, asks for the page after it (the same
// Limit, After the page's last id); it is nil on the last page.
type SubscriberPage struct {
	Subscribers []Subscriber
	Next        *SubscriberQuery
}

// ListSubscribers returns the part of the subscriber list q asks for,
// cancelled subscribers too, to the administrator: the zero query is the
// whole list (one page). q.After must not be negative
// (ErrBadListAfter), q.Limit must be 0 or 1 to MaxListLimit
// (ErrBadListLimit).
func (s *Service) ListSubscribers(ctx context.Context, actor hanok.Actor, q SubscriberQuery) (SubscriberPage, error) {
	if err := checkAdmin(actor); err != nil {
		return SubscriberPage{}, err
	}
	if q.After < 0 {
		return SubscriberPage{}, ErrBadListAfter
	}
	if q.Limit < 0 || q.Limit > MaxListLimit {
		return SubscriberPage{}, ErrBadListLimit
	}
	read := q
	if q.Limit > 0 {
		// One more than the page tells whether the list goes on.
		read.Limit++
	}
	subs, err := s.store.Subscribers(ctx, read)
	if err != nil {
		return SubscriberPage{}, fmt.Errorf("mailing: list subscribers: %w", err)
	}
	p := SubscriberPage{Subscribers: subs}
	if q.Limit > 0 && len(subs) > q.Limit {
		p.Subscribers = subs[:q.Limit]
		p.Next = &SubscriberQuery{After: subs[q.Limit-1].ID, Limit: q.Limit}
	}
	return p, nil
}

// DeleteSubscriber deletes one subscriber with its deliveries; only the
// administrator may.
func (s *Service) DeleteSubscriber(ctx context.Context, actor hanok.Actor, id SubscriberID) error {
	if err := checkAdmin(actor); err != nil {
		return err
	}
	return subscriberMiss(s.store.DeleteSubscriber(ctx, id), id)
}

// DeleteAllSubscribers deletes every subscriber and returns how many;
// only the administrator may.
func (s *Service) DeleteAllSubscribers(ctx context.Context, actor hanok.Actor) (int, error) {
	if err := checkAdmin(actor); err != nil {
		return 0, err
	}
	n, err := s.store.DeleteSubscribers(ctx)
	if err == nil {
		s.logger.InfoContext(ctx, "mailing: every subscriber deleted", "count", n, "by", actor.Username)
	}
	return n, err
}

// CreateCampaign stores a campaign with one pending delivery for every
// active subscriber, all in one transaction, and returns it with the
// number of deliveries; only the administrator may. A Dispatcher sends
// them.
func (s *Service) CreateCampaign(ctx context.Context, actor hanok.Actor, subject, text, html string) (Campaign, int, error) {
	return s.ScheduleCampaign(ctx, actor, subject, text, html, time.Time{})
}

// ScheduleCampaign is CreateCampaign for a campaign first sent at sendAt
// (now if zero): the deliveries are made now, for the subscribers active
// now, and due at sendAt. sendAt must be in the future and within
// MaxSchedule.
func (s *Service) ScheduleCampaign(ctx context.Context, actor hanok.Actor, subject, text, html string, sendAt time.Time) (Campaign, int, error) {
	if err := checkAdmin(actor); err != nil {
		return Campaign{}, 0, err
	}
	now := s.now().UTC()
	if !sendAt.IsZero() {
		sendAt = sendAt.UTC().Truncate(time.Microsecond)
		if !sendAt.After(now) {
			return Campaign{}, 0, hanok.FieldError("send_at", "must be in the future")
		}
		if sendAt.Sub(now) > MaxSchedule {
			return Campaign{}, 0, hanok.FieldError("send_at", "must be within a year")
		}
	}
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
	c := Campaign{Subject: subject, Text: text, HTML: html, Status: CampaignQueued, Created: now, Updated: now, SendAt: sendAt}
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
// deliveries are marked cancelled, not sent (a send already under way
// finishes). A done campaign is Conflict. Only the administrator may.
func (s *Service) CancelCampaign(ctx context.Context, actor hanok.Actor, id CampaignID) (Campaign, error) {
	c, err := s.moveCampaign(ctx, actor, id, CampaignStatus.Cancel)
	if err != nil {
		return Campaign{}, err
	}
	if _, err := s.store.CancelPending(ctx, id); err != nil {
		return Campaign{}, fmt.Errorf("mailing: cancel campaign: %w", err)
	}
	return c, nil
}

// PauseCampaign pauses a queued or sending campaign: no more of its
// deliveries are claimed from now on (the sends of the claims already
// made finish). Only the administrator may.
func (s *Service) PauseCampaign(ctx context.Context, actor hanok.Actor, id CampaignID) (Campaign, error) {
	return s.moveCampaign(ctx, actor, id, CampaignStatus.Pause)
}

// ResumeCampaign resumes a paused campaign. Only the administrator may.
func (s *Service) ResumeCampaign(ctx context.Context, actor hanok.Actor, id CampaignID) (Campaign, error) {
	c, err := s.moveCampaign(ctx, actor, id, CampaignStatus.Resume)
	if err == nil && s.onCampaign != nil {
		s.onCampaign(c)
	}
	return c, err
}

// moveCampaign gives the campaign of id the status move returns (a rule
// of rules.go), worded for the client when it refuses.
func (s *Service) moveCampaign(ctx context.Context, actor hanok.Actor, id CampaignID, move func(CampaignStatus) (CampaignStatus, error)) (Campaign, error) {
	if err := checkAdmin(actor); err != nil {
		return Campaign{}, err
	}
	now := s.now().UTC()
	c, err := s.store.UpdateCampaign(ctx, id, func(c *Campaign) error {
		next, err := move(c.Status)
		if err != nil {
			var he *hanok.Error
			if errors.As(err, &he) {
				return hanok.Wrap(he.Code, err, fmt.Sprintf("campaign %d %s", c.ID, strings.TrimPrefix(he.Message, "campaign ")))
			}
			return err
		}
		c.Status, c.Updated = next, now
		return nil
	})
	return c, campaignMiss(err, id)
}

// TestSend sends campaign id's message to the one address to, now, for
// the administrator to look at before sending to all; it records
// nothing. Without a Tester it is ErrNoTestSender; a failed send is
// Unavailable with the transport's error.
func (s *Service) TestSend(ctx context.Context, actor hanok.Actor, id CampaignID, to string) error {
	if err := checkAdmin(actor); err != nil {
		return err
	}
	to, err := CheckEmail("email", to)
	if err != nil {
		return err
	}
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return campaignMiss(err, id)
	}
	if s.tester == nil {
		return ErrNoTestSender
	}
	if err := s.tester.SendTest(ctx, c, to); err != nil {
		s.logger.WarnContext(ctx, "mailing: test send failed", "campaign", id, "err", err)
		return hanok.Wrap(hanok.Unavailable, err, "the test message could not be sent: "+err.Error())
	}
	return nil
}

// CampaignReport returns a campaign's counts of pending, sent and failed
// deliveries and the failures with every attempt's error, to the
// administrator.
func (s *Service) CampaignReport(ctx context.Context, actor hanok.Actor, id CampaignID) (Report, error) {
	if err := checkAdmin(actor); err != nil {
		return Report{}, err
	}
	r, err := s.store.CampaignReport(ctx, id)
	return r, campaignMiss(err, id)
}

// UnsubscribeURL is the one-click unsubscribe link of token under base
// (the public URL of the HTTP adapter, such as
// "https://example.com/mailing"): base + "/unsubscribe/" + token.
func UnsubscribeURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/unsubscribe/" + url.PathEscape(token)
}

// OutboxDepth counts every campaign's deliveries by status: pending ones
// are the outbox's depth, for the program's own monitoring (counts only,
// so no actor is asked for).
func (s *Service) OutboxDepth(ctx context.Context) (map[DeliveryStatus]int, error) {
	counts, err := s.store.DeliveryCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("mailing: outbox depth: %w", err)
	}
	return counts, nil
}
