package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hanok-dev/hanok/mailing"
)

// MailingStore is the mailing.Store of a DB.
//
// Its claims are exact across processes: ClaimDeliveries selects the due
// rows with FOR UPDATE SKIP LOCKED and leases them in the same statement,
// so two dispatchers (in one process or in several) claiming at once take
// disjoint rows, and a row leased by a claim that committed first no
// longer matches (PostgreSQL rechecks the condition on the row's newest
// version). Finishes mark a campaign done without waiting for each
// other's commits but for the last ones (see settleAfterFinish).
type MailingStore struct{ db *DB }

var _ mailing.Store = (*MailingStore)(nil)

// Mailing returns the database's mailing store.
func (db *DB) Mailing() *MailingStore { return &MailingStore{db: db} }

// subscriberTaken is the error of a UNIQUE violation on
// mailing_subscribers: the token's or the email key's.
func subscriberTaken(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && strings.Contains(pe.ConstraintName, "token") {
		return mailing.ErrTokenTaken
	}
	return mailing.ErrEmailTaken
}

const subscriberColumns = `id, email, name, subscribed, token, created, updated, bounced_at, soft_bounces, soft_since,
	pending, subscribed_at, subscribed_from, confirmed_at, confirmed_from, unsubscribed_at, unsubscribed_from`

func scanSubscriber(sc pgx.Row) (mailing.Subscriber, error) {
	var s mailing.Subscriber
	var created, updated, bounced, softSince, subAt, confAt, unsubAt *time.Time
	c := &s.Consent
	err := sc.Scan(&s.ID, &s.Email, &s.Name, &s.Subscribed, &s.Token, &created, &updated, &bounced, &s.SoftBounces, &softSince,
		&s.Pending, &subAt, &c.SubscribedFrom, &confAt, &c.ConfirmedFrom, &unsubAt, &c.UnsubscribedFrom)
	s.Created, s.Updated, s.Bounced, s.SoftSince = utc(created), utc(updated), utc(bounced), utc(softSince)
	c.Subscribed, c.Confirmed, c.Unsubscribed = utc(subAt), utc(confAt), utc(unsubAt)
	return s, err
}

func subscriberWhere(ctx context.Context, q querier, where string, arg any) (mailing.Subscriber, error) {
	sub, err := scanSubscriber(q.QueryRow(ctx, `SELECT `+subscriberColumns+` FROM mailing_subscribers WHERE `+where, arg))
	if err != nil {
		return mailing.Subscriber{}, missing(err, mailing.ErrSubscriberNotFound)
	}
	return sub, nil
}

