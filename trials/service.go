package trials

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
)

// Limits of the queries.
const (
	// DefaultLimit is the page size of a list when none is asked for;
	// MaxLimit the largest page.
	DefaultLimit = 10
	MaxLimit     = 100
	// DefaultDays is the window of Recent when none is asked for; MaxDays
	// the widest.
	DefaultDays = 7
	MaxDays     = 3650
	// MaxExport is the most trials one export holds.
	MaxExport = 100_000
	// MaxTermLen is the longest search term, in characters.
	MaxTermLen = 200
	// DefaultRuns is the number of runs Runs lists when none is asked for;
	// MaxRuns the most.
	DefaultRuns = 20
	MaxRuns     = 500
)

// DefaultMaxWithdraw is Config.MaxWithdraw when none is given: one run
// withdraws at most a tenth of the mirror unless forced.
const DefaultMaxWithdraw = 0.10

// Config configures a Service. The zero value is usable, without a Source
// (a sync then fails with ErrNoSource).
type Config struct {
	// Source is the upstream the syncs read.
	Source Source
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// After waits for the schedule's next run (time.After by default);
	// tests give a channel they control.
	After func(d time.Duration) <-chan time.Time
	// FetchWorkers is how many pages a sync asks for at once after the
	// first (default 4); the source's rate limit still holds.
	FetchWorkers int
	// MaxWithdraw is the largest share (0 to 1) of the trials that are
	// not withdrawn that one sync may withdraw without being forced
	// (SyncOptions.Force). Default DefaultMaxWithdraw.
	MaxWithdraw float64
	// OnRun, if set, is called with every run that ends, done or
	// failed: the program's metrics.
	OnRun func(Run)
	// Logger receives a line for each run and each skipped record.
	// Default: discard.
	Logger *slog.Logger
}

// Service is the trials mirror: its syncs and its queries.
type Service struct {
	store   Store
	cfg     Config
	syncing sync.Mutex
}

// New returns a Service over store.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, fmt.Errorf("trials: New needs a store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxWithdraw == 0 {
		cfg.MaxWithdraw = DefaultMaxWithdraw
	}
	if !(cfg.MaxWithdraw > 0 && cfg.MaxWithdraw <= 1) {
		return nil, hanok.Errorf(hanok.Invalid, "trials: MaxWithdraw %g: want a share from 0 to 1", cfg.MaxWithdraw)
	}
	if cfg.FetchWorkers <= 0 {
		cfg.FetchWorkers = 4
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, cfg: cfg}, nil
}

// now is the clock in UTC, to the microsecond: what every store keeps.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// Detail is one trial with its history, newest change first.
type Detail struct {
	Trial
	History []Change
}

// Get returns the trial of key, its upstream number (C130010) or its
// internal id (42), with its history; ErrTrialNotFound (its message
// naming key) when there is none.
func (s *Service) Get(ctx context.Context, key string) (*Detail, error) {
	key = strings.TrimSpace(key)
	notFound := func() error {
		return hanok.Wrap(hanok.NotFound, ErrTrialNotFound, fmt.Sprintf("trial %q not found", key))
	}
	if key == "" {
		return nil, notFound()
	}
	// A key of digits is an id first (upstream numbers start with a
	// letter), then a number.
	var t *Trial
	var err error
	if id, perr := strconv.ParseInt(key, 10, 64); perr == nil && id > 0 {
		t, err = s.store.Trial(ctx, ID(id))
	}
	if t == nil && (err == nil || hanok.IsCode(err, hanok.NotFound)) {
		t, err = s.store.TrialByNumber(ctx, key)
	}
	if hanok.IsCode(err, hanok.NotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("trials: get %q: %w", key, err)
	}
	h, err := s.store.History(ctx, t.Number)
	if err != nil {
		return nil, fmt.Errorf("trials: history of %s: %w", t.Number, err)
	}
	return &Detail{Trial: *t, History: h}, nil
}

