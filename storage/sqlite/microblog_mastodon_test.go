package sqlite

import (
	"testing"

	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/microblog/microblogtest"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMicroblogRelations(t *testing.T) {
	microblogtest.RunRelationsTests(t, func(t testing.TB) storetest.Harness[microblog.Store] {
		db := openTestDB(t)
		return storetest.Harness[microblog.Store]{Store: db.Microblog(), Users: authtest.Users(db.Auth())}
	})
}
