package hanok

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// TextRule says what a text field accepts.
//
// Lengths count characters (runes, Unicode code points) unless Graphemes
// is set. Code points are the default because they are what the seed
// services counted (Python's len), so every limit of the seed contracts
// keeps its meaning; a field whose rule is "what a reader sees as one
// character" (a tweet's 1–300) sets Graphemes.
type TextRule struct {
	// Min is the fewest characters; 0 lets the field be empty, and 1 or
	// more makes it required ("is required" when empty).
	Min int
	// Max is the most characters; 0 means no limit.
	Max int
	// Multiline allows line breaks (\n, \r) and tabs.
	Multiline bool
	// Graphemes makes Min and Max count user-perceived characters:
	// extended grapheme clusters (UAX #29), so that a family emoji
	// (three people joined by U+200D), a flag or a keycap is one
	// character, as is a letter with its accents. A cluster of more than
	// MaxGraphemeRunes code points (marks stacked without end) is
	// refused, so that one character stays a bounded amount of text.
	Graphemes bool
}

// MaxGraphemeRunes is the most code points one user-perceived character
// may hold under a Graphemes rule. The longest emoji sequences (a family
// of four with skin tones, a subdivision flag) hold 11; Unicode's
// Stream-Safe Text Format allows 30 combining marks in a row.
const MaxGraphemeRunes = 32

// Characters CheckText treats apart from the other format characters.
const (
	zwnj      = '\u200C' // zero width non-joiner
	zwj       = '\u200D' // zero width joiner
	blackFlag = '\U0001F3F4'
	tagFirst  = '\U000E0020' // the first emoji tag (a tag space)
	tagLast   = '\U000E007E'
	cancelTag = '\U000E007F' // ends an emoji tag sequence
)

// isBidiControl reports whether r is a bidirectional override, embedding
// or isolate (U+202A–U+202E, U+2066–U+2069): the characters that make
// text display in an order other than the one it is stored in.
func isBidiControl(r rune) bool {
	return ('\u202A' <= r && r <= '\u202E') || ('\u2066' <= r && r <= '\u2069')
}

// CheckText is the one rule for text a user may store. s must be valid
// UTF-8 and must not contain U+FFFD (what a JSON decoder makes of a lone
// surrogate such as "\ud800" or of an invalid byte, so the text was not
// what the client meant), control characters (except line breaks and tabs
// where rule.Multiline allows them), bidirectional overrides, embeddings
// and isolates (U+202A–U+202E, U+2066–U+2069), or other invisible format
// characters (Unicode category Cf: U+200B, U+2060, the byte order mark
// U+FEFF, the marks U+200E/U+200F, the soft hyphen...).
//
// The format characters that are part of text are allowed where they are
// text: the zero width joiner and non-joiner (U+200D, U+200C) between two
// other characters (an emoji ZWJ sequence such as a family, a Persian or
// Indic word), and emoji tags (U+E0020–U+E007E) in an emoji tag sequence
// (U+1F3F4, tags, U+E007F: the flag of Scotland). Variation selectors
// (U+FE00–U+FE0F, U+E0100–U+E01EF) are marks, not format characters, and
// were always allowed. Its length must be within rule. The error is
// Invalid and names field. Callers trim s first where surrounding spaces
// are insignificant.
func CheckText(field, s string, rule TextRule) error {
	if s == "" {
		if rule.Min > 0 {
			return FieldError(field, "is required")
		}
		return nil
	}
	prev := rune(-1) // the character before r; -1 at the start
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return FieldError(field, "must be valid UTF-8")
			}
			return FieldError(field, "must be valid UTF-8 (it contains U+FFFD, the mark of an invalid byte or a lone surrogate)")
		case r == '\n' || r == '\r' || r == '\t':
			if !rule.Multiline {
				return FieldError(field, "must be a single line (no line breaks or tabs)")
			}
		case unicode.IsControl(r):
			return FieldError(field, fmt.Sprintf("must not contain control characters (found U+%04X)", r))
		case isBidiControl(r):
			return FieldError(field, fmt.Sprintf("must not contain invisible format characters that reorder text (direction overrides or isolates; found U+%04X)", r))
		case r == zwj || r == zwnj:
			// Inside text: after a character that is not a joiner or a
			// space, and before one.
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if !joinable(prev) || i+utf8.RuneLen(r) == len(s) || !joinable(next) {
				return FieldError(field, fmt.Sprintf("must not contain a joiner (U+%04X) that does not stand between two characters", r))
			}
		case tagFirst <= r && r <= cancelTag:
			if !inTagSequence(s, i, prev) {
				return FieldError(field, fmt.Sprintf("must not contain emoji tags (found U+%04X) outside an emoji tag sequence", r))
			}
		case unicode.Is(unicode.Cf, r):
			return FieldError(field, fmt.Sprintf("must not contain invisible format characters (found U+%04X)", r))
		}
		prev = r
	}
	n := utf8.RuneCountInString(s)
	if rule.Graphemes {
		var err error
		if n, err = countGraphemes(field, s); err != nil {
			return err
		}
	}
	if rule.Min > 1 && n < rule.Min {
		return FieldError(field, fmt.Sprintf("must be at least %d characters", rule.Min))
	}
	if rule.Max > 0 && n > rule.Max {
		return FieldError(field, fmt.Sprintf("must be at most %d characters", rule.Max))
	}
	return nil
}

// joinable reports whether a joiner may stand next to r: r is a character
// that is not itself a joiner, a space or a control (nor the edge of the
// text, -1).
func joinable(r rune) bool {
	return r >= 0 && r != zwj && r != zwnj && r != utf8.RuneError && !unicode.IsSpace(r) && !unicode.IsControl(r)
}

// inTagSequence reports whether the tag at s[i] (prev the character before
// it) belongs to an emoji tag sequence: U+1F3F4, one or more tags
// U+E0020–U+E007E, and U+E007F to end it. Tags are invisible, so a tag
// anywhere else could carry hidden text.
func inTagSequence(s string, i int, prev rune) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == cancelTag {
		// Its sequence was checked from its first tag on.
		return tagFirst <= prev && prev <= tagLast
	}
	if prev == blackFlag {
		// The first tag: the run must end with the cancel tag.
		for _, t := range s[i:] {
			switch {
			case tagFirst <= t && t <= tagLast:
			case t == cancelTag:
				return true
			default:
				return false
			}
		}
		return false
	}
	return tagFirst <= prev && prev <= tagLast
}

// countGraphemes returns the number of extended grapheme clusters of s,
// or an error naming field for a cluster longer than MaxGraphemeRunes.
func countGraphemes(field, s string) (int, error) {
	n, state := 0, -1
	for s != "" {
		var c string
		c, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if utf8.RuneCountInString(c) > MaxGraphemeRunes {
			return 0, FieldError(field, fmt.Sprintf("must not contain a character built of more than %d code points", MaxGraphemeRunes))
		}
		n++
	}
	return n, nil
}

// Fold is the one case fold of hanok: the form under which usernames,
// emails, search terms and keys compare equal regardless of case. Every
// letter is mapped to the lower case of its upper case, so that letters
// with more than one lower case (the Greek final sigma, the long s) fold
// together with the others of their case. Stores keep folded keys made by
// Fold; none folds text its own way.
func Fold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
}
