package system_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
)

// The services' hooks show in /metrics as sends by result and sync runs
// by outcome, with the last sync's counts.
func TestServiceMetrics(t *testing.T) {
	reg := system.NewRegistry()
	m := system.NewServiceMetrics(reg)
	m.MailOutcome(mailing.Outcome{Status: mailing.DeliverySent, Attempted: true})
	m.MailOutcome(mailing.Outcome{Status: mailing.DeliverySent, Attempted: true})
	m.MailOutcome(mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true})
	m.MailOutcome(mailing.Outcome{Status: mailing.DeliveryFailed, Attempted: true})
	m.MailOutcome(mailing.Outcome{Status: mailing.DeliveryPending}) // a release: no attempt
	m.TrialsRun(trials.Run{Total: 145, Inserted: 145})
	db := memory.New()
	mail, err := mailing.New(db.Mailing(), mailing.Config{})
	require.NoError(t, err)
	_, err = mail.Subscribe(context.Background(), "a@example.com", "A")
	require.NoError(t, err)
	_, _, err = mail.CreateCampaign(context.Background(), mailing.Admin, "s", "c", "")
	require.NoError(t, err)
	m.WatchOutbox(reg, mail)
	m.TrialsRun(trials.Run{Error: "upstream page 1: 500"})
	srv := httptest.NewServer(system.MetricsHandler(reg))
	defer srv.Close()
	got := scrape(t, srv.URL)
	for _, c := range []struct {
		name  string
		want  map[string]string
		value string
	}{
		{"hanok_mailing_sends_total", map[string]string{"result": "sent"}, "2"},
		{"hanok_mailing_sends_total", map[string]string{"result": "retry"}, "1"},
		{"hanok_mailing_sends_total", map[string]string{"result": "failed"}, "1"},
		{"hanok_trials_sync_runs_total", map[string]string{"outcome": "done"}, "1"},
		{"hanok_trials_sync_runs_total", map[string]string{"outcome": "failed"}, "1"},
		{"hanok_trials_sync_last_records", map[string]string{"kind": "inserted"}, "145"},
		{"hanok_mailing_outbox", map[string]string{"status": "pending"}, "1"},
		{"hanok_mailing_outbox", map[string]string{"status": "sent"}, "0"},
		{"hanok_mailing_outbox", map[string]string{"status": "cancelled"}, "0"},
	} {
		s := find(got[c.name], c.want)
		if assert.NotNil(t, s, "%s%v: no sample", c.name, c.want) {
			assert.Equal(t, c.value, s["value"], "%s%v: value", c.name, c.want)
		}
	}
}
