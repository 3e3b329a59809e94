// Package mailinghttp is the HTTP adapter of the mailing list: the seed's
// routes and status codes, plus a campaign report and the one-click
// unsubscribe link every message carries.
//
//	POST   /subscribe                       {email, name}     -> 201 (409 when subscribed, 429 past the
//	                                        client address's budget, as registration)
//	PATCH  /subscribe                       {email}           -> 201 cancelled (404 unknown, 409 already)
//	GET    /subscribe[?min_id=&limit=]      admin             -> 200 {"data": [subscriber...]}, every subscriber by
//	                                        id, or a page of them (Link: rel="next" when the list goes on)
//	GET    /subscribe/{id}                  admin             -> 200 {"data": subscriber}
//	DELETE /subscribe                       admin             -> 204, every subscriber deleted
//	DELETE /subscribe/{id}                  admin             -> 204
//	POST   /subscribe/send-mail             admin {subject, content[, html, send_at]} -> 203 {"campaign_id": ...}
//	                                        ("subjectl", the seed document's spelling, is read as subject)
//	POST   /subscribe/send-mail/{campaign}/pause|resume|cancel admin -> 200 {campaign_id, status} (409 when
//	                                        the campaign's state forbids it)
//	POST   /subscribe/send-mail/{campaign}/test admin {email} -> 200, the message sent to that one address
//	GET    /subscribe/send-mail/{campaign}  admin             -> 200 counts, failures, and the pending
//	                                        deliveries retrying (last error, next attempt)
//	POST   /webhooks/bounce                 admin {email, type[, status, diagnostic, campaign_id]}
//	                                        -> 200 {"data": subscriber} (a bounce or complaint by HTTP)
//	GET    /confirm/{token}                                   -> 200 HTML page with a button; changes nothing (HEAD too)
//	POST   /confirm/{token}                                   -> 200 confirmed (confirmed opt-in; 404 unknown or expired,
//	                                        409 not pending)
//	GET    /unsubscribe/{token}                               -> 200 HTML page with a button; changes nothing (HEAD too)
//	POST   /unsubscribe/{token}                               -> 200 unsubscribed (RFC 8058 one-click)
//
// Admin routes need "Authorization: <admin token>" (or "Bearer <token>",
// or a superuser's token); without it they answer 403. The adapter only
// authenticates (through httpx.Router.User); mailing.Service decides who
// may act. Errors are {"error": message, "code": code, "fields": {...}}
// (429 with Retry-After). docs/mailing.md says more.
package mailinghttp

import (
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/mailing"
)

// maxBody is the largest request body: a campaign's body is up to
// mailing.MaxBody characters of up to 4 bytes, in two forms, plus JSON.
const maxBody = 1 << 20

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// where the adapter is mounted.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

// WithAdminToken sets the token of the admin routes. Without one (and
// without a superuser's token) every admin route answers 403.
func WithAdminToken(token string) Option { return func(h *handler) { h.adminToken = token } }

type handler struct {
	svc        *mailing.Service
	authn      *auth.Service
	logger     *slog.Logger
	adminToken string
}

// NewHandler returns the adapter's handler, to be mounted under any
// prefix with http.StripPrefix. authn may be nil; when set, a superuser's
// token also opens the admin routes.
func NewHandler(svc *mailing.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, authn: authn, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	// The admin routes authenticate through the router (the admin token,
	// or a user's token); the domain decides who may act.
	rt := httpx.NewRouter(h.render, adminAuth{token: h.adminToken, authn: authn}, "Authorization")
	rt.Public("POST /subscribe", h.subscribe)
	rt.Public("PATCH /subscribe", h.unsubscribe)
	rt.User("GET /subscribe", h.list)
	rt.User("DELETE /subscribe", h.deleteAll)
	rt.User("GET /subscribe/{id}", h.get)
	rt.User("DELETE /subscribe/{id}", h.deleteOne)
	rt.User("POST /subscribe/send-mail", h.sendMail)
	rt.User("GET /subscribe/send-mail/{campaign}", h.report)
	rt.User("POST /subscribe/send-mail/{campaign}/pause", h.control((*mailing.Service).PauseCampaign))
	rt.User("POST /subscribe/send-mail/{campaign}/resume", h.control((*mailing.Service).ResumeCampaign))
	rt.User("POST /subscribe/send-mail/{campaign}/cancel", h.control((*mailing.Service).CancelCampaign))
	rt.User("POST /subscribe/send-mail/{campaign}/test", h.testSend)
	rt.User("POST /webhooks/bounce", h.bounceHook)
	rt.Public("GET /confirm/{token}", h.confirmPageGet)
	rt.Public("POST /confirm/{token}", h.confirmLink)
	rt.Public("GET /unsubscribe/{token}", h.linkPageGet)
	rt.Public("POST /unsubscribe/{token}", h.unsubscribeLink)
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}