// Query is a search: each text given must match (Title and Institute as
// substrings, the others as whole values, all regardless of case), and
// Offset/Limit page the result. Withdrawn trials are not listed.
type Query struct {
	Title      string
	Department string
	Institute  string
	StudyType  string
	Phase      string
	Scope      string
	// Days, if not 0, keeps the trials changed in the last Days days.
	Days int
	// Offset is the number of trials to skip; Limit the page size
	// (DefaultLimit when 0, at most MaxLimit).
	Offset int
	Limit  int
}

// List is a page of trials and how many match in all.
type List struct {
	Trials []Trial
	Total  int
}

// Recent lists the trials changed in the last days days (DefaultDays when
// 0), most recently changed first: a trial no run changed does not appear.
func (s *Service) Recent(ctx context.Context, days, offset, limit int) (*List, error) {
	if days == 0 {
		days = DefaultDays
	}
	return s.Search(ctx, Query{Days: days, Offset: offset, Limit: limit})
}

// Search lists the trials that match q, most recently changed first, then
// by number.
func (s *Service) Search(ctx context.Context, q Query) (*List, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, hanok.FieldError("limit", fmt.Sprintf("must be from 1 to %d", MaxLimit))
	}
	f, err := s.filter(q)
	if err != nil {
		return nil, err
	}
	ts, total, err := s.store.Trials(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("trials: search: %w", err)
	}
	return &List{Trials: ts, Total: total}, nil
}

// Export returns every trial that matches q (at most MaxExport), in the
// order of Search; q.Limit 0 means all of them.
func (s *Service) Export(ctx context.Context, q Query) ([]Trial, error) {
	if q.Limit == 0 {
		q.Limit = MaxExport
	}
	if q.Limit < 1 || q.Limit > MaxExport {
		return nil, hanok.FieldError("limit", fmt.Sprintf("must be from 1 to %d", MaxExport))
	}
	f, err := s.filter(q)
	if err != nil {
		return nil, err
	}
	ts, _, err := s.store.Trials(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("trials: export: %w", err)
	}
	return ts, nil
}

// filter checks q and turns it into a store Filter.
func (s *Service) filter(q Query) (Filter, error) {
	if q.Offset < 0 {
		return Filter{}, hanok.FieldError("offset", "must not be negative")
	}
	if q.Days < 0 || q.Days > MaxDays {
		return Filter{}, hanok.FieldError("days", fmt.Sprintf("must be from 1 to %d", MaxDays))
	}
	f := Filter{Offset: q.Offset, Limit: q.Limit}
	for _, t := range []struct {
		name string
		in   string
		out  *string
	}{
		{"title", q.Title, &f.Title},
		{"department", q.Department, &f.Department},
		{"institute", q.Institute, &f.Institute},
		{"type", q.StudyType, &f.StudyType},
		{"trial_stage", q.Phase, &f.Phase},
		{"scope", q.Scope, &f.Scope},
	} {
		v := strings.TrimSpace(t.in)
		if err := hanok.CheckText(t.name, v, hanok.TextRule{Max: MaxTermLen}); err != nil {
			return Filter{}, err
		}
		*t.out = hanok.Fold(v)
	}
	if q.Days > 0 {
		f.ChangedSince = s.now().Add(-time.Duration(q.Days) * 24 * time.Hour)
	}
	return f, nil
}

// Runs returns the last limit sync runs (DefaultRuns when 0), newest
// first, to actor, who must be a superuser: the runs describe the
// operator's upstream.
func (s *Service) Runs(ctx context.Context, actor hanok.Actor, limit int) ([]Run, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if !actor.Superuser {
		return nil, ErrSuperuserOnly
	}
	if limit == 0 {
		limit = DefaultRuns
	}
	if limit < 1 || limit > MaxRuns {
		return nil, hanok.FieldError("limit", fmt.Sprintf("must be from 1 to %d", MaxRuns))
	}
	runs, err := s.store.Runs(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("trials: runs: %w", err)
	}
	return runs, nil
}
