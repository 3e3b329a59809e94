package mailing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hanok-dev/hanok"
)

// BounceKind is what a report about a sent message says.
type BounceKind string

// The kinds of report.
const (
	// BounceHard: the address does not exist or will never take mail
	// (a 5.x.x status, RFC 3463).
	BounceHard BounceKind = "hard"
	// BounceSoft: a transient failure (a 4.x.x status): the mailbox is
	// full, the server is down.
	BounceSoft BounceKind = "soft"
	// BounceComplaint: the recipient reported the message as spam (an
	// ARF abuse report, RFC 5965).
	BounceComplaint BounceKind = "complaint"
)

// ParseBounceKind reads "hard", "soft" or "complaint".
func ParseBounceKind(s string) (BounceKind, error) {
	switch k := BounceKind(s); k {
	case BounceHard, BounceSoft, BounceComplaint:
		return k, nil
	}
	return "", ErrBounceKind
}

// KindOfStatus is the kind of bounce of an enhanced status code (RFC
// 3463): "5.x.x" hard, "4.x.x" soft; ok is false for any other (2.x.x
// is a success, not a bounce).
func KindOfStatus(status string) (kind BounceKind, ok bool) {
	parts := strings.Split(strings.TrimSpace(status), ".")
	if len(parts) != 3 {
		return "", false
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 {
			return "", false
		}
	}
	switch parts[0] {
	case "5":
		return BounceHard, true
	case "4":
		return BounceSoft, true
	}
	return "", false
}

// Bounce is a report about a message the list sent: which address (and,
// when known, which campaign's message) and what it says.
type Bounce struct {
	// Campaign and Subscriber name the delivery (from its VERP address
	// or Message-ID); Subscriber zero means "find Email".
	Campaign   CampaignID
	Subscriber SubscriberID
	Email      string
	Kind       BounceKind
	// Status is the enhanced status code, such as "5.1.1" (may be empty
	// for a complaint).
	Status string
	// Detail is the reporting server's diagnostic, kept for the report.
	Detail string
}

// Limits of a bounce's text.
const (
	maxBounceStatus = 16
	maxBounceDetail = 1000
)

// ErrNotBounced is the error recorded for a pending delivery whose
// address bounced before it was sent.
const ErrNotBounced = "not sent: the address bounced"

