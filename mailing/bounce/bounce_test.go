package bounce_test

import (
	"bytes"
	"context"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/bounce"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// The samples in testdata read as they say: the two *-unknown-user.eml
// are the notifications Debian's Postfix and Exim produced (see
// testdata/README.md); the others are written after the formats of
// RFC 3464 and RFC 5965 and of what Postfix, Exim and Gmail send.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []bounce.Report
		err  bool
	}{
		{file: "postfix-5.1.1.eml", want: []bounce.Report{{Kind: mailing.BounceHard, Recipient: "nobody@example.org", Status: "5.1.1",
			Detail: "smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table"}}},
		{file: "exim-5.0.0.eml", want: []bounce.Report{{Kind: mailing.BounceHard, Recipient: "lee@example.net", Status: "5.0.0",
			Detail: "smtp; 550 5.1.1 <lee@example.net>: Recipient address rejected: User unknown"}}},
		{file: "exim-delayed-4.0.0.eml", want: []bounce.Report{{Kind: mailing.BounceSoft, Recipient: "lee@example.net", Status: "4.0.0",
			Detail: "smtp; 452 4.2.2 <lee@example.net>: Mailbox full"}}},
		{file: "gmail-5.1.1.eml", want: []bounce.Report{{Kind: mailing.BounceHard, Recipient: "no.such.user@gmail.com", Status: "5.1.1",
			Detail: "smtp; The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-5c0a1b2c3d4si1234567a.123 - gsmtp"}}},
		{file: "postfix-unknown-user.eml", want: []bounce.Report{{Kind: mailing.BounceHard, Recipient: "no.such.user@hanok.test", Status: "5.1.1",
			Detail: `X-Postfix; unknown user: "no.such.user"`}}},
		{file: "exim-unknown-user.eml", want: []bounce.Report{{Kind: mailing.BounceHard, Recipient: "no.such.user@hanok.test", Status: "5.0.0"}}},
		{file: "arf-abuse.eml", want: []bounce.Report{{Kind: mailing.BounceComplaint, Recipient: "park@mail.example", Detail: "feedback-type: abuse"}}},
		{file: "postfix-relayed-2.0.0.eml", want: nil},
		{file: "malformed-plain-text.eml", err: true},
		{file: "malformed-truncated.eml", err: true},
	} {
		got, err := bounce.Parse(bytes.NewReader(sample(t, tc.file)))
		if tc.err {
			assert.ErrorIs(t, err, bounce.ErrNotAReport, tc.file)
			continue
		}
		require.NoError(t, err, tc.file)
		assert.Equal(t, tc.want, got, tc.file)
	}
	_, err := bounce.Parse(strings.NewReader("not a message"))
	assert.ErrorIs(t, err, bounce.ErrNotAReport)
}

var verp = mailing.VERP{Domain: "lists.hanok.example", Secret: []byte("0123456789abcdef-verp-secret")}

func TestVERP(t *testing.T) {
	a := verp.Address(12, 345)
	assert.Regexp(t, `^bounces\+c12s345-[0-9a-f]{20}@lists\.hanok\.example$`, a)
	c, s, ok := verp.Parse(a)
	assert.True(t, ok)
	assert.Equal(t, mailing.CampaignID(12), c)
	assert.Equal(t, mailing.SubscriberID(345), s)
	_, _, ok = verp.Parse(strings.ToUpper(a))
	assert.True(t, ok, "servers may change the case")
	other := mailing.VERP{Domain: verp.Domain, Secret: []byte("another secret of sixteen bytes")}
	for _, bad := range []string{
		other.Address(12, 345),                      // signed with another secret
		strings.Replace(a, "c12s345", "c12s346", 1), // another delivery, same mac
		strings.Replace(a, "lists.hanok.example", "hanok.example", 1),
		"bounces@lists.hanok.example", "bounces+c12s345@lists.hanok.example", "news@lists.hanok.example",
		"bounces+c0s1-" + strings.Repeat("0", 20) + "@lists.hanok.example", "",
	} {
		_, _, ok := verp.Parse(bad)
		assert.False(t, ok, bad)
	}
}

