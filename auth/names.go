package auth

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/secure/precis"

	"github.com/hanok-dev/hanok"
)

// This file holds the rules of names: how a username is prepared before it
// is stored (PRECIS, RFC 8265), which scripts it may mix (UTS #39), and
// the key under which usernames and emails are compared.

// FoldKey returns the key under which usernames and emails are unique and
// looked up: the PRECIS UsernameCaseMapped form of s (full-width letters
// mapped to their usual width, NFC, lower case), then hanok.Fold, the one
// case fold of the project (which also folds the letters whose lower case
// is not unique, such as the final sigma). A string that the profile
// refuses (a name stored before the rule, an email with a space) is only
// folded. So "jose\u0301" and "josé", "ａdmin" and "admin", "ADMIN" and
// "admin" have one key; Cyrillic "аdmin" has its own.
func FoldKey(s string) string {
	if m, err := precis.UsernameCaseMapped.String(s); err == nil {
		return hanok.Fold(m)
	}
	return hanok.Fold(s)
}

// The errors of a username that breaks a rule of PrepareUsername.
var (
	// ErrUsernameClass: a character the PRECIS IdentifierClass does not
	// allow (a space, a symbol, an emoji), or a mix of directions the bidi
	// rule refuses.
	ErrUsernameClass = hanok.FieldError("username", "may contain only letters, digits and ASCII punctuation (no spaces, symbols or emoji)")
	// ErrUsernameScripts: scripts mixed as CheckScripts refuses.
	ErrUsernameScripts = hanok.FieldError("username", "must not mix scripts that look alike (Latin with Cyrillic or Greek, say); Latin with Han, Hangul, Hiragana, Katakana or Bopomofo is fine")
)

// PrepareUsername returns the form of a username that is stored, or a
// field error naming "username". The form is the PRECIS
// UsernameCasePreserved form of s (RFC 8265 §3.4: full-width letters
// mapped to their usual width, NFC, the bidi rule; letters, digits and
// ASCII punctuation only): the case the user typed is kept for display,
// and FoldKey, whose UsernameCaseMapped form is the same name in lower
// case, is the form usernames are compared in. The name must also keep to
// one script, or to one of the mixes of CheckScripts.
//
// s is expected trimmed; it is not otherwise checked (see CheckNames).
func PrepareUsername(s string) (string, error) {
	p, err := precis.UsernameCasePreserved.String(s)
	if err != nil {
		return "", ErrUsernameClass
	}
	if !CheckScripts(p) {
		return "", ErrUsernameScripts
	}
	return p, nil
}

// The sets of scripts that a name may mix, after Unicode Technical
// Standard #39 §5.2, "Highly Restrictive": one script, or Latin with Han
// and the Japanese kana, with Han and Bopomofo, or with Han and Hangul.
// Characters of the Common and Inherited scripts (digits, "_", ".", "@",
// combining marks) go with any of them.
var scriptMixes = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// CheckScripts reports whether s keeps to the scripts a name may mix
// (UTS #39 "Highly Restrictive"): letters of one script only (Common and
// Inherited characters aside), or Latin with Han and Hiragana/Katakana,
// with Han and Bopomofo, or with Han and Hangul. So "김minsu", "田中taro"
// and "ΑΒΓ" pass; "аdmin" (a Cyrillic а before Latin letters) and Latin
// with Greek do not. For an email (a name with "@"), the part before the
// "@" and the domain are checked each on their own, as each may be
// written in its own script.
func CheckScripts(s string) bool {
	if local, domain, ok := strings.Cut(s, "@"); ok {
		return CheckScripts(local) && CheckScripts(domain)
	}
	var seen []*unicode.RangeTable
	for _, r := range s {
		t := scriptOf(r)
		if t == nil {
			continue
		}
		if !slices.Contains(seen, t) {
			seen = append(seen, t)
		}
	}
	if len(seen) <= 1 {
		return true
	}
	for _, mix := range scriptMixes {
		if subset(seen, mix) {
			return true
		}
	}
	return false
}

// scriptOf returns the script of r, or nil for the Common and Inherited
// scripts (and unassigned code points), which mix with any.
func scriptOf(r rune) *unicode.RangeTable {
	if r < 0x80 {
		if ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') {
			return unicode.Latin
		}
		return nil
	}
	if unicode.Is(unicode.Common, r) || unicode.Is(unicode.Inherited, r) {
		return nil
	}
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

func subset(a, b []*unicode.RangeTable) bool {
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

// CheckUnique is the one rule of uniqueness of names, which every Store
// runs inside the write that stores u (a new user when old is nil, else
// an update of old, the user as stored). Usernames and emails share one
// namespace of FoldKey keys: u's username key must not be another user's
// username or email key (else ErrUsernameTaken), nor its email key, when
// it has one (else ErrEmailTaken). A key that old already had is not
// checked, so that an account that clashes with another by data older
// than the rule can still be updated otherwise (its password, its other
// name) without moving further into the other's names.
//
// taken reports whether a user other than u has key as its username or
// email key; its error is returned wrapped.
func CheckUnique(u, old *User, taken func(key string) (bool, error)) error {
	had := func(key string) bool {
		return old != nil && (key == FoldKey(old.Username) || (old.Email != "" && key == FoldKey(old.Email)))
	}
	for _, c := range []struct {
		name string
		err  error
	}{{u.Username, ErrUsernameTaken}, {u.Email, ErrEmailTaken}} {
		if c.name == "" {
			continue
		}
		key := FoldKey(c.name)
		if had(key) {
			continue
		}
		t, err := taken(key)
		if err != nil {
			return fmt.Errorf("auth: check that %q is free: %w", key, err)
		}
		if t {
			return c.err
		}
	}
	return nil
}
