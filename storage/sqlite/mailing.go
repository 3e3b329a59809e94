package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// MailingStore is the mailing.Store of a DB. Its claims are exact: they
// run on the single writer connection, so no two claims overlap.
type MailingStore struct{ db *DB }

var _ mailing.Store = (*MailingStore)(nil)

// Mailing returns the database's mailing store.
func (db *DB) Mailing() *MailingStore { return &MailingStore{db: db} }

// mailingNanos is t in unix nanoseconds, 0 for the zero time.
func mailingNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// mailingTime is the inverse of mailingNanos.
func mailingTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// missing is miss when err is a missing row, err otherwise.
func missing(err, miss error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return miss
	}
	return err
}

const subscriberColumns = `id, email, name, subscribed, token, created, updated`

func scanSubscriber(sc scanner) (mailing.Subscriber, error) {
	var s mailing.Subscriber
	var created, updated int64
	err := sc.Scan(&s.ID, &s.Email, &s.Name, &s.Subscribed, &s.Token, &created, &updated)
	s.Created, s.Updated = mailingTime(created), mailingTime(updated)
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
	return s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mailing_subscribers (email, email_key, name, subscribed, token, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sub.Email, mailing.EmailKey(sub.Email), sub.Name, sub.Subscribed, sub.Token, mailingNanos(sub.Created), mailingNanos(sub.Updated))
		if isUnique(err) {
			return mailing.ErrEmailTaken
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		sub, err := s.subscriberWhere(ctx, tx, "id = ?", id)
		if err != nil {
			return err
		}
		if err := fn(&sub); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE mailing_subscribers SET name = ?, subscribed = ?, token = ?, updated = ? WHERE id = ?`,
			sub.Name, sub.Subscribed, sub.Token, mailingNanos(sub.Updated), id)
		if isUnique(err) {
			return mailing.ErrTokenTaken
		}
		if err != nil {
			return fmt.Errorf("sqlite: update subscriber: %w", err)
		}
		out, err = s.subscriberWhere(ctx, tx, "id = ?", id)
		return err
	})
	return out, err
}

// Subscribers implements mailing.Store.
func (s *MailingStore) Subscribers(ctx context.Context) ([]mailing.Subscriber, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM mailing_subscribers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: subscribers: %w", err)
	}
	defer rows.Close()
	out := []mailing.Subscriber{}
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// settleCampaigns marks done every queued or sending campaign without a
// pending delivery (of campaign id, or of every campaign when id is 0).
func settleCampaigns(ctx context.Context, tx *sql.Tx, id mailing.CampaignID, now time.Time) error {
	q := `UPDATE mailing_campaigns SET status = 'done', updated = CASE WHEN ? = 0 THEN updated ELSE ? END
		WHERE status IN ('queued', 'sending') AND NOT EXISTS (
			SELECT 1 FROM mailing_deliveries d WHERE d.campaign_id = mailing_campaigns.id AND d.status = 'pending')`
	args := []any{mailingNanos(now), mailingNanos(now)}
	if id != 0 {
		q += ` AND id = ?`
		args = append(args, id)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("sqlite: settle campaigns: %w", err)
	}
	return nil
}

// DeleteSubscriber implements mailing.Store.
func (s *MailingStore) DeleteSubscriber(ctx context.Context, id mailing.SubscriberID) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mailing_subscribers`)
		if err != nil {
			return fmt.Errorf("sqlite: delete subscribers: %w", err)
		}
		n, _ = res.RowsAffected()
		return settleCampaigns(ctx, tx, 0, time.Time{})
	})
	return int(n), err
}

const campaignColumns = `id, subject, text_body, html_body, status, created, updated`

func scanCampaign(sc scanner) (mailing.Campaign, error) {
	var c mailing.Campaign
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Subject, &c.Text, &c.HTML, &c.Status, &created, &updated)
	c.Created, c.Updated = mailingTime(created), mailingTime(updated)
	return c, missing(err, mailing.ErrCampaignNotFound)
}

