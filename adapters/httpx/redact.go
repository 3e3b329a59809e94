package httpx

import (
	"net/http"
	"strings"
)

// RedactedSegment replaces a secret path segment in what is logged.
const RedactedSegment = "REDACTED"

// SecretPathSegments are the path segments whose next segment is a
// secret (a calendar's subscription link, /calendar/feeds/<secret>.ics):
// RedactPath hides it from every log line that names a path.
var SecretPathSegments = []string{"feeds"}

// RedactPath returns p with the segment after each of SecretPathSegments
// replaced by RedactedSegment, so that no secret carried in a URL reaches
// a log line.
func RedactPath(p string) string {
	for _, seg := range SecretPathSegments {
		marker := "/" + seg + "/"
		i := strings.Index(p, marker)
		if i < 0 {
			continue
		}
		start := i + len(marker)
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p) - start
		}
		if end == 0 {
			continue
		}
		p = p[:start] + RedactedSegment + p[start+end:]
	}
	return p
}

// MountPrefix returns the prefix that http.StripPrefix removed from r's
// path ("/calendar"), "" when none: what a handler puts back in front of
// the paths it gives out.
func MountPrefix(r *http.Request) string { return mountPrefix(r) }