// CreateSubscriber implements mailing.Store.
func (s *MailingStore) CreateSubscriber(ctx context.Context, sub *mailing.Subscriber) error {
	var id mailing.SubscriberID
	c := sub.Consent
	err := s.db.pool.QueryRow(ctx, `INSERT INTO mailing_subscribers (email, email_key, name, subscribed, token, created, updated, bounced_at, soft_bounces, soft_since,
			pending, subscribed_at, subscribed_from, confirmed_at, confirmed_from, unsubscribed_at, unsubscribed_from)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		sub.Email, mailing.EmailKey(sub.Email), sub.Name, sub.Subscribed, sub.Token, nullTime(sub.Created), nullTime(sub.Updated), nullTime(sub.Bounced), sub.SoftBounces, nullTime(sub.SoftSince),
		sub.Pending, nullTime(c.Subscribed), c.SubscribedFrom, nullTime(c.Confirmed), c.ConfirmedFrom, nullTime(c.Unsubscribed), c.UnsubscribedFrom).Scan(&id)
	if isUnique(err) {
		return subscriberTaken(err)
	}
	if err != nil {
		return fmt.Errorf("postgres: insert subscriber: %w", err)
	}
	sub.ID = id
	return nil
}

// DeletePending implements mailing.Store.
func (s *MailingStore) DeletePending(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.db.pool.Exec(ctx, `DELETE FROM mailing_subscribers WHERE pending AND confirmed_at IS NULL AND subscribed_at < $1`, nullTime(before))
	if err != nil {
		return 0, fmt.Errorf("postgres: delete pending subscribers: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Subscriber implements mailing.Store.
func (s *MailingStore) Subscriber(ctx context.Context, id mailing.SubscriberID) (mailing.Subscriber, error) {
	return subscriberWhere(ctx, s.db.pool, "id = $1", id)
}

// SubscriberByEmail implements mailing.Store.
func (s *MailingStore) SubscriberByEmail(ctx context.Context, email string) (mailing.Subscriber, error) {
	return subscriberWhere(ctx, s.db.pool, "email_key = $1", mailing.EmailKey(email))
}

// SubscriberByToken implements mailing.Store.
func (s *MailingStore) SubscriberByToken(ctx context.Context, token string) (mailing.Subscriber, error) {
	return subscriberWhere(ctx, s.db.pool, "token = $1", token)
}

// UpdateSubscriber implements mailing.Store; the row is locked while fn
// runs.
func (s *MailingStore) UpdateSubscriber(ctx context.Context, id mailing.SubscriberID, fn func(*mailing.Subscriber) error) (mailing.Subscriber, error) {
	var out mailing.Subscriber
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		sub, err := subscriberWhere(ctx, tx, "id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		if err := fn(&sub); err != nil {
			return err
		}
		out, err = scanSubscriber(tx.QueryRow(ctx, `UPDATE mailing_subscribers SET name = $1, subscribed = $2, token = $3, updated = $4, bounced_at = $5, soft_bounces = $6, soft_since = $7,
				pending = $8, subscribed_at = $9, subscribed_from = $10, confirmed_at = $11, confirmed_from = $12, unsubscribed_at = $13, unsubscribed_from = $14
			WHERE id = $15 RETURNING `+subscriberColumns,
			sub.Name, sub.Subscribed, sub.Token, nullTime(sub.Updated), nullTime(sub.Bounced), sub.SoftBounces, nullTime(sub.SoftSince),
			sub.Pending, nullTime(sub.Consent.Subscribed), sub.Consent.SubscribedFrom, nullTime(sub.Consent.Confirmed), sub.Consent.ConfirmedFrom,
			nullTime(sub.Consent.Unsubscribed), sub.Consent.UnsubscribedFrom, id))
		if isUnique(err) {
			return subscriberTaken(err)
		}
		if err != nil {
			return fmt.Errorf("postgres: update subscriber: %w", err)
		}
		return nil
	})
	return out, err
}

// Subscribers implements mailing.Store.
func (s *MailingStore) Subscribers(ctx context.Context, q mailing.SubscriberQuery) ([]mailing.Subscriber, error) {
	// LIMIT NULL is no limit.
	rows, err := s.db.pool.Query(ctx, `SELECT `+subscriberColumns+` FROM mailing_subscribers WHERE id > $1 ORDER BY id LIMIT NULLIF($2::bigint, 0)`,
		int64(q.After), int64(q.Limit))
	if err != nil {
		return nil, fmt.Errorf("postgres: subscribers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mailing.Subscriber, error) { return scanSubscriber(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: subscribers: %w", err)
	}
	if out == nil {
		out = []mailing.Subscriber{}
	}
	return out, nil
}

// settleCampaigns marks done every queued, sending or paused campaign without a
// pending delivery (campaign id, or every campaign when id is 0), setting
// updated to now unless now is zero. It first locks the campaigns' rows,
// in id order, so that the check runs after every finish that locked them
// before has committed.
func settleCampaigns(ctx context.Context, tx pgx.Tx, id mailing.CampaignID, now time.Time) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM mailing_campaigns WHERE status IN ('queued', 'sending', 'paused') AND ($1::bigint = 0 OR id = $1) ORDER BY id FOR NO KEY UPDATE`, int64(id)); err != nil {
		return fmt.Errorf("postgres: lock campaigns: %w", err)
	}
	_, err := tx.Exec(ctx, `UPDATE mailing_campaigns c SET status = 'done', updated = coalesce($1::timestamptz, c.updated)
		WHERE c.status IN ('queued', 'sending', 'paused') AND ($2::bigint = 0 OR c.id = $2) AND NOT EXISTS (
			SELECT 1 FROM mailing_deliveries d WHERE d.campaign_id = c.id AND d.status = 'pending')`, nullTime(now), int64(id))
	if err != nil {
		return fmt.Errorf("postgres: settle campaigns: %w", err)
	}
	return nil
}

