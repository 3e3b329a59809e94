// Package trialshttp is the HTTP adapter of the trials mirror: the seed's
// routes and its {"message": ...} bodies, plus exports and the sync runs.
//
//	GET  /tasks              ?offset=0&limit=10&days=7: the trials changed in the last days
//	GET  /tasks/search       ?title=&department=&institute=&type=&trial_stage=&scope=&offset=&limit=
//	GET  /tasks/export.csv   the search's parameters (and days): every match as CSV (UTF-8 with BOM)
//	GET  /tasks/export.xlsx  the same as an .xlsx workbook
//	GET  /tasks/{key}        one trial by 과제번호 (C130010) or internal id, with its history
//	POST /sync               superuser: ?force=true: run a sync now; 200 with the run, or 502 when it failed
//	GET  /sync/runs          superuser: ?limit=20: the last runs, newest first
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
	"strconv"
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

type handler struct {
	svc    *trials.Service
	logger *slog.Logger
}

// NewHandler returns the adapter's handler, to be mounted under any prefix
// with http.StripPrefix. authn authenticates the sync routes.
func NewHandler(svc *trials.Service, authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{svc: svc, logger: slog.New(slog.DiscardHandler)}
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

// intParam reads the whole-number query parameter name; 0 when absent.
func intParam(r *http.Request, name string, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
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
	if tq.Offset, err = intParam(r, "offset", 0, 1<<31-1); err != nil {
		return tq, err
	}
	if tq.Limit, err = intParam(r, "limit", 1, maxLimit); err != nil {
		return tq, err
	}
	if tq.Days, err = intParam(r, "days", 1, trials.MaxDays); err != nil {
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

type listBody struct {
	Message  string `json:"message"`
	Count    int    `json:"count"`
	TaskList []item `json:"task_list"`
}

func writeList(w http.ResponseWriter, l *trials.List) {
	items := make([]item, len(l.Trials))
	for i := range l.Trials {
		items[i] = toItem(&l.Trials[i])
	}
	httpx.WriteJSON(w, http.StatusOK, listBody{Message: "SUCCESS", Count: l.Total, TaskList: items})
}

func (h *handler) recent(w http.ResponseWriter, r *http.Request) error {
	offset, err := intParam(r, "offset", 0, 1<<31-1)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 1, trials.MaxLimit)
	if err != nil {
		return err
	}
	days, err := intParam(r, "days", 1, trials.MaxDays)
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
	in := info{
		item: toItem(&d.Trial), NumberOfTargetText: d.TargetSizeText, DurationMonths: d.DurationMonths,
		FirstSeen: d.FirstSeen, LastChanged: d.LastChanged, LastSeen: d.LastSeen, Withdrawn: d.Withdrawn,
		History: make([]change, len(d.History)),
	}
	for i, c := range d.History {
		field := c.Field
		if f, ok := fieldNames[field]; ok {
			field = f
		}
		in.History[i] = change{Run: c.Run, Field: field, Old: c.Old, New: c.New, ChangedAt: c.At}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"message": "SUCCESS", "task_info": in})
	return nil
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
// command prints it).
type RunBody struct {
	Message    string       `json:"message,omitempty"`
	ID         trials.RunID `json:"id"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at"`
	Pages      int          `json:"pages"`
	Total      int          `json:"total"`
	Inserted   int          `json:"inserted"`
	Changed    int          `json:"changed"`
	Unchanged  int          `json:"unchanged"`
	Withdrawn  int          `json:"withdrawn"`
	Skipped    int          `json:"skipped"`
	Error      *string      `json:"error"`
}

// NewRunBody returns the body of run r: its message is SUCCESS, or
// SYNC_FAILED with the run's error.
func NewRunBody(r *trials.Run) RunBody {
	b := RunBody{
		Message: "SUCCESS", ID: r.ID, StartedAt: r.Started, FinishedAt: r.Finished, Pages: r.Pages, Total: r.Total,
		Inserted: r.Inserted, Changed: r.Changed, Unchanged: r.Unchanged, Withdrawn: r.Withdrawn, Skipped: r.Skipped,
	}
	if r.Error != "" {
		b.Message, b.Error = "SYNC_FAILED", &r.Error
	}
	return b
}

// sync runs a sync in the request: a client that goes away cancels it,
// and a canceled sync stores nothing.
func (h *handler) sync(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	var opts trials.SyncOptions
	switch f := r.URL.Query().Get("force"); f {
	case "", "false", "0":
	case "true", "1":
		opts.Force = true
	default:
		return hanok.FieldError("force", fmt.Sprintf("must be true or false, not %s", strconv.Quote(f)))
	}
	run, err := h.svc.Sync(r.Context(), actor, opts)
	if err != nil && (run == nil || run.ID == 0) {
		return err
	}
	if err != nil {
		httpx.WriteJSON(w, http.StatusBadGateway, NewRunBody(run))
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, NewRunBody(run))
	return nil
}

func (h *handler) runs(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	limit, err := intParam(r, "limit", 1, trials.MaxRuns)
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