// render is the adapter's one error renderer. A request to an admin
// route without any token is answered 403 with errAdmin, as the admin
// routes always have.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, httpx.ErrNoToken) {
		err = errAdmin
	}
	httpx.WriteError(w, r, h.logger, err)
}

var errAdmin = &hanok.Error{Code: hanok.Forbidden, Message: "this route needs the admin token in the Authorization header"}

// adminAuth authenticates the admin routes' Authorization header: the
// admin token, bare as the seed sent it or as "Bearer <token>", is the
// list's administrator (mailing.Admin); any other token is a user's
// (authn's), whose rights the domain checks. A token neither knows is
// errAdmin.
type adminAuth struct {
	token string
	authn *auth.Service
}

// AuthenticateActor implements httpx.Authenticator; it gets the whole
// Authorization header.
func (a adminAuth) AuthenticateActor(ctx context.Context, header string) (hanok.Actor, error) {
	tok := header
	if scheme, cred, ok := strings.Cut(header, " "); ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "JWT")) {
		tok = strings.TrimSpace(cred)
	}
	if a.token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.token)) == 1 {
		return mailing.Admin, nil
	}
	if a.authn != nil {
		if u, err := a.authn.AuthenticateActor(ctx, tok); err == nil {
			return u, nil
		}
	}
	return hanok.Actor{}, errAdmin
}

// subscriberJSON is a subscriber as the routes show it (never its token).
type subscriberJSON struct {
	ID         mailing.SubscriberID     `json:"id"`
	Email      string                   `json:"email"`
	Name       string                   `json:"name"`
	Subscribed bool                     `json:"subscribed"`
	Status     mailing.SubscriberStatus `json:"status"`
	// Bounced is when the address was found dead (omitted if never).
	Bounced     *time.Time `json:"bounced_at,omitempty"`
	SoftBounces int        `json:"soft_bounces"`
	Created     time.Time  `json:"created_at"`
	Updated     time.Time  `json:"updated_at"`
	// Consent is shown to the administrator only.
	Consent *consentJSON `json:"consent,omitempty"`
}

// consentJSON is the consent record: when and from which client address
// the subscriber last subscribed, confirmed and unsubscribed (omitted if
// never).
type consentJSON struct {
	Subscribed       *time.Time `json:"subscribed_at,omitempty"`
	SubscribedFrom   string     `json:"subscribed_from,omitempty"`
	Confirmed        *time.Time `json:"confirmed_at,omitempty"`
	ConfirmedFrom    string     `json:"confirmed_from,omitempty"`
	Unsubscribed     *time.Time `json:"unsubscribed_at,omitempty"`
	UnsubscribedFrom string     `json:"unsubscribed_from,omitempty"`
}

// timeOrNil is t, or nil for the zero time.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func subscriberOut(s mailing.Subscriber) subscriberJSON {
	return subscriberJSON{ID: s.ID, Email: s.Email, Name: s.Name, Subscribed: s.Subscribed, Status: s.Status(), Bounced: timeOrNil(s.Bounced),
		SoftBounces: s.SoftBounces, Created: s.Created, Updated: s.Updated}
}

// adminSubscriberOut is the subscriber as the administrator sees it: with
// its consent record.
func adminSubscriberOut(s mailing.Subscriber) subscriberJSON {
	out := subscriberOut(s)
	c := s.Consent
	out.Consent = &consentJSON{Subscribed: timeOrNil(c.Subscribed), SubscribedFrom: c.SubscribedFrom, Confirmed: timeOrNil(c.Confirmed),
		ConfirmedFrom: c.ConfirmedFrom, Unsubscribed: timeOrNil(c.Unsubscribed), UnsubscribedFrom: c.UnsubscribedFrom}
	return out
}