// DeleteSubscriber implements mailing.Store.
func (s *MailingStore) DeleteSubscriber(ctx context.Context, id mailing.SubscriberID) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM mailing_subscribers WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("postgres: delete subscriber: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mailing.ErrSubscriberNotFound
		}
		return settleCampaigns(ctx, tx, 0, time.Time{})
	})
}

// DeleteSubscribers implements mailing.Store.
func (s *MailingStore) DeleteSubscribers(ctx context.Context) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM mailing_subscribers`)
		if err != nil {
			return fmt.Errorf("postgres: delete subscribers: %w", err)
		}
		n = tag.RowsAffected()
		return settleCampaigns(ctx, tx, 0, time.Time{})
	})
	return int(n), err
}

const campaignColumns = `id, subject, text_body, html_body, status, created, updated, send_at`

func scanCampaign(sc pgx.Row) (mailing.Campaign, error) {
	var c mailing.Campaign
	var created, updated, sendAt *time.Time
	err := sc.Scan(&c.ID, &c.Subject, &c.Text, &c.HTML, &c.Status, &created, &updated, &sendAt)
	c.Created, c.Updated, c.SendAt = utc(created), utc(updated), utc(sendAt)
	return c, missing(err, mailing.ErrCampaignNotFound)
}

// CreateCampaign implements mailing.Store.
func (s *MailingStore) CreateCampaign(ctx context.Context, c *mailing.Campaign) (int, error) {
	var n int64
	var id mailing.CampaignID
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO mailing_campaigns (subject, text_body, html_body, status, created, updated, send_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.Subject, c.Text, c.HTML, c.Status, nullTime(c.Created), nullTime(c.Updated), nullTime(c.SendAt)).Scan(&id)
		if err != nil {
			return fmt.Errorf("postgres: insert campaign: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO mailing_deliveries (campaign_id, subscriber_id, email, name, token, status, next_attempt)
			SELECT $1, id, email, name, token, 'pending', $2 FROM mailing_subscribers WHERE subscribed ORDER BY id`, id, nullTime(firstDue(*c)))
		if err != nil {
			return fmt.Errorf("postgres: insert deliveries: %w", err)
		}
		n = tag.RowsAffected()
		if st := c.Status.Settled(int(n)); st != c.Status {
			if _, err := tx.Exec(ctx, `UPDATE mailing_campaigns SET status = $2 WHERE id = $1`, id, string(st)); err != nil {
				return fmt.Errorf("postgres: settle campaign: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	c.ID = id
	c.Status = c.Status.Settled(int(n))
	return int(n), nil
}

// Campaign implements mailing.Store.
func (s *MailingStore) Campaign(ctx context.Context, id mailing.CampaignID) (mailing.Campaign, error) {
	return scanCampaign(s.db.pool.QueryRow(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = $1`, id))
}

// UpdateCampaign implements mailing.Store; the row is locked while fn
// runs.
func (s *MailingStore) UpdateCampaign(ctx context.Context, id mailing.CampaignID, fn func(*mailing.Campaign) error) (mailing.Campaign, error) {
	var out mailing.Campaign
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		c, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = $1 FOR NO KEY UPDATE`, id))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		out, err = scanCampaign(tx.QueryRow(ctx, `UPDATE mailing_campaigns SET status = $1, updated = $2 WHERE id = $3 RETURNING `+campaignColumns, c.Status, nullTime(c.Updated), id))
		return err
	})
	return out, err
}

const deliveryColumns = `id, campaign_id, subscriber_id, email, name, token, status, attempts, next_attempt, lease_until, last_error, sent_at, bounce_kind, bounce_status, bounce_detail, bounced_at`

