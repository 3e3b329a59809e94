package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// MailingStore is the mailing.Store of a DB. Its claims are exact: they
// run on the single writer connection, so no two claims overlap.
type MailingStore struct{ db *DB }

var _ mailing.Store = (*MailingStore)(nil)

// Mailing returns the database's mailing store.
func (db *DB) Mailing() *MailingStore { return &MailingStore{db: db} }

// subscriberTaken is the error of a UNIQUE violation on
// mailing_subscribers: the token's or the email key's.
func subscriberTaken(err error) error {
	if strings.Contains(err.Error(), "mailing_subscribers.token") {
		return mailing.ErrTokenTaken
	}
	return mailing.ErrEmailTaken
}

const subscriberColumns = `id, email, name, subscribed, token, created, updated, bounced_at, soft_bounces, soft_since,
	pending, subscribed_at, subscribed_from, confirmed_at, confirmed_from, unsubscribed_at, unsubscribed_from`

func scanSubscriber(sc scanner) (mailing.Subscriber, error) {
	var s mailing.Subscriber
	var created, updated, bounced, softSince, subAt, confAt, unsubAt sql.NullInt64
	c := &s.Consent
	err := sc.Scan(&s.ID, &s.Email, &s.Name, &s.Subscribed, &s.Token, &created, &updated, &bounced, &s.SoftBounces, &softSince,
		&s.Pending, &subAt, &c.SubscribedFrom, &confAt, &c.ConfirmedFrom, &unsubAt, &c.UnsubscribedFrom)
	s.Created, s.Updated, s.Bounced, s.SoftSince = fromNanos(created), fromNanos(updated), fromNanos(bounced), fromNanos(softSince)
	c.Subscribed, c.Confirmed, c.Unsubscribed = fromNanos(subAt), fromNanos(confAt), fromNanos(unsubAt)
	return s, err
}

func (s *MailingStore) subscriberWhere(ctx context.Context, q sqlQuerier, where string, arg any) (mailing.Subscriber, error) {
	sub, err := scanSubscriber(q.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM mailing_subscribers WHERE `+where, arg))
	if err != nil {
		return mailing.Subscriber{}, missing(err, mailing.ErrSubscriberNotFound)
	}
	return sub, nil
}

// sqlQuerier is a *sql.Tx or *sql.DB.
type sqlQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// CreateSubscriber implements mailing.Store.
func (s *MailingStore) CreateSubscriber(ctx context.Context, sub *mailing.Subscriber) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		c := sub.Consent
		res, err := tx.ExecContext(ctx, `INSERT INTO mailing_subscribers (email, email_key, name, subscribed, token, created, updated, bounced_at, soft_bounces, soft_since,
				pending, subscribed_at, subscribed_from, confirmed_at, confirmed_from, unsubscribed_at, unsubscribed_from)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.Email, mailing.EmailKey(sub.Email), sub.Name, sub.Subscribed, sub.Token, nanos(sub.Created), nanos(sub.Updated), nanos(sub.Bounced), sub.SoftBounces, nanos(sub.SoftSince),
			sub.Pending, nanos(c.Subscribed), c.SubscribedFrom, nanos(c.Confirmed), c.ConfirmedFrom, nanos(c.Unsubscribed), c.UnsubscribedFrom)
		if isUnique(err) {
			return subscriberTaken(err)
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert subscriber: %w", err)
		}
		id, err := res.LastInsertId()
		sub.ID = mailing.SubscriberID(id)
		return err
	})
}

// Subscriber implements mailing.Store.
func (s *MailingStore) Subscriber(ctx context.Context, id mailing.SubscriberID) (mailing.Subscriber, error) {
	return s.subscriberWhere(ctx, s.db.reader, "id = ?", id)
}

// SubscriberByEmail implements mailing.Store.
func (s *MailingStore) SubscriberByEmail(ctx context.Context, email string) (mailing.Subscriber, error) {
	return s.subscriberWhere(ctx, s.db.reader, "email_key = ?", mailing.EmailKey(email))
}

// SubscriberByToken implements mailing.Store.
func (s *MailingStore) SubscriberByToken(ctx context.Context, token string) (mailing.Subscriber, error) {
	return s.subscriberWhere(ctx, s.db.reader, "token = ?", token)
}

