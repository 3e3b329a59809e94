package postgres_test

import (
	"testing"

	"github.com/hanok-dev/hanok/microblog/microblogtest"
)

func TestMicroblogRelations(t *testing.T) { microblogtest.RunRelationsTests(t, microblogHarness) }
