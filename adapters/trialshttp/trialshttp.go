// Package trialshttp is the HTTP adapter of the trials mirror: the seed's
// routes and its {"message": ...} bodies, plus exports and the sync runs.
//
//	GET  /tasks              ?offset=0&limit=10&days=7: the trials changed in the last days
//	GET  /tasks/search       ?title=&department=&institute=&type=&trial_stage=&scope=&offset=&limit=
//	GET  /tasks/export.csv   the search's parameters (and days): every match as CSV (UTF-8 with BOM)
//	GET  /tasks/export.xlsx  the same as an .xlsx workbook
//	GET  /tasks/{key}        one trial by 과제번호 (C130010) or internal id, with its history
//	POST /sync               superuser: ?force=true: run a sync now; 200 with the run, 502 when it failed,
//	                         202 with the run and a Location to poll when it goes on past the wait (25 s)
//	GET  /sync/runs          superuser: ?limit=20: the last runs, newest first
//	GET  /sync/runs/{id}     superuser: one run (SYNC_RUNNING while it goes on)
//	GET  /openapi.json       the adapter's OpenAPI document
//
// A list is {"message": "SUCCESS", "count": <total>, "task_list": [...]};
// errors are {"message": "VALUE_ERROR" | "TASK_DOES_NOT_EXIST" | ...,
// "detail": "what was wrong"}.
package trialshttp

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/trials"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// the adapter's mount point.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

// DefaultSyncWait is how long POST /sync waits for the run to end before
// it answers 202 Accepted: under the server's write timeout, and under
// what a client or proxy waits for an answer.
const DefaultSyncWait = 25 * time.Second

// WithSyncWait sets how long POST /sync waits for the run to end before
// it answers 202 Accepted (DefaultSyncWait when d <= 0).
func WithSyncWait(d time.Duration) Option {
	return func(h *handler) {
		if d > 0 {
			h.wait = d
		}
	}
}

type handler struct {
	svc    *trials.Service
	logger *slog.Logger
	wait   time.Duration
}

// NewHandler returns the adapter's handler, to be mounted under any prefix
// with http.StripPrefix. authn authenticates the sync routes.
func NewHandler(svc *trials.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, logger: slog.New(slog.DiscardHandler), wait: DefaultSyncWait}
	for _, o := range opts {
		o(h)
	}
	rt := httpx.NewRouter(h.render, authn, "")
	rt.Public("GET /tasks", h.recent)
	rt.Public("GET /tasks/search", h.search)
	rt.Public("GET /tasks/export.csv", h.exportCSV)
	rt.Public("GET /tasks/export.xlsx", h.exportXLSX)
	rt.Public("GET /tasks/{key}", h.get)
	rt.User("POST /sync", h.sync)
	rt.User("GET /sync/runs", h.runs)
	rt.User("GET /sync/runs/{id}", h.run)
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}

// message is the seed's word for an error.
func message(err error, status int) string {
	switch {
	case errors.Is(err, httpx.ErrNoRoute):
		return "NOT_FOUND"
	case status == http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case errors.Is(err, trials.ErrSyncRunning):
		return "SYNC_IN_PROGRESS"
	case errors.Is(err, trials.ErrRunNotFound):
		return "RUN_DOES_NOT_EXIST"
	}
	switch hanok.CodeOf(err) {
	case hanok.Invalid:
		return "VALUE_ERROR"
	case hanok.NotFound:
		return "TASK_DOES_NOT_EXIST"
	case hanok.Unauthenticated:
		return "INVALID_TOKEN"
	case hanok.Forbidden:
		return "PERMISSION_DENIED"
	case hanok.Conflict:
		return "CONFLICT"
	case hanok.RateLimited:
		return "TOO_MANY_REQUESTS"
	case hanok.Unavailable:
		return "UNAVAILABLE"
	}
	return "INTERNAL_ERROR"
}

// render is the adapter's one error renderer.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := httpx.Report(w, r, h.logger, err)
	httpx.WriteJSON(w, status, errorBody{Message: message(err, status), Detail: msg})
}

type errorBody struct {
	Message string `json:"message"`
	Detail  string `json:"detail"`
}

// intParam reads the whole-number query parameter name of q; 0 when
// absent.
func intParam(q url.Values, name string, min, max int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, hanok.FieldError(name, fmt.Sprintf("must be a whole number, not %s", strconv.Quote(s)))
	}
	if n < min || n > max {
		return 0, hanok.FieldError(name, fmt.Sprintf("must be from %d to %d", min, max))
	}
	return n, nil
}

