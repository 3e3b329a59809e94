package mailing_test

import (
	"context"
	"mime"
	"net/mail"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
)

// A campaign through a relay that requires STARTTLS and then AUTH (PLAIN
// or LOGIN, whichever it offers) arrives with the configured From,
// Reply-To and envelope sender, the Korean subject whole, the
// subscriber's name in To, and the public unsubscribe link.
func TestSMTPAuthStartTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			srv := newSMTPServerAuth(t, nil, serverTLS, &smtpAuth{user: "relay-user", password: "s3cret pass", mechs: []string{mech}})
			svc := newService(t, memory.New().Mailing())
			ctx := context.Background()
			_, err := svc.Subscribe(ctx, "kim@example.org", "김철수")
			require.NoError(t, err)
			tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.Addr, Username: "relay-user", Password: "s3cret pass",
				TLS: transport.TLSMandatory, TLSConfig: clientTLS, Timeout: 5 * time.Second})
			require.NoError(t, err)
			t.Cleanup(func() { tr.Close() })
			subject := "한옥 소식: 12월의 행사 안내와 겨울 방학 특별 프로그램 신청 방법을 알려 드립니다"
			c, _, err := svc.CreateCampaign(ctx, mailing.Admin, subject, "안녕하세요.", "")
			require.NoError(t, err)
			r := sendAll(t, svc, mailing.DispatcherConfig{
				Routing: mailing.Routing{Default: tr}, From: "한옥 소식 <news@hanok.example>", ReplyTo: "help@hanok.example",
				ReturnPath: "bounces@hanok.example", PublicURL: "https://hanok.example/mailing", MaxAttempts: 1,
			}, c.ID)
			require.Equal(t, 1, r.Sent, "failures: %+v", r.Failures)
			msgs, _, _ := srv.snapshot()
			require.Len(t, msgs, 1)
			m := msgs[0]
			assert.True(t, m.TLS, "sent over TLS")
			assert.Equal(t, "relay-user", m.User)
			assert.Equal(t, mech, m.Mech)
			assert.Equal(t, "bounces@hanok.example", m.From, "envelope sender")
			assert.Equal(t, []string{"kim@example.org"}, m.To)
			got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			require.NoError(t, err)
			assert.Equal(t, subject, got)
			to, err := m.Header.AddressList("To")
			require.NoError(t, err)
			assert.Equal(t, []*mail.Address{{Name: "김철수", Address: "kim@example.org"}}, to)
			from, err := m.Header.AddressList("From")
			require.NoError(t, err)
			assert.Equal(t, []*mail.Address{{Name: "한옥 소식", Address: "news@hanok.example"}}, from)
			assert.Equal(t, "<help@hanok.example>", m.Header.Get("Reply-To"))
			assert.Regexp(t, `^<https://hanok\.example/mailing/unsubscribe/[0-9a-f-]{36}>$`, m.Header.Get("List-Unsubscribe"))
		})
	}
}

// A wrong password is refused by the relay: nothing is sent, and the
// delivery is pending with the error in the report.
func TestSMTPAuthRefused(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := newSMTPServerAuth(t, nil, serverTLS, &smtpAuth{user: "u", password: "right", mechs: []string{"PLAIN"}})
	tr, err := transport.NewSMTP(transport.SMTPConfig{Addr: srv.Addr, Username: "u", Password: "wrong", TLS: transport.TLSMandatory, TLSConfig: clientTLS, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer tr.Close()
	err = tr.Send(context.Background(), mailing.Message{MessageID: "x@localhost", From: "a@hanok.example", To: "b@example.com", Subject: "s", Text: "t"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "535")
	assert.NotContains(t, err.Error(), "wrong", "the password never reaches an error")
	assert.Zero(t, srv.count())
}

// The dispatcher refuses a From, Reply-To or return path it cannot use.
func TestDispatcherSenderChecked(t *testing.T) {
	store := memory.New().Mailing()
	none := transportFunc(func(context.Context, mailing.Message) error { return nil })
	for _, cfg := range []mailing.DispatcherConfig{
		{From: "not an address"},
		{From: "news@hanok.example", ReplyTo: "@@"},
		{From: "news@hanok.example", ReturnPath: "Bounces <b@hanok.example>"},
		{From: "news@hanok.example", ReturnPath: "b"},
	} {
		cfg.Routing = mailing.Routing{Default: none}
		_, err := mailing.NewDispatcher(store, cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	_, err := mailing.NewDispatcher(store, mailing.DispatcherConfig{Routing: mailing.Routing{Default: none},
		From: "\"한옥\" <news@hanok.example>", ReplyTo: "Help <help@hanok.example>", ReturnPath: "b@hanok.example"})
	assert.NoError(t, err)
}

// With VERP, each message's envelope sender is its delivery's VERP
// address, which the VERP reads back to the delivery.
func TestDispatcherVERP(t *testing.T) {
	srv := newSMTPServer(t, nil)
	svc := newService(t, memory.New().Mailing())
	ctx := context.Background()
	sub, err := svc.Subscribe(ctx, "kim@example.org", "Kim")
	require.NoError(t, err)
	c, _, err := svc.CreateCampaign(ctx, mailing.Admin, "s", "t", "")
	require.NoError(t, err)
	verp := &mailing.VERP{Domain: "lists.hanok.example", Secret: []byte("0123456789abcdef0123")}
	r := sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)},
		From: "news@hanok.example", ReturnPath: "ignored@hanok.example", VERP: verp}, c.ID)
	require.Equal(t, 1, r.Sent)
	msgs, _, _ := srv.snapshot()
	require.Len(t, msgs, 1)
	assert.Equal(t, verp.Address(c.ID, sub.ID), msgs[0].From)
	gotC, gotS, ok := verp.Parse(msgs[0].From)
	assert.True(t, ok)
	assert.Equal(t, c.ID, gotC)
	assert.Equal(t, sub.ID, gotS)
	_, err = mailing.NewDispatcher(svc.Store(), mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)},
		VERP: &mailing.VERP{Domain: "lists.hanok.example", Secret: []byte("short")}})
	assert.Error(t, err, "a short VERP secret")
}