type data struct {
	Data any `json:"data"`
}

// required is the seed's "key error": a key the body lacks.
func required(field string) error { return hanok.FieldError(field, "is required") }

func (h *handler) subscribe(w http.ResponseWriter, r *http.Request) error {
	body, err := httpx.DecodeJSON[struct {
		Email *string `json:"email"`
		Name  *string `json:"name"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if body.Email == nil {
		return required("email")
	}
	if body.Name == nil {
		return required("name")
	}
	sub, err := h.svc.SubscribeFrom(r.Context(), httpx.ClientAddr(r), *body.Email, *body.Name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, data{subscriberOut(sub)})
	return nil
}

func (h *handler) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	body, err := httpx.DecodeJSON[struct {
		Email *string `json:"email"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if body.Email == nil {
		return required("email")
	}
	sub, err := h.svc.UnsubscribeFrom(r.Context(), httpx.ClientAddr(r), *body.Email)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, data{subscriberOut(sub)})
	return nil
}

// list answers the subscriber list: the whole of it, as the seed did, or
// the page that min_id and limit ask for (listQuery), with a Link header
// to the next page when the list goes on.
func (h *handler) list(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	q, err := listQuery(r)
	if err != nil {
		return err
	}
	p, err := h.svc.ListSubscribers(r.Context(), actor, q)
	if err != nil {
		return err
	}
	if p.Next != nil {
		w.Header().Set("Link", nextLink(r, *p.Next))
	}
	writeSubscribers(w, p.Subscribers)
	return nil
}

// listQuery reads the page of the list the request asks for: min_id, the
// subscribers after that id, and limit, at most that many. Without them
// it is the whole list. A value that is not a positive integer is the
// domain's error for it.
func listQuery(r *http.Request) (mailing.SubscriberQuery, error) {
	var q mailing.SubscriberQuery
	v := r.URL.Query()
	if v.Has("min_id") {
		n, err := strconv.ParseInt(v.Get("min_id"), 10, 64)
		if err != nil || n <= 0 {
			return q, mailing.ErrBadListAfter
		}
		q.After = mailing.SubscriberID(n)
	}
	if v.Has("limit") {
		n, err := strconv.Atoi(v.Get("limit"))
		if err != nil || n <= 0 {
			return q, mailing.ErrBadListLimit
		}
		q.Limit = n
	}
	return q, nil
}

// nextLink is the Link header of the page next asks for: the request's
// path (with its mount prefix) and query, its min_id and limit next's.
func nextLink(r *http.Request, next mailing.SubscriberQuery) string {
	path := r.URL.EscapedPath()
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path = u.EscapedPath()
	}
	v := r.URL.Query()
	v.Set("min_id", strconv.FormatInt(int64(next.After), 10))
	v.Set("limit", strconv.Itoa(next.Limit))
	return "<" + path + "?" + v.Encode() + `>; rel="next"`
}

func (h *handler) get(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "id", "subscriber")
	if err != nil {
		return err
	}
	sub, err := h.svc.Subscriber(r.Context(), actor, mailing.SubscriberID(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, data{adminSubscriberOut(sub)})
	return nil
}