// query reads a search's parameters.
func query(r *http.Request, maxLimit int) (trials.Query, error) {
	q := r.URL.Query()
	tq := trials.Query{
		Title: q.Get("title"), Department: q.Get("department"), Institute: q.Get("institute"),
		StudyType: q.Get("type"), Phase: q.Get("trial_stage"), Scope: q.Get("scope"),
	}
	var err error
	if tq.Offset, err = intParam(q, "offset", 0, 1<<31-1); err != nil {
		return tq, err
	}
	if tq.Limit, err = intParam(q, "limit", 1, maxLimit); err != nil {
		return tq, err
	}
	if tq.Days, err = intParam(q, "days", 1, trials.MaxDays); err != nil {
		return tq, err
	}
	return tq, nil
}

// item is a trial in a list.
type item struct {
	ID             trials.ID `json:"id"`
	Number         string    `json:"number"`
	Title          string    `json:"title"`
	Department     string    `json:"department"`
	Institute      string    `json:"institute"`
	NumberOfTarget *int      `json:"number_of_target"`
	Duration       string    `json:"duration"`
	Type           string    `json:"type"`
	TrialStage     string    `json:"trial_stage"`
	Scope          string    `json:"scope"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func toItem(t *trials.Trial) item {
	return item{
		ID: t.ID, Number: t.Number, Title: t.Title, Department: t.Department, Institute: t.Institute,
		NumberOfTarget: t.TargetSize, Duration: t.Duration, Type: t.StudyType, TrialStage: t.Phase, Scope: t.Scope,
		UpdatedAt: t.LastChanged,
	}
}

// info is one trial with everything known about it.
type info struct {
	item
	NumberOfTargetText string    `json:"number_of_target_text"`
	DurationMonths     *int      `json:"duration_months"`
	FirstSeen          time.Time `json:"first_seen"`
	LastChanged        time.Time `json:"last_changed"`
	LastSeen           time.Time `json:"last_seen"`
	Withdrawn          bool      `json:"withdrawn"`
	History            []change  `json:"history"`
}

type change struct {
	Run       trials.RunID `json:"run"`
	Field     string       `json:"field"`
	Old       string       `json:"old"`
	New       string       `json:"new"`
	ChangedAt time.Time    `json:"changed_at"`
}

// fieldNames are the history's field names as the list items name them.
var fieldNames = map[string]string{
	trials.FieldTargetSize: "number_of_target",
	trials.FieldStudyType:  "type",
	trials.FieldPhase:      "trial_stage",
}

// fieldName is the history's field name as the list items name it.
func fieldName(field string) string {
	if f, ok := fieldNames[field]; ok {
		return f
	}
	return field
}

type listBody struct {
	Message  string `json:"message"`
	Count    int    `json:"count"`
	TaskList []item `json:"task_list"`
}

// newListBody is the body of a page of trials (writeList writes it).
func newListBody(l *trials.List) listBody {
	items := make([]item, len(l.Trials))
	for i := range l.Trials {
		items[i] = toItem(&l.Trials[i])
	}
	return listBody{Message: "SUCCESS", Count: l.Total, TaskList: items}
}

func (h *handler) recent(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, err := intParam(q, "offset", 0, 1<<31-1)
	if err != nil {
		return err
	}
	limit, err := intParam(q, "limit", 1, trials.MaxLimit)
	if err != nil {
		return err
	}
	days, err := intParam(q, "days", 1, trials.MaxDays)
	if err != nil {
		return err
	}
	l, err := h.svc.Recent(r.Context(), days, offset, limit)
	if err != nil {
		return err
	}
	writeList(w, l)
	return nil
}

func (h *handler) search(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, trials.MaxLimit)
	if err != nil {
		return err
	}
	l, err := h.svc.Search(r.Context(), q)
	if err != nil {
		return err
	}
	writeList(w, l)
	return nil
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) error {
	d, err := h.svc.Get(r.Context(), r.PathValue("key"))
	if err != nil {
		return err
	}
	writeInfo(w, d)
	return nil
}

// infoBody is the body of one trial with its history (writeInfo writes
// it).
func infoBody(d *trials.Detail) map[string]any {
	in := info{
		item: toItem(&d.Trial), NumberOfTargetText: d.TargetSizeText, DurationMonths: d.DurationMonths,
		FirstSeen: d.FirstSeen, LastChanged: d.LastChanged, LastSeen: d.LastSeen, Withdrawn: d.Withdrawn,
		History: make([]change, len(d.History)),
	}
	for i, c := range d.History {
		in.History[i] = change{Run: c.Run, Field: fieldName(c.Field), Old: c.Old, New: c.New, ChangedAt: c.At}
	}
	return map[string]any{"message": "SUCCESS", "task_info": in}
}

func (h *handler) export(w http.ResponseWriter, r *http.Request, contentType, name string, write func(*bytes.Buffer, []trials.Trial) error) error {
	q, err := query(r, trials.MaxExport)
	if err != nil {
		return err
	}
	ts, err := h.svc.Export(r.Context(), q)
	if err != nil {
		return err
	}
	// Written whole before the first byte goes out, so that a failure is
	// still an error response.
	var buf bytes.Buffer
	if err := write(&buf, ts); err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = buf.WriteTo(w)
	if err != nil {
		h.logger.WarnContext(r.Context(), "trials: writing an export", "err", err)
	}
	return nil
}

func (h *handler) exportCSV(w http.ResponseWriter, r *http.Request) error {
	return h.export(w, r, "text/csv; charset=utf-8", "trials.csv", func(b *bytes.Buffer, ts []trials.Trial) error { return trials.WriteCSV(b, ts) })
}

func (h *handler) exportXLSX(w http.ResponseWriter, r *http.Request) error {
	return h.export(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "trials.xlsx",
		func(b *bytes.Buffer, ts []trials.Trial) error { return trials.WriteXLSX(b, ts) })
}

// RunBody is a sync run as the routes show it (and the trials-sync
// command prints it). FinishedAt is null while the run goes on.
type RunBody struct {
	Message    string       `json:"message,omitempty"`
	ID         trials.RunID `json:"id"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at"`
	Pages      int          `json:"pages"`
	Total      int          `json:"total"`
	Inserted   int          `json:"inserted"`
	Changed    int          `json:"changed"`
	Unchanged  int          `json:"unchanged"`
	Withdrawn  int          `json:"withdrawn"`
	Skipped    int          `json:"skipped"`
	Error      *string      `json:"error"`
}

