package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestPG","Output":"    x_test.go:1: PostgreSQL tests skipped: set HANOK_TEST_POSTGRES\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestPG"}`,
		`{"Action":"output","Package":"p","Test":"TestUI","Output":"no Chromium installed\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestUI"}`,
		`{"Action":"output","Package":"p","Test":"TestData","Output":"the real trials records are missing\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestData"}`,
		`{"Action":"output","Package":"p","Test":"TestBad","Output":"boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestBad"}`,
		`{"Action":"skip","Package":"q"}`,
	}, "\n")
	rep, err := check(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, 1, rep.passed)
	assert.Equal(t, 2, rep.allowedSkips)
	assert.Equal(t, []string{"p TestData: the real trials records are missing"}, rep.badSkips)
	require.Len(t, rep.failed, 1)
	assert.Contains(t, rep.failed[0], "boom")
}
