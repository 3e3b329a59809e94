package system

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
)

// CORS: what a browser app on another origin may send and read.
const (
	corsMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
	// Authorization carries the auction's and the microblog's tokens,
	// X-calendar-access-token the calendar's.
	corsHeaders = "Authorization, Content-Type, X-calendar-access-token, X-Request-ID, If-None-Match, If-Modified-Since"
	corsExpose  = "X-Request-ID, X-Total-Count, X-Page, X-Page-Count, Link, ETag, Last-Modified, Retry-After, WWW-Authenticate"
	corsMaxAge  = "600"
)

// ParseOrigins parses a comma-separated list of CORS origins
// ("https://app.example.com, http://localhost:5173") as Config.CORSOrigins
// takes them. "*" allows every origin, and then must be alone. An empty
// list is CORS off.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
				u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
				return nil, fmt.Errorf("origin %q: want scheme://host[:port], like https://app.example.com", o)
			}
			o = u.Scheme + "://" + strings.ToLower(u.Host)
		}
		out = append(out, o)
	}
	if slices.Contains(out, "*") && len(out) > 1 {
		return nil, fmt.Errorf(`origin "*" allows every origin and cannot be listed with others`)
	}
	return out, nil
}

// cors answers preflights and adds the CORS headers to the responses to
// allowed origins. With "*" every origin is allowed and no credentials
// are (the tokens travel in headers, not cookies); with a list of origins
// the request's own origin is echoed and credentials are allowed.
func cors(origins []string, render httpx.Renderer, next http.Handler) http.Handler {
	all := slices.Contains(origins, "*")
	allowed := func(origin string) bool {
		return all || slices.Contains(origins, strings.ToLower(origin))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !allowed(origin) {
			if preflight {
				httpx.SetRoute(r, "system", "CORS preflight")
				render(w, r, hanok.Errorf(hanok.Forbidden, "origin %s is not allowed", origin))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if all {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if preflight {
			httpx.SetRoute(r, "system", "CORS preflight")
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExpose)
		next.ServeHTTP(w, r)
	})
}