func scanDelivery(sc pgx.Row) (mailing.Delivery, error) {
	var d mailing.Delivery
	var next, lease, sent, bounced *time.Time
	err := sc.Scan(&d.ID, &d.Campaign, &d.Subscriber, &d.Email, &d.Name, &d.Token, &d.Status, &d.Attempts, &next, &lease, &d.LastError, &sent,
		&d.Bounce.Kind, &d.Bounce.Status, &d.Bounce.Detail, &bounced)
	d.NextAttempt, d.LeaseUntil, d.Sent, d.Bounce.At = utc(next), utc(lease), utc(sent), utc(bounced)
	return d, err
}

// BounceDelivery implements mailing.Store.
func (s *MailingStore) BounceDelivery(ctx context.Context, c mailing.CampaignID, sub mailing.SubscriberID, b mailing.DeliveryBounce) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE mailing_deliveries SET bounce_kind = $1, bounce_status = $2, bounce_detail = $3, bounced_at = $4 WHERE campaign_id = $5 AND subscriber_id = $6`,
			b.Kind, b.Status, b.Detail, nullTime(b.At), c, sub)
		if err != nil {
			return fmt.Errorf("postgres: bounce delivery: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return mailing.ErrDeliveryNotFound
		}
		return nil
	})
}

// CampaignReport implements mailing.Store; its queries read one snapshot.
func (s *MailingStore) CampaignReport(ctx context.Context, id mailing.CampaignID) (mailing.Report, error) {
	var r mailing.Report
	err := s.db.read(ctx, func(tx pgx.Tx) error {
		c, err := scanCampaign(tx.QueryRow(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = $1`, id))
		if err != nil {
			return err
		}
		r.Campaign = c
		err = tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
				count(*) FILTER (WHERE status = 'cancelled')
			FROM mailing_deliveries WHERE campaign_id = $1`, id).Scan(&r.Pending, &r.Sent, &r.Failed, &r.Cancelled)
		if err != nil {
			return fmt.Errorf("postgres: count deliveries: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = $1 AND bounce_kind <> '' ORDER BY id`, id)
		if err != nil {
			return fmt.Errorf("postgres: bounced deliveries: %w", err)
		}
		r.Bounces, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (mailing.Delivery, error) { return scanDelivery(r) })
		if err != nil {
			return fmt.Errorf("postgres: bounced deliveries: %w", err)
		}
		r.Bounced = len(r.Bounces)
		if r.Pending > 0 {
			rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = $1 AND status = 'pending' AND last_error <> '' ORDER BY id`, id)
			if err != nil {
				return fmt.Errorf("postgres: retrying deliveries: %w", err)
			}
			r.Retrying, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (mailing.Delivery, error) { return scanDelivery(r) })
			if err != nil {
				return fmt.Errorf("postgres: retrying deliveries: %w", err)
			}
		}
		if r.Failed == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = $1 AND status = 'failed' ORDER BY id`, id)
		if err != nil {
			return fmt.Errorf("postgres: failed deliveries: %w", err)
		}
		r.Failures, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (mailing.Delivery, error) { return scanDelivery(r) })
		if err != nil {
			return fmt.Errorf("postgres: failed deliveries: %w", err)
		}
		index := make(map[mailing.DeliveryID]int, len(r.Failures))
		for i, d := range r.Failures {
			index[d.ID] = i
		}
		rows, err = tx.Query(ctx, `SELECT e.delivery_id, e.attempt, e.at, e.error FROM mailing_delivery_errors e
			JOIN mailing_deliveries d ON d.id = e.delivery_id
			WHERE d.campaign_id = $1 AND d.status = 'failed' ORDER BY e.delivery_id, e.attempt`, id)
		if err != nil {
			return fmt.Errorf("postgres: delivery errors: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var did mailing.DeliveryID
			var e mailing.AttemptError
			var at *time.Time
			if err := rows.Scan(&did, &e.Attempt, &at, &e.Error); err != nil {
				return err
			}
			e.At = utc(at)
			if i, ok := index[did]; ok {
				r.Failures[i].Errors = append(r.Failures[i].Errors, e)
			}
		}
		return rows.Err()
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
	tag, err := s.db.pool.Exec(ctx, `UPDATE mailing_deliveries SET status = 'cancelled', lease_until = NULL WHERE campaign_id = $1 AND status = 'pending'`, c)
	if err != nil {
		return 0, fmt.Errorf("postgres: cancel deliveries: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ClaimDeliveries implements mailing.Store. The due rows are locked with
// FOR UPDATE SKIP LOCKED and leased in one statement: a row another claim
// holds locked is skipped, not waited for, and one it leased and
// committed fails the recheck of lease_until.
func (s *MailingStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]mailing.Delivery, error) {
	var out []mailing.Delivery
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT d.id FROM mailing_deliveries d JOIN mailing_campaigns c ON c.id = d.campaign_id
				WHERE d.status = 'pending' AND d.next_attempt <= $2 AND (d.lease_until IS NULL OR d.lease_until <= $2) AND c.status NOT IN ('cancelled', 'paused')
				ORDER BY d.next_attempt, d.id LIMIT $3
				FOR UPDATE OF d SKIP LOCKED)
			UPDATE mailing_deliveries m SET lease_until = $1 FROM due WHERE m.id = due.id
			RETURNING m.`+deliveryColumns, nullTime(leaseUntil), nullTime(now), limit)
		if err != nil {
			return fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (mailing.Delivery, error) { return scanDelivery(r) })
		if err != nil {
			return fmt.Errorf("postgres: claim deliveries: %w", err)
		}
		var campaigns []int64
		for _, d := range out {
			if !slices.Contains(campaigns, int64(d.Campaign)) {
				campaigns = append(campaigns, int64(d.Campaign))
			}
		}
		// In id order, as every writer of campaign rows locks them.
		slices.Sort(campaigns)
		for _, id := range campaigns {
			queued := mailing.CampaignQueued
			if _, err := tx.Exec(ctx, `UPDATE mailing_campaigns SET status = $3, updated = $1 WHERE id = $2 AND status = $4`, nullTime(now), id, string(queued.Claimed()), string(queued)); err != nil {
				return fmt.Errorf("postgres: campaign sending: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no promised order.
	slices.SortFunc(out, func(a, b mailing.Delivery) int {
		if c := a.NextAttempt.Compare(b.NextAttempt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// FailPending implements mailing.Store.
func (s *MailingStore) FailPending(ctx context.Context, id mailing.SubscriberID, at time.Time, msg string) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `WITH failed AS (
				UPDATE mailing_deliveries SET status = 'failed', lease_until = NULL, last_error = $1
				WHERE subscriber_id = $2 AND status = 'pending' RETURNING id, attempts)
			INSERT INTO mailing_delivery_errors (delivery_id, attempt, at, error)
			SELECT id, attempts + 1, $3, $1 FROM failed
			ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, error = excluded.error`, msg, id, nullTime(at))
		if err != nil {
			return fmt.Errorf("postgres: fail pending deliveries: %w", err)
		}
		n = tag.RowsAffected()
		if n == 0 {
			return nil
		}
		return settleCampaigns(ctx, tx, 0, at)
	})
	return int(n), err
}

// FinishDelivery implements mailing.Store.
func (s *MailingStore) FinishDelivery(ctx context.Context, d mailing.Delivery, o mailing.Outcome) error {
	return s.FinishDeliveries(ctx, []mailing.Finish{{Delivery: d, Outcome: o}})[0]
}

// FinishDeliveries implements mailing.Store: one transaction (one flush
// of the WAL for the group), the rows in the order of their ids, then
// each campaign settled once (settleAfterFinish), in the order of their
// ids: a transaction waiting for a campaign's lock then holds locks only
// on campaigns of smaller ids, so two dispatchers' groups cannot wait for
// each other in a circle. A deadlock PostgreSQL still reports (with a
// transaction that updates the same rows otherwise, FailPending say)
// rolls the group back, which is then written again.
func (s *MailingStore) FinishDeliveries(ctx context.Context, fs []mailing.Finish) []error {
	errs := make([]error, len(fs))
	if len(fs) == 0 {
		return errs
	}
	var err error
	for range 3 {
		err = s.db.write(ctx, func(tx pgx.Tx) error {
			return mailing.WriteGroup(fs, errs,
				func(f mailing.Finish) (mailing.CampaignID, error) { return finishRow(ctx, tx, f.Delivery, f.Outcome) },
				func(c mailing.CampaignID, at time.Time) error { return settleAfterFinish(ctx, tx, c, at) })
		})
		if pgCode(err) != "40P01" {
			break
		}
	}
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return errs
}

// finishRow records the outcome o of the claim of d in tx and returns
// its campaign; settling the campaign is the caller's.
func finishRow(ctx context.Context, tx pgx.Tx, d mailing.Delivery, o mailing.Outcome) (mailing.CampaignID, error) {
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
	err := tx.QueryRow(ctx, `UPDATE mailing_deliveries SET
			status = $1, attempts = attempts + $2, lease_until = NULL, sent_at = $3,
			next_attempt = CASE WHEN $1 = 'pending' THEN $4 ELSE next_attempt END,
			last_error = CASE WHEN $5 <> '' THEN $5 ELSE last_error END
		WHERE id = $6 AND status = 'pending' AND lease_until = $7
		RETURNING campaign_id, attempts`,
		string(o.Status), attempted, nullTime(sent), nullTime(o.NextAttempt), o.Error, d.ID, nullTime(d.LeaseUntil)).Scan(&campaign, &attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM mailing_deliveries WHERE id = $1`, d.ID).Scan(&one); err != nil {
			return 0, missing(err, mailing.ErrDeliveryNotFound)
		}
		return 0, mailing.ErrNotHeld
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: finish delivery: %w", err)
	}
	if o.Error != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO mailing_delivery_errors (delivery_id, attempt, at, error) VALUES ($1, $2, $3, $4)
			ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, error = excluded.error`,
			d.ID, attempts, nullTime(o.At), o.Error); err != nil {
			return 0, fmt.Errorf("postgres: delivery error: %w", err)
		}
	}
	return campaign, nil
}

// settleAfterFinish marks campaign done, at now, if the delivery just
// finished in tx was its last pending one.
//
// Locking the campaign's row exclusively in every finish would make the
// finishes of a campaign wait for each other's commits, all dispatchers
// together. Instead a finish first takes a share lock on the row and
// looks for a pending delivery that no claim holds (lease_until NULL):
// that one still has to be claimed and finished, by a finish that looks
// later, so this one keeps its share lock and commits. Only a finish that
// finds every pending delivery leased (being sent, or being finished at
// this moment) gives its share lock back (the savepoint) and settles
// under the exclusive lock, which waits for the share holders' commits,
// so that the last one to settle sees every finish.
func settleAfterFinish(ctx context.Context, tx pgx.Tx, campaign mailing.CampaignID, now time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT settle`)
	b.Queue(`SELECT 1 FROM mailing_campaigns WHERE id = $1 FOR SHARE`, campaign)
	b.Queue(`SELECT EXISTS (SELECT 1 FROM mailing_deliveries WHERE campaign_id = $1 AND status = 'pending' AND lease_until IS NULL)`, campaign)
	br := tx.SendBatch(ctx, b)
	var unclaimed bool
	_, err1 := br.Exec()
	_, err2 := br.Exec()
	err3 := br.QueryRow().Scan(&unclaimed)
	if err := errors.Join(err1, err2, err3, br.Close()); err != nil {
		return fmt.Errorf("postgres: settle campaign: %w", err)
	}
	if unclaimed {
		_, err := tx.Exec(ctx, `RELEASE SAVEPOINT settle`)
		return err
	}
	if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT settle`); err != nil {
		return fmt.Errorf("postgres: settle campaign: %w", err)
	}
	return settleCampaigns(ctx, tx, campaign, now)
}

// DeliveryCounts implements mailing.Store.
func (s *MailingStore) DeliveryCounts(ctx context.Context) (map[mailing.DeliveryStatus]int, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT status, count(*) FROM mailing_deliveries GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("postgres: count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[mailing.DeliveryStatus]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("postgres: count deliveries: %w", err)
		}
		out[mailing.DeliveryStatus(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count deliveries: %w", err)
	}
	return out, nil
}