// stores are the stores the listener test runs on.
func stores(t *testing.T) map[string]func(t *testing.T) mailing.Store {
	return map[string]func(t *testing.T) mailing.Store{
		"memory": func(t *testing.T) mailing.Store { return memory.New().Mailing() },
		"sqlite": func(t *testing.T) mailing.Store {
			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db.Mailing()
		},
		"postgres": func(t *testing.T) mailing.Store {
			db, err := postgres.Open(context.Background(), pgtest.DSN(t))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db.Mailing()
		},
	}
}

// listen serves the bounce listener of svc on loopback.
func listen(t *testing.T, svc *mailing.Service) string {
	t.Helper()
	srv := bounce.NewServer(svc, verp, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// The samples, fed through the SMTP listener to the VERP addresses of
// one campaign's deliveries, move the subscribers: the hard bounces of
// Postfix, Exim and Gmail to bounced, the ARF report to unsubscribed,
// two soft bounces (the limit) to bounced. Malformed reports, reports of
// success, and reports to a forged VERP address change nothing. The
// campaign's report lists the bounces; a later campaign goes to the
// subscribers left active only.
func TestListener(t *testing.T) {
	for name, mk := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			clock := testkit.NewClock(time.Date(2026, 12, 2, 11, 30, 0, 0, time.UTC))
			svc, err := mailing.New(mk(t), mailing.Config{Now: clock.Now, SoftBounceLimit: 2, SoftBounceWindow: 7 * 24 * time.Hour})
			require.NoError(t, err)
			emails := []string{"nobody@example.org", "lee@example.net", "no.such.user@gmail.com", "park@mail.example", "soft@example.net", "fine@example.com"}
			ids := map[string]mailing.SubscriberID{}
			for _, e := range emails {
				sub, err := svc.Subscribe(ctx, e, "name")
				require.NoError(t, err)
				ids[e] = sub.ID
			}
			c, n, err := svc.CreateCampaign(ctx, mailing.Admin, "News", "Hello", "")
			require.NoError(t, err)
			require.Equal(t, len(emails), n)
			addr := listen(t, svc)
			// send sends a sample from the null sender, as reports come.
			send := func(to, file string) error {
				c, err := smtp.Dial(addr)
				require.NoError(t, err)
				defer c.Close()
				return c.SendMail("", []string{to}, bytes.NewReader(sample(t, file)))
			}
			status := func(email string) mailing.Subscriber {
				sub, err := svc.Subscriber(ctx, mailing.Admin, ids[email])
				require.NoError(t, err)
				return sub
			}
			to := func(email string) string { return verp.Address(c.ID, ids[email]) }

			// What changes nothing first.
			for _, file := range []string{"malformed-plain-text.eml", "malformed-truncated.eml", "postfix-relayed-2.0.0.eml"} {
				require.NoError(t, send(to("fine@example.com"), file), file)
			}
			forged := mailing.VERP{Domain: verp.Domain, Secret: []byte("not the list's secret, forged")}
			err = send(forged.Address(c.ID, ids["fine@example.com"]), "postfix-5.1.1.eml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "550")
			err = send("bounces@lists.hanok.example", "postfix-5.1.1.eml")
			require.Error(t, err)
			fine := status("fine@example.com")
			assert.Equal(t, mailing.SubscriberActive, fine.Status())
			assert.Zero(t, fine.SoftBounces)

			require.NoError(t, send(to("nobody@example.org"), "postfix-5.1.1.eml"))
			require.NoError(t, send(to("lee@example.net"), "exim-5.0.0.eml"))
			require.NoError(t, send(to("no.such.user@gmail.com"), "gmail-5.1.1.eml"))
			require.NoError(t, send(to("park@mail.example"), "arf-abuse.eml"))
			require.NoError(t, send(to("soft@example.net"), "exim-delayed-4.0.0.eml"))
			soft := status("soft@example.net")
			assert.Equal(t, mailing.SubscriberActive, soft.Status(), "one soft bounce of two")
			assert.Equal(t, 1, soft.SoftBounces)
			clock.Add(24 * time.Hour)
			require.NoError(t, send(to("soft@example.net"), "exim-delayed-4.0.0.eml"))

			for _, e := range []string{"nobody@example.org", "lee@example.net", "no.such.user@gmail.com", "soft@example.net"} {
				sub := status(e)
				assert.Equal(t, mailing.SubscriberBounced, sub.Status(), e)
				assert.False(t, sub.Subscribed, e)
			}
			assert.Equal(t, mailing.SubscriberUnsubscribed, status("park@mail.example").Status())
			assert.Equal(t, mailing.SubscriberActive, status("fine@example.com").Status())

			r, err := svc.CampaignReport(ctx, mailing.Admin, c.ID)
			require.NoError(t, err)
			assert.Equal(t, 5, r.Bounced)
			got := map[string]mailing.DeliveryBounce{}
			for _, d := range r.Bounces {
				got[d.Email] = d.Bounce
			}
			assert.Equal(t, mailing.BounceHard, got["nobody@example.org"].Kind)
			assert.Equal(t, "5.1.1", got["nobody@example.org"].Status)
			assert.Equal(t, "5.0.0", got["lee@example.net"].Status)
			assert.Equal(t, mailing.BounceComplaint, got["park@mail.example"].Kind)
			assert.Equal(t, mailing.BounceSoft, got["soft@example.net"].Kind)
			// The deliveries still pending for the dead addresses are
			// not sent; the next campaign goes to the active one only.
			assert.Equal(t, 1, r.Pending, "only fine@example.com is still to be sent")
			_, n, err = svc.CreateCampaign(ctx, mailing.Admin, "Later", "Hello again", "")
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		})
	}
}

