package auctionhttp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok/auction"
)

// serveMedia serves f with validators, so that a client that has it
// already gets 304: Last-Modified when the store knows the file's time,
// and an ETag from its size and time (as nginx makes them) or, when the
// store has no time, from its content. http.ServeContent answers
// If-None-Match and If-Modified-Since, and serves ranges.
func serveMedia(w http.ResponseWriter, r *http.Request, f auction.MediaFile) error {
	var mod time.Time
	if m, ok := f.(interface{ ModTime() time.Time }); ok {
		mod = m.ModTime()
	}
	if !mod.IsZero() {
		w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, mod.UnixNano(), f.Size()))
	} else {
		sum := sha256.New()
		if _, err := io.Copy(sum, f); err != nil {
			return fmt.Errorf("auctionhttp: media: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("auctionhttp: media: %w", err)
		}
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum.Sum(nil)[:16])+`"`)
	}
	http.ServeContent(w, r, "", mod, f)
	return nil
}

// pageLinks is the RFC 8288 Link header of a page of the car list: first,
// prev, next and last, each the request's own path and query with page
// set. The path is the one the client sent (r.RequestURI), so the links
// hold under whatever prefix the handler is mounted.
func pageLinks(r *http.Request, page, pages int) string {
	path := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path = u.EscapedPath()
	}
	q := r.URL.Query()
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		return "<" + path + "?" + q.Encode() + `>; rel="` + rel + `"`
	}
	if pages < 1 {
		pages = 1
	}
	links := []string{link(1, "first")}
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if page < pages {
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(pages, "last"))
	return strings.Join(links, ", ")
}