// CreateCampaign implements mailing.Store.
func (s *MailingStore) CreateCampaign(ctx context.Context, c *mailing.Campaign) (int, error) {
	var n int64
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mailing_campaigns (subject, text_body, html_body, status, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
			c.Subject, c.Text, c.HTML, c.Status, mailingNanos(c.Created), mailingNanos(c.Updated))
		if err != nil {
			return fmt.Errorf("sqlite: insert campaign: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO mailing_deliveries (campaign_id, subscriber_id, email, token, status, next_attempt)
			SELECT ?, id, email, token, 'pending', ? FROM mailing_subscribers WHERE subscribed ORDER BY id`, id, mailingNanos(c.Created))
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
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		c, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailing_campaigns SET status = ?, updated = ? WHERE id = ?`, c.Status, mailingNanos(c.Updated), id); err != nil {
			return fmt.Errorf("sqlite: update campaign: %w", err)
		}
		out, err = scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM mailing_campaigns WHERE id = ?`, id))
		return err
	})
	return out, err
}

const deliveryColumns = `id, campaign_id, subscriber_id, email, token, status, attempts, next_attempt, lease_until, last_error, sent_at`

func scanDelivery(sc scanner) (mailing.Delivery, error) {
	var d mailing.Delivery
	var next, lease, sent int64
	err := sc.Scan(&d.ID, &d.Campaign, &d.Subscriber, &d.Email, &d.Token, &d.Status, &d.Attempts, &next, &lease, &d.LastError, &sent)
	d.NextAttempt, d.LeaseUntil, d.Sent = mailingTime(next), mailingTime(lease), mailingTime(sent)
	return d, err
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
		if err != nil {
			return fmt.Errorf("sqlite: count deliveries: %w", err)
		}
		for rows.Next() {
			var st mailing.DeliveryStatus
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				rows.Close()
				return err
			}
			switch st {
			case mailing.DeliveryPending:
				r.Pending = n
			case mailing.DeliverySent:
				r.Sent = n
			case mailing.DeliveryFailed:
				r.Failed = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if r.Failed == 0 {
			return nil
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM mailing_deliveries WHERE campaign_id = ? AND status = 'failed' ORDER BY id`, id)
		if err != nil {
			return fmt.Errorf("sqlite: failed deliveries: %w", err)
		}
		index := map[mailing.DeliveryID]int{}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return err
			}
			index[d.ID] = len(r.Failures)
			r.Failures = append(r.Failures, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT e.delivery_id, e.attempt, e.at, e.error FROM mailing_delivery_errors e
			JOIN mailing_deliveries d ON d.id = e.delivery_id
			WHERE d.campaign_id = ? AND d.status = 'failed' ORDER BY e.delivery_id, e.attempt`, id)
		if err != nil {
			return fmt.Errorf("sqlite: delivery errors: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var did mailing.DeliveryID
			var e mailing.AttemptError
			var at int64
			if err := rows.Scan(&did, &e.Attempt, &at, &e.Error); err != nil {
				return err
			}
			e.At = mailingTime(at)
			if i, ok := index[did]; ok {
				r.Failures[i].Errors = append(r.Failures[i].Errors, e)
			}
		}
		return rows.Err()
	})
	return r, err
}

// ClaimDeliveries implements mailing.Store.
func (s *MailingStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]mailing.Delivery, error) {
	var out []mailing.Delivery
	err := s.db.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE mailing_deliveries SET lease_until = ?
			WHERE id IN (
				SELECT d.id FROM mailing_deliveries d JOIN mailing_campaigns c ON c.id = d.campaign_id
				WHERE d.status = 'pending' AND d.next_attempt <= ? AND d.lease_until <= ? AND c.status <> 'cancelled'
				ORDER BY d.next_attempt, d.id LIMIT ?)
			RETURNING `+deliveryColumns, mailingNanos(leaseUntil), mailingNanos(now), mailingNanos(now), limit)
		if err != nil {
			return fmt.Errorf("sqlite: claim deliveries: %w", err)
		}
		campaigns := map[mailing.CampaignID]bool{}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return err
			}
			campaigns[d.Campaign] = true
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for id := range campaigns {
			queued := mailing.CampaignQueued
			if _, err := tx.ExecContext(ctx, `UPDATE mailing_campaigns SET status = ?, updated = ? WHERE id = ? AND status = ?`, queued.Claimed(), mailingNanos(now), id, queued); err != nil {
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
		rows, err := tx.QueryContext(ctx, `UPDATE mailing_deliveries SET status = 'failed', lease_until = 0, last_error = ?
			WHERE subscriber_id = ? AND status = 'pending' RETURNING id, attempts`, msg, id)
		if err != nil {
			return fmt.Errorf("sqlite: fail pending deliveries: %w", err)
		}
		type failed struct {
			id       mailing.DeliveryID
			attempts int
		}
		var fs []failed
		for rows.Next() {
			var f failed
			if err := rows.Scan(&f.id, &f.attempts); err != nil {
				rows.Close()
				return err
			}
			fs = append(fs, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range fs {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO mailing_delivery_errors (delivery_id, attempt, at, error) VALUES (?, ?, ?, ?)`,
				f.id, f.attempts+1, mailingNanos(at), msg); err != nil {
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
	return s.db.write(ctx, func(tx *sql.Tx) error {
		attempted := 0
		if o.Attempted {
			attempted = 1
		}
		var sent int64
		if o.Status == mailing.DeliverySent {
			sent = mailingNanos(o.At)
		}
		var campaign mailing.CampaignID
		var attempts int
		err := tx.QueryRowContext(ctx, `UPDATE mailing_deliveries SET
				status = ?, attempts = attempts + ?, lease_until = 0, sent_at = ?,
				next_attempt = CASE WHEN ? = 'pending' THEN ? ELSE next_attempt END,
				last_error = CASE WHEN ? <> '' THEN ? ELSE last_error END
			WHERE id = ? AND status = 'pending' AND lease_until = ? AND lease_until <> 0
			RETURNING campaign_id, attempts`,
			o.Status, attempted, sent, o.Status, mailingNanos(o.NextAttempt), o.Error, o.Error, d.ID, mailingNanos(d.LeaseUntil)).Scan(&campaign, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM mailing_deliveries WHERE id = ?`, d.ID).Scan(&one); err != nil {
				return missing(err, mailing.ErrDeliveryNotFound)
			}
			return mailing.ErrNotHeld
		}
		if err != nil {
			return fmt.Errorf("sqlite: finish delivery: %w", err)
		}
		if o.Error != "" {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO mailing_delivery_errors (delivery_id, attempt, at, error) VALUES (?, ?, ?, ?)`,
				d.ID, attempts, mailingNanos(o.At), o.Error); err != nil {
				return fmt.Errorf("sqlite: delivery error: %w", err)
			}
		}
		if o.Status != mailing.DeliveryPending {
			return settleCampaigns(ctx, tx, campaign, o.At)
		}
		return nil
	})
}

// DeliveryCounts implements mailing.Store. It walks the (campaign, status)
// index, not the table.
func (s *MailingStore) DeliveryCounts(ctx context.Context) (map[mailing.DeliveryStatus]int, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT status, count(*) FROM mailing_deliveries INDEXED BY mailing_deliveries_campaign GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[mailing.DeliveryStatus]int{}
	for rows.Next() {
		var st mailing.DeliveryStatus
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("sqlite: count deliveries: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count deliveries: %w", err)
	}
	return out, nil
}