// UpdateSubscriber implements mailing.Store.
func (s *MailingStore) UpdateSubscriber(ctx context.Context, id mailing.SubscriberID, fn func(*mailing.Subscriber) error) (mailing.Subscriber, error) {
	var out mailing.Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		sub, err := s.subscriberWhere(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		if err := fn(&sub); err != nil {
			return err
		}
		c := sub.Consent
		_, err = tx.ExecContext(ctx, `UPDATE mailing_subscribers SET name = ?, subscribed = ?, token = ?, updated = ?, bounced_at = ?, soft_bounces = ?, soft_since = ?,
				pending = ?, subscribed_at = ?, subscribed_from = ?, confirmed_at = ?, confirmed_from = ?, unsubscribed_at = ?, unsubscribed_from = ?
			WHERE id = ?`,
			sub.Name, sub.Subscribed, sub.Token, nanos(sub.Updated), nanos(sub.Bounced), sub.SoftBounces, nanos(sub.SoftSince),
			sub.Pending, nanos(c.Subscribed), c.SubscribedFrom, nanos(c.Confirmed), c.ConfirmedFrom, nanos(c.Unsubscribed), c.UnsubscribedFrom, id)
		if isUnique(err) {
			return subscriberTaken(err)
		}
		if err != nil {
			return fmt.Errorf("sqlite: update subscriber: %w", err)
		}
		out, err = s.subscriberWhere(ctx, tx, "id = ?", id)
		return err
	})
	return out, err
}

// DeletePending implements mailing.Store.
func (s *MailingStore) DeletePending(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mailing_subscribers WHERE pending AND confirmed_at IS NULL AND subscribed_at < ?`, nanos(before))
		if err != nil {
			return fmt.Errorf("sqlite: delete pending subscribers: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// subscribersQuery reads a part of the subscriber list (LIMIT -1 is no
// limit).
const subscribersQuery = `SELECT ` + subscriberColumns + ` FROM mailing_subscribers WHERE id > ? ORDER BY id LIMIT ?`

// Subscribers implements mailing.Store. It is answered from the read
// cache (keyed by the query) while no mailing write was committed to the
// file since it was read; else by its statement, prepared once per
// connection of the read pool.
func (s *MailingStore) Subscribers(ctx context.Context, q mailing.SubscriberQuery) ([]mailing.Subscriber, error) {
	c := &s.db.mailing.subscribers
	c.sync(ctx, s.db)
	if subs, ok := c.get(q); ok {
		return slices.Clone(subs), nil
	}
	gen := c.generation()
	stmts, err := s.db.prepared(ctx, subscribersQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare subscribers: %w", err)
	}
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = -1
	}
	// One statement reads one snapshot: no transaction around it.
	rows, err := poolQuerier{s.db.reader, stmts}.QueryContext(ctx, subscribersQuery, int64(q.After), limit)
	subs, err := collect("subscribers", rows, err, scanSubscriber)
	if err != nil {
		return nil, err
	}
	c.put(q, gen, slices.Clone(subs))
	return subs, nil
}

// settleAllQuery marks done every queued, sending or paused campaign
// without a pending delivery; settleOneQuery does so for the campaign of
// id (its third argument). A delivery in mailing_sent is not pending:
// the search for one walks the campaign's pending deliveries from the
// newest, which is not sent while the campaign is under way (the
// deliveries are claimed oldest first), so that it stops at once.
const (
	settleAllQuery = `UPDATE mailing_campaigns SET status = 'done', updated = coalesce(?, updated)
		WHERE status IN ('queued', 'sending', 'paused') AND (
			SELECT d.id FROM mailing_deliveries d WHERE d.campaign_id = mailing_campaigns.id AND d.status = 'pending'
				AND NOT EXISTS (SELECT 1 FROM mailing_sent s WHERE s.delivery_id = d.id)
			ORDER BY d.id DESC LIMIT 1) IS NULL`
	settleOneQuery = settleAllQuery + ` AND id = ?`
)

// settleCampaigns marks done every queued, sending or paused campaign without a
// pending delivery (of campaign id, or of every campaign when id is 0).
func settleCampaigns(ctx context.Context, tx sqlExecer, id mailing.CampaignID, now time.Time) error {
	var err error
	if id != 0 {
		_, err = tx.ExecContext(ctx, settleOneQuery, nanos(now), id)
	} else {
		_, err = tx.ExecContext(ctx, settleAllQuery, nanos(now))
	}
	if err != nil {
		return fmt.Errorf("sqlite: settle campaigns: %w", err)
	}
	return nil
}

// sqlExecer is a *sql.Tx or a stmtTx.
type sqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// sqlTx is a *sql.Tx or a stmtTx.
type sqlTx interface {
	sqlExecer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// DeleteSubscriber implements mailing.Store.
func (s *MailingStore) DeleteSubscriber(ctx context.Context, id mailing.SubscriberID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.foldSent(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM mailing_subscribers WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete subscriber: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mailing.ErrSubscriberNotFound
		}
		return settleCampaigns(ctx, tx, 0, time.Time{})
	})
}

// DeleteSubscribers implements mailing.Store.
func (s *MailingStore) DeleteSubscribers(ctx context.Context) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.foldSent(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM mailing_subscribers`)
		if err != nil {
			return fmt.Errorf("sqlite: delete subscribers: %w", err)
		}
		n, _ = res.RowsAffected()
		return settleCampaigns(ctx, tx, 0, time.Time{})
	})
	return int(n), err
}