func (h *handler) deleteOne(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "id", "subscriber")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteSubscriber(r.Context(), actor, mailing.SubscriberID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) deleteAll(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	if _, err := h.svc.DeleteAllSubscribers(r.Context(), actor); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) sendMail(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	body, err := httpx.DecodeJSON[struct {
		Subject *string `json:"subject"`
		// Subjectl is the key as the seed's document spells it.
		Subjectl *string `json:"subjectl"`
		Content  *string `json:"content"`
		HTML     string  `json:"html"`
		// SendAt, if set, schedules the campaign (RFC 3339).
		SendAt *string `json:"send_at"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if body.Subject == nil {
		body.Subject = body.Subjectl
	}
	if body.Subject == nil {
		return required("subject")
	}
	if body.Content == nil {
		return required("content")
	}
	var sendAt time.Time
	if body.SendAt != nil {
		if sendAt, err = time.Parse(time.RFC3339, *body.SendAt); err != nil {
			return hanok.FieldError("send_at", "must be a time such as 2026-03-01T18:00:00+09:00 (RFC 3339)")
		}
	}
	c, n, err := h.svc.ScheduleCampaign(r.Context(), actor, *body.Subject, *body.Content, body.HTML, sendAt)
	if err != nil {
		return err
	}
	// 203 is the seed's code for "queued".
	out := map[string]any{"campaign_id": c.ID, "status": c.Status, "deliveries": n}
	if !c.SendAt.IsZero() {
		out["send_at"] = c.SendAt
	}
	httpx.WriteJSON(w, http.StatusNonAuthoritativeInfo, out)
	return nil
}

// campaignOut is a campaign's state as pause, resume and cancel answer.
func campaignOut(c mailing.Campaign) map[string]any {
	out := map[string]any{"campaign_id": c.ID, "status": c.Status, "updated_at": c.Updated}
	if !c.SendAt.IsZero() {
		out["send_at"] = c.SendAt
	}
	return out
}

// control answers a pause, resume or cancel of the campaign in the path.
func (h *handler) control(move func(*mailing.Service, context.Context, hanok.Actor, mailing.CampaignID) (mailing.Campaign, error)) func(http.ResponseWriter, *http.Request, hanok.Actor) error {
	return func(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
		id, err := httpx.PathID(r, "campaign", "campaign")
		if err != nil {
			return err
		}
		if _, err := httpx.ReadBody(w, r, 4<<10); err != nil {
			return err
		}
		c, err := move(h.svc, r.Context(), actor, mailing.CampaignID(id))
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, campaignOut(c))
		return nil
	}
}

// testSend sends the campaign's message to one address.
func (h *handler) testSend(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "campaign", "campaign")
	if err != nil {
		return err
	}
	body, err := httpx.DecodeJSON[struct {
		Email *string `json:"email"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if body.Email == nil {
		return required("email")
	}
	if err := h.svc.TestSend(r.Context(), actor, mailing.CampaignID(id), *body.Email); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"campaign_id": id, "email": strings.TrimSpace(*body.Email), "message": "test message sent"})
	return nil
}

type attemptErrorJSON struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Error   string    `json:"error"`
}

type failureJSON struct {
	Email     string             `json:"email"`
	Attempts  int                `json:"attempts"`
	LastError string             `json:"last_error"`
	Errors    []attemptErrorJSON `json:"errors"`
}

// retryingJSON is a pending delivery whose last attempt failed: when it
// is tried again, and why the last attempt failed.
type retryingJSON struct {
	Email       string    `json:"email"`
	Attempts    int       `json:"attempts"`
	LastError   string    `json:"last_error"`
	NextAttempt time.Time `json:"next_attempt"`
}

// bounceJSON is a bounce or complaint received about one delivery.
type bounceJSON struct {
	Email      string             `json:"email"`
	Type       mailing.BounceKind `json:"type"`
	Status     string             `json:"status"`
	Diagnostic string             `json:"diagnostic"`
	At         time.Time          `json:"at"`
}

