package odcloud

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// redacted replaces the service key wherever a message would show it.
const redacted = "[REDACTED]"

// keyParam matches a serviceKey parameter's value in any text: in a URL
// (serviceKey=..., or serviceKey%3D... in a URL that is itself
// escaped), and as a JSON member ("serviceKey": "...").
var keyParam = regexp.MustCompile(`(?i)(servicekey(?:=|%3D))(?:%(?:[013-9a-f][0-9a-f]|2[0-57-9a-f])|[^&%\s"'<>\\])*` +
	`|(?i)("servicekey\\?"\s*:\s*\\?")(?:\\.|[^"\\])*`)

// redactor removes the service key from text that came from the upstream
// or names a request: every message the client builds out of a body, a
// URL or an upstream's error goes through one, so that the key reaches
// no error, run record, log line or response, whatever the upstream
// echoes back. The zero redactor (of no key) removes serviceKey values
// only.
type redactor struct {
	// key matches the key in each of its spellings, nil for none.
	key *regexp.Regexp
}

// newRedactor returns the redactor of key, given as the portal shows it:
// encoded (with %XX escapes) or decoded. The key is matched in every
// spelling an upstream may echo it in, even mixed within one key: each
// character that is not a letter or digit as itself, query- or
// path-escaped (%2B, %2b, and %252B when escaped twice), as a JSON escape
// (\u002b, and \/ for a slash) or as an HTML character reference
// (&#43;, &#x2B;).
func newRedactor(key string) redactor {
	key = strings.TrimSpace(key)
	if dec, err := url.QueryUnescape(key); err == nil && strings.Contains(key, "%") {
		key = dec
	}
	if key == "" {
		return redactor{}
	}
	var b strings.Builder
	b.WriteString("(?i)")
	for _, r := range key {
		if r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
			continue
		}
		alts := []string{regexp.QuoteMeta(string(r))}
		var enc []byte
		enc = utf8.AppendRune(enc, r)
		var pct, pct2 strings.Builder
		for _, c := range enc {
			fmt.Fprintf(&pct, "%%%02X", c)
			fmt.Fprintf(&pct2, "%%25%02X", c)
		}
		alts = append(alts, pct.String(), pct2.String(), fmt.Sprintf(`\\u%04x`, r), fmt.Sprintf("&#0*%d;", r), fmt.Sprintf("&#x0*%x;", r))
		if r == '/' {
			alts = append(alts, `\\/`)
		}
		if r == ' ' {
			alts = append(alts, `\+`)
		}
		b.WriteString("(?:" + strings.Join(alts, "|") + ")")
	}
	return redactor{key: regexp.MustCompile(b.String())}
}

// redact returns s without the key and without any serviceKey value.
func (r redactor) redact(s string) string {
	if r.key != nil {
		s = r.key.ReplaceAllLiteralString(s, redacted)
	}
	return keyParam.ReplaceAllString(s, "${1}${2}"+redacted)
}

// quote is Quote of the redacted body.
func (r redactor) quote(body []byte) string {
	return Quote([]byte(r.redact(string(body))))
}
