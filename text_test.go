package hanok_test

import (
	"encoding/json"
	"testing"

	"github.com/hanok-dev/hanok"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckText(t *testing.T) {
	// What a JSON decoder makes of a lone surrogate or an invalid byte.
	var surrogate, badByte string
	require.NoError(t, json.Unmarshal([]byte(`"x\ud800y"`), &surrogate))
	require.NoError(t, json.Unmarshal([]byte("\"x\xc3\x28y\""), &badByte))
	line := hanok.TextRule{Min: 1, Max: 5}
	multi := hanok.TextRule{Max: 10, Multiline: true}
	cases := []struct {
		name string
		s    string
		rule hanok.TextRule
		want string // "" for valid, else a part of the reason
	}{
		{"plain", "hello", line, ""},
		{"hangul counted as characters", "안녕하세요", line, ""},
		{"too long", "안녕하세요!", line, "at most 5 characters"},
		{"required", "", line, "is required"},
		{"optional empty", "", multi, ""},
		{"too short", "ab", hanok.TextRule{Min: 3}, "at least 3 characters"},
		{"raw invalid byte", "x\xc3\x28y", line, "valid UTF-8"},
		{"JSON lone surrogate", surrogate, line, "U+FFFD"},
		{"JSON invalid byte", badByte, line, "U+FFFD"},
		{"newline on one line", "a\nb", line, "single line"},
		{"tab on one line", "a\tb", line, "single line"},
		{"newline where allowed", "a\r\nb\tc", multi, ""},
		{"NUL", "a\x00b", multi, "control characters (found U+0000)"},
		{"DEL", "a\x7fb", multi, "control characters"},
		{"C1 control", "a\u0085b", multi, "control characters"},
		{"zero-width joiner", "a\u200db", multi, "invisible format characters (found U+200D)"},
		{"right-to-left override", "a\u202eb", multi, "invisible format characters"},
		{"byte order mark", "\ufeffab", multi, "invisible format characters"},
		{"emoji", "🚗", line, ""},
	}
	for _, c := range cases {
		err := hanok.CheckText("subject", c.s, c.rule)
		if c.want == "" {
			assert.NoError(t, err, c.name)
			continue
		}
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), c.name)
		assert.Contains(t, hanok.MessageOf(err), c.want, c.name)
		assert.NotEmpty(t, hanok.FieldsOf(err)["subject"], c.name)
	}
}

// Fold is one fold for every key: case, and the letters with two lower
// cases.
func TestFold(t *testing.T) {
	assert.Equal(t, "alice", hanok.Fold("ALICE"))
	assert.Equal(t, hanok.Fold("ΟΔΟΣ"), hanok.Fold("οδος"))
	assert.Equal(t, hanok.Fold("οδοσ"), hanok.Fold("οδος"), "final sigma folds with sigma")
	assert.Equal(t, hanok.Fold("ſ"), hanok.Fold("s"), "long s folds with s")
	assert.Equal(t, "김민수", hanok.Fold("김민수"))
}

func TestActorCheck(t *testing.T) {
	if err := (hanok.Actor{}).Check(); hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("zero actor: %v", err)
	}
	a := hanok.Actor{ID: 3}
	if err := a.Check(); err != nil || !a.Is(3) || a.Is(4) || (hanok.Actor{}).Is(0) {
		t.Fatalf("actor 3: %v", err)
	}
}

// A field error's text says its reason once.
func TestFieldErrorSaysItOnce(t *testing.T) {
	err := hanok.FieldError("password", "must be at least 8 characters")
	if got, want := err.Error(), "invalid: password: must be at least 8 characters"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	noMsg := &hanok.Error{Code: hanok.Invalid, Fields: map[string]string{"b": "bad", "a": "worse"}}
	if got, want := noMsg.Error(), "invalid: a: worse; b: bad"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
