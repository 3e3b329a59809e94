package system

import "net/http"

// noSniff sets X-Content-Type-Options: nosniff on every response, before
// any handler writes: a browser then takes each body for the type its
// Content-Type says (application/json for every JSON body), never for
// HTML or script it guessed, so text a user stored (a tweet holding
// "<script>") comes back inert. Images served at /media/ are covered too.
func noSniff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