// NewRunBody returns the body of run r: its message is SUCCESS,
// SYNC_FAILED with the run's error, or SYNC_RUNNING while it goes on.
func NewRunBody(r *trials.Run) RunBody {
	b := RunBody{
		Message: "SUCCESS", ID: r.ID, StartedAt: r.Started, Pages: r.Pages, Total: r.Total,
		Inserted: r.Inserted, Changed: r.Changed, Unchanged: r.Unchanged, Withdrawn: r.Withdrawn, Skipped: r.Skipped,
	}
	switch {
	case r.Running():
		b.Message = "SYNC_RUNNING"
	case r.Error != "":
		finished := r.Finished
		b.Message, b.FinishedAt, b.Error = "SYNC_FAILED", &finished, &r.Error
	default:
		finished := r.Finished
		b.FinishedAt = &finished
	}
	return b
}

// sync starts a sync and waits for it up to h.wait: it answers the
// outcome when the run ends in time (200, or 502 for a failed run), else
// 202 Accepted with the run and its Location, where the caller follows
// it. The run goes on in the background either way, whether or not the
// caller waits.
func (h *handler) sync(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	var opts trials.SyncOptions
	switch f := r.URL.Query().Get("force"); f {
	case "", "false", "0":
	case "true", "1":
		opts.Force = true
	default:
		return hanok.FieldError("force", fmt.Sprintf("must be true or false, not %s", strconv.Quote(f)))
	}
	run, done, err := h.svc.StartSync(r.Context(), actor, opts)
	if err != nil {
		return err
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case res := <-done:
		status := http.StatusOK
		if res.Err != nil {
			status = http.StatusBadGateway
		}
		httpx.WriteJSON(w, status, NewRunBody(res.Run))
	case <-t.C:
		w.Header().Set("Location", mountPath(r, fmt.Sprintf("/sync/runs/%d", run.ID)))
		httpx.WriteJSON(w, http.StatusAccepted, NewRunBody(run))
	case <-r.Context().Done():
		// The caller went away; the run goes on.
	}
	return nil
}

// mountPath is path (of this adapter) as the client addresses it: behind
// the prefix the adapter is mounted under (what http.StripPrefix took
// off the request's path).
func mountPath(r *http.Request, path string) string {
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		if prefix, ok := strings.CutSuffix(u.EscapedPath(), r.URL.EscapedPath()); ok {
			return prefix + path
		}
	}
	return path
}

// run answers one sync run.
func (h *handler) run(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "id", "sync run")
	if err != nil {
		return hanok.Wrap(hanok.NotFound, trials.ErrRunNotFound, hanok.MessageOf(err))
	}
	run, err := h.svc.Run(r.Context(), actor, trials.RunID(id))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, NewRunBody(run))
	return nil
}

func (h *handler) runs(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	limit, err := intParam(r.URL.Query(), "limit", 1, trials.MaxRuns)
	if err != nil {
		return err
	}
	runs, err := h.svc.Runs(r.Context(), actor, limit)
	if err != nil {
		return err
	}
	out := make([]RunBody, len(runs))
	for i := range runs {
		out[i] = NewRunBody(&runs[i])
		out[i].Message = ""
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"message": "SUCCESS", "count": len(out), "runs": out})
	return nil
}
