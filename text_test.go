package hanok_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
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
		{"right-to-left override", "a\u202eb", multi, "direction overrides or isolates; found U+202E)"},
		{"left-to-right embedding", "a\u202ab", multi, "direction overrides"},
		{"first strong isolate", "a\u2068b\u2069", multi, "direction overrides"},
		{"pop directional isolate", "ab\u2069", multi, "direction overrides"},
		{"byte order mark", "\ufeffab", multi, "invisible format characters (found U+FEFF)"},
		{"zero-width space", "a\u200bb", multi, "invisible format characters (found U+200B)"},
		{"word joiner", "a\u2060b", multi, "invisible format characters (found U+2060)"},
		{"right-to-left mark", "a\u200fb", multi, "invisible format characters"},
		{"soft hyphen", "a\u00adb", multi, "invisible format characters"},
		{"emoji", "🚗", line, ""},
		// Emoji and scripts whose format characters are text.
		{"family (ZWJ sequence)", "👨\u200d👩\u200d👧", line, ""},
		{"ZWNJ in Persian", "می\u200cخواهم", multi, ""},
		{"ZWJ at the start", "\u200da", multi, "joiner (U+200D)"},
		{"ZWJ at the end", "a\u200d", multi, "joiner (U+200D)"},
		{"two joiners", "a\u200d\u200db", multi, "joiner"},
		{"ZWNJ before a space", "a\u200c b", multi, "joiner (U+200C)"},
		{"flag (regional indicators)", "🇰🇷", line, ""},
		{"keycap", "1\ufe0f\u20e3", line, ""},
		{"text presentation selector", "☺\ufe0e", line, ""},
		{"ideographic variation selector", "葛\U000E0100", line, ""},
		{"tag sequence flag (Scotland)", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", multi, ""},
		{"tags without their flag", "a\U000E0067\U000E0062\U000E007F", multi, "emoji tags (found U+E0067)"},
		{"tags without their end", "🏴\U000E0067\U000E0062", multi, "emoji tags"},
		{"a lone cancel tag", "🏴\U000E007F", multi, "emoji tags (found U+E007F)"},
		{"hidden text in tags after a flag", "🏴\U000E0067\U000E007Fx\U000E0068\U000E007F", multi, "emoji tags (found U+E0068)"},
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

// A Graphemes rule counts what a reader sees as one character: 300
// family emoji (1,500 code points) are one full tweet.
func TestCheckTextGraphemes(t *testing.T) {
	tweet := hanok.TextRule{Min: 1, Max: 300, Multiline: true, Graphemes: true}
	family := "👨\u200d👩\u200d👧"
	for _, c := range []struct {
		name string
		s    string
		n    int
	}{
		{"family", family, 1},
		{"flag", "🇰🇷", 1},
		{"two flags", "🇰🇷🇯🇵", 2},
		{"keycap", "1\ufe0f\u20e3", 1},
		{"tag sequence flag", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", 1},
		{"skin tone", "👋🏽", 1},
		{"decomposed Hangul", "\u1100\u1161\u11a8", 1},
		{"e and its accent", "e\u0301", 1},
	} {
		assert.NoError(t, hanok.CheckText("content", strings.Repeat(c.s, 300/c.n), tweet), c.name)
		err := hanok.CheckText("content", strings.Repeat(c.s, 300/c.n+1), tweet)
		assert.ErrorContains(t, err, "at most 300 characters", c.name)
	}
	full := strings.Repeat(family, 300)
	require.Equal(t, 1500, utf8.RuneCountInString(full))
	require.NoError(t, hanok.CheckText("content", full, tweet))
	// Counted in code points, the same text is five times too long.
	assert.ErrorContains(t, hanok.CheckText("content", full, hanok.TextRule{Max: 300}), "at most 300 characters")
	// One character of stacked marks is refused, however few characters.
	zalgo := "a" + strings.Repeat("\u0301", hanok.MaxGraphemeRunes)
	assert.ErrorContains(t, hanok.CheckText("content", zalgo, tweet), "more than 32 code points")
	assert.NoError(t, hanok.CheckText("content", zalgo[:len(zalgo)-2], tweet))
	assert.ErrorContains(t, hanok.CheckText("content", "", tweet), "is required")
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