// mtaVERP is the VERP the real notifications in testdata were produced
// with: the test's secret, the domain the MTAs delivered locally.
var mtaVERP = mailing.VERP{Domain: "hanok.test", Secret: verp.Secret}

// The notifications Postfix and Exim produced when a message sent from a
// VERP envelope sender reached an unknown local user, fed as they were
// delivered through the SMTP listener to the VERP address of a fresh
// delivery, mark that subscriber bounced (hard, with the MTA's status)
// and leave the other one active.
func TestListenerRealMTA(t *testing.T) {
	for _, tc := range []struct {
		file, envelope, status string
	}{
		// The header each MTA wrote the envelope recipient in.
		{file: "postfix-unknown-user.eml", envelope: "X-Original-To", status: "5.1.1"},
		{file: "exim-unknown-user.eml", envelope: "Envelope-To", status: "5.0.0"},
	} {
		msg, err := mail.ReadMessage(bytes.NewReader(sample(t, tc.file)))
		require.NoError(t, err, tc.file)
		// The MTA sent the notification to the VERP address hanok makes.
		_, _, ok := mtaVERP.Parse(msg.Header.Get(tc.envelope))
		require.True(t, ok, "%s: %s %q", tc.file, tc.envelope, msg.Header.Get(tc.envelope))
		require.Equal(t, msg.Header.Get(tc.envelope), msg.Header.Get("To"), tc.file)
		require.Equal(t, "<>", msg.Header.Get("Return-Path"), tc.file)

		for name, mk := range stores(t) {
			t.Run(tc.file+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				svc, err := mailing.New(mk(t), mailing.Config{})
				require.NoError(t, err)
				gone, err := svc.Subscribe(ctx, "no.such.user@hanok.test", "박지민")
				require.NoError(t, err)
				fine, err := svc.Subscribe(ctx, "fine@example.com", "name")
				require.NoError(t, err)
				c, n, err := svc.CreateCampaign(ctx, mailing.Admin, "News", "Hello", "")
				require.NoError(t, err)
				require.Equal(t, 2, n)

				cl, err := smtp.Dial(listen(t, svc))
				require.NoError(t, err)
				defer cl.Close()
				require.NoError(t, cl.SendMail("", []string{verp.Address(c.ID, gone.ID)}, bytes.NewReader(sample(t, tc.file))))

				sub, err := svc.Subscriber(ctx, mailing.Admin, gone.ID)
				require.NoError(t, err)
				assert.Equal(t, mailing.SubscriberBounced, sub.Status())
				assert.False(t, sub.Subscribed)
				sub, err = svc.Subscriber(ctx, mailing.Admin, fine.ID)
				require.NoError(t, err)
				assert.Equal(t, mailing.SubscriberActive, sub.Status())

				r, err := svc.CampaignReport(ctx, mailing.Admin, c.ID)
				require.NoError(t, err)
				require.Equal(t, 1, r.Bounced)
				require.Len(t, r.Bounces, 1)
				assert.Equal(t, "no.such.user@hanok.test", r.Bounces[0].Email)
				assert.Equal(t, mailing.BounceHard, r.Bounces[0].Bounce.Kind)
				assert.Equal(t, tc.status, r.Bounces[0].Bounce.Status)
			})
		}
	}
}
