package auth_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
)

func TestFoldKey(t *testing.T) {
	for _, same := range [][2]string{
		{"jose\u0301", "josé"},
		{"ａdmin", "admin"},
		{"ADMIN", "admin"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευς"},
		{"ſam", "SAM"},
		{"Bob@Example.com", "bob@example.com"},
		{"with space", "WITH SPACE"}, // refused by PRECIS: only folded
	} {
		assert.Equal(t, auth.FoldKey(same[1]), auth.FoldKey(same[0]), "%q and %q", same[0], same[1])
	}
	assert.NotEqual(t, auth.FoldKey("admin"), auth.FoldKey("\u0430dmin"), "Cyrillic а")
}

func TestCheckScripts(t *testing.T) {
	for _, ok := range []string{"admin", "김민수", "김minsu", "田中たろうtaro", "タナカ田中", "王ㄅㄆmei", "Ωμέγα", "иван", "user_1.2", "12345", "иван@example.com", "e\u0301"} {
		assert.True(t, auth.CheckScripts(ok), ok)
	}
	for _, bad := range []string{"\u0430dmin", "adminα", "иванα", "김たろう", "김ㄅ", "ㄅたろう", "taro@пример.com" + "x"} {
		assert.False(t, auth.CheckScripts(bad), bad)
	}
}

func TestPrepareUsername(t *testing.T) {
	for in, want := range map[string]string{"jose\u0301": "josé", "ＫＩＭ２": "KIM2", "김minsu": "김minsu", "Kim@Example.com": "Kim@Example.com"} {
		got, err := auth.PrepareUsername(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, want := range map[string]error{
		"\u0430dmin": auth.ErrUsernameScripts,
		"a b":        auth.ErrUsernameClass,
		"a😀":         auth.ErrUsernameClass,
		"a\u200db":   auth.ErrUsernameClass,
	} {
		_, err := auth.PrepareUsername(in)
		assert.ErrorIs(t, err, want, in)
	}
}