// RecordBounce applies a bounce or complaint, as the administrator (the
// webhook's caller, the bounce listener acting as Admin): a hard bounce,
// or the SoftBounceLimit-th soft one within SoftBounceWindow, marks the
// subscriber bounced and fails its pending deliveries; a complaint
// unsubscribes. The delivery named, if any, keeps the report for the
// campaign's report. It returns the subscriber as it is after.
func (s *Service) RecordBounce(ctx context.Context, actor hanok.Actor, b Bounce) (Subscriber, error) {
	if err := checkAdmin(actor); err != nil {
		return Subscriber{}, err
	}
	if _, err := ParseBounceKind(string(b.Kind)); err != nil {
		return Subscriber{}, err
	}
	b.Status = strings.TrimSpace(b.Status)
	if b.Status != "" {
		kind, ok := KindOfStatus(b.Status)
		if len(b.Status) > maxBounceStatus || !ok {
			return Subscriber{}, hanok.FieldError("status", "must be an enhanced status code such as 5.1.1")
		}
		if b.Kind != BounceComplaint && kind != b.Kind {
			return Subscriber{}, hanok.FieldError("status", fmt.Sprintf("%s is not a %s bounce", b.Status, b.Kind))
		}
	}
	b.Detail = strings.ToValidUTF8(strings.TrimSpace(b.Detail), "")
	if len(b.Detail) > maxBounceDetail {
		b.Detail = strings.ToValidUTF8(b.Detail[:maxBounceDetail], "")
	}
	var sub Subscriber
	var err error
	if b.Subscriber != 0 {
		sub, err = s.store.Subscriber(ctx, b.Subscriber)
		err = subscriberMiss(err, b.Subscriber)
	} else {
		email, cerr := CheckEmail("email", b.Email)
		if cerr != nil {
			return Subscriber{}, cerr
		}
		sub, err = s.store.SubscriberByEmail(ctx, email)
		if errors.Is(err, ErrSubscriberNotFound) {
			err = hanok.Wrap(hanok.NotFound, err, email+" is not on the list")
		}
	}
	if err != nil {
		return Subscriber{}, err
	}
	now := s.now().UTC()
	if b.Campaign != 0 {
		err := s.store.BounceDelivery(ctx, b.Campaign, sub.ID, DeliveryBounce{Kind: b.Kind, Status: b.Status, Detail: b.Detail, At: now})
		if errors.Is(err, ErrDeliveryNotFound) {
			return Subscriber{}, hanok.Wrap(hanok.NotFound, err, fmt.Sprintf("campaign %d sent nothing to %s", b.Campaign, sub.Email))
		}
		if err != nil {
			return Subscriber{}, fmt.Errorf("mailing: bounce: %w", err)
		}
	}
	s.logger.InfoContext(ctx, "mailing: bounce", "subscriber", sub.ID, "kind", b.Kind, "status", b.Status, "campaign", b.Campaign)
	switch b.Kind {
	case BounceComplaint:
		if !sub.Subscribed {
			return sub, nil
		}
		out, err := s.cancel(ctx, sub.ID, "abuse report")
		if errors.Is(err, errAlreadyCancelled) {
			return s.store.Subscriber(ctx, sub.ID)
		}
		return out, err
	}
	bounced := false
	out, err := s.store.UpdateSubscriber(ctx, sub.ID, func(sub *Subscriber) error {
		if sub.Status() == SubscriberBounced {
			return nil
		}
		if b.Kind == BounceHard || sub.SoftBounce(now, s.softWindow, s.softLimit) {
			sub.Bounce(now)
			bounced = true
		}
		sub.Updated = now
		return nil
	})
	if err != nil {
		return Subscriber{}, fmt.Errorf("mailing: bounce: %w", err)
	}
	if bounced {
		if _, err := s.store.FailPending(ctx, sub.ID, now, ErrNotBounced); err != nil {
			return Subscriber{}, fmt.Errorf("mailing: bounce: %w", err)
		}
	}
	return out, nil
}

// VERP makes and reads the envelope senders that name a delivery
// (variable envelope return path): Local+"+"+token+"@"+Domain, the token
// "c<campaign>s<subscriber>-<mac>", the mac the first 10 bytes of
// HMAC-SHA256 over "c<campaign>s<subscriber>" under Secret, in lower-case
// hex. Without Secret nobody can make an address that names a delivery,
// so a forged bounce changes nothing.
type VERP struct {
	// Local is the local part before "+" (default "bounces").
	Local  string
	Domain string
	Secret []byte
}

func (v VERP) local() string {
	if v.Local == "" {
		return "bounces"
	}
	return v.Local
}

func (v VERP) mac(id string) string {
	m := hmac.New(sha256.New, v.Secret)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:10])
}

// Address is the VERP address of campaign c's message to subscriber s.
func (v VERP) Address(c CampaignID, s SubscriberID) string {
	id := fmt.Sprintf("c%ds%d", c, s)
	return v.local() + "+" + id + "-" + v.mac(id) + "@" + v.Domain
}

// Parse reads a VERP address made by Address (the local part and domain
// compared case-insensitively, as some servers change case). ok is false
// for any other address, a bad mac among them.
func (v VERP) Parse(addr string) (c CampaignID, s SubscriberID, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || len(v.Secret) == 0 || !strings.EqualFold(addr[at+1:], v.Domain) {
		return 0, 0, false
	}
	local := strings.ToLower(addr[:at])
	rest, found := strings.CutPrefix(local, strings.ToLower(v.local())+"+")
	if !found {
		return 0, 0, false
	}
	id, mac, found := strings.Cut(rest, "-")
	if !found || !hmac.Equal([]byte(mac), []byte(v.mac(id))) {
		return 0, 0, false
	}
	cs, ss, found := strings.Cut(strings.TrimPrefix(id, "c"), "s")
	if !found || !strings.HasPrefix(id, "c") {
		return 0, 0, false
	}
	cn, err1 := strconv.ParseInt(cs, 10, 64)
	sn, err2 := strconv.ParseInt(ss, 10, 64)
	if err1 != nil || err2 != nil || cn <= 0 || sn <= 0 {
		return 0, 0, false
	}
	return CampaignID(cn), SubscriberID(sn), true
}
