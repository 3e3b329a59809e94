package trialstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// EchoKey is a service key whose characters every spelling writes
// differently, for the upstreams that echo it back.
const EchoKey = "Ab3+xY/z9k=="

// KeySpellings are EchoKey as an upstream may echo it back: raw,
// URL-encoded, escaped in JSON, and as HTML character references.
var KeySpellings = map[string]string{
	"raw":         EchoKey,
	"url-encoded": "Ab3%2BxY%2Fz9k%3D%3D",
	"json":        `Ab3\u002bxY\/z9k\u003d\u003d`,
	"html":        "Ab3&#43;xY&#x2F;z9k&#61;&#61;",
}

// NewEchoUpstream starts an upstream that answers every request with an
// error that repeats the key in the spelling form (a key of
// KeySpellings), and the request's URL (serviceKey included): a 500
// text for "raw" (which a client retries), a 400 text for
// "url-encoded", the upstream's JSON error (-4) for "json", and an HTML
// page with 200 for "html". It returns the endpoint URL; the server is
// closed when the test ends.
func NewEchoUpstream(tb testing.TB, form string) string {
	tb.Helper()
	if _, ok := KeySpellings[form]; !ok {
		tb.Fatalf("no spelling %q", form)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, url := KeySpellings[form], r.URL.String()
		switch form {
		case "raw":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "internal error for key %s at %s", key, url)
		case "url-encoded":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "bad request: %s (key %s)", url, key)
		case "json":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":-4,"msg":"등록되지 않은 인증키 %s 입니다.","request":"%s"}`, key, strings.ReplaceAll(url, "/", `\/`))
		case "html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><body><p>key %s</p><a href="%s">retry</a></body></html>`, key, url)
		}
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + EndpointPath
}