// bounceHook is the webhook of providers that report bounces by HTTP:
// POST /webhooks/bounce, admin, with one report (see openapi.json).
func (h *handler) bounceHook(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	body, err := httpx.DecodeJSON[struct {
		Email      *string `json:"email"`
		Type       *string `json:"type"`
		Status     string  `json:"status"`
		Diagnostic string  `json:"diagnostic"`
		// Campaign, if set, names the campaign whose message bounced.
		Campaign int64 `json:"campaign_id"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	if body.Email == nil {
		return required("email")
	}
	if body.Type == nil {
		return required("type")
	}
	if body.Campaign < 0 {
		return hanok.FieldError("campaign_id", "must be a campaign's id")
	}
	sub, err := h.svc.RecordBounce(r.Context(), actor, mailing.Bounce{Campaign: mailing.CampaignID(body.Campaign), Email: *body.Email,
		Kind: mailing.BounceKind(*body.Type), Status: body.Status, Detail: body.Diagnostic})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, data{adminSubscriberOut(sub)})
	return nil
}

func (h *handler) report(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "campaign", "campaign")
	if err != nil {
		return err
	}
	rep, err := h.svc.CampaignReport(r.Context(), actor, mailing.CampaignID(id))
	if err != nil {
		return err
	}
	failures := make([]failureJSON, len(rep.Failures))
	for i, f := range rep.Failures {
		errs := make([]attemptErrorJSON, len(f.Errors))
		for j, e := range f.Errors {
			errs[j] = attemptErrorJSON{Attempt: e.Attempt, At: e.At, Error: e.Error}
		}
		failures[i] = failureJSON{Email: f.Email, Attempts: f.Attempts, LastError: f.LastError, Errors: errs}
	}
	bounces := make([]bounceJSON, len(rep.Bounces))
	for i, d := range rep.Bounces {
		bounces[i] = bounceJSON{Email: d.Email, Type: d.Bounce.Kind, Status: d.Bounce.Status, Diagnostic: d.Bounce.Detail, At: d.Bounce.At}
	}
	retrying := make([]retryingJSON, len(rep.Retrying))
	for i, d := range rep.Retrying {
		retrying[i] = retryingJSON{Email: d.Email, Attempts: d.Attempts, LastError: d.LastError, NextAttempt: d.NextAttempt}
	}
	c := rep.Campaign
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"campaign_id": c.ID, "subject": c.Subject, "status": c.Status, "created_at": c.Created, "send_at": timeOrNil(c.SendAt),
		"pending": rep.Pending, "sent": rep.Sent, "failed": rep.Failed, "cancelled": rep.Cancelled, "failures": failures, "retrying": retrying,
		"bounced": rep.Bounced, "bounces": bounces,
	})
	return nil
}

// pageHead is the start of a link's page, up to its <body>: the same
// for the unsubscribe and the confirmation link, but for the title.
func pageHead(title string) string {
	return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>` + title + `</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1.25rem}</style>
</head>
<body>`
}

// linkPage is the page of the unsubscribe link, in Korean and English. A
// GET (or HEAD) of the link only shows it: mail scanners and link
// checkers fetch links, and must not unsubscribe anyone. Its button makes
// the one-click POST of RFC 8058.
var linkPage = template.Must(template.New("link").Parse(pageHead("구독 취소 · Unsubscribe") + `
{{- if .Unknown}}
<h1>알 수 없는 링크 · Unknown link</h1>
<p>이 구독 취소 링크는 유효하지 않습니다.</p>
<p lang="en">This unsubscribe link is not valid.</p>
{{- else if .Done}}
<h1>구독이 취소되었습니다 · Unsubscribed</h1>
<p><strong>{{.Email}}</strong> 주소로 더 이상 메일을 보내지 않습니다.</p>
<p lang="en">No more mail will be sent to <strong>{{.Email}}</strong>.</p>
{{- else}}
<h1>구독 취소 · Unsubscribe</h1>
<p><strong>{{.Email}}</strong> 주소의 메일링 리스트 구독을 취소하시겠습니까?</p>
<p lang="en">Stop the mailing list's mail to <strong>{{.Email}}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">구독 취소 · Unsubscribe</button>
</form>
{{- end}}
</body>
</html>
`))

type linkView struct {
	Email   string
	Done    bool
	Unknown bool
}

// writePage answers a link's page (the unsubscribe or the confirmation
// link's), tmpl executed with v, under headers that keep it from being
// cached, framed or leaking the link in a Referer.
func writePage(w http.ResponseWriter, status int, tmpl *template.Template, v any) error {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
	return nil
}

// linkPageGet shows the unsubscribe link's page and changes nothing (a
// GET pattern serves HEAD too).
func (h *handler) linkPageGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.svc.LinkSubscriber(r.Context(), r.PathValue("token"))
	if errors.Is(err, mailing.ErrUnknownLink) {
		return writePage(w, http.StatusNotFound, linkPage, linkView{Unknown: true})
	}
	if err != nil {
		return err
	}
	return writePage(w, http.StatusOK, linkPage, linkView{Email: sub.Email, Done: !sub.Subscribed})
}

// unsubscribeLink is the one-click POST (RFC 8058): it unsubscribes. It
// answers JSON, or the page when the client asks for HTML (the page's own
// button, in a browser).
func (h *handler) unsubscribeLink(w http.ResponseWriter, r *http.Request) error {
	// The body ("List-Unsubscribe=One-Click") carries nothing the
	// token does not say; it is read, bounded, and not required.
	if _, err := httpx.ReadBody(w, r, 4<<10); err != nil {
		return err
	}
	html := prefersHTML(r)
	sub, err := h.svc.UnsubscribeTokenFrom(r.Context(), httpx.ClientAddr(r), r.PathValue("token"))
	if html && errors.Is(err, mailing.ErrUnknownLink) {
		return writePage(w, http.StatusNotFound, linkPage, linkView{Unknown: true})
	}
	if err != nil {
		return err
	}
	if html {
		return writePage(w, http.StatusOK, linkPage, linkView{Email: sub.Email, Done: true})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"email": sub.Email, "subscribed": sub.Subscribed, "message": sub.Email + " is unsubscribed"})
	return nil
}

