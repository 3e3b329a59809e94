// Package odcloud is the trials.Source of the Korean public-data portal's
// API (api.odcloud.kr), dataset 3074271 "임상연구 과제정보": an http.Client
// that asks for one page at a time with the service key, waits on a rate
// limit, retries what may pass (network errors, HTTP 5xx, the upstream's
// -1 internal error and -10 quota exceeded) with exponential backoff and
// jitter, and refuses anything that is not the upstream's JSON envelope
// with a message that quotes what came back.
package odcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// DefaultEndpoint is the dataset's endpoint on the real API.
const DefaultEndpoint = "https://api.odcloud.kr/api/3074271/v1/uddi:cfc19dda-6f75-4c57-86a8-bb9c8b103887"

// maxBody is the largest page body read: a page of 100 records is about
// 45 kB.
const maxBody = 32 << 20

// Config configures a Client. Only Key is required.
type Config struct {
	// Endpoint is the dataset's URL, to which the client adds page,
	// perPage and serviceKey. Default DefaultEndpoint.
	Endpoint string
	// Key is the service key (인증키), as the portal shows it, encoded
	// (with %XX escapes) or decoded.
	Key string
	// PerPage is the page size asked for. Default 100.
	PerPage int
	// Timeout bounds one request. Default 30s.
	Timeout time.Duration
	// Retries is how many times a request that may pass later is tried
	// again. Default 4; a negative value means none.
	Retries int
	// BaseDelay is the wait before the first retry, doubled for each
	// next one up to MaxDelay, each with jitter. Defaults 500ms and 30s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Rate is the most requests a second (default 5), Burst how many may
	// go at once (default 1). A negative Rate means no limit.
	Rate  float64
	Burst int
	// HTTPClient sends the requests. Default: a client with Timeout.
	HTTPClient *http.Client
	// Logger receives a line for every retry. Default: discard.
	Logger *slog.Logger
}

// Client is the trials.Source of the upstream API. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	limiter *rate.Limiter
	// red removes the key from every message the client builds.
	red redactor
}

var _ trials.Source = (*Client)(nil)

// New returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	base, err := url.Parse(cfg.Endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, hanok.Errorf(hanok.Invalid, "odcloud: endpoint %q: want an http or https URL", cfg.Endpoint)
	}
	if strings.TrimSpace(cfg.Key) == "" {
		return nil, hanok.Errorf(hanok.Invalid, "odcloud: no service key")
	}
	if cfg.PerPage <= 0 {
		cfg.PerPage = 100
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 500 * time.Millisecond
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 30 * time.Second
	}
	if cfg.Rate == 0 {
		cfg.Rate = 5
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	limit := rate.Limit(cfg.Rate)
	if cfg.Rate < 0 {
		limit = rate.Inf
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, base: base, limiter: rate.NewLimiter(limit, cfg.Burst), red: newRedactor(cfg.Key)}, nil
}

// pageURL is the URL of page n, key included.
func (c *Client) pageURL(n int) string {
	u := *c.base
	q := u.Query()
	q.Set("page", strconv.Itoa(n))
	q.Set("perPage", strconv.Itoa(c.cfg.PerPage))
	q.Del("serviceKey")
	raw := q.Encode()
	// A key copied in its encoded form is sent as it is; a decoded one is
	// escaped here.
	key := strings.TrimSpace(c.cfg.Key)
	if !strings.Contains(key, "%") {
		key = url.QueryEscape(key)
	}
	u.RawQuery = raw + "&serviceKey=" + key
	return u.String()
}

// Endpoint returns the endpoint the client asks, without the key.
func (c *Client) Endpoint() string {
	u := *c.base
	u.RawQuery = ""
	return u.String()
}

// attemptError is the error of one attempt, and whether another may pass.
type attemptError struct {
	err   error
	retry bool
}

