package mailing_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

const (
	crashEnvDB   = "HANOK_MAILING_CRASH_DB"
	crashEnvSMTP = "HANOK_MAILING_CRASH_SMTP"
	crashWorkers = 4
	crashLease   = 30 * time.Second
)

// TestCrashChild is the process TestCrashResume kills: a dispatcher on
// the database file it is given, sending to the SMTP server it is given,
// until it is killed.
func TestCrashChild(t *testing.T) {
	path, addr := os.Getenv(crashEnvDB), os.Getenv(crashEnvSMTP)
	if path == "" {
		return // only as TestCrashResume's child process
	}
	db := openSQLite(t, path)
	d, err := mailing.NewDispatcher(db.Mailing(), mailing.DispatcherConfig{
		Routing: mailing.Routing{Default: smtpTransport(t, addr)}, Workers: crashWorkers, Lease: crashLease, SendTimeout: 10 * time.Second, Poll: time.Millisecond,
	})
	require.NoError(t, err)
	d.Run(context.Background()) // until killed
}

// A dispatcher process killed in the middle of a 1,000-message campaign
// loses nothing: a new dispatcher on the same SQLite file, once the dead
// one's leases have run out, sends the rest. Duplicates are at most the
// messages that were in flight when it died (one per worker).
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	db := openSQLite(t, path)
	svc := newService(t, db.Mailing())
	emails := subscribeAll(t, svc, 1000, "example.com", "example.org", "example.net")
	c, _, err := svc.CreateCampaign(context.Background(), mailing.Admin, "crash", "body", "")
	require.NoError(t, err)

	srv := newSMTPServer(t, nil)
	var once sync.Once
	halfway := make(chan struct{})
	srv.setOnMessage(func(n int) {
		if n >= 300 {
			once.Do(func() { close(halfway) })
		}
	})
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvSMTP+"="+srv.Addr)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-halfway:
	case err := <-exited:
		t.Fatalf("child exited before being killed: %v", err)
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the child sent too little")
	}
	require.NoError(t, cmd.Process.Kill())
	<-exited
	before := srv.count()
	r, _ := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
	t.Logf("killed after %d messages; %d marked sent, %d pending", before, r.Sent, r.Pending)
	require.Positive(t, r.Pending, "the campaign finished before the kill; nothing was tested")

	// The new dispatcher's clock is past the dead one's leases.
	later := func() time.Time { return time.Now().Add(crashLease + time.Minute) }
	r = sendAll(t, svc, mailing.DispatcherConfig{Routing: mailing.Routing{Default: smtpTransport(t, srv.Addr)}, Now: later, Workers: crashWorkers}, c.ID)
	require.Equal(t, 1000, r.Sent, "after resuming")
	require.Zero(t, r.Failed, "after resuming")
	msgs, byID, _ := srv.snapshot()
	got := map[string]int{}
	for _, m := range msgs {
		got[m.To[0]]++
	}
	missing := 0
	for _, e := range emails {
		if got[e] == 0 {
			missing++
		}
	}
	assert.Zero(t, missing, "recipients who never received the message")
	dups := len(msgs) - 1000
	t.Logf("%d messages for 1000 recipients: %d duplicates", len(msgs), dups)
	assert.LessOrEqual(t, dups, crashWorkers, "duplicates: at most the sends that can be in flight")
	for id, n := range byID {
		if n > 1 {
			t.Logf("duplicate recognisable by its Message-ID: %s (%d times)", id, n)
		}
	}
}