const campaignColumns = `id, subject, text_body, html_body, status, created, updated, send_at`

func scanCampaign(sc scanner) (mailing.Campaign, error) {
	var c mailing.Campaign
	var created, updated, sendAt sql.NullInt64
	err := sc.Scan(&c.ID, &c.Subject, &c.Text, &c.HTML, &c.Status, &created, &updated, &sendAt)
	c.Created, c.Updated, c.SendAt = fromNanos(created), fromNanos(updated), fromNanos(sendAt)
	return c, missing(err, mailing.ErrCampaignNotFound)
}

// CreateCampaign implements mailing.Store.
func (s *MailingStore) CreateCampaign(ctx context.Context, c *mailing.Campaign) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mailing_campaigns (subject, text_body, html_body, status, created, updated, send_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.Subject, c.Text, c.HTML, c.Status, nanos(c.Created), nanos(c.Updated), nanos(c.SendAt))
		if err != nil {
			return fmt.Errorf("sqlite: insert campaign: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO mailing_deliveries (campaign_id, subscriber_id, email, name, token, status, next_attempt)
			SELECT ?, id, email, name, token, 'pending', ? FROM mailing_subscribers WHERE subscribed ORDER BY id`, id, nanos(firstDue(*c)))
		if err != nil {
			return fmt.Errorf("sqlite: insert deliveries: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if st := c.Status.Settled(int(n)); st != c.Status {
			if _, err := tx.ExecContext(ctx, `UPDATE mailing_campaigns SET status = ? WHERE id = ?`, st, id); err != nil {
				return fmt.Errorf("sqlite: settle campaign: %w", err)
			}
		}
		c.ID = mailing.CampaignID(id)
		return nil
	})
	if err == nil {
		c.Status = c.Status.Settled(int(n))
	}
	return int(n), err
}

// Campaign implements mailing.Store.
func (s *MailingStore) Campaign(ctx context.Context, id mailing.CampaignID) (mailing.Campaign, error) {
	return scanCampaign(s.db.reader.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
}

// UpdateCampaign implements mailing.Store.
func (s *MailingStore) UpdateCampaign(ctx context.Context, id mailing.CampaignID, fn func(*mailing.Campaign) error) (mailing.Campaign, error) {
	var out mailing.Campaign
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailing_campaigns SET status = ?, updated = ? WHERE id = ?`, c.Status, nanos(c.Updated), id); err != nil {
			return fmt.Errorf("sqlite: update campaign: %w", err)
		}
		out, err = scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
		return err
	})
	return out, err
}

const deliveryColumns = `id, campaign_id, subscriber_id, email, name, token, status, attempts, next_attempt, lease_until, last_error, sent_at, bounce_kind, bounce_status, bounce_detail, bounced_at`

func scanDelivery(sc scanner) (mailing.Delivery, error) {
	var d mailing.Delivery
	var next, lease, sent, bounced sql.NullInt64
	err := sc.Scan(&d.ID, &d.Campaign, &d.Subscriber, &d.Email, &d.Name, &d.Token, &d.Status, &d.Attempts, &next, &lease, &d.LastError, &sent,
		&d.Bounce.Kind, &d.Bounce.Status, &d.Bounce.Detail, &bounced)
	d.NextAttempt, d.LeaseUntil, d.Sent, d.Bounce.At = fromNanos(next), fromNanos(lease), fromNanos(sent), fromNanos(bounced)
	return d, err
}

