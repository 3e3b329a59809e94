package system_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/system"
)

// FuzzParseOrigins: whatever the list, ParseOrigins either refuses it or
// returns origins that are "*" alone or scheme://host with no path, in
// lower case.
func FuzzParseOrigins(f *testing.F) {
	for _, s := range []string{"", "*", "https://a.example.com", " http://localhost:5173 , https://B.example.com/", "example.com", "*,https://a.com", "https://u:p@a.com", "https://a.com?x#y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		got, err := system.ParseOrigins(list)
		if err != nil {
			return
		}
		for _, o := range got {
			if o == "*" {
				require.Len(t, got, 1, "%q: * with others: %q", list, got)
				continue
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
				t.Fatalf("%q: bad origin %q", list, o)
			}
			if strings.ToLower(o) != o && strings.ToLower(u.Host) != u.Host {
				t.Fatalf("%q: host not lower case: %q", list, o)
			}
		}
	})
}
