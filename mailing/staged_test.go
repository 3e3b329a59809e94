package mailing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// A message the SMTP transport has staged is delivered by Commit only: an
// aborted one never reaches the server's mailbox, and the next message
// goes out over a new connection.
func TestSMTPStagedCommitAndAbort(t *testing.T) {
	srv := newSMTPServer(t, nil)
	tr := smtpTransport(t, srv.Addr)
	var st mailing.StagedTransport = tr
	ctx := context.Background()
	msg := func(to string) mailing.Message {
		return mailing.Message{MessageID: to + ".id@localhost", From: "news@example.com", To: to, Subject: "s", Text: "t\n", CampaignCreated: time.Now()}
	}

	dropped, err := st.Stage(ctx, msg("dropped@example.com"))
	require.NoError(t, err)
	dropped.Abort()

	kept, err := st.Stage(ctx, msg("kept@example.com"))
	require.NoError(t, err)
	require.NoError(t, kept.Commit())
	require.NoError(t, tr.Send(ctx, msg("sent@example.com")))

	msgs, _, _ := srv.snapshot()
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	assert.Equal(t, []string{"kept@example.com", "sent@example.com"}, to)
	assert.Equal(t, 2, srv.connections(), "one connection for the aborted message, one kept for the two others")
}
