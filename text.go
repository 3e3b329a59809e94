package hanok

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextRule says what a text field accepts. Lengths count characters
// (runes), not bytes.
type TextRule struct {
	// Min is the fewest characters; 0 lets the field be empty, and 1 or
	// more makes it required ("is required" when empty).
	Min int
	// Max is the most characters; 0 means no limit.
	Max int
	// Multiline allows line breaks (\n, \r) and tabs.
	Multiline bool
}

// CheckText is the one rule for text a user may store. s must be valid
// UTF-8 and must not contain U+FFFD (what a JSON decoder makes of a lone
// surrogate such as "\ud800" or of an invalid byte, so the text was not
// what the client meant), control characters (except line breaks and tabs
// where rule.Multiline allows them), or invisible format characters
// (Unicode category Cf: zero-width joiners, direction overrides, BOMs).
// Its length must be within rule. The error is Invalid and names field.
// Callers trim s first where surrounding spaces are insignificant.
func CheckText(field, s string, rule TextRule) error {
	if s == "" {
		if rule.Min > 0 {
			return FieldError(field, "is required")
		}
		return nil
	}
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
		case unicode.Is(unicode.Cf, r):
			return FieldError(field, fmt.Sprintf("must not contain invisible format characters (found U+%04X)", r))
		}
	}
	n := utf8.RuneCountInString(s)
	if rule.Min > 1 && n < rule.Min {
		return FieldError(field, fmt.Sprintf("must be at least %d characters", rule.Min))
	}
	if rule.Max > 0 && n > rule.Max {
		return FieldError(field, fmt.Sprintf("must be at most %d characters", rule.Max))
	}
	return nil
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
