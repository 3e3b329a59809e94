package httpx_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// An upload handler gives its body a progress-based deadline before it
// reads it: no wait for more bytes longer than 30 s, and on average at
// least 16 KiB/s, however long the upload. A stalled client's read fails
// with an error that is httpx.ErrBodyTimeout, which BodyError turns into
// the client's error (and LogRequests counts).
func ExampleProgressDeadline() {
	logger := slog.New(slog.DiscardHandler)
	upload := func(w http.ResponseWriter, r *http.Request) {
		httpx.ProgressDeadline(w, r, httpx.Progress{Idle: 30 * time.Second, MinRate: 16 << 10})
		mr, err := r.MultipartReader()
		if err != nil {
			httpx.WriteError(w, r, logger, httpx.BodyError(err, 0, "malformed multipart body"))
			return
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				_, err = io.Copy(io.Discard, part) // store the part
			}
			if err != nil {
				// errors.Is(err, httpx.ErrBodyTimeout) when the client stalled.
				httpx.WriteError(w, r, logger, httpx.BodyError(err, 0, "malformed multipart body"))
				return
			}
		}
		w.WriteHeader(http.StatusCreated)
	}
	// Every body of the mux gets the default deadlines; the upload route
	// sets its own.
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", upload)
	_ = httpx.LogRequests(logger)(httpx.BodyDeadlines(httpx.Deadlines{})(mux))
}