// BounceDelivery implements mailing.Store.
func (s *MailingStore) BounceDelivery(ctx context.Context, c mailing.CampaignID, sub mailing.SubscriberID, b mailing.DeliveryBounce) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := s.foldSent(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE mailing_deliveries SET bounce_kind = ?, bounce_status = ?, bounce_detail = ?, bounced_at = ? WHERE campaign_id = ? AND subscriber_id = ?`,
			b.Kind, b.Status, b.Detail, nanos(b.At), c, sub)
		if err != nil {
			return fmt.Errorf("sqlite: bounce delivery: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite: bounce delivery: %w", err)
		}
		if n == 0 {
			return mailing.ErrDeliveryNotFound
		}
		return nil
	})
}

// statusCount is one row of a count of deliveries by status.
type statusCount struct {
	status mailing.DeliveryStatus
	n      int
}

func scanStatusCount(sc scanner) (statusCount, error) {
	var c statusCount
	return c, sc.Scan(&c.status, &c.n)
}

// CampaignReport implements mailing.Store.
func (s *MailingStore) CampaignReport(ctx context.Context, id mailing.CampaignID) (mailing.Report, error) {
	var r mailing.Report
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
		if err != nil {
			return err
		}
		r.Campaign = c
		rows, err := tx.QueryContext(ctx, `SELECT status, count(*) FROM mailing_deliveries WHERE campaign_id = ? GROUP BY status`, id)
		counts, err := collect("count deliveries", rows, err, scanStatusCount)
		if err != nil {
			return err
		}
		for _, c := range counts {
			switch c.status {
			case mailing.DeliveryPending:
				r.Pending = c.n
			case mailing.DeliverySent:
				r.Sent = c.n
			case mailing.DeliveryFailed:
				r.Failed = c.n
			case mailing.DeliveryCancelled:
				r.Cancelled = c.n
			}
		}
		if r.Pending > 0 {
			// The deliveries recorded sent and not yet folded.
			var sent int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mailing_sent s CROSS JOIN mailing_deliveries d ON d.id = s.delivery_id WHERE d.campaign_id = ?`, id).Scan(&sent); err != nil {
				return fmt.Errorf("sqlite: count sent deliveries: %w", err)
			}
			r.Pending -= sent
			r.Sent += sent
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = ? AND bounce_kind <> '' ORDER BY id`, id)
		if r.Bounces, err = collect("bounced deliveries", rows, err, scanDelivery); err != nil {
			return err
		}
		r.Bounced = len(r.Bounces)
		if r.Pending > 0 {
			rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries d WHERE campaign_id = ? AND status = 'pending' AND last_error <> ''
				AND NOT EXISTS (SELECT 1 FROM mailing_sent s WHERE s.delivery_id = d.id) ORDER BY id`, id)
			if r.Retrying, err = collect("retrying deliveries", rows, err, scanDelivery); err != nil {
				return err
			}
		}
		if r.Failed == 0 {
			return nil
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = ? AND status = 'failed' ORDER BY id`, id)
		if r.Failures, err = collect("failed deliveries", rows, err, scanDelivery); err != nil {
			return err
		}
		index := make(map[mailing.DeliveryID]int, len(r.Failures))
		for i, d := range r.Failures {
			index[d.ID] = i
		}
		type attemptError struct {
			delivery mailing.DeliveryID
			mailing.AttemptError
		}
		rows, err = tx.QueryContext(ctx, `SELECT e.delivery_id, e.attempt, e.at, e.error FROM mailing_delivery_errors e
			JOIN mailing_deliveries d ON d.id = e.delivery_id
			WHERE d.campaign_id = ? AND d.status = 'failed' ORDER BY e.delivery_id, e.attempt`, id)
		errs, err := collect("delivery errors", rows, err, func(sc scanner) (attemptError, error) {
			var e attemptError
			var at sql.NullInt64
			err := sc.Scan(&e.delivery, &e.Attempt, &at, &e.Error)
			e.At = fromNanos(at)
			return e, err
		})
		if err != nil {
			return err
		}
		for _, e := range errs {
			if i, ok := index[e.delivery]; ok {
				r.Failures[i].Errors = append(r.Failures[i].Errors, e.AttemptError)
			}
		}
		return nil
	})
	return r, err
}

// firstDue is when c's deliveries are first due.
func firstDue(c mailing.Campaign) time.Time {
	if !c.SendAt.IsZero() {
		return c.SendAt
	}
	return c.Created
}

// CancelPending implements mailing.Store.
func (s *MailingStore) CancelPending(ctx context.Context, c mailing.CampaignID) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.foldSent(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE mailing_deliveries SET status = 'cancelled', lease_until = NULL WHERE campaign_id = ? AND status = 'pending'`, c)
		if err != nil {
			return fmt.Errorf("sqlite: cancel deliveries: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// The statements of the outbox's claims and finishes, prepared once on
// the writer connection: a campaign runs them for every message.
const (
	claimQuery = `UPDATE mailing_deliveries SET lease_until = ?
			WHERE id IN (
				SELECT d.id FROM mailing_deliveries d JOIN mailing_campaigns c ON c.id = d.campaign_id
				WHERE d.status = 'pending' AND d.next_attempt <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?) AND c.status NOT IN ('cancelled', 'paused')
					AND NOT EXISTS (SELECT 1 FROM mailing_sent s WHERE s.delivery_id = d.id)
				ORDER BY d.next_attempt, d.id LIMIT ?)
			RETURNING ` + deliveryColumns
	campaignClaimedQuery = `UPDATE mailing_campaigns SET status = ?, updated = ? WHERE id = ? AND status = ?`
	finishQuery          = `UPDATE mailing_deliveries SET
				status = ?, attempts = attempts + ?, lease_until = NULL, sent_at = ?,
				next_attempt = CASE WHEN ? = 'pending' THEN ? ELSE next_attempt END,
				last_error = CASE WHEN ? <> '' THEN ? ELSE last_error END
			WHERE id = ? AND status = 'pending' AND lease_until = ? AND NOT EXISTS (SELECT 1 FROM mailing_sent WHERE delivery_id = mailing_deliveries.id)
			RETURNING campaign_id, attempts`
	// sentQuery records a delivery sent in mailing_sent, if it is held.
	sentQuery = `INSERT INTO mailing_sent (delivery_id, sent_at)
			SELECT id, ? FROM mailing_deliveries WHERE id = ? AND status = 'pending' AND lease_until = ?
			ON CONFLICT DO NOTHING`
	deliveryErrorQuery = `INSERT OR REPLACE INTO mailing_delivery_errors (delivery_id, attempt, at, error) VALUES (?, ?, ?, ?)`
)

var (
	claimQueries  = []string{foldCampaignsQuery, foldQuery, foldDeleteQuery, settleOneQuery, claimQuery, campaignClaimedQuery}
	finishQueries = []string{finishQuery, deliveryErrorQuery, settleOneQuery}
)

// The statements that fold mailing_sent into mailing_deliveries.
const (
	// CROSS JOIN and IN make SQLite walk mailing_sent and look each
	// delivery up, not the other way round.
	foldCampaignsQuery = `SELECT d.campaign_id, max(s.sent_at) FROM mailing_sent s CROSS JOIN mailing_deliveries d ON d.id = s.delivery_id
			GROUP BY d.campaign_id ORDER BY d.campaign_id`
	foldQuery = `UPDATE mailing_deliveries SET status = 'sent', attempts = attempts + 1, lease_until = NULL,
			sent_at = (SELECT s.sent_at FROM mailing_sent s WHERE s.delivery_id = mailing_deliveries.id)
			WHERE id IN (SELECT delivery_id FROM mailing_sent)`
	foldDeleteQuery = `DELETE FROM mailing_sent`
)

// foldEvery is how many rows of mailing_sent a claim lets pile up before
// it folds them: a fold costs less a row the more rows it folds (the
// rows of a campaign share pages), and it holds the writer meanwhile.
const foldEvery = 1024

// foldSent folds the deliveries recorded sent in mailing_sent into
// mailing_deliveries, and settles their campaigns.
func (s *MailingStore) foldSent(ctx context.Context, tx sqlTx) error {
	s.db.unfolded.Store(0)
	rows, err := tx.QueryContext(ctx, foldCampaignsQuery)
	type folded struct {
		c  mailing.CampaignID
		at sql.NullInt64
	}
	cs, err := collect("fold sent deliveries", rows, err, func(sc scanner) (folded, error) {
		var f folded
		return f, sc.Scan(&f.c, &f.at)
	})
	if err != nil || len(cs) == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, foldQuery); err != nil {
		return fmt.Errorf("sqlite: fold sent deliveries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, foldDeleteQuery); err != nil {
		return fmt.Errorf("sqlite: fold sent deliveries: %w", err)
	}
	for _, f := range cs {
		if err := settleCampaigns(ctx, tx, f.c, fromNanos(f.at)); err != nil {
			return err
		}
	}
	return nil
}

// ClaimDeliveries implements mailing.Store.
func (s *MailingStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]mailing.Delivery, error) {
	var out []mailing.Delivery
	err := s.db.writePrepared(ctx, claimQueries, func(tx stmtTx) error {
		// The rows of mailing_sent are folded in when they are many, or
		// when there is nothing to claim (the campaigns are sent):
		// folded or not, the claim does not take them.
		if s.db.unfolded.Load() >= foldEvery {
			if err := s.foldSent(ctx, tx); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, claimQuery, nanos(leaseUntil), nanos(now), nanos(now), limit)
		out, err = collect("claim deliveries", rows, err, scanDelivery)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return s.foldSent(ctx, tx)
		}
		var campaigns []mailing.CampaignID
		for _, d := range out {
			if !slices.Contains(campaigns, d.Campaign) {
				campaigns = append(campaigns, d.Campaign)
			}
		}
		for _, id := range campaigns {
			queued := mailing.CampaignQueued
			if _, err := tx.ExecContext(ctx, campaignClaimedQuery, queued.Claimed(), nanos(now), id, queued); err != nil {
				return fmt.Errorf("sqlite: campaign sending: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no promised order.
	sortDeliveries(out)
	return out, nil
}

func sortDeliveries(ds []mailing.Delivery) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && lessDue(ds[j], ds[j-1]); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func lessDue(a, b mailing.Delivery) bool {
	if !a.NextAttempt.Equal(b.NextAttempt) {
		return a.NextAttempt.Before(b.NextAttempt)
	}
	return a.ID < b.ID
}

// FailPending implements mailing.Store.
func (s *MailingStore) FailPending(ctx context.Context, id mailing.SubscriberID, at time.Time, msg string) (int, error) {
	var n int
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		if err := s.foldSent(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE mailing_deliveries SET status = 'failed', lease_until = NULL, last_error = ?
			WHERE subscriber_id = ? AND status = 'pending' RETURNING id, attempts`, msg, id)
		type failed struct {
			id       mailing.DeliveryID
			attempts int
		}
		fs, err := collect("fail pending deliveries", rows, err, func(sc scanner) (failed, error) {
			var f failed
			return f, sc.Scan(&f.id, &f.attempts)
		})
		if err != nil {
			return err
		}
		for _, f := range fs {
			if _, err := tx.ExecContext(ctx, deliveryErrorQuery, f.id, f.attempts+1, nanos(at), msg); err != nil {
				return fmt.Errorf("sqlite: delivery error: %w", err)
			}
		}
		n = len(fs)
		if n == 0 {
			return nil
		}
		return settleCampaigns(ctx, tx, 0, at)
	})
	return n, err
}

// FinishDelivery implements mailing.Store.
func (s *MailingStore) FinishDelivery(ctx context.Context, d mailing.Delivery, o mailing.Outcome) error {
	return s.FinishDeliveries(ctx, []mailing.Finish{{Delivery: d, Outcome: o}})[0]
}

// FinishDeliveries implements mailing.Store: one write transaction
// (mailing.WriteGroup). A group of messages sent, what a dispatcher
// writes all along, runs on the writer's driver statements (writeRaw);
// any other, on statements prepared once.
func (s *MailingStore) FinishDeliveries(ctx context.Context, fs []mailing.Finish) []error {
	errs := make([]error, len(fs))
	if len(fs) == 0 {
		return errs
	}
	var err error
	if slices.ContainsFunc(fs, func(f mailing.Finish) bool { return !sentFinish(f.Outcome) }) {
		err = s.db.writePrepared(ctx, finishQueries, func(tx stmtTx) error {
			return mailing.WriteGroup(fs, errs,
				func(f mailing.Finish) (mailing.CampaignID, error) {
					return finishDelivery(ctx, tx, f.Delivery, f.Outcome)
				},
				func(c mailing.CampaignID, at time.Time) error { return settleCampaigns(ctx, tx, c, at) })
		})
	} else {
		err = s.db.writeRaw(ctx, sentQueries, func(tx rawTx) error {
			return mailing.WriteGroup(fs, errs,
				func(f mailing.Finish) (mailing.CampaignID, error) {
					return sentDelivery(tx, &s.db.unfolded, f.Delivery, f.Outcome)
				},
				func(c mailing.CampaignID, at time.Time) error {
					if _, err := tx.exec(settleOneQuery, nanos(at), c); err != nil {
						return fmt.Errorf("sqlite: settle campaigns: %w", err)
					}
					return nil
				})
		})
	}
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// sentFinish reports whether o is a message sent at the first try or
// after failed ones, which mailing_sent records.
func sentFinish(o mailing.Outcome) bool {
	return o.Status == mailing.DeliverySent && o.Attempted && o.Error == ""
}

// sentQueries are the statements of sentDelivery.
var sentQueries = []string{sentQuery, deliveryExistsQuery, settleOneQuery}

const deliveryExistsQuery = `SELECT 1 FROM mailing_deliveries WHERE id = ?`

// sentDelivery records d sent (o, a sentFinish) in mailing_sent, folded
// into mailing_deliveries later (foldSent) with others, and returns its
// campaign.
func sentDelivery(tx rawTx, unfolded *atomic.Int64, d mailing.Delivery, o mailing.Outcome) (mailing.CampaignID, error) {
	res, err := tx.exec(sentQuery, nanos(o.At), d.ID, nanos(d.LeaseUntil))
	if err != nil {
		return 0, fmt.Errorf("sqlite: finish delivery: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, fmt.Errorf("sqlite: finish delivery: %w", err)
	} else if n == 1 {
		unfolded.Add(1)
		return d.Campaign, nil
	}
	found, err := tx.exists(deliveryExistsQuery, d.ID)
	switch {
	case err != nil:
		return 0, fmt.Errorf("sqlite: finish delivery: %w", err)
	case !found:
		return 0, mailing.ErrDeliveryNotFound
	}
	return 0, mailing.ErrNotHeld
}

// finishDelivery records the outcome o of the claim of d in tx and
// returns its campaign; settling the campaign is the caller's.
func finishDelivery(ctx context.Context, tx stmtTx, d mailing.Delivery, o mailing.Outcome) (mailing.CampaignID, error) {
	attempted := 0
	if o.Attempted {
		attempted = 1
	}
	var sent time.Time
	if o.Status == mailing.DeliverySent {
		sent = o.At
	}
	var campaign mailing.CampaignID
	var attempts int
	err := tx.QueryRowContext(ctx, finishQuery,
		o.Status, attempted, nanos(sent), o.Status, nanos(o.NextAttempt), o.Error, o.Error, d.ID, nanos(d.LeaseUntil)).Scan(&campaign, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM mailing_deliveries WHERE id = ?`, d.ID).Scan(&one); err != nil {
			return 0, missing(err, mailing.ErrDeliveryNotFound)
		}
		return 0, mailing.ErrNotHeld
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: finish delivery: %w", err)
	}
	if o.Error != "" {
		if _, err := tx.ExecContext(ctx, deliveryErrorQuery, d.ID, attempts, nanos(o.At), o.Error); err != nil {
			return 0, fmt.Errorf("sqlite: delivery error: %w", err)
		}
	}
	return campaign, nil
}

// DeliveryCounts implements mailing.Store. It walks the (campaign, status)
// index, not the table.
func (s *MailingStore) DeliveryCounts(ctx context.Context) (map[mailing.DeliveryStatus]int, error) {
	// One statement, one snapshot: the deliveries by status, and those
	// of them recorded sent in mailing_sent and not yet folded.
	rows, err := s.db.reader.QueryContext(ctx, `SELECT status, count(*) FROM mailing_deliveries INDEXED BY mailing_deliveries_campaign GROUP BY status
		UNION ALL SELECT '', count(*) FROM mailing_sent`)
	counts, err := collect("count deliveries", rows, err, scanStatusCount)
	if err != nil {
		return nil, err
	}
	out := make(map[mailing.DeliveryStatus]int, len(counts))
	for _, c := range counts {
		if c.status == "" {
			if c.n > 0 {
				out[mailing.DeliveryPending] -= c.n
				out[mailing.DeliverySent] += c.n
			}
			continue
		}
		out[c.status] += c.n
	}
	for st, n := range out {
		if n == 0 {
			delete(out, st)
		}
	}
	return out, nil
}