// Page implements trials.Source: it fetches page n (from 1), retrying what
// may pass. Every error but a canceled context's is hanok.Unavailable with
// a message that says what the upstream did. Neither that message, nor
// the error's text, nor the log line of a retry holds the service key in
// any spelling, whatever the upstream echoes back: each goes through the
// client's redactor, and no error keeps an upstream-made cause.
func (c *Client) Page(ctx context.Context, n int) (*trials.Page, error) {
	if n < 1 {
		return nil, hanok.Errorf(hanok.Invalid, "odcloud: page %d: pages are numbered from 1", n)
	}
	delay := c.cfg.BaseDelay
	for attempt := 1; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("odcloud: page %d: %w", n, ctxErr(ctx, err))
		}
		p, aerr := c.try(ctx, n)
		if aerr == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("odcloud: page %d: %w", n, ctx.Err())
		}
		if !aerr.retry || attempt > c.cfg.Retries {
			msg := fmt.Sprintf("upstream page %d: %s", n, hanok.MessageOf(aerr.err))
			if aerr.retry {
				msg += fmt.Sprintf(" (gave up after %d attempts)", attempt)
			}
			return nil, &hanok.Error{Code: hanok.Unavailable, Message: c.red.redact(msg)}
		}
		// Full jitter over the upper half: between delay/2 and delay.
		wait := delay/2 + rand.N(delay/2+1)
		c.cfg.Logger.WarnContext(ctx, "odcloud: retrying", "page", n, "attempt", attempt, "wait", wait, "err", c.red.redact(hanok.MessageOf(aerr.err)))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("odcloud: page %d: %w", n, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, c.cfg.MaxDelay)
	}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// failure builds an attempt's error. Its message may quote the upstream:
// Page redacts it before it leaves the client.
func failure(retry bool, cause error, format string, args ...any) *attemptError {
	return &attemptError{retry: retry, err: &hanok.Error{Code: hanok.Unavailable, Message: fmt.Sprintf(format, args...), Err: cause}}
}

func (c *Client) try(ctx context.Context, n int) (*trials.Page, *attemptError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.pageURL(n), nil)
	if err != nil {
		return nil, failure(false, nil, "building the request: %v", redact(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		// The url.Error names the URL, key and all: keep only its cause.
		err = redact(err)
		return nil, failure(true, err, "GET %s: %v", c.Endpoint(), err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= maxBody {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	} else {
		buf.Grow(64 << 10) // a page of 100 records is about 45 kB
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	body := buf.Bytes()
	if err != nil {
		err = redact(err)
		return nil, failure(true, err, "reading the response: %v", err)
	}
	if len(body) > maxBody {
		return nil, failure(false, nil, "HTTP %d: response larger than %d bytes", resp.StatusCode, maxBody)
	}
	if resp.StatusCode == http.StatusOK {
		p, err := DecodePage(body)
		if err == nil {
			if p.PerPage <= 0 {
				p.PerPage = c.cfg.PerPage
			}
			return p, nil
		}
		// An error code may come with 200 too.
		if code, msg, ok := upstreamError(body); ok {
			return nil, codeFailure(resp.StatusCode, code, msg)
		}
		return nil, failure(false, err, "%s", hanok.MessageOf(err))
	}
	if code, msg, ok := upstreamError(body); ok {
		return nil, codeFailure(resp.StatusCode, code, msg)
	}
	retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	return nil, failure(retry, nil, "HTTP %d: %s", resp.StatusCode, c.red.quote(body))
}

// codeFailure is the error of an upstream error code.
func codeFailure(status, code int, msg string) *attemptError {
	what := fmt.Sprintf("upstream error %d (HTTP %d, %q)", code, status, msg)
	switch code {
	case -1:
		return failure(true, nil, "%s: the upstream's internal error", what)
	case -10:
		return failure(true, nil, "%s: the daily traffic quota of the key is used up", what)
	case -3, -4, -401:
		return failure(false, nil, "%s: the service key is wrong, not registered for this dataset, or missing; check -trials-key", what)
	case -2:
		return failure(false, nil, "%s: the upstream refused the request's parameters", what)
	case -9:
		return failure(false, nil, "%s: the upstream has ended this service", what)
	}
	return failure(status >= 500, nil, "%s", what)
}

// upstreamError reads the upstream's error body {"code": -4, "msg": "..."}.
func upstreamError(body []byte) (code int, msg string, ok bool) {
	var e struct {
		Code *json.Number `json:"code"`
		Msg  string       `json:"msg"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == nil {
		return 0, "", false
	}
	c, err := e.Code.Int64()
	if err != nil || c >= 0 {
		return 0, "", false
	}
	return int(c), e.Msg, true
}

// redact drops the URL (and so the key) from a url.Error.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Quote returns what came back for an error message: at most 200 bytes of
// body, as a quoted Go string. It knows no key: a body that may hold one
// goes through a redactor first.
func Quote(body []byte) string {
	const limit = 200
	if len(body) == 0 {
		return "an empty body"
	}
	s := string(body)
	cut := len(s) > limit
	if cut {
		s = s[:limit]
		for !utf8.ValidString(s) && len(s) > limit-4 {
			s = s[:len(s)-1]
		}
	}
	q := strconv.Quote(s)
	if cut {
		q += fmt.Sprintf("... (%d bytes)", len(body))
	}
	return q
}