// prefersHTML reports whether the request's Accept names text/html (a
// browser's form post) and not JSON first.
func prefersHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	i := strings.Index(accept, "text/html")
	if i < 0 {
		return false
	}
	j := strings.Index(accept, "application/json")
	return j < 0 || i < j
}

// confirmPage is the page of the confirmation link of confirmed opt-in,
// in Korean and English. As with the unsubscribe link, a GET (or HEAD)
// only shows it; its button makes the POST that confirms.
var confirmPage = template.Must(template.New("confirm").Parse(pageHead("구독 확인 · Confirm") + `
{{- if .Unknown}}
<h1>알 수 없는 링크 · Unknown link</h1>
<p>이 확인 링크는 유효하지 않습니다.</p>
<p lang="en">This confirmation link is not valid.</p>
{{- else if .Message}}
<h1>구독 확인 · Confirm</h1>
<p lang="en">{{.Message}}</p>
{{- else if .Done}}
<h1>구독이 확인되었습니다 · Subscribed</h1>
<p><strong>{{.Email}}</strong> 주소의 구독이 확인되었습니다.</p>
<p lang="en">The subscription of <strong>{{.Email}}</strong> is confirmed.</p>
{{- else}}
<h1>구독 확인 · Confirm</h1>
<p><strong>{{.Email}}</strong> 주소로 메일링 리스트를 구독하시겠습니까?</p>
<p lang="en">Subscribe <strong>{{.Email}}</strong> to the mailing list?</p>
<form method="post">
<button type="submit">구독 확인 · Confirm</button>
</form>
{{- end}}
</body>
</html>
`))

// confirmView is what the confirmation page shows.
type confirmView struct {
	Email   string
	Done    bool
	Unknown bool
	// Message is a refusal's (expired, nothing to confirm).
	Message string
}

// confirmPageGet shows the confirmation link's page and changes nothing.
func (h *handler) confirmPageGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.svc.LinkSubscriber(r.Context(), r.PathValue("token"))
	if errors.Is(err, mailing.ErrUnknownLink) {
		return writePage(w, http.StatusNotFound, confirmPage, confirmView{Unknown: true})
	}
	if err != nil {
		return err
	}
	return writePage(w, http.StatusOK, confirmPage, confirmView{Email: sub.Email, Done: sub.Subscribed})
}

// confirmLink is the POST of the confirmation page: it confirms. It
// answers JSON, or the page when the client asks for HTML.
func (h *handler) confirmLink(w http.ResponseWriter, r *http.Request) error {
	if _, err := httpx.ReadBody(w, r, 4<<10); err != nil {
		return err
	}
	html := prefersHTML(r)
	sub, err := h.svc.ConfirmToken(r.Context(), httpx.ClientAddr(r), r.PathValue("token"))
	if html {
		switch {
		case errors.Is(err, mailing.ErrUnknownLink):
			return writePage(w, http.StatusNotFound, confirmPage, confirmView{Unknown: true})
		case errors.Is(err, mailing.ErrConfirmExpired):
			return writePage(w, http.StatusNotFound, confirmPage, confirmView{Message: hanok.MessageOf(err)})
		case errors.Is(err, mailing.ErrNothingToConfirm):
			return writePage(w, http.StatusConflict, confirmPage, confirmView{Message: hanok.MessageOf(err)})
		}
	}
	if err != nil {
		return err
	}
	if html {
		return writePage(w, http.StatusOK, confirmPage, confirmView{Email: sub.Email, Done: true})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"email": sub.Email, "subscribed": sub.Subscribed, "message": sub.Email + " is subscribed"})
	return nil
}
