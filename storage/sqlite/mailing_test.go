package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth/authtest"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/mailingtest"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMailingStore(t *testing.T) {
	mailingtest.RunStoreTests(t, func(t testing.TB) storetest.Harness[mailing.Store] {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "mailing.db"))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return storetest.Harness[mailing.Store]{Store: db.Mailing(), Users: authtest.Users(db.Auth())}
	})
}

// Migration 0009 spells "no time" NULL in the deliveries' lease_until and
// sent_at, which spelt it 0, and keeps every other time.
func TestMailingTimesMigration(t *testing.T) {
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	require.NoError(t, err)
	t.Cleanup(func() { raw.Close() })
	exec := func(file string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("migrations", file))
		require.NoError(t, err)
		_, err = raw.Exec(string(b))
		require.NoError(t, err, file)
	}
	exec("0007_mailing.sql")
	const ns = 1772355600123456789
	_, err = raw.Exec(`INSERT INTO mailing_subscribers VALUES (1, 'a@example.com', 'a@example.com', 'A', 1, 't', ?, ?), (2, 'b@example.com', 'b@example.com', 'B', 1, 'u', ?, ?);
		INSERT INTO mailing_campaigns VALUES (1, 's', 't', '', 'sending', ?, ?);
		INSERT INTO mailing_deliveries (id, campaign_id, subscriber_id, email, token, status, next_attempt, lease_until, sent_at)
		VALUES (1, 1, 1, 'a@example.com', 't', 'pending', ?, 0, 0), (2, 1, 2, 'b@example.com', 'u', 'sent', ?, ?, ?)`, ns, ns, ns, ns, ns, ns, ns, ns, ns, ns)
	require.NoError(t, err)
	exec("0009_mailing_times.sql")
	var lease, sent, next sql.NullInt64
	require.NoError(t, raw.QueryRow(`SELECT lease_until, sent_at, next_attempt FROM mailing_deliveries WHERE id = 1`).Scan(&lease, &sent, &next))
	assert.False(t, lease.Valid, "0 became NULL")
	assert.False(t, sent.Valid, "0 became NULL")
	assert.Equal(t, sql.NullInt64{Int64: ns, Valid: true}, next)
	require.NoError(t, raw.QueryRow(`SELECT lease_until, sent_at FROM mailing_deliveries WHERE id = 2`).Scan(&lease, &sent))
	assert.Equal(t, sql.NullInt64{Int64: ns, Valid: true}, lease)
	assert.Equal(t, sql.NullInt64{Int64: ns, Valid: true}, sent)
}
