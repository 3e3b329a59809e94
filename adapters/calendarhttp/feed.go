package calendarhttp

import (
	"net/http"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/calendar"
)

// FeedLink is the data of a new subscription link: URL for apps that
// take an https:// address, Webcal for those that open webcal://. It is
// shown once; the server keeps only its hash.
type FeedLink struct {
	URL    string `json:"url"`
	Webcal string `json:"webcal"`
}

// absolute is the URL, as the client reached this server, of path under
// the adapter's mount prefix.
func absolute(r *http.Request, path string) (scheme, rest string) {
	scheme = "http"
	if r.TLS != nil {
		scheme = "https"
	}
	switch p := strings.ToLower(r.Header.Get("X-Forwarded-Proto")); p {
	case "http", "https":
		scheme = p
	}
	return scheme, "://" + r.Host + httpx.MountPrefix(r) + path
}

// createFeed makes (or rotates) the actor's subscription link.
func (h *handler) createFeed(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	secret, err := h.svc.CreateFeed(r.Context(), actor)
	if err != nil {
		return err
	}
	scheme, rest := absolute(r, "/feeds/"+secret+".ics")
	ok(w, FeedLink{URL: scheme + rest, Webcal: "webcal" + rest})
	return nil
}

// revokeFeed revokes the actor's subscription link.
func (h *handler) revokeFeed(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	if err := h.svc.RevokeFeed(r.Context(), actor); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}

// feed serves a subscription link, without a token: the secret in the
// path is the credential (and the access log shows it redacted, see
// httpx.RedactPath). A conditional GET whose If-None-Match holds the
// current ETag, or, without If-None-Match, whose If-Modified-Since is not
// before Last-Modified, is answered 304.
func (h *handler) feed(w http.ResponseWriter, r *http.Request) error {
	secret, isICS := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !isICS {
		return calendar.ErrFeedNotFound
	}
	f, err := h.svc.FeedBySecret(r.Context(), secret)
	if err != nil {
		return err
	}
	u, err := h.authn.User(r.Context(), f.User)
	if err != nil {
		return err
	}
	doc, err := h.svc.Document(r.Context(), u.Actor(), f)
	if err != nil {
		return err
	}
	etag := `"` + doc.ETag + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Last-Modified", doc.Modified.Format(http.TimeFormat))
	hd.Set("Cache-Control", "private, no-cache")
	if notModified(r, etag, doc.Modified) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	hd.Set("Content-Type", "text/calendar; charset=utf-8")
	hd.Set("Content-Disposition", `inline; filename="calendar.ics"`)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.Body)
	}
	return nil
}

// notModified applies If-None-Match, and without it If-Modified-Since
// (RFC 9110 13.2.2).
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil {
		return !modified.Truncate(time.Second).After(ims)
	}
	return false
}
